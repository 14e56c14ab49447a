"""Node groups by role (system, frontend, worker, or a custom role): the common surface.

Each driver has its own node group construct
(:class:`~constructs_lib.selectel_mks.SelectelMksNodeGroup`,
:class:`~constructs_lib.magnum.MagnumNodeGroup`,
:class:`~constructs_lib.kamaji_cluster.KamajiNodeGroup`); add them with
``cluster.add_node_group(id, ...)``. The role names and the Deckhouse label and taint keys
live in :mod:`constructs_lib.node_roles`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cdktf import TerraformElement
from constructs import Construct

from . import _validate as check
from ._construct import LibraryConstruct
from .errors import ConstructArgumentError
from .node_roles import (  # noqa: F401  (re-exported: the role names are part of this module's API)
    DEDICATED_ROLES,
    FRONTEND,
    STANDARD_ROLES,
    SYSTEM,
    WORKER,
    check_role,
    warn_if_typo,
)

if TYPE_CHECKING:
    from .cluster import ManagedCluster

#: Nodes per group: the top of :data:`constructs_lib._validate.NODE_COUNT` (a driver with a
#: lower quota passes its own ``limit``).
MAX_NODES_PER_GROUP = check.NODE_COUNT[1]


def node_counts(
    path: str, count: Any, min_count: Any, max_count: Any, *, limit: int = MAX_NODES_PER_GROUP
) -> tuple[int, int, int]:
    """Check a group's counts (each at most ``limit``); an omitted bound follows the count,
    so only a bound the operator wrote can clash. Returns ``(count, low, high)``."""
    check.int_range(path, "count", count, 0, limit)
    if min_count is not None:
        check.int_range(path, "min_count", min_count, 0, limit)
    if max_count is not None:
        check.int_range(path, "max_count", max_count, 1, limit)
    high = max_count if max_count is not None else max(count, min_count or 0)
    low = min_count if min_count is not None else min(count, high)
    if low > high:
        raise ConstructArgumentError(path, "min_count", low, f"at most max_count ({high})")
    if not low <= count <= high:
        raise ConstructArgumentError(path, "count", count, f"between min_count ({low}) and max_count ({high})")
    return count, low, high


class NodeGroup(LibraryConstruct):
    """Common surface of every node group construct; each driver's node group derives from it
    and calls it with what it checked.

    :param cluster: the :class:`~constructs_lib.cluster.ManagedCluster` it belongs to.
    :param name: the group's name, unique among the cluster's node groups.
    :param role: the role of its nodes (:mod:`constructs_lib.node_roles`).
    :param counts: ``(count, min_count, max_count)``, as :func:`node_counts` returns them.

    Attributes: ``cluster``, ``name`` and ``role`` as given; ``count``, ``min_count``,
    ``max_count`` (equal bounds: no autoscaling); ``resource``, the raw node group resource,
    for escape hatches.
    """

    resource: TerraformElement
    name: str
    role: str
    #: The network volume type the nodes boot from, where the driver knows it.
    volume_type: str | None = None

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster: ManagedCluster,
        name: str,
        role: str,
        counts: tuple[int, int, int],
    ) -> None:
        taken = [group for group in cluster.node_groups if group.name == name]
        if taken:
            raise ConstructArgumentError(
                check.child_path(scope, id),
                "name",
                name,
                f"a name no other node group of {cluster.node.path} has ({taken[0].node.path} has it)",
            )
        super().__init__(scope, id)
        warn_if_typo(self, role)
        self.cluster = cluster
        self.name = name
        self.role = role
        self.count, self.min_count, self.max_count = counts
        cluster.node_groups.append(self)

    @property
    def autoscaled(self) -> bool:
        return self.min_count != self.max_count
