"""The checks of :class:`~constructs_lib.bastion.Bastion`'s arguments, apart from the build:
plain Python (no cdktf, no jsii), so each rule can be tested on its own.

:func:`check_arguments` takes the constructor's arguments and returns what the build needs
(:class:`BastionArguments`): the name, the boot volume, the extras, who may SSH in, whether
it gets a floating IP, and the ssh_config patterns of the hosts behind it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from . import _validate as check
from .errors import ConstructArgumentError
from .server_arguments import BootVolume, PartTypes, VmExtras, check_parts, check_vm


@dataclass(frozen=True)
class BastionArguments:
    """A bastion's arguments, checked, with what follows from them.

    :param name: the OpenStack name prefix (defaulted from the network's name).
    :param boot_volume: the boot volume, or None for the flavor's local disk.
    :param extras: the security group, extra files and commands, provider.
    :param ssh_allowed_cidrs: where SSH may come from (empty: no SSH rule).
    :param floating_ip: whether the bastion gets a floating IP (defaulted from the network).
    :param private_host_patterns: ssh_config ``Host`` patterns of the network's IPv4 subnets.
    """

    name: str
    boot_volume: BootVolume | None
    extras: VmExtras
    ssh_allowed_cidrs: tuple[str, ...]
    floating_ip: bool
    private_host_patterns: tuple[str, ...]


def check_arguments(
    path: str,
    *,
    types: PartTypes,
    network: Any,
    keypair: Any,
    flavor: Any,
    image: Any,
    ssh_allowed_cidrs: Any,
    ssh_user: Any,
    floating_ip: Any,
    name: Any,
    **vm: Any,
) -> BastionArguments:
    """Check a bastion's arguments (``path`` names the construct in errors); ``types`` are the
    classes of the constructs it is given, ``vm`` the arguments of every VM construct
    (:func:`~constructs_lib.server_arguments.check_vm`)."""
    check_parts(path, network, keypair, types)
    check.text(path, "flavor", flavor)
    check.text(path, "image", image)
    check.posix_user(path, "ssh_user", ssh_user)
    if name is not None:
        check.text(path, "name", name)
    boot_volume, extras = check_vm(path, types, **vm)
    allowed = check.cidrs(path, "ssh_allowed_cidrs", ssh_allowed_cidrs)
    if floating_ip is not None and not isinstance(floating_ip, bool):
        raise ConstructArgumentError(path, "floating_ip", floating_ip, "True, False or None")
    if floating_ip is None:
        floating_ip = not network.is_closed
    if floating_ip and network.is_closed:
        raise ConstructArgumentError(
            path, "floating_ip", True, "False on a closed network (no external_network, so no floating IPs)"
        )
    # IPv4 only: the primary subnet, where VMs are, is IPv4, and an IPv6 pattern such as
    # '*:*' would send every IPv6 host through the bastion.
    patterns = tuple(
        pattern
        for cidr in network.subnet_cidrs.values()
        if ipaddress.ip_network(cidr).version == 4
        for pattern in host_patterns(cidr)
    )
    return BastionArguments(
        name=name or f"{network.name}-bastion",
        boot_volume=boot_volume,
        extras=extras,
        ssh_allowed_cidrs=allowed,
        floating_ip=floating_ip,
        private_host_patterns=patterns,
    )


def host_patterns(cidr: str) -> list[str]:
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
