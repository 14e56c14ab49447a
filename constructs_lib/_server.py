"""A VM on the private network behind its own port: shared by the bastion and the runners."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktf import TerraformProvider
from cdktf_cdktf_provider_openstack.compute_instance_v2 import (
    ComputeInstanceV2,
    ComputeInstanceV2BlockDevice,
)
from cdktf_cdktf_provider_openstack.data_openstack_images_image_v2 import (
    DataOpenstackImagesImageV2,
)
from cdktf_cdktf_provider_openstack.networking_port_v2 import (
    NetworkingPortV2,
    NetworkingPortV2FixedIp,
)
from constructs import Construct

from . import _validate as check
from .errors import ConstructArgumentError
from .keypair import SshKeyPair
from .network import Network
from .security_group import SecurityGroup

#: Construct id of the image look-up shared by every boot volume of one construct.
_IMAGE_ID = "boot-image"


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


def check_parts(path: str, network: Any, keypair: Any) -> None:
    """The network and key pair a VM construct is given are the library's constructs."""
    if not isinstance(network, Network):
        raise ConstructArgumentError(path, "network", network, "a Network")
    if not isinstance(keypair, SshKeyPair):
        raise ConstructArgumentError(path, "keypair", keypair, "an SshKeyPair")


@dataclass(frozen=True)
class VmExtras:
    """The escape hatches every VM construct takes, checked."""

    security_group: SecurityGroup | None
    files: list[dict[str, str]]
    commands: list[str]
    provider: TerraformProvider | None


def check_extras(path: str, security_group: Any, extra_files: Any, extra_commands: Any, provider: Any) -> VmExtras:
    """An existing security group, extra cloud-init files and commands, a provider.

    Files are ``{"path", "content"[, "permissions"]}`` with literal text (cloud-init writes
    them at first boot); commands run after the library's own. Neither may hold a secret:
    user data is readable by anyone who can read the server."""
    if security_group is not None and not isinstance(security_group, SecurityGroup):
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


def private_server(
    scope: Construct,
    *,
    port_id: str,
    instance_id: str,
    name: str,
    network: Network,
    security_group: SecurityGroup,
    flavor: str,
    image: str,
    keypair: SshKeyPair,
    user_data: str,
    role: str,
    server_group_id: str | None = None,
    boot_volume: BootVolume | None = None,
    availability_zone: str | None = None,
    provider: TerraformProvider | None = None,
) -> tuple[NetworkingPortV2, ComputeInstanceV2]:
    """A port on the primary subnet in ``security_group``, and a VM attached to it.

    The port is separate from the VM so that a floating IP can be associated with it and so
    that the VM's security groups are managed in one place. With ``boot_volume`` the VM boots
    from a volume made from ``image`` (looked up by name once per ``scope``); otherwise from
    the flavor's local disk.
    """
    port = NetworkingPortV2(
        scope,
        port_id,
        name=name,
        network_id=network.network_id,
        fixed_ip=[NetworkingPortV2FixedIp(subnet_id=network.primary_subnet_id)],
        security_group_ids=[security_group.security_group_id],
        admin_state_up=True,
        provider=provider,
    )
    block_device = None
    image_name: str | None = image
    if boot_volume is not None:
        lookup = scope.node.try_find_child(_IMAGE_ID)
        if not isinstance(lookup, DataOpenstackImagesImageV2):
            lookup = DataOpenstackImagesImageV2(scope, _IMAGE_ID, name=image, most_recent=True, provider=provider)
        block_device = [
            ComputeInstanceV2BlockDevice(
                uuid=lookup.id,
                source_type="image",
                destination_type="volume",
                volume_size=boot_volume.size,
                volume_type=boot_volume.volume_type,
                boot_index=0,
                delete_on_termination=True,
            )
        ]
        # Nova takes the image from the boot volume; naming it twice only invites a mismatch.
        image_name = None
    instance = ComputeInstanceV2(
        scope,
        instance_id,
        name=name,
        flavor_name=flavor,
        image_name=image_name,
        key_pair=keypair.name,
        network=[{"port": port.id}],
        scheduler_hints=[{"group": server_group_id}] if server_group_id else None,
        user_data=user_data,
        metadata={"role": role},
        block_device=block_device,
        availability_zone=availability_zone,
        provider=provider,
    )
    return port, instance
