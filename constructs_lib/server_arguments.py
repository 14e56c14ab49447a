"""The checks of the arguments every VM construct shares (the bastion, the runners, Flatcar
workers), apart from the build in :mod:`constructs_lib._server`: plain Python (no cdktf, no
jsii), so each rule can be tested on its own.

The constructs a VM is given (its network, key pair, security group) are checked against the
classes in :class:`PartTypes`, which the build module fills in with the real constructs.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import _validate as check
from .errors import ConstructArgumentError

if TYPE_CHECKING:  # the constructs themselves import cdktf
    from cdktf import TerraformProvider

    from .security_group import SecurityGroup


@dataclass(frozen=True)
class PartTypes:
    """The classes of the constructs a VM construct is given.

    :param network: what ``network`` must be (a Network).
    :param keypair: what ``keypair`` must be (an SshKeyPair).
    :param security_group: what ``security_group`` must be (a SecurityGroup).
    :param peer: what a peer allowed in may be (a SecurityGroup or a construct with ``connections``).
    """

    network: type[Any]
    keypair: type[Any]
    security_group: type[Any]
    peer: tuple[type[Any], ...]


@dataclass(frozen=True)
class BootVolume:
    """Boot a VM from a new network volume made from its image instead of the flavor's local disk.

    Needed for flavors with no local disk (many of Selectel's). The volume is deleted with the VM.

    :param size: volume size in GB, 1 to 16384.
    :param volume_type: Cinder volume type, e.g. ``fast.ru-7a`` (Selectel names one per zone).
        Default ``None``: the cloud's default type.
    """

    size: int
    volume_type: str | None = None


@dataclass(frozen=True)
class VmExtras:
    """The escape hatches every VM construct takes, checked."""

    security_group: SecurityGroup | None
    files: list[dict[str, str]]
    commands: list[str]
    provider: TerraformProvider | None


def check_parts(path: str, network: Any, keypair: Any, types: PartTypes) -> None:
    """The network and key pair a VM construct is given are the library's constructs."""
    if not isinstance(network, types.network):
        raise ConstructArgumentError(path, "network", network, "a Network")
    if not isinstance(keypair, types.keypair):
        raise ConstructArgumentError(path, "keypair", keypair, "an SshKeyPair")


def check_extras(
    path: str, security_group: Any, extra_files: Any, extra_commands: Any, provider: Any, types: PartTypes
) -> VmExtras:
    """An existing security group, extra cloud-init files and commands, a provider.

    Files are ``{"path", "content"[, "permissions"]}`` with literal text (cloud-init writes
    them at first boot); commands run after the library's own. Neither may hold a secret:
    user data is readable by anyone who can read the server."""
    if security_group is not None and not isinstance(security_group, types.security_group):
        raise ConstructArgumentError(path, "security_group", security_group, "a SecurityGroup construct")
    check.provider(path, "provider", provider)
    files = [
        {"path": file.path, "permissions": file.permissions, "content": file.content}
        for file in check.extra_files(path, extra_files)
    ]
    if isinstance(extra_commands, str) or not isinstance(extra_commands, (list, tuple)):
        raise ConstructArgumentError(path, "extra_commands", extra_commands, "a list of shell commands")
    commands = [check.text(path, "extra_commands", command, max_length=4096) for command in extra_commands]
    return VmExtras(security_group, files, commands, provider)


def check_placement(
    path: str, boot_volume_size: Any, boot_volume_type: Any, availability_zone: Any
) -> BootVolume | None:
    """Check a VM construct's placement arguments; the boot volume to use, if any."""
    if availability_zone is not None:
        check.availability_zone(path, "availability_zone", availability_zone)
    if boot_volume_type is not None:
        check.text(path, "boot_volume_type", boot_volume_type)
        if boot_volume_size is None:
            raise ConstructArgumentError(
                path,
                "boot_volume_size",
                None,
                "a size in GB when boot_volume_type is given (the type of which volume?)",
            )
    if boot_volume_size is None:
        return None
    check.count(path, "boot_volume_size", boot_volume_size, check.VOLUME_SIZE_GB)
    return BootVolume(boot_volume_size, boot_volume_type)


def check_vm(
    path: str,
    types: PartTypes,
    *,
    boot_volume_size: Any,
    boot_volume_type: Any,
    availability_zone: Any,
    security_group: Any,
    extra_files: Any,
    extra_commands: Any,
    provider: Any,
) -> tuple[BootVolume | None, VmExtras]:
    """The arguments every VM construct takes besides its network and key pair (the bastion's
    and the runners' alike): its placement (:func:`check_placement`) and its extras
    (:func:`check_extras`)."""
    boot_volume = check_placement(path, boot_volume_size, boot_volume_type, availability_zone)
    return boot_volume, check_extras(path, security_group, extra_files, extra_commands, provider, types)


#: The names of the arguments every VM construct takes besides its network and key pair: those
#: :func:`check_vm` checks.
VM_ARGUMENTS = tuple(
    name
    for name, parameter in inspect.signature(check_vm).parameters.items()
    if parameter.kind is parameter.KEYWORD_ONLY
)
