"""CKV_OSPLAT_5: no resource argument holds a literal secret.

Runs on every resource, so it also shows that checkov read each resource of a stack. A
resource fails when, outside ``user_data`` (CKV_OSPLAT_4 reads that):
- any string holds a private key block or a GitLab token;
- an argument or map key named like a secret (``password``, ``admin_pass``, ``secret``,
  ``token``, ``private_key``, ``api_key``, ``access_key``, ``client_secret``, or ending in one
  of them: ``adminPassword``, ``bootstrap_token``) has a literal value rather than a
  Terraform reference;
- a Helm ``set`` item names a secret (``grafana.adminPassword``) and gives it a literal value:
  such values belong in ``set_sensitive``, from a sensitive variable.
"""

from __future__ import annotations

import re
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

try:
    from ._policy_support import GITLAB_TOKEN, PRIVATE_KEY, first, only_reference, strings
except ImportError:  # loaded by checkov as a top-level module
    from _policy_support import GITLAB_TOKEN, PRIVATE_KEY, first, only_reference, strings  # type: ignore[no-redef]

# Argument names (admin_pass, application credential secret) and map keys or Helm settings
# (adminPassword, client-secret). A bare "secret" counts only as a whole word: charts and
# manifests name Kubernetes Secrets that way (existingSecret: <name>).
_SECRET_NAME = re.compile(
    r"(?:^|[_-])(?:pass|secret)$|(?:password|passwd|token|private_?key|api_?key|access_?key|secret_?key|client_?secret)$",
    re.IGNORECASE | re.ASCII,
)
_CHECKED_ELSEWHERE = {"user_data"}


def _is_literal(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != "" and only_reference(value) is None


class LiteralSecrets(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=(
                "Resource argument holds a literal secret (a private key, a GitLab token, or a password, secret or "
                "token argument written as text): use a sensitive variable or a generated resource's attribute"
            ),
            id="CKV_OSPLAT_5",
            categories=[CheckCategories.SECRETS],
            supported_resources=["*"],
            guideline=(
                "Synthesized JSON, plans and CI logs are read by many; a secret written into them is leaked. "
                "Declare a variable with sensitive = true (set it through TF_VAR_<name> in CI) or take the "
                "attribute of a resource that generates the secret; for Helm charts use set_sensitive."
            ),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        found: list[str] = []
        for path, text in strings({k: v for k, v in conf.items() if k not in _CHECKED_ELSEWHERE}):
            if PRIVATE_KEY.search(text):
                found.append(f"{path}: a private key block")
            if GITLAB_TOKEN.search(text):
                found.append(f"{path}: a GitLab token")
            if _SECRET_NAME.search(path.rsplit(".", 1)[-1]) and _is_literal(text):
                found.append(f"{path}: a literal value")
        for item in conf.get("set") or []:
            if isinstance(item, dict):
                setting, value = first(item.get("name")), first(item.get("value"))
                if isinstance(setting, str) and _SECRET_NAME.search(setting.rsplit(".", 1)[-1]) and _is_literal(value):
                    found.append(f"set {setting}: a literal value (use set_sensitive)")
        self.evaluated_keys = sorted({entry.split(":", 1)[0] for entry in found})
        self.details.extend(sorted(set(found)))
        return CheckResult.FAILED if found else CheckResult.PASSED


check = LiteralSecrets()
