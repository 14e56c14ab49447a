"""The private network: network, subnets and (unless closed) a router to the outside."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

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
from .errors import ConstructArgumentError


@dataclass(frozen=True)
class SubnetSpec:
    """One subnet of the private network.

    :param name: short name, used in the OpenStack name and as the construct id.
    :param cidr: the subnet's range, e.g. ``10.20.0.0/22``.
    :param dns_servers: resolvers handed out by DHCP. Default: none (the cloud's default).
    :param allocation_pool: ``(first, last)`` addresses DHCP may hand out. Default: the whole
        range less the gateway.
    """

    name: str
    cidr: str
    dns_servers: tuple[str, ...] = ()
    allocation_pool: tuple[str, str] | None = None


class Network(Construct):
    """A private network with one or more subnets.

    :param name: prefix of every OpenStack name (``<name>-net``, ``<name>-<subnet>``, ``<name>-router``).
    :param subnets: at least one :class:`SubnetSpec`; the first is the primary subnet on which
        the bastion, runners and cluster are placed. CIDRs must not overlap.
    :param external_network: name of the cloud's external network. With it, a router uses it
        as gateway and floating IPs come from it. Default ``None``: a closed contour with no
        router and no floating IPs; egress is whatever the contour provides.
    :param egress_cidrs: where VMs on this network may connect to; the security groups of
        constructs placed here allow egress to these. Default ``("0.0.0.0/0",)`` (egress opens
        nothing to the outside; VMs need mirrors and the OpenStack APIs). Closed contours
        list their internal ranges.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        subnets: Sequence[SubnetSpec],
        external_network: str | None = None,
        egress_cidrs: Sequence[str] = ("0.0.0.0/0",),
    ) -> None:
        path = check.child_path(scope, id)
        check.dns_label(path, "name", name)
        _check_subnets(path, subnets)
        egress = check.cidrs(path, "egress_cidrs", egress_cidrs)
        if external_network is not None:
            check.non_empty(path, "external_network", external_network)
        super().__init__(scope, id)

        self.name = name
        self.egress_cidrs = egress
        self.resource = NetworkingNetworkV2(self, "network", name=f"{name}-net", admin_state_up=True)
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
            )
            self.subnet_cidrs[spec.name] = spec.cidr
        primary = subnets[0]
        self.primary_subnet: NetworkingSubnetV2 = self.subnets[primary.name]
        self.primary_subnet_id: str = self.primary_subnet.id
        self.primary_cidr: str = primary.cidr

        self.external_network_name = external_network
        self.external_network_id: str | None = None
        self.router: NetworkingRouterV2 | None = None
        if external_network is not None:
            external = DataOpenstackNetworkingNetworkV2(self, "external", name=external_network, external=True)
            self.external_network_id = external.id
            self.router = NetworkingRouterV2(
                self, "router", name=f"{name}-router", external_network_id=self.external_network_id, admin_state_up=True
            )
            for subnet_name, subnet in self.subnets.items():
                NetworkingRouterInterfaceV2(
                    self, f"router-interface-{subnet_name}", router_id=self.router.id, subnet_id=subnet.id
                )

    @property
    def is_closed(self) -> bool:
        """True when the network has no way out: no router, no floating IPs."""
        return self.router is None


def _check_subnets(path: str, subnets: Sequence[SubnetSpec]) -> None:
    if not subnets:
        raise ConstructArgumentError(path, "subnets", list(subnets), "at least one subnet")
    seen: dict[str, ipaddress.IPv4Network | ipaddress.IPv6Network] = {}
    for spec in subnets:
        arg = f"subnets[{spec.name!r}]"
        check.dns_label(path, f"{arg}.name", spec.name)
        if spec.name in seen:
            raise ConstructArgumentError(path, f"{arg}.name", spec.name, "unique subnet names")
        net = check.network(path, f"{arg}.cidr", spec.cidr)
        if net.num_addresses < 16:
            raise ConstructArgumentError(path, f"{arg}.cidr", spec.cidr, "a range of at least 16 addresses (/28)")
        for other_name, other in seen.items():
            if net.version == other.version and net.overlaps(other):
                raise ConstructArgumentError(
                    path, f"{arg}.cidr", spec.cidr, f"a range that does not overlap subnet {other_name!r} ({other})"
                )
        for server in spec.dns_servers:
            check.address(path, f"{arg}.dns_servers", server)
        if spec.allocation_pool is not None:
            start = check.address(path, f"{arg}.allocation_pool.start", spec.allocation_pool[0])
            end = check.address(path, f"{arg}.allocation_pool.end", spec.allocation_pool[1])
            if start not in net or end not in net or int(start) > int(end):
                raise ConstructArgumentError(
                    path,
                    f"{arg}.allocation_pool",
                    list(spec.allocation_pool),
                    f"a start <= end, both inside {spec.cidr}",
                )
        seen[spec.name] = net
