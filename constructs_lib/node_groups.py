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
from .cluster_arguments import MAX_NODES_PER_GROUP, node_counts  # noqa: F401  (re-exported)
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
    from .cluster import ClusterReference


class NodeGroup(LibraryConstruct):
    """Common surface of every node group construct; each driver's node group derives from it
    and calls it with what it checked. Node groups are added with the cluster's
    ``add_node_group(id, ...)``, which hands them ``cluster``.

    :param cluster: the :class:`~constructs_lib.cluster.ClusterReference` its cluster's
        ``add_node_group`` hands it (read-only: a group changes nothing of its cluster).
    :param name: the group's name, unique among the cluster's node groups.
    :param role: the role of its nodes (:mod:`constructs_lib.node_roles`).
    :param counts: ``(count, min_count, max_count)``, as :func:`node_counts` returns them.

    Attributes: ``cluster`` (the reference), ``name`` and ``role`` as given; ``count``,
    ``min_count``, ``max_count`` (equal bounds: no autoscaling); ``resource``, the raw node
    group resource, for escape hatches.
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
        cluster: ClusterReference,
        name: str,
        role: str,
        counts: tuple[int, int, int],
    ) -> None:
        taken = cluster.group_paths.get(name)
        if taken is not None:
            raise ConstructArgumentError(
                check.child_path(scope, id),
                "name",
                name,
                f"a name no other node group of {cluster.path} has ({taken} has it)",
            )
        super().__init__(scope, id)
        warn_if_typo(self, role)
        self.cluster = cluster
        self.name = name
        self.role = role
        self.count, self.min_count, self.max_count = counts

    @property
    def autoscaled(self) -> bool:
        return self.min_count != self.max_count


def cluster_reference(path: str, cluster: Any, kind: type[ClusterReference], cluster_class: str) -> Any:
    """``cluster`` is the ``kind`` of reference ``<cluster_class>.add_node_group`` hands its
    groups; a cluster construct or anything else is refused with the way to add a group."""
    if not isinstance(cluster, kind):
        raise ConstructArgumentError(
            path,
            "cluster",
            cluster,
            f"the reference {cluster_class}.add_node_group hands its groups: add a node group with "
            f"cluster.add_node_group(id, ...), not by constructing it",
        )
    return cluster
