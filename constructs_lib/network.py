"""The private network: network, subnets and (unless closed) a router to the outside."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import TerraformProvider
from cdktf_cdktf_provider_openstack.data_openstack_networking_network_v2 import (
    DataOpenstackNetworkingNetworkV2,
)
from cdktf_cdktf_provider_openstack.networking_network_v2 import NetworkingNetworkV2
from cdktf_cdktf_provider_openstack.networking_router_interface_v2 import (
    NetworkingRouterInterfaceV2,
)
from cdktf_cdktf_provider_openstack.networking_router_v2 import NetworkingRouterV2
from cdktf_cdktf_provider_openstack.networking_subnet_v2 import NetworkingSubnetV2
from constructs import Construct

from . import _validate as check
from ._construct import LibraryConstruct
from .errors import ConstructArgumentError


@dataclass(frozen=True)
class SubnetSpec:
    """One subnet of the private network.

    :param name: short name, used in the OpenStack name and as the construct id.
    :param cidr: the subnet's range, e.g. ``10.20.0.0/22``.
    :param dns_servers: resolvers handed out by DHCP. Default: none (the cloud's default).
    :param allocation_pool: ``(first, last)`` addresses DHCP may hand out. Default: the whole
        range less the gateway. The gateway is Neutron's default, the first host address.
    """

    name: str
    cidr: str
    dns_servers: tuple[str, ...] = ()
    allocation_pool: tuple[str, str] | None = None


class Network(LibraryConstruct):
    """A private network with one or more subnets.

    :param name: prefix of every OpenStack name (``<name>-net``, ``<name>-<subnet>``, ``<name>-router``).
    :param subnets: at least one :class:`SubnetSpec`; the first is the primary subnet on which
        the bastion, runners and cluster are placed, and must be IPv4 (/8 to /28). Further
        subnets may be IPv4 or IPv6 (/64 to /124). CIDRs must not overlap; DNS servers are of
        their subnet's IP version; an allocation pool lies inside its subnet, past the network
        address and the gateway (the first host) and, for IPv4, before the broadcast address.
    :param external_network: name of the cloud's external network. With it, a router uses it
        as gateway and floating IPs come from it. Default ``None``: a closed contour with no
        router and no floating IPs; egress is whatever the contour provides.
    :param egress_cidrs: where VMs on this network may connect to; the security groups of
        constructs placed here allow egress to these. Default ``("0.0.0.0/0",)`` (egress opens
        nothing to the outside; VMs need mirrors and the OpenStack APIs). Closed contours
        list their internal ranges.
    :param provider: the OpenStack provider to use. Default: the stack's.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        subnets: Sequence[SubnetSpec],
        external_network: str | None = None,
        egress_cidrs: Sequence[str] = check.DEFAULT_EGRESS_CIDRS,
        provider: TerraformProvider | None = None,
    ) -> None:
        path = check.child_path(scope, id)
        check.name(path, "name", name)
        _check_subnets(path, subnets)
        egress = check.cidrs(path, "egress_cidrs", egress_cidrs)
        if external_network is not None:
            check.text(path, "external_network", external_network)
        check.provider(path, "provider", provider)
        super().__init__(scope, id)

        self.name = name
        self.egress_cidrs = egress
        self.resource = NetworkingNetworkV2(self, "network", name=f"{name}-net", admin_state_up=True, provider=provider)
        self.network_id: str = self.resource.id
        self.subnets: dict[str, NetworkingSubnetV2] = {}
        self.subnet_cidrs: dict[str, str] = {}
        for spec in subnets:
            pool = None
            if spec.allocation_pool is not None:
                pool = [{"start": spec.allocation_pool[0], "end": spec.allocation_pool[1]}]
            self.subnets[spec.name] = NetworkingSubnetV2(
                self,
                f"subnet-{spec.name}",
                name=f"{name}-{spec.name}",
                network_id=self.network_id,
                cidr=spec.cidr,
                ip_version=ipaddress.ip_network(spec.cidr).version,
                dns_nameservers=list(spec.dns_servers) or None,
                allocation_pool=pool,
                enable_dhcp=True,
                provider=provider,
            )
            self.subnet_cidrs[spec.name] = spec.cidr
        primary = subnets[0]
        self.primary_subnet_name: str = primary.name
        self.primary_subnet: NetworkingSubnetV2 = self.subnets[primary.name]
        self.primary_subnet_id: str = self.primary_subnet.id
        self.primary_cidr: str = primary.cidr
        #: The resolvers DHCP hands out on the primary subnet (empty: the cloud's default).
        self.primary_dns_servers: tuple[str, ...] = tuple(primary.dns_servers)

        self.external_network_name = external_network
        self.external_network_id: str | None = None
        self.router: NetworkingRouterV2 | None = None
        if external_network is not None:
            external = DataOpenstackNetworkingNetworkV2(
                self, "external", name=external_network, external=True, provider=provider
            )
            self.external_network_id = external.id
            self.router = NetworkingRouterV2(
                self,
                "router",
                name=f"{name}-router",
                external_network_id=self.external_network_id,
                admin_state_up=True,
                provider=provider,
            )
            for subnet_name, subnet in self.subnets.items():
                NetworkingRouterInterfaceV2(
                    self,
                    f"router-interface-{subnet_name}",
                    router_id=self.router.id,
                    subnet_id=subnet.id,
                    provider=provider,
                )

    @property
    def is_closed(self) -> bool:
        """True when the network has no way out: no router, no floating IPs."""
        return self.router is None


