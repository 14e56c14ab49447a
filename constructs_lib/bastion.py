"""The bastion: the one VM reachable over SSH from outside, used as a ProxyJump."""

from __future__ import annotations

import ipaddress
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
from ._server import check_extras, check_parts, check_placement, private_server
from .errors import ConstructArgumentError
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
        path = check.child_path(scope, id)
        check_parts(path, network, keypair)
        check.text(path, "flavor", flavor)
        check.text(path, "image", image)
        check.posix_user(path, "ssh_user", ssh_user)
        if name is not None:
            check.text(path, "name", name)
        boot_volume = check_placement(path, boot_volume_size, boot_volume_type, availability_zone)
        extras = check_extras(path, security_group, extra_files, extra_commands, provider)
        allowed = check.cidrs(path, "ssh_allowed_cidrs", ssh_allowed_cidrs)
        if floating_ip is not None and not isinstance(floating_ip, bool):
            raise ConstructArgumentError(path, "floating_ip", floating_ip, "True, False or None")
        if floating_ip is None:
            floating_ip = not network.is_closed
        if floating_ip and network.is_closed:
            raise ConstructArgumentError(
                path, "floating_ip", True, "False on a closed network (no external_network, so no floating IPs)"
            )
        super().__init__(scope, id)
        name = name or f"{network.name}-bastion"

        self.security_group = extras.security_group or SecurityGroup(
            self,
            "security-group",
            name=name,
            description="bastion host",
            egress_cidrs=network.egress_cidrs,
            provider=provider,
        )
        self.connections = self.security_group.connections
        if allowed:
            self.connections.allow_from_cidrs(allowed, Port.tcp(22), "SSH from operator networks")
        else:
            Annotations.of(self).add_warning("ssh_allowed_cidrs is empty, so no SSH rule was written: unreachable")

        self.port, self.instance = private_server(
            self,
            port_id="port",
            instance_id="instance",
            name=name,
            network=network,
            security_group=self.security_group,
            flavor=flavor,
            image=image,
            keypair=keypair,
            user_data=cloud_init.render(cloud_init.hardened_base(extras.files, extras.commands)),
            role="bastion",
            boot_volume=boot_volume,
            availability_zone=availability_zone,
            provider=provider,
        )
        self.resource = self.instance
        # IPv4 only: the primary subnet, where VMs are, is IPv4, and an IPv6 pattern such as
        # '*:*' would send every IPv6 host through the bastion.
        self._private_host_patterns = [
            pattern
            for cidr in network.subnet_cidrs.values()
            if ipaddress.ip_network(cidr).version == 4
            for pattern in _host_patterns(cidr)
        ]
        self.private_address: str = self.instance.access_ip_v4
        self.ssh_user = ssh_user
        self.public_address: str | None = None
        if floating_ip:
            assert network.external_network_name is not None
            fip = NetworkingFloatingipV2(
                self, "floating-ip", pool=network.external_network_name, description=name, provider=provider
            )
            NetworkingFloatingipAssociateV2(
                self, "floating-ip-association", floating_ip=fip.address, port_id=self.port.id, provider=provider
            )
            self.public_address = fip.address

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


def _host_patterns(cidr: str) -> list[str]:
    """ssh_config ``Host`` patterns matching exactly the addresses of an IPv4 subnet.

    ssh patterns know only ``*`` and ``?``, not CIDRs: whole octets become ``*``
    (``10.20.0.0/16`` -> ``10.20.*``), and the octet a prefix splits becomes the decimal
    patterns of its range (``10.20.0.0/22`` -> ``10.20.0.*`` to ``10.20.3.*``;
    ``10.0.0.64/26`` -> ``10.0.0.64`` ... ``10.0.0.69``, ``10.0.0.7?`` ... ``10.0.0.127``), so no
    pattern matches an address outside the subnet and every address inside is matched.
    Subnets are at least /8 (the network checks it), so a pattern always keeps an octet.
    """
    net = ipaddress.ip_network(cidr)
    octets = str(net.network_address).split(".")
    whole, rest = divmod(net.prefixlen, 8)
    fixed = octets[:whole]
    if rest == 0:
        return [".".join([*fixed, "*"])]
    low = int(octets[whole])
    high = low + (1 << (8 - rest)) - 1
    tail = ["*"] if whole < 3 else []
    return [".".join([*fixed, part, *tail]) for part in _decimal_patterns(low, high)]


def _decimal_patterns(low: int, high: int) -> list[str]:
    """Patterns (digits and ``?``) matching exactly the decimal numbers ``low`` to ``high``,
    written without leading zeros."""
    patterns: list[str] = []
    for digits in range(len(str(low)), len(str(high)) + 1):
        first = max(low, 10 ** (digits - 1) if digits > 1 else 0)
        last = min(high, 10**digits - 1)
        if first <= last:
            patterns += _same_length(str(first), str(last))
    return patterns


def _same_length(low: str, high: str) -> list[str]:
    if low == high:
        return [low]
    if set(low) == {"0"} and set(high) == {"9"}:
        return ["?" * len(low)]
    if len(low) == 1:
        return [str(d) for d in range(int(low), int(high) + 1)]
    head_low, head_high, width = low[0], high[0], len(low) - 1
    if head_low == head_high:
        return [head_low + p for p in _same_length(low[1:], high[1:])]
    patterns = [head_low + p for p in _same_length(low[1:], "9" * width)]
    patterns += [f"{d}{'?' * width}" for d in range(int(head_low) + 1, int(head_high))]
    patterns += [head_high + p for p in _same_length("0" * width, high[1:])]
    return patterns
