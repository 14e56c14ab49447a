"""The checks of :class:`~constructs_lib.flatcar_node_group.FlatcarNodeGroup`'s arguments,
apart from the build: plain Python (no cdktf, no jsii), so each rule can be tested on its own.
"""

from __future__ import annotations

from typing import Any

from . import _validate as check
from . import flatcar
from .errors import ConstructArgumentError
from .node_roles import check_role
from .server_arguments import BootVolume, PartTypes, check_parts, check_placement

#: Nova server group policies a node group may use.
SERVER_GROUP_POLICIES = ("anti-affinity", "soft-anti-affinity")


def check_kubelet_skew(path: str, sysext: flatcar.KubernetesSysext, control_plane_version: str) -> None:
    """The kubelet is not newer than the control plane, nor more than three minors older
    (Kubernetes' version skew policy)."""
    major, minor = (int(p) for p in control_plane_version.lstrip("v").split(".")[:2])
    kubelet_major, kubelet_minor = sysext.minor
    if kubelet_major != major or kubelet_minor > minor or kubelet_minor < minor - 3:
        raise ConstructArgumentError(
            path,
            "sysext.version",
            sysext.version,
            f"a kubelet from {major}.{max(minor - 3, 0)} to {major}.{minor} "
            f"(the control plane is {control_plane_version})",
        )


def _version(path: str, value: Any) -> str:
    if not isinstance(value, str) or not value.lstrip("v").count(".") == 2:
        raise ConstructArgumentError(path, "control_plane_version", value, "a release such as 1.36.2")
    return value


def check_node_group_arguments(
    path: str,
    *,
    types: PartTypes,
    name: Any,
    role: Any,
    count: Any,
    network: Any,
    keypair: Any,
    flavor: Any,
    image: Any,
    boot_volume_size: Any,
    boot_volume_type: Any,
    availability_zone: Any,
    server_group_policy: Any,
    security_group: Any,
) -> BootVolume | None:
    """Check a Flatcar node group's arguments (``path`` names it in errors; ``types`` are the
    classes its parts must be, the provider is checked by the construct); returns its boot
    volume."""
    check.name(path, "name", name)
    check_role(path, role)
    check.count(path, "count", count, check.NODE_COUNT)
    check_parts(path, network, keypair, types)
    check.text(path, "flavor", flavor)
    check.text(path, "image", image)
    if boot_volume_size is None:
        raise ConstructArgumentError(path, "boot_volume_size", None, "a size in GB: Flatcar nodes boot from a volume")
    boot_volume = check_placement(path, boot_volume_size, boot_volume_type, availability_zone)
    check.choice(path, "server_group_policy", server_group_policy, SERVER_GROUP_POLICIES)
    if security_group is not None and not isinstance(security_group, types.security_group):
        raise ConstructArgumentError(path, "security_group", security_group, "a SecurityGroup construct")
    return boot_volume


def check_kubelet(path: str, sysext: Any, control_plane_version: Any) -> None:
    """The kubelet image, and its version against the control plane's."""
    if not isinstance(sysext, flatcar.KubernetesSysext):
        raise ConstructArgumentError(path, "sysext", sysext, "a KubernetesSysext")
    check_kubelet_skew(path, sysext, _version(path, control_plane_version))
