"""Deckhouse-style labels and taints on the nodes of dedicated roles.

Magnum cannot taint nodes or set arbitrary node labels; it only labels each node with
``magnum.openstack.org/role=<role>``. This construct, placed in the platform stack (where
the kubernetes provider is configured), reads the nodes of each role at plan time and
applies, per node, the label ``node-role.deckhouse.io/<role>=""`` and the taint
``dedicated.deckhouse.io=<role>:NoExecute`` with server-side apply.

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

from collections.abc import Sequence

from cdktf import Fn, TerraformIterator, Token
from constructs import Construct

from . import _validate as check
from .errors import ConstructArgumentError
from .kubernetes import DataKubernetesNodes, Labels, NodeTaint
from .node_groups import MAGNUM_ROLE_LABEL, ROLE_LABEL_PREFIX, TAINT_EFFECT, TAINT_KEY

FIELD_MANAGER = "openstack-platform-node-roles"


class NodeRoleTaints(Construct):
    """Label and taint the nodes of each role in ``roles``.

    :param roles: the dedicated roles, usually ``("system", "frontend")``. Empty is valid.
    :param taint: also taint (not only label) the nodes. Default ``True``.
    """

    def __init__(self, scope: Construct, id: str, *, roles: Sequence[str], taint: bool = True) -> None:
        path = check.child_path(scope, id)
        if isinstance(roles, str) or len(set(roles)) != len(roles):
            raise ConstructArgumentError(path, "roles", roles, "a list of distinct role names")
        super().__init__(scope, id)
        self.roles = tuple(roles)
        for role in roles:
            nodes = DataKubernetesNodes(self, f"{role}-nodes", metadata={"labels": {MAGNUM_ROLE_LABEL: role}})
            names = TerraformIterator.from_list(nodes.nodes).for_expression_for_list("val.metadata[0].name")
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
