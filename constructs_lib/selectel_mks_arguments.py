"""The checks of :class:`~constructs_lib.selectel_mks.SelectelMksCluster`'s arguments and
the Selectel rules they share with node groups and environment files (pools, zones, project
ids, reserved ranges), apart from the build: plain Python (no cdktf, no jsii).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import _validate as check
from ._versions import kubernetes_release_or_minor
from .errors import ConstructArgumentError

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
    )
