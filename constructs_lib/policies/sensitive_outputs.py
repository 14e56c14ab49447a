"""CKV_OSPLAT_6: an output that carries a secret is marked ``sensitive = true``.

An output's value is secret when it references:
- a known secret attribute: a cluster's kubeconfig, a runner's token, a generated password
  or private key, an application credential's secret, an instance's admin password;
- any attribute whose name says it is one (``password``, ``secret``, ``token``,
  ``private_key``, ``client_key``, ``kubeconfig``, ``raw_config``, ...), so that resources
  this list does not know yet (a Selectel kubeconfig, say) are covered;
- a variable declared ``sensitive = true`` in the same stack.

Checkov's Python checks do not run on outputs and its YAML checks skip them, so this is a
graph check reading the stack's ``.tf.json`` itself.
"""

from __future__ import annotations

import re
from typing import Any

from checkov.common.models.enums import CheckResult

try:
    from ._policy_support import FileGraphCheck, strings, templates
except ImportError:  # loaded by checkov as a top-level module
    from _policy_support import FileGraphCheck, strings, templates  # type: ignore[no-redef]

_SECRET_ATTRIBUTES = {
    "openstack_containerinfra_cluster_v1": {"kubeconfig"},
    # A data source: every part of the kubeconfig, the API address included, is sensitive there.
    "selectel_mks_kubeconfig_v1": {"raw_config", "server", "cluster_ca_cert", "client_cert", "client_key"},
    "openstack_compute_instance_v2": {"admin_pass"},
    "openstack_compute_keypair_v2": {"private_key"},
    "openstack_identity_application_credential_v3": {"secret"},
    "openstack_identity_ec2_credential_v3": {"secret"},
    "gitlab_user_runner": {"token"},
    "gitlab_runner": {"authentication_token"},
    "gitlab_personal_access_token": {"token"},
    "gitlab_project_access_token": {"token"},
    "gitlab_group_access_token": {"token"},
    "gitlab_deploy_token": {"token"},
    "random_password": {"result", "bcrypt_hash"},
    "tls_private_key": {"private_key_pem", "private_key_openssh", "private_key_pem_pkcs8"},
}
_SECRET_NAME = re.compile(
    r"password|passwd|secret|token|private_key|client_key|kubeconfig|kube_config|raw_config|admin_pass|credential"
)
_REFERENCE = re.compile(
    r"\b(data\.)?([A-Za-z_][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_-]*)", re.ASCII
)


def secret_references(document: dict[str, Any], value: Any) -> list[str]:
    """The references in ``value`` that carry a secret, as written (``var.x``, ``type.name.attr``)."""
    variables = document.get("variable")
    sensitive_variables = {
        name
        for name, variable in (variables.items() if isinstance(variables, dict) else ())
        if isinstance(variable, dict) and variable.get("sensitive") is True
    }
    found = []
    for _, text in strings(value):
        for template in templates(text):
            for match in re.finditer(r"\bvar\.([A-Za-z_][A-Za-z0-9_-]*)", template.expression, re.ASCII):
                if match.group(1) in sensitive_variables:
                    found.append(match.group(0))
            for match in _REFERENCE.finditer(template.expression):
                is_data, kind, _, attribute = match.groups()
                if kind in ("var", "local", "module") or (is_data is None and kind == "data"):
                    continue
                if kind == "terraform_remote_state":
                    continue  # another stack's output: that stack decides whether it is sensitive
                if attribute in _SECRET_ATTRIBUTES.get(kind, ()) or _SECRET_NAME.search(attribute):
                    found.append(match.group(0))
    return found


class SensitiveOutputs(FileGraphCheck):
    def evaluate(
        self, document: dict[str, Any], name: str, block: dict[str, Any], resource_type: str | None
    ) -> CheckResult:
        if block.get("sensitive") is True:
            return CheckResult.PASSED
        return CheckResult.FAILED if secret_references(document, block.get("value")) else CheckResult.PASSED


check = SensitiveOutputs(
    check_id="CKV_OSPLAT_6",
    name=(
        "Output carries a secret (a kubeconfig, token, password, private key or sensitive variable) but is not "
        "marked sensitive: set sensitive = true on the output"
    ),
    guideline=(
        "terraform prints outputs in plans, apply logs and CI job logs unless they are sensitive. Mark the "
        "output sensitive = true and read it with terraform output -raw <name> where it is needed."
    ),
    block_type="output",
)
