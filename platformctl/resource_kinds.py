"""What a resource type is, in words, and which of its arguments force a new resource.

Previews and diffs use this to make dangerous changes loud. It is knowledge of the providers,
kept in one table so it can be reviewed against their docs:

- the cluster and node group types of every cluster driver come from the driver table
  (:data:`constructs_lib.cluster_drivers.DRIVERS`, checked against the providers' schemas).
  Where drivers differ on a type (a Magnum cluster moves to a new template in place on the
  Cluster API drivers but is replaced on Heat), only what every driver updates in place is
  claimed as in place: a preview errs on the loud side.
- terraform-provider-openstack 3.0: security group rules cannot be updated at all.
- Terraform's built-in ``terraform_data`` (Terraform 1.4+, docs of the resource): a change of
  ``triggers_replace`` replaces it, ``input`` updates in place. The library keeps its revision
  digests there, and ``lifecycle.replace_triggered_by`` carries their replacement on.
- For types not listed, nothing is claimed: a plan's ``replace_paths`` is the authority.

When the driver of the stack is known (:mod:`platformctl.drivers` reads it from the
environment file), its own facts are used instead (:func:`forces_replacement` ``driver=``).
"""

from __future__ import annotations

from constructs_lib.cluster_drivers import DRIVERS
from constructs_lib.cluster_drivers import driver as cluster_driver

#: Resource type -> what it is, as a reviewer should read it.
DESCRIPTIONS: dict[str, str] = {
    "openstack_containerinfra_cluster_v1": "a whole Kubernetes cluster (Magnum)",
    "selectel_mks_cluster_v1": "a whole Kubernetes cluster (Selectel MKS)",
    "selectel_mks_nodegroup_v1": "a node group of the cluster (Selectel MKS)",
    "kubernetes_storage_class_v1": "a StorageClass",
    "openstack_containerinfra_nodegroup_v1": "a node group of the cluster",
    "openstack_containerinfra_clustertemplate_v1": "a cluster template",
    "openstack_networking_floatingip_v2": "a floating IP (the public address changes)",
    "openstack_networking_floatingip_associate_v2": "a floating IP association",
    "openstack_networking_network_v2": "a private network",
    "openstack_networking_subnet_v2": "a subnet",
    "openstack_networking_router_v2": "a router",
    "openstack_networking_router_interface_v2": "a router interface",
    "openstack_networking_port_v2": "a network port (the VM's private address)",
    "openstack_networking_secgroup_v2": "a security group",
    "openstack_networking_secgroup_rule_v2": "a security group rule",
    "openstack_compute_instance_v2": "a virtual machine",
    "openstack_compute_servergroup_v2": "a server group",
    "openstack_compute_keypair_v2": "an SSH key pair",
    "gitlab_user_runner": "a GitLab runner registration",
    "helm_release": "a Helm release",
    "kubernetes_node_taint": "a node taint",
    "kubernetes_labels": "node labels",
    "kubernetes_namespace_v1": "a namespace (deleting it deletes everything in it)",
    "kubernetes_secret_v1": "a Secret",
    "kubernetes_role_v1": "a Role (permissions in one namespace)",
    "kubernetes_role_binding_v1": "a RoleBinding (who gets a Role in one namespace)",
    "kubernetes_cluster_role_binding_v1": "a ClusterRoleBinding (who gets a ClusterRole cluster-wide)",
    "kubernetes_service_account_v1": "a ServiceAccount",
    "terraform_data": "a terraform_data value",
}


def _in_place_by_type() -> dict[str, frozenset[str]]:
    table: dict[str, frozenset[str]] = {
        "openstack_networking_secgroup_rule_v2": frozenset({"timeouts"}),
        "terraform_data": frozenset({"input"}),
    }
    for driver in DRIVERS.values():
        for resource_type, arguments in driver.in_place.items():
            table[resource_type] = table[resource_type] & arguments if resource_type in table else arguments
    return table


#: Resource type -> the arguments that update in place. Every other argument of these types
#: forces a new resource.
IN_PLACE_ARGUMENTS: dict[str, frozenset[str]] = _in_place_by_type()


def describe(resource_type: str) -> str | None:
    """``a whole Kubernetes cluster (Magnum)`` for a cluster; None for types not described."""
    return DESCRIPTIONS.get(resource_type)


def in_place_arguments(resource_type: str, driver: str | None = None) -> frozenset[str] | None:
    """The arguments of ``resource_type`` that update in place; None when not known.

    With the stack's ``driver``, that driver's facts for the types it builds; without one
    (or for other types), what every driver updates in place.
    """
    if driver is not None and driver in DRIVERS:
        own = cluster_driver(driver).in_place.get(resource_type)
        if own is not None:
            return own
    return IN_PLACE_ARGUMENTS.get(resource_type)


def forces_replacement(resource_type: str, argument: str, driver: str | None = None) -> bool | None:
    """Whether changing ``argument`` (top-level name) replaces the resource; None when not known."""
    in_place = in_place_arguments(resource_type, driver)
    if in_place is None:
        return None
    return argument not in in_place
