"""Deckhouse-style labels and taints on the nodes of dedicated roles, where the driver cannot.

Magnum cannot taint nodes or set arbitrary node labels (no released API has them); each
driver labels nodes its own way (``magnum.openstack.org/role=<role>``,
``capi.stackhpc.com/node-group=<group>``, ``node-role.kubernetes.io/<role>``). This
construct, placed in the platform stack (where the kubernetes provider is configured), reads
the nodes of each role at plan time by the label the cluster's driver really sets, and
applies, per node, the label ``node-role.deckhouse.io/<role>=""`` and the taint
``dedicated.deckhouse.io=<role>:NoExecute`` with server-side apply. Drivers that taint nodes
as they join (Selectel MKS) need none of this: ``ClusterProfile.roles_to_taint`` is empty.

Limits, by design of this mechanism:
- A node that appears after the last apply (autoscaler scale-up, a replaced node) carries
  neither label nor taint until the platform stack is applied again; schedule a periodic
  apply of ``<env>-platform`` for autoscaled groups. Until then, anything can be scheduled on
  it, but addons still select it by the Magnum role label.
- When a node leaves, its entries drop out of the plan and Terraform removes nothing from the
  cluster (the node is gone); a plan shows them as destroyed.
- Taints are ``NoExecute``: pods without the toleration already running on the node are
  evicted when the taint is first applied. Apply the platform stack before moving workloads.
"""

from __future__ import annotations

from cdktf import Fn, TerraformIterator, Token
from constructs import Construct

from . import _validate as check
from ._construct import LibraryConstruct
from .cluster import ClusterProfile
from .errors import ConstructArgumentError
from .kubernetes import DataKubernetesNodes, Labels, NodeTaint
from .node_roles import ROLE_LABEL_PREFIX, TAINT_EFFECT, TAINT_KEY

FIELD_MANAGER = "openstack-platform-node-roles"


class NodeRoleTaints(LibraryConstruct):
    """Label and taint the nodes of each dedicated role the cluster's driver cannot taint.

    :param cluster: the cluster's :class:`~constructs_lib.cluster.ClusterProfile`; the roles
        are its ``roles_to_taint``, found by the node labels of its driver.
    :param taint: also taint (not only label) the nodes. Default ``True``.
    """

    def __init__(self, scope: Construct, id: str, *, cluster: ClusterProfile, taint: bool = True) -> None:
        path = check.child_path(scope, id)
        if not isinstance(cluster, ClusterProfile):
            raise ConstructArgumentError(path, "cluster", cluster, "a ClusterProfile (ManagedCluster.profile)")
        check.boolean(path, "taint", taint)
        super().__init__(scope, id)
        self.roles = cluster.roles_to_taint
        for role in self.roles:
            placement = cluster.placements[role]
            selectors = placement.node_selectors()
            name_lists = []
            for selector in selectors:
                # One data source per label value; a single one keeps the id it always had.
                suffix = "nodes" if len(selectors) == 1 else f"{next(iter(selector.values()))}-nodes"
                nodes = DataKubernetesNodes(self, f"{role}-{suffix}", metadata={"labels": selector})
                name_lists.append(
                    TerraformIterator.from_list(nodes.nodes).for_expression_for_list("val.metadata[0].name")
                )
            names = name_lists[0] if len(name_lists) == 1 else Fn.concat(name_lists)
            each_node = TerraformIterator.from_list(Fn.toset(names))
            node_name = Token.as_string(each_node.value)
            Labels(
                self,
                f"{role}-labels",
                for_each=each_node,
                api_version="v1",
                kind="Node",
                metadata={"name": node_name},
                labels={f"{ROLE_LABEL_PREFIX}{role}": ""},
                field_manager=FIELD_MANAGER,
            )
            if taint:
                NodeTaint(
                    self,
                    f"{role}-taints",
                    for_each=each_node,
                    metadata={"name": node_name},
                    taint=[{"key": TAINT_KEY, "value": role, "effect": TAINT_EFFECT}],
                    field_manager=FIELD_MANAGER,
                )