#: Prefix lengths a subnet may have, per IP version: at least 16 addresses, and an IPv4
#: subnet no wider than /8 so that an ssh_config pattern (``10.*``) can name it.
PREFIX_LENGTHS = {4: (8, 28), 6: (64, 124)}


def _check_subnets(path: str, subnets: Sequence[SubnetSpec]) -> None:
    if not isinstance(subnets, (list, tuple)) or not subnets:
        raise ConstructArgumentError(path, "subnets", subnets, "at least one subnet")
    seen: dict[str, ipaddress.IPv4Network | ipaddress.IPv6Network] = {}
    for index, spec in enumerate(subnets):
        if not isinstance(spec, SubnetSpec):
            raise ConstructArgumentError(path, "subnets", spec, "SubnetSpec objects")
        arg = f"subnets[{spec.name!r}]"
        check.name(path, f"{arg}.name", spec.name)
        if spec.name in seen:
            raise ConstructArgumentError(path, f"{arg}.name", spec.name, "unique subnet names")
        net = check.network(path, f"{arg}.cidr", spec.cidr)
        low, high = PREFIX_LENGTHS[net.version]
        if not low <= net.prefixlen <= high:
            raise ConstructArgumentError(
                path, f"{arg}.cidr", spec.cidr, f"an IPv{net.version} range from /{low} to /{high}"
            )
        if index == 0 and net.version != 4:
            raise ConstructArgumentError(
                path,
                f"{arg}.cidr",
                spec.cidr,
                "an IPv4 range: the first subnet is where the bastion, runners and cluster go, and they need IPv4 "
                "(IPv6 subnets may follow it)",
            )
        for other_name, other in seen.items():
            if net.version == other.version and net.overlaps(other):
                raise ConstructArgumentError(
                    path, f"{arg}.cidr", spec.cidr, f"a range that does not overlap subnet {other_name!r} ({other})"
                )
        if isinstance(spec.dns_servers, str) or not isinstance(spec.dns_servers, (list, tuple)):
            raise ConstructArgumentError(path, f"{arg}.dns_servers", spec.dns_servers, "a list of IP addresses")
        for server in spec.dns_servers:
            found = check.address(path, f"{arg}.dns_servers", server)
            if found.version != net.version:
                raise ConstructArgumentError(
                    path,
                    f"{arg}.dns_servers",
                    server,
                    f"an IPv{net.version} address: DHCP on an IPv{net.version} subnet hands out IPv{net.version} "
                    "resolvers only",
                )
        if spec.allocation_pool is not None:
            _check_pool(path, f"{arg}.allocation_pool", spec.allocation_pool, net)
        seen[spec.name] = net


def _check_pool(path: str, arg: str, pool: tuple[str, str], net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> None:
    """DHCP's range: inside the subnet, past the network address and the gateway (Neutron's
    default, the first host), before the IPv4 broadcast address, start <= end."""
    if not isinstance(pool, (list, tuple)) or len(pool) != 2:
        raise ConstructArgumentError(path, arg, pool, "a (start, end) pair of addresses")
    start = check.address(path, f"{arg}.start", pool[0])
    end = check.address(path, f"{arg}.end", pool[1])
    first = net.network_address + 2
    last = net.broadcast_address - 1 if net.version == 4 else net.broadcast_address
    if start.version != net.version or end.version != net.version or not (first <= start <= end <= last):  # type: ignore[operator]
        raise ConstructArgumentError(
            path,
            arg,
            list(pool),
            f"start <= end, both from {first} to {last} (inside {net}, past the network address and the "
            "gateway" + (", before the broadcast address)" if net.version == 4 else ")"),
        )
