"""CKV_OSPLAT_10: the Helm and Kubernetes providers are not configured from resources of their own stack.

A provider configured from a resource created in the same plan has no value to connect with
when that resource is new or being replaced, and plans fail or act on the wrong cluster
(terraform-provider-helm#668, terraform-provider-kubernetes#1307). The cluster lives in the
infra stack; the platform stack reads it through remote state or a data source. Every
reference in the provider's configuration must therefore be to a data source (``data.``,
remote state included), a variable (``var.``) or a local (``local.``).
"""

from __future__ import annotations

import re
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.provider.base_check import BaseProviderCheck

try:
    from ._policy_support import strings, templates
except ImportError:  # loaded by checkov as a top-level module
    from _policy_support import strings, templates  # type: ignore[no-redef]

# The start of a traversal: data.x.y, var.x, local.x, or a managed resource type.name.
_ROOT = re.compile(r"(?<![A-Za-z0-9_.\"-])([A-Za-z_][A-Za-z0-9_-]*)\.[A-Za-z_][A-Za-z0-9_-]*", re.ASCII)
_ALLOWED_ROOTS = {"data", "var", "local", "path", "terraform"}


def managed_references(expression: str) -> list[str]:
    """Managed resources (``type.name``) that ``expression`` reads."""
    without_strings = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expression)
    return [match.group(0) for match in _ROOT.finditer(without_strings) if match.group(1) not in _ALLOWED_ROOTS]


class ProviderFromManagedResource(BaseProviderCheck):
    def __init__(self) -> None:
        super().__init__(
            name=(
                "Helm or Kubernetes provider is configured from a resource of the same stack: read the cluster "
                "through terraform_remote_state or a data source instead"
            ),
            id="CKV_OSPLAT_10",
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_provider=["helm", "kubernetes"],
            guideline=(
                "Create the cluster in one stack and install into it from another: the provider's host, "
                "certificates and keys come from the cluster stack's outputs (terraform_remote_state) or a data "
                "source, never from a resource planned together with the releases."
            ),
        )

    def scan_provider_conf(self, conf: dict[str, Any]) -> CheckResult:
        found = sorted(
            {
                f"{path}: {reference}"
                for path, text in strings(conf)
                for template in templates(text)
                for reference in managed_references(template.expression)
            }
        )
        self.details.extend(found)
        return CheckResult.FAILED if found else CheckResult.PASSED


check = ProviderFromManagedResource()
