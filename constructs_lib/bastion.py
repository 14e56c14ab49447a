"""The bastion: the one VM reachable over SSH from outside, used as a ProxyJump."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cdktf import Annotations, TerraformProvider, Token
from cdktf_cdktf_provider_openstack.networking_floatingip_associate_v2 import (
    NetworkingFloatingipAssociateV2,
)
from cdktf_cdktf_provider_openstack.networking_floatingip_v2 import (
    NetworkingFloatingipV2,
)
from constructs import Construct

from . import _validate as check
from . import cloud_init
from ._construct import LibraryConstruct
from ._server import PART_TYPES, private_server, vm_security_group
from .bastion_arguments import BastionArguments, check_arguments
from .keypair import SshKeyPair
from .network import Network
from .security_group import Port, SecurityGroup


class Bastion(LibraryConstruct):
    """One VM on the private network with a floating IP, SSH allowed only from listed CIDRs.

    :param network: the :class:`Network` to join (its primary subnet).
    :param keypair: the :class:`SshKeyPair` that may log in.
    :param flavor: Nova flavor name.
    :param image: Glance image name.
    :param ssh_allowed_cidrs: where SSH may come from. There is no default: an empty list
        writes no SSH rule at all (and warns at synth), it never opens 0.0.0.0/0.
    :param ssh_user: login user of the image (a POSIX user name), used in the ProxyJump
        snippet. Default ``ubuntu``.
    :param floating_ip: give the bastion a floating IP. Default: ``True`` when the network has a
        router; a closed network cannot have one, and asking for it there is an error.
    :param name: OpenStack name prefix. Default: ``<network name>-bastion``.
    :param boot_volume_size: boot from a new volume of this many GB (1-16384) made from
        ``image``, for flavors without a local disk. Default ``None``: the flavor's local disk.
    :param boot_volume_type: Cinder type of that volume, e.g. ``fast.ru-7a``. Default: the
        cloud's default type. Needs ``boot_volume_size``.
    :param availability_zone: Nova availability zone, e.g. ``ru-7a``. Default: the cloud's choice.
    :param security_group: an existing :class:`SecurityGroup` to use (its rules are added
        there). Default: a group of its own.
    :param extra_files: cloud-init files to write at first boot, ``{"path", "content",
        "permissions"}`` with literal text (never a secret: user data is readable). Default: none.
    :param extra_commands: commands to run at first boot, after the library's. Default: none.
    :param provider: the OpenStack provider to use. Default: the stack's.

    ``resource`` is the raw VM (``openstack_compute_instance_v2``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        network: Network,
        keypair: SshKeyPair,
        flavor: str,
        image: str,
        ssh_allowed_cidrs: Sequence[str],
        ssh_user: str = "ubuntu",
        floating_ip: bool | None = None,
        name: str | None = None,
        boot_volume_size: int | None = None,
        boot_volume_type: str | None = None,
        availability_zone: str | None = None,
        security_group: SecurityGroup | None = None,
        extra_files: Sequence[Mapping[str, str]] = (),
        extra_commands: Sequence[str] = (),
        provider: TerraformProvider | None = None,
    ) -> None:
        given = check_arguments(
            check.child_path(scope, id),
            types=PART_TYPES,
            network=network,
            keypair=keypair,
            flavor=flavor,
            image=image,
            ssh_allowed_cidrs=ssh_allowed_cidrs,
            ssh_user=ssh_user,
            floating_ip=floating_ip,
            name=name,
            boot_volume_size=boot_volume_size,
            boot_volume_type=boot_volume_type,
            availability_zone=availability_zone,
            security_group=security_group,
            extra_files=extra_files,
            extra_commands=extra_commands,
            provider=provider,
        )
        super().__init__(scope, id)
        self.ssh_user = ssh_user
        self._private_host_patterns = list(given.private_host_patterns)
        self._security_group(network, given)
        self.port, self.instance = private_server(
            self,
            port_id="port",
            instance_id="instance",
            name=given.name,
            network=network,
            security_group=self.security_group,
            flavor=flavor,
            image=image,
            keypair=keypair,
            user_data=cloud_init.render(cloud_init.hardened_base(given.extras.files, given.extras.commands)),
            role="bastion",
            boot_volume=given.boot_volume,
            availability_zone=availability_zone,
            provider=provider,
        )
        self.resource = self.instance
        self.private_address: str = self.instance.access_ip_v4
        self.public_address: str | None = None
        if given.floating_ip:
            self.public_address = self._floating_ip(network, given.name, provider)

    def _security_group(self, network: Network, given: BastionArguments) -> None:
        """The bastion's security group (its own unless one was given) and its SSH rule."""
        self.security_group = vm_security_group(self, network, given.name, "bastion host", given.extras)
        self.connections = self.security_group.connections
        if given.ssh_allowed_cidrs:
            self.connections.allow_from_cidrs(given.ssh_allowed_cidrs, Port.tcp(22), "SSH from operator networks")
        else:
            Annotations.of(self).add_warning("ssh_allowed_cidrs is empty, so no SSH rule was written: unreachable")

    def _floating_ip(self, network: Network, name: str, provider: TerraformProvider | None) -> str:
        """A floating IP from the network's external network, on the bastion's port; its address."""
        assert network.external_network_name is not None
        fip = NetworkingFloatingipV2(
            self, "floating-ip", pool=network.external_network_name, description=name, provider=provider
        )
        NetworkingFloatingipAssociateV2(
            self, "floating-ip-association", floating_ip=fip.address, port_id=self.port.id, provider=provider
        )
        return fip.address

    @property
    def address(self) -> str:
        """The address to SSH to: the floating IP, or the private one on a closed network."""
        return self.public_address or self.private_address

    @property
    def ssh_proxy_jump(self) -> str:
        """An ``~/.ssh/config`` snippet: ``ssh -F`` users reach private hosts through the bastion."""
        return Token.as_string(
            f"Host bastion\n  HostName {self.address}\n  User {self.ssh_user}\n\n"
            f"Host {' '.join(self._private_host_patterns)}\n  User {self.ssh_user}\n  ProxyJump bastion\n"
        )
