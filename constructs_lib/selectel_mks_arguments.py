"""The checks of :class:`~constructs_lib.selectel_mks.SelectelMksCluster`'s arguments and
the Selectel rules they share with node groups and environment files (pools, zones, project
ids, reserved ranges), apart from the build: plain Python (no cdktf, no jsii).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import _validate as check
from ._versions import kubernetes_release_or_minor
from .cluster_arguments import EnvironmentFacts, node_counts, require_node_groups
from .errors import ConstructArgumentError
from .node_roles import DEDICATED_ROLES, ROLE_LABEL_PREFIX, check_node_label_key, check_role, role_taint

#: ``control_plane`` -> the provider's ``cluster_type``.
CONTROL_PLANES = {
    "basic": "BASIC",
    "high-availability": "HIGH_AVAILABILITY",
    "high-availability-multi-az": "HIGH_AVAILABILITY_MULTI_AZ",
}
#: ``network_plugin`` -> the provider's ``cni_type``.
NETWORK_PLUGINS = {"calico": "CALICO", "cilium": "CILIUM"}
TAINT_EFFECTS = ("NoSchedule", "NoExecute", "PreferNoSchedule")
_WINDOW = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]", re.ASCII)
#: A Selectel pool (the provider's ``region``): ``ru-7``, ``gis-1``.
_POOL = re.compile(check.POOL_PATTERN, re.ASCII)
#: A pool segment (availability zone): the pool's name and a letter, ``ru-7a``.
_ZONE = re.compile(rf"({check.POOL_PATTERN})[a-z]", re.ASCII)
#: A Selectel (Keystone) project id: 32 lowercase hexadecimal characters.
_PROJECT_ID = re.compile(r"[0-9a-f]{32}", re.ASCII)
#: A network volume type: ``<kind>.<zone>``, ``fast.ru-7a``.
_VOLUME_TYPE = re.compile(check.VOLUME_TYPE_PATTERN, re.ASCII)
#: An MKS node's boot volume in GB: at least 16 (Selectel's node volume floor, not recorded in
#: the provider schema, which leaves ``volume_gb`` unbounded), at most any Cinder volume's
#: maximum, :data:`constructs_lib._validate.VOLUME_SIZE_GB`.
VOLUME_GB = (16, check.VOLUME_SIZE_GB[1])
#: Nodes per MKS node group (Selectel's limit).
MAX_NODES_PER_GROUP = 15
#: Ranges MKS uses inside every cluster (pods, services, its own); a subnet of the
#: cluster's network must not overlap them.
RESERVED_CIDRS = ("10.10.0.0/16", "10.96.0.0/12", "10.250.0.0/16", "10.251.0.0/24")


def check_pool(path: str, argument: str, value: object) -> str:
    """A Selectel pool such as ``ru-7``."""
    if not isinstance(value, str) or not _POOL.fullmatch(value):
        raise ConstructArgumentError(path, argument, value, "a Selectel pool such as ru-7 (letters, '-', digits)")
    return value


def check_zone(path: str, argument: str, value: object, pool: str | None = None) -> str:
    """A pool segment of ``pool``: the pool's name and one letter, such as ``ru-7a``."""
    match = _ZONE.fullmatch(value) if isinstance(value, str) else None
    if not isinstance(value, str) or match is None or (pool is not None and match.group(1) != pool):
        example = f"{pool}a" if pool is not None and _POOL.fullmatch(pool) else "ru-7a"
        where = f" of the pool {pool}" if pool is not None else ""
        raise ConstructArgumentError(
            path, argument, value, f"a pool segment{where}: the pool's name and one letter, such as {example}"
        )
    return value


def check_project_id(path: str, argument: str, value: object) -> str:
    """A Selectel project id: 32 lowercase hexadecimal characters."""
    if not isinstance(value, str) or not _PROJECT_ID.fullmatch(value):
        raise ConstructArgumentError(
            path, argument, value, "a project id: 32 lowercase hexadecimal characters, as the control panel shows it"
        )
    return value


