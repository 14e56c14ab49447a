"""Magnum node groups by role (system, frontend, worker, or a custom role)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from cdktf_cdktf_provider_openstack.containerinfra_nodegroup_v1 import (
    ContainerinfraNodegroupV1,
)
from constructs import Construct

from . import _validate as check
from .cluster import ManagedCluster
from .errors import ConstructArgumentError

#: Monitoring and cluster components (Deckhouse node-role convention).
SYSTEM = "system"
#: Ingress and load-balancer traffic.
FRONTEND = "frontend"
#: Applications.
WORKER = "worker"
STANDARD_ROLES = (SYSTEM, FRONTEND, WORKER)
#: Roles whose nodes are tainted so that only workloads tolerating them land there.
DEDICATED_ROLES = (SYSTEM, FRONTEND)

#: Magnum turns a node group's ``role`` into this node label.
MAGNUM_ROLE_LABEL = "magnum.openstack.org/role"
ROLE_LABEL_PREFIX = "node-role.deckhouse.io/"
TAINT_KEY = "dedicated.deckhouse.io"
TAINT_EFFECT = "NoExecute"

_ROLE = re.compile(r"^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$")


def role_node_selector(role: str) -> dict[str, str]:
    """nodeSelector that picks the nodes of ``role`` (the label Magnum sets itself)."""
    return {MAGNUM_ROLE_LABEL: role}


def role_tolerations(role: str) -> list[dict[str, str]]:
    """Tolerations for the taint of a dedicated role."""
    return [{"key": TAINT_KEY, "operator": "Equal", "value": role, "effect": TAINT_EFFECT}]


class NodeGroup(Construct):
    """An extra Magnum node group whose nodes carry ``role``.

    :param cluster: the :class:`~constructs_lib.cluster.ManagedCluster` to add the group to.
    :param name: node group name in Magnum (unique within the cluster).
    :param role: ``system``, ``frontend``, ``worker`` or a custom lowercase role. Nodes get
        the label ``magnum.openstack.org/role=<role>``; for system and frontend the platform
        stack adds the Deckhouse label and taint (see :mod:`constructs_lib.node_taints`).
    :param flavor: Nova flavor name or id.
    :param node_count: nodes now.
    :param min_node_count: lower bound for the cluster autoscaler. Default: ``node_count``.
    :param max_node_count: upper bound for the cluster autoscaler. Default: ``node_count``.
    :param image: Glance image; default: the cluster template's image.
    :param docker_volume_size: container volume size in GB. Default: the cluster's.
    :param labels: Magnum labels merged over the cluster's. Values must be strings.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster: ManagedCluster,
        name: str,
        role: str,
        flavor: str,
        node_count: int,
        min_node_count: int | None = None,
        max_node_count: int | None = None,
        image: str | None = None,
        docker_volume_size: int | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        path = check.child_path(scope, id)
        check.dns_label(path, "name", name)
        if not isinstance(role, str) or not _ROLE.match(role):
            raise ConstructArgumentError(
                path, "role", role, f"one of {', '.join(STANDARD_ROLES)} or a lowercase custom role such as 'gpu'"
            )
        check.non_empty(path, "flavor", flavor)
        check.int_range(path, "node_count", node_count, 0)
        if min_node_count is not None:
            check.int_range(path, "min_node_count", min_node_count, 0)
        if max_node_count is not None:
            check.int_range(path, "max_node_count", max_node_count, 1)
        # An omitted bound follows the count, so that only a bound the operator wrote can clash.
        high = max_node_count if max_node_count is not None else max(node_count, min_node_count or 0)
        low = min_node_count if min_node_count is not None else min(node_count, high)
        if low > high:
            raise ConstructArgumentError(path, "min_node_count", low, f"at most max_node_count ({high})")
        if not low <= node_count <= high:
            raise ConstructArgumentError(
                path, "node_count", node_count, f"between min_node_count ({low}) and max_node_count ({high})"
            )
        if image is not None:
            check.non_empty(path, "image", image)
        if docker_volume_size is not None:
            check.int_range(path, "docker_volume_size", docker_volume_size, 1)
        for key, value in (labels or {}).items():
            if not isinstance(value, str):
                raise ConstructArgumentError(path, f"labels[{key!r}]", value, "a string (Magnum labels are strings)")
        super().__init__(scope, id)
        self.name = name
        self.role = role
        self.resource = ContainerinfraNodegroupV1(
            self,
            "nodegroup",
            cluster_id=cluster.cluster_id,
            name=name,
            role=role,
            flavor_id=flavor,
            node_count=node_count,
            min_node_count=low,
            max_node_count=high,
            image_id=image,
            docker_volume_size=docker_volume_size,
            labels=dict(labels) if labels else None,
            merge_labels=True if labels else None,
        )
