"""A VM on the private network behind its own port: shared by the bastion and the runners."""

from __future__ import annotations

from cdktf_cdktf_provider_openstack.compute_instance_v2 import ComputeInstanceV2
from cdktf_cdktf_provider_openstack.networking_port_v2 import (
    NetworkingPortV2,
    NetworkingPortV2FixedIp,
)
from constructs import Construct

from .keypair import SshKeyPair
from .network import Network
from .security_group import SecurityGroup


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
) -> tuple[NetworkingPortV2, ComputeInstanceV2]:
    """A port on the primary subnet in ``security_group``, and a VM attached to it.

    The port is separate from the VM so that a floating IP can be associated with it and so
    that the VM's security groups are managed in one place.
    """
    port = NetworkingPortV2(
        scope,
        port_id,
        name=name,
        network_id=network.network_id,
        fixed_ip=[NetworkingPortV2FixedIp(subnet_id=network.primary_subnet_id)],
        security_group_ids=[security_group.id],
        admin_state_up=True,
    )
    instance = ComputeInstanceV2(
        scope,
        instance_id,
        name=name,
        flavor_name=flavor,
        image_name=image,
        key_pair=keypair.name,
        network=[{"port": port.id}],
        scheduler_hints=[{"group": server_group_id}] if server_group_id else None,
        user_data=user_data,
        metadata={"role": role},
    )
    return port, instance
