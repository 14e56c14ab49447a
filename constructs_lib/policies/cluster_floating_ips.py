"""CKV_OSPLAT_3: Magnum gives neither the nodes nor the API load balancer a floating IP.

Magnum's cluster templates default ``floating_ip_enabled`` to true, so a template must say
false; a cluster inherits its template's setting unless it sets its own. The API load
balancer's floating IP follows the ``master_lb_floating_ip_enabled`` label.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

try:
    from ._policy_support import first
except ImportError:  # loaded by checkov as a top-level module
    from _policy_support import first  # type: ignore[no-redef]

_TEMPLATE = "openstack_containerinfra_clustertemplate_v1"


def _is_true(value: Any) -> bool:
    return value is True or str(value).strip().lower() == "true"


def _is_false(value: Any) -> bool:
    return value is False or str(value).strip().lower() == "false"


class ClusterFloatingIps(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=(
                "Magnum cluster gives its nodes or API load balancer floating IPs: set floating_ip_enabled = false "
                "(required on templates, where Magnum defaults to true) and leave the label "
                "master_lb_floating_ip_enabled unset or false"
            ),
            id="CKV_OSPLAT_3",
            categories=[CheckCategories.NETWORKING],
            supported_resources=[_TEMPLATE, "openstack_containerinfra_cluster_v1"],
            guideline=(
                "Cluster nodes stay on the private network and the API load balancer is reached from the "
                "network's subnets (master_lb_allowed_cidrs). A public API is an exception an operator "
                "decides: skip this check for that cluster explicitly."
            ),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        self.evaluated_keys = ["floating_ip_enabled", "labels/[0]/master_lb_floating_ip_enabled"]
        enabled = first(conf.get("floating_ip_enabled"))
        if self.entity_type == _TEMPLATE and not _is_false(enabled):
            self.details.append("floating_ip_enabled is not false (Magnum's template default is true)")
            return CheckResult.FAILED
        if _is_true(enabled):
            self.details.append("floating_ip_enabled is true")
            return CheckResult.FAILED
        labels = first(conf.get("labels"))
        if isinstance(labels, dict) and _is_true(first(labels.get("master_lb_floating_ip_enabled"))):
            self.details.append("label master_lb_floating_ip_enabled is true")
            return CheckResult.FAILED
        return CheckResult.PASSED


check = ClusterFloatingIps()
