"""Security groups that start empty and are filled with least-privilege rules.

The idea comes from the AWS CDK ``connections`` API: a construct that owns a security
group exposes it as ``.connections``, and one construct allows traffic from another by
reference (``runners.connections.allow_from(bastion, Port.tcp(22))``) instead of by raw
CIDR. The rule lands on the receiving group with ``remote_group_id`` set to the peer's
group, so it keeps working when addresses change.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any, Protocol, cast, runtime_checkable

from cdktf import Annotations, TerraformProvider
from cdktf_cdktf_provider_openstack.networking_secgroup_rule_v2 import (
    NetworkingSecgroupRuleV2,
)
from cdktf_cdktf_provider_openstack.networking_secgroup_v2 import NetworkingSecgroupV2
from constructs import Construct

from . import _validate as check
from ._construct import LibraryConstruct
from .errors import ConstructArgumentError

_PROTOCOLS = ("tcp", "udp", "icmp")


@dataclass(frozen=True)
class Port:
    """A protocol and port range. Build with the class methods, e.g. ``Port.tcp(22)``.

    :param protocol: ``tcp``, ``udp``, ``icmp``, or ``None`` for all traffic.
    :param from_port: first port (tcp and udp: 1-65535; none for icmp and all traffic).
    :param to_port: last port, at least ``from_port`` (same rules).
    """

    protocol: str | None
    from_port: int | None = None
    to_port: int | None = None

    def __post_init__(self) -> None:
        # A port is checked when it is made, not only when a rule uses it.
        _check_port("Port", self)

    @classmethod
    def tcp(cls, port: int) -> Port:
        return cls("tcp", port, port)

    @classmethod
    def tcp_range(cls, start: int, end: int) -> Port:
        return cls("tcp", start, end)

    @classmethod
    def udp(cls, port: int) -> Port:
        return cls("udp", port, port)

    @classmethod
    def icmp(cls) -> Port:
        return cls("icmp")

    @classmethod
    def all_traffic(cls) -> Port:
        return cls(None)

    @property
    def label(self) -> str:
        """Stable text used in rule ids and descriptions: ``tcp-22``, ``tcp-80-443``, ``all``."""
        if self.protocol is None:
            return "all"
        if self.from_port is None:
            return self.protocol
        if self.from_port == self.to_port:
            return f"{self.protocol}-{self.from_port}"
        return f"{self.protocol}-{self.from_port}-{self.to_port}"


@runtime_checkable
class HasConnections(Protocol):
    """Anything that owns a security group: a bastion, a runner fleet, a bare group."""

    @property
    def connections(self) -> Connections: ...


def _check_port(path: str, port: Any) -> None:
    """tcp and udp take a port range within 1-65535 (from <= to); icmp and all traffic take none."""
    allowed = "a Port: tcp or udp with ports from 1 to 65535 (from <= to), icmp or all traffic without ports"
    if not isinstance(port, Port) or port.protocol not in (*_PROTOCOLS, None):
        raise ConstructArgumentError(path, "port", port, allowed)
    if port.protocol in ("tcp", "udp"):
        ports = (port.from_port, port.to_port)
        low, high = check.PORT_NUMBER
        if not all(isinstance(p, int) and not isinstance(p, bool) and low <= p <= high for p in ports):
            raise ConstructArgumentError(path, "port", port, allowed)
        if cast(int, port.from_port) > cast(int, port.to_port):
            raise ConstructArgumentError(path, "port", port, allowed)
    elif port.from_port is not None or port.to_port is not None:
        raise ConstructArgumentError(path, "port", port, allowed)


def _group_of(path: str, peer: Any) -> SecurityGroup:
    if isinstance(peer, SecurityGroup):
        return peer
    if isinstance(peer, HasConnections) and isinstance(
        getattr(peer.connections, "security_group", None), SecurityGroup
    ):
        return peer.connections.security_group
    raise ConstructArgumentError(
        path, "peer", peer, "a SecurityGroup or a construct with .connections (a Bastion, ...)"
    )


def _rule_id(text: str) -> str:
    return re.sub(r"[^a-zA-Z0-9-]+", "-", text).strip("-").lower()


class SecurityGroup(LibraryConstruct):
    """An OpenStack security group created with no rules at all.

    OpenStack adds "allow all egress" rules to every new group; ``delete_default_rules``
    removes them so that every rule the group has is one this library wrote.

    :param name: the group's name in OpenStack.
    :param description: shown in the OpenStack dashboard. Default: empty.
    :param egress_cidrs: where members may open connections to. Default ``("0.0.0.0/0",)``:
        nodes and VMs must reach package mirrors, registries and the OpenStack APIs, and egress
        opens nothing to the outside. Closed contours pass their internal ranges instead; an
        empty tuple blocks all egress.
    :param provider: the OpenStack provider to use. Default: the stack's.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        description: str = "",
        egress_cidrs: tuple[str, ...] = check.DEFAULT_EGRESS_CIDRS,
        provider: TerraformProvider | None = None,
    ) -> None:
        path = check.child_path(scope, id)
        check.provider(path, "provider", provider)
        check.text(path, "name", name)
        check.text(path, "description", description, allow_empty=True)
        check.cidrs(path, "egress_cidrs", egress_cidrs)
        super().__init__(scope, id)
        self.name = name
        self.provider = provider
        self.resource = NetworkingSecgroupV2(
            self, "group", name=name, description=description, delete_default_rules=True, provider=provider
        )
        self.security_group_id: str = self.resource.id
        #: The former name of ``security_group_id``, kept for existing stacks.
        self.id: str = self.security_group_id
        self.connections = Connections(self)
        for cidr in egress_cidrs:
            self._rule(
                "egress", Port.all_traffic(), f"egress to {cidr}", remote_ip_prefix=cidr, peer_label=f"to-{cidr}"
            )

    def _rule(
        self,
        direction: str,
        port: Port,
        description: str,
        *,
        remote_ip_prefix: str | None = None,
        remote_group_id: str | None = None,
        peer_label: str,
    ) -> NetworkingSecgroupRuleV2:
        _check_port(self.node.path, port)
        ethertype = "IPv4"
        if remote_ip_prefix is not None and ipaddress.ip_network(remote_ip_prefix).version == 6:
            ethertype = "IPv6"
        rule_id = _rule_id(f"{direction}-{port.label}-{peer_label}")
        if self.node.try_find_child(rule_id) is not None:
            raise ConstructArgumentError(
                self.node.path,
                "rule",
                f"{direction} {port.label} {peer_label}",
                "each rule once; this one is already in the group",
            )
        return NetworkingSecgroupRuleV2(
            self,
            rule_id,
            direction=direction,
            ethertype=ethertype,
            security_group_id=self.security_group_id,
            protocol=port.protocol,
            port_range_min=port.from_port,
            port_range_max=port.to_port,
            remote_ip_prefix=remote_ip_prefix,
            remote_group_id=remote_group_id,
            description=description,
            provider=self.provider,
        )


