"""CKV_OSPLAT_8: Helm values contain no Terraform expressions but plain attribute references.

The library writes a release's ``values`` as literal YAML documents. Terraform still reads
each ``${...}`` and ``%{...}`` in them as a template: a chart's own placeholder (a Grafana
``${DS_PROMETHEUS}``, an alert template ``%{ if }``) breaks the plan or is silently evaluated,
and a ``${var.password}`` puts a secret into the values that every plan shows. The only
templates the library writes there are references to another resource's or data source's
attribute (a subnet id, a cross-stack output read from remote state).

Rule: in every ``values`` document, each ``${...}`` must be exactly one reference to a
resource or data-source attribute (``type.name.attribute``, ``data.type.name.attribute``,
with ``.x``, ``[0]``, ``["k"]`` traversals); no function calls or operators, no ``var.`` or
``local.`` references (secrets go through ``set_sensitive``), and no ``%{`` directive. A
literal ``${`` or ``%{`` is written ``$${`` / ``%%{``.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

try:
    from ._policy_support import is_attribute_reference, strings, templates
except ImportError:  # loaded by checkov as a top-level module
    from _policy_support import is_attribute_reference, strings, templates  # type: ignore[no-redef]


def forbidden_templates(document: str) -> list[str]:
    """The template sequences of one values document that the rule rejects, as written."""
    found = []
    for template in templates(document):
        if template.kind == "${" and is_attribute_reference(template.expression):
            continue
        found.append(document[template.start : template.end])
    return found


class HelmValuesExpressions(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=(
                "Helm values contain a Terraform expression other than an attribute reference (a variable, "
                "function, %{ } directive or a chart's own ${...} placeholder): escape literal text as $${ or "
                "%%{, and pass secrets with set_sensitive"
            ),
            id="CKV_OSPLAT_8",
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_resources=["helm_release"],
            guideline=(
                "Values are literal YAML documents; the only templates allowed in them are plain references to "
                "a resource or data-source attribute, which the library writes for ids it wires between stacks. "
                "Variables and computed secrets go through set_sensitive, where terraform hides them."
            ),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        self.evaluated_keys = ["values"]
        found = [template for _, document in strings(conf.get("values")) for template in forbidden_templates(document)]
        # Name the expression, not its value: it may be the secret that should not be there.
        self.details.extend(f"values: {template[:80]}" for template in found)
        return CheckResult.FAILED if found else CheckResult.PASSED


check = HelmValuesExpressions()