def check_subnets(path: str, argument: str, subnet_cidrs: Mapping[str, str]) -> None:
    """No subnet (name -> CIDR) overlaps a range MKS uses inside the cluster; ``argument`` is
    the prefix of the reported argument (``subnets['nodes'].cidr``)."""
    for subnet, cidr in subnet_cidrs.items():
        where = f"{argument}[{subnet!r}].cidr"
        for reserved in RESERVED_CIDRS:
            if check.network(path, where, cidr).overlaps(check.network(path, where, reserved)):
                raise ConstructArgumentError(
                    path,
                    where,
                    cidr,
                    f"a range outside {', '.join(RESERVED_CIDRS)} (MKS uses them inside the cluster)",
                )


@dataclass(frozen=True)
class MksOidc:
    """OpenID Connect for the cluster's API server.

    :param issuer_url: the provider's issuer URL (``https://``).
    :param client_id: the client id tokens are issued for.
    :param provider_name: a name for the provider. Default: none.
    :param username_claim: token claim used as the user name. Default: the API server's.
    :param groups_claim: token claim holding the groups. Default: none.
    """

    issuer_url: str
    client_id: str
    provider_name: str | None = None
    username_claim: str | None = None
    groups_claim: str | None = None


@dataclass(frozen=True)
class MksClusterArguments:
    """An MKS cluster's arguments, checked, with what follows from them.

    :param version: the release or minor, without ``v``.
    :param patch_auto_upgrade: whether MKS upgrades patches itself (defaulted).
    :param feature_gates: the feature gates, checked.
    :param admission_controllers: the admission controllers, checked.
    :param oidc: the OIDC settings (a mapping made an :class:`MksOidc`), or None.
    """

    version: str
    patch_auto_upgrade: bool
    feature_gates: tuple[str, ...]
    admission_controllers: tuple[str, ...]
    oidc: MksOidc | None
    #: The arguments the build passes on as they were given.
    given: Mapping[str, Any] = field(default_factory=dict)