class Connections:
    """The rules of one security group, written by relationship rather than by address.

    :param group: the :class:`SecurityGroup` the rules go to (every group has its own as
        ``connections``; constructs that own one expose it too).
    """

    def __init__(self, group: SecurityGroup) -> None:
        self.security_group = group

    def allow_from(self, peer: HasConnections | SecurityGroup, port: Port, description: str = "") -> None:
        """Allow ``peer``'s members to reach this group's members on ``port``."""
        _check_port(self.security_group.node.path, port)
        check.text(self.security_group.node.path, "description", description, allow_empty=True)
        peer_group = _group_of(self.security_group.node.path, peer)
        self.security_group._rule(
            "ingress",
            port,
            description or f"{port.label} from {peer_group.name}",
            remote_group_id=peer_group.security_group_id,
            peer_label=f"from-{peer_group.name}",
        )

    def allow_to(self, peer: HasConnections | SecurityGroup, port: Port, description: str = "") -> None:
        """Allow this group's members to reach ``peer``'s members on ``port`` (rule on the peer)."""
        target = _group_of(self.security_group.node.path, peer)
        target.connections.allow_from(self.security_group, port, description)

    def allow_from_cidrs(self, cidrs: tuple[str, ...] | list[str], port: Port, description: str = "") -> None:
        """Allow the given networks on ``port``. The operator names every CIDR: none is implied."""
        _check_port(self.security_group.node.path, port)
        check.cidrs(self.security_group.node.path, "cidrs", cidrs)
        check.text(self.security_group.node.path, "description", description, allow_empty=True)
        for cidr in cidrs:
            if ipaddress.ip_network(cidr).prefixlen == 0:
                Annotations.of(self.security_group).add_warning(f"{port.label} is open to {cidr}, as configured")
            self.security_group._rule(
                "ingress",
                port,
                description or f"{port.label} from {cidr}",
                remote_ip_prefix=cidr,
                peer_label=f"from-{cidr}",
            )

    def allow_internally(self, port: Port, description: str = "") -> None:
        """Allow members of this group to reach each other on ``port``."""
        _check_port(self.security_group.node.path, port)
        self.allow_from(self.security_group, port, description or f"{port.label} within {self.security_group.name}")
