"""A VM on the private network behind its own port: shared by the bastion and the runners."""

from __future__ import annotations

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

from .keypair import SshKeyPair
from .network import Network
from .security_group import HasConnections, SecurityGroup
from .server_arguments import BootVolume, PartTypes, VmExtras
from .server_arguments import check_extras as _check_extras
from .server_arguments import check_parts as _check_parts
from .server_arguments import check_placement as check_placement

__all__ = [
    "PART_TYPES",
    "BootVolume",
    "VmExtras",
    "check_extras",
    "check_parts",
    "check_placement",
    "private_server",
    "vm_security_group",
]

#: Construct id of the image look-up shared by every boot volume of one construct.
_IMAGE_ID = "boot-image"

#: The library's constructs a VM construct is given, for the checks of :mod:`.server_arguments`.
PART_TYPES = PartTypes(
    network=Network, keypair=SshKeyPair, security_group=SecurityGroup, peer=(HasConnections, SecurityGroup)
)


def check_parts(path: str, network: Any, keypair: Any) -> None:
    """The network and key pair a VM construct is given are the library's constructs."""
    _check_parts(path, network, keypair, PART_TYPES)


def check_extras(path: str, security_group: Any, extra_files: Any, extra_commands: Any, provider: Any) -> VmExtras:
    """An existing security group, extra cloud-init files and commands, a provider
    (:func:`.server_arguments.check_extras` with the library's constructs)."""
    return _check_extras(path, security_group, extra_files, extra_commands, provider, PART_TYPES)


def vm_security_group(
    scope: Construct, network: Network, name: str, description: str, extras: VmExtras
) -> SecurityGroup:
    """A VM construct's security group: the one it was given (``extras.security_group``), or its
    own, ``security-group`` in ``scope``, with the network's egress."""
    return extras.security_group or SecurityGroup(
        scope,
        "security-group",
        name=name,
        description=description,
        egress_cidrs=network.egress_cidrs,
        provider=extras.provider,
    )


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
    block_device = None if boot_volume is None else _boot_device(scope, image, boot_volume, provider)
    instance = ComputeInstanceV2(
        scope,
        instance_id,
        name=name,
        flavor_name=flavor,
        # Nova takes the image from the boot volume; naming it twice only invites a mismatch.
        image_name=image if boot_volume is None else None,
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


def _boot_device(
    scope: Construct, image: str, boot_volume: BootVolume, provider: TerraformProvider | None
) -> list[ComputeInstanceV2BlockDevice]:
    """The block device of a VM that boots from a new volume made from ``image`` (looked up
    by name once per ``scope``), deleted with the VM."""
    lookup = scope.node.try_find_child(_IMAGE_ID)
    if not isinstance(lookup, DataOpenstackImagesImageV2):
        lookup = DataOpenstackImagesImageV2(scope, _IMAGE_ID, name=image, most_recent=True, provider=provider)
    return [
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