def check_cluster_arguments(
    path: str,
    *,
    network_type: type[Any],
    keypair_type: type[Any],
    name: Any,
    region: Any,
    kubernetes_version: Any,
    network: Any,
    project_id: Any,
    control_plane: Any,
    private_api: Any,
    network_plugin: Any,
    maintenance_window_start: Any,
    auto_repair: Any,
    patch_auto_upgrade: Any,
    feature_gates: Any,
    admission_controllers: Any,
    oidc: Any,
    audit_logs: Any,
    keypair: Any,
    availability_zone: Any,
) -> MksClusterArguments:
    """Check an MKS cluster's arguments (``path`` names the construct in errors);
    ``network_type`` and ``keypair_type`` are the classes ``network`` and ``keypair`` must be."""
    check.dns_label(path, "name", name)
    version = kubernetes_release_or_minor(path, kubernetes_version)
    if network is not None and not isinstance(network, network_type):
        raise ConstructArgumentError(path, "network", network, "a Network construct")
    if project_id is not None:
        check_project_id(path, "project_id", project_id)
    check.choice(path, "control_plane", control_plane, CONTROL_PLANES)
    check.choice(path, "network_plugin", network_plugin, NETWORK_PLUGINS)
    if patch_auto_upgrade is None:
        patch_auto_upgrade = control_plane != "basic"
    for argument, flag in (
        ("private_api", private_api),
        ("auto_repair", auto_repair),
        ("patch_auto_upgrade", patch_auto_upgrade),
        ("audit_logs", audit_logs),
    ):
        check.boolean(path, argument, flag)
    if patch_auto_upgrade and control_plane == "basic":
        raise ConstructArgumentError(
            path, "patch_auto_upgrade", True, "false with control_plane = 'basic' (MKS refuses it)"
        )
    if network is not None:
        check_subnets(path, "network.subnets", network.subnet_cidrs)
    if maintenance_window_start is not None and not (
        isinstance(maintenance_window_start, str) and _WINDOW.fullmatch(maintenance_window_start)
    ):
        raise ConstructArgumentError(
            path, "maintenance_window_start", maintenance_window_start, "a UTC time HH:MM:SS such as 01:00:00"
        )
    gates = check.words(path, "feature_gates", feature_gates)
    admission = check.words(path, "admission_controllers", admission_controllers)
    if isinstance(oidc, Mapping):
        for key in oidc:
            if key not in MksOidc.__dataclass_fields__:
                raise ConstructArgumentError(
                    path, f"oidc.{key}", oidc[key], "one of " + ", ".join(MksOidc.__dataclass_fields__)
                )
        for key in ("issuer_url", "client_id"):
            if key not in oidc:
                raise ConstructArgumentError(path, f"oidc.{key}", None, "a value (OIDC needs it)")
        oidc = MksOidc(**oidc)
    if oidc is not None:
        if not isinstance(oidc, MksOidc):
            raise ConstructArgumentError(path, "oidc", oidc, "an MksOidc")
        for key in ("provider_name", "username_claim", "groups_claim"):
            if getattr(oidc, key) is not None:
                check.text(path, f"oidc.{key}", getattr(oidc, key))
        check.url(path, "oidc.issuer_url", oidc.issuer_url, schemes=("https",))
        check.non_empty(path, "oidc.client_id", oidc.client_id)
    if keypair is not None and not isinstance(keypair, keypair_type):
        raise ConstructArgumentError(path, "keypair", keypair, "an SshKeyPair construct")
    check_pool(path, "region", region)
    if availability_zone is not None:
        check_zone(path, "availability_zone", availability_zone, region)
    return MksClusterArguments(
        version=version,
        patch_auto_upgrade=patch_auto_upgrade,
        feature_gates=gates,
        admission_controllers=admission,
        oidc=oidc,
        given={
            "name": name,
            "region": region,
            "network": network,
            "control_plane": control_plane,
            "private_api": private_api,
            "network_plugin": network_plugin,
            "maintenance_window_start": maintenance_window_start,
            "auto_repair": auto_repair,
            "audit_logs": audit_logs,
        },
    )


def check_environment(path: str, facts: EnvironmentFacts) -> None:
    """What an MKS cluster checks about values written outside its block, each named by its
    key there (the pool, the subnets, the zone the ``openstack`` block gives it), and that the
    environment has node groups."""
    check_pool(path, "openstack.region", facts.region)
    check_subnets(path, "network.subnets", facts.subnets)
    if "availability_zone" not in facts.cluster_arguments and facts.availability_zone is not None:
        check_zone(path, "openstack.availability_zone", facts.availability_zone, facts.region)
    require_node_groups(
        facts,
        "a Selectel MKS cluster needs at least one node_group block: MKS has no default node group, and "
        "the platform addons need nodes to run on",
    )


class MksGroupFacts(Protocol):
    """What an MKS node group's checks read of its cluster."""

    @property
    def region(self) -> str: ...
    @property
    def availability_zone(self) -> str | None: ...


@dataclass(frozen=True)
class MksNodeGroupArguments:
    """An MKS node group's arguments, checked, with what follows from them.

    :param counts: ``(count, min_count, max_count)``.
    :param zone: the group's zone (its own or the cluster's).
    :param volume_type: the boot volume's type (None on a local disk).
    :param node_labels: every node label, the role's included.
    :param taints: the taints the nodes join with.
    """

    counts: tuple[int, int, int]
    zone: str
    volume_type: str | None
    node_labels: dict[str, str]
    taints: list[dict[str, str]]


def _flavor_or_size(path: str, flavor: Any, cpus: Any, ram_mb: Any) -> None:
    if flavor is not None:
        check.text(path, "flavor", flavor)
        if cpus is not None or ram_mb is not None:
            raise ConstructArgumentError(path, "cpus", cpus, "left out when flavor is given (one or the other)")
    elif cpus is None or ram_mb is None:
        raise ConstructArgumentError(path, "flavor", None, "a flavor name, or both cpus and ram_mb")
    else:
        check.int_range(path, "cpus", cpus, 1, 128)
        check.int_range(path, "ram_mb", ram_mb, 512, 1048576)


