"""CKV_OSPLAT_2: a floating IP is attached only to the bastion.

The bastion is recognised by what the library writes on it, not by a name: an instance whose
``metadata.role`` is ``bastion``. A floating IP association passes when its port is a network
port of such an instance in the same stack; anything else (a runner, a node, a port given by
literal id) fails.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckResult

try:
    from ._policy_support import FileGraphCheck, first, only_reference
except ImportError:  # loaded by checkov as a top-level module
    from _policy_support import FileGraphCheck, first, only_reference  # type: ignore[no-redef]

_PORT_OF = {
    "openstack_networking_floatingip_associate_v2": "port_id",
    "openstack_networking_floatingip_v2": "port_id",
}
# Removed in provider 3.0, still written by older code: it names the instance directly.
_INSTANCE_OF = {"openstack_compute_floatingip_associate_v2": "instance_id"}


class FloatingIpOutsideBastion(FileGraphCheck):
    def evaluate(
        self, document: dict[str, Any], name: str, block: dict[str, Any], resource_type: str | None
    ) -> CheckResult:
        instances = document.get("resource", {}).get("openstack_compute_instance_v2", {})
        bastions = {
            instance_name: instance
            for instance_name, instance in instances.items()
            if isinstance(instance, dict)
            and isinstance(instance.get("metadata"), dict)
            and instance["metadata"].get("role") == "bastion"
        }
        if resource_type in _INSTANCE_OF:
            target = only_reference(str(block.get(_INSTANCE_OF[resource_type], "")))
            wanted = {f"openstack_compute_instance_v2.{bastion}.id" for bastion in bastions}
            return CheckResult.PASSED if target in wanted else CheckResult.FAILED
        port = block.get(_PORT_OF.get(resource_type or "", ""))
        if port is None:
            return CheckResult.PASSED  # allocated but not attached here
        bastion_ports = {
            str(first(network.get("port")))
            for instance in bastions.values()
            for network in _as_list(instance.get("network"))
            if isinstance(network, dict) and network.get("port")
        }
        return CheckResult.PASSED if str(port) in bastion_ports else CheckResult.FAILED


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


check = FloatingIpOutsideBastion(
    check_id="CKV_OSPLAT_2",
    name=(
        "Floating IP attached to something other than the bastion: give only the bastion a floating IP "
        "(an instance with metadata role = bastion) and reach other hosts through it"
    ),
    guideline=(
        "Runners, cluster nodes and other VMs stay on the private network; operators reach them with "
        "ProxyJump through the bastion. An association passes when its port_id is a network port of an "
        "instance in the same stack whose metadata.role is bastion, as the Bastion construct writes."
    ),
    block_type="resource",
    resource_types=[*_PORT_OF, *_INSTANCE_OF],
)