def _volume_type(path: str, zone: str, local_volume: Any, volume_type: Any) -> str | None:
    check.boolean(path, "local_volume", local_volume)
    if local_volume:
        if volume_type is not None:
            raise ConstructArgumentError(path, "volume_type", volume_type, "left out with local_volume (MKS)")
        return None
    volume_type = f"fast.{zone}" if volume_type is None else volume_type
    match = _VOLUME_TYPE.fullmatch(volume_type) if isinstance(volume_type, str) else None
    if match is None or match.group(2) != zone:
        raise ConstructArgumentError(
            path,
            "volume_type",
            volume_type,
            f"a volume type <kind>.{zone} of the group's zone, such as fast.{zone}",
        )
    return str(volume_type)


def _node_labels(path: str, role: str, labels: Any) -> dict[str, str]:
    node_labels = {f"{ROLE_LABEL_PREFIX}{role}": ""}
    for key, value in check.labels(path, "labels", {} if labels is None else labels).items():
        if key.startswith(ROLE_LABEL_PREFIX):
            raise ConstructArgumentError(
                path, f"labels[{key!r}]", value, f"a label outside {ROLE_LABEL_PREFIX} (the role sets it)"
            )
        check_node_label_key(path, "labels", key, value)
        node_labels[key] = value
    return node_labels


def check_node_group_arguments(
    path: str,
    cluster: MksGroupFacts,
    *,
    name: Any,
    role: Any,
    count: Any,
    min_count: Any,
    max_count: Any,
    flavor: Any,
    cpus: Any,
    ram_mb: Any,
    volume_size: Any,
    volume_type: Any,
    local_volume: Any,
    availability_zone: Any,
    labels: Any,
    taint: Any,
    preemptible: Any,
    install_nvidia_device_plugin: Any,
) -> MksNodeGroupArguments:
    """Check an MKS node group's arguments (``path`` names it in errors), in the order the
    construct documents them."""
    check.dns_label(path, "name", name)
    check_role(path, role)
    counts = node_counts(path, count, min_count, max_count, limit=MAX_NODES_PER_GROUP)
    if count == 0:
        raise ConstructArgumentError(
            path,
            "count",
            count,
            "at least 1: the provider never sends a count of 0 to MKS (an autoscaled group may have min_count = 0)",
        )
    _flavor_or_size(path, flavor, cpus, ram_mb)
    if volume_size is not None:
        check.int_range(path, "volume_size", volume_size, *VOLUME_GB)
    zone = cluster.availability_zone if availability_zone is None else availability_zone
    if zone is None:
        raise ConstructArgumentError(
            path, "availability_zone", None, "a zone such as ru-7a (here or as the cluster's availability_zone)"
        )
    check_zone(path, "availability_zone", zone, cluster.region)
    the_volume_type = _volume_type(path, zone, local_volume, volume_type)
    if volume_size is None and (local_volume is False or flavor is None):
        boot = "a network volume" if not local_volume else "a local disk with cpus and ram_mb (no flavor)"
        raise ConstructArgumentError(
            path,
            "volume_size",
            None,
            f"the boot volume size in GB ({VOLUME_GB[0]}-{VOLUME_GB[1]}): the group boots from {boot}, and MKS "
            "needs volume_gb unless the group has a flavor and local_volume = true",
        )
    node_labels = _node_labels(path, role, labels)
    check.boolean(path, "taint", taint)
    check.boolean(path, "preemptible", preemptible)
    check.boolean(path, "install_nvidia_device_plugin", install_nvidia_device_plugin)
    return MksNodeGroupArguments(
        counts=counts,
        zone=zone,
        volume_type=the_volume_type,
        node_labels=node_labels,
        taints=[role_taint(role)] if taint and role in DEDICATED_ROLES else [],
    )
