from __future__ import annotations

import pytest

from constructs_lib import (
    ConstructArgumentError,
    Network,
    Port,
    SecurityGroup,
    SubnetSpec,
)
from tests.conftest import resources, synth_stack


def _network(stack, **overrides):
    args = dict(name="env", subnets=[SubnetSpec("nodes", "10.0.0.0/24", ("10.0.0.2",))], external_network="ext")
    args.update(overrides)
    return Network(stack, "network", **args)


def test_router_uses_the_external_network_and_joins_every_subnet() -> None:
    doc = synth_stack(lambda s: _network(s, subnets=[SubnetSpec("a", "10.0.0.0/24"), SubnetSpec("b", "10.0.1.0/24")]))
    (router,) = resources(doc, "openstack_networking_router_v2").values()
    assert router["external_network_id"].startswith("${data.openstack_networking_network_v2.")
    assert len(resources(doc, "openstack_networking_router_interface_v2")) == 2
    cidrs = sorted(s["cidr"] for s in resources(doc, "openstack_networking_subnet_v2").values())
    assert cidrs == ["10.0.0.0/24", "10.0.1.0/24"]


def test_closed_contour_has_no_router() -> None:
    doc = synth_stack(lambda s: _network(s, external_network=None))
    assert resources(doc, "openstack_networking_router_v2") == {}
    assert "data" not in doc or "openstack_networking_network_v2" not in doc.get("data", {})


@pytest.mark.parametrize(
    ("subnets", "argument"),
    [
        ([SubnetSpec("a", "10.0.0.0/33")], "subnets['a'].cidr"),
        ([SubnetSpec("a", "10.0.0.1/24")], "subnets['a'].cidr"),
        ([SubnetSpec("a", "10.0.0.0/22"), SubnetSpec("b", "10.0.2.0/24")], "subnets['b'].cidr"),
        ([SubnetSpec("a", "10.0.0.0/24", allocation_pool=("10.0.1.1", "10.0.1.9"))], "subnets['a'].allocation_pool"),
        ([SubnetSpec("a", "10.0.0.0/24", dns_servers=("dns.example",))], "subnets['a'].dns_servers"),
        ([], "subnets"),
    ],
)
def test_bad_subnets_are_refused(subnets, argument) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(lambda s: _network(s, subnets=subnets))
    assert err.value.argument == argument
    assert err.value.construct_path == "test/network"


def test_security_group_starts_empty_and_connections_write_group_rules() -> None:
    def build(stack):
        bastion = SecurityGroup(stack, "bastion", name="bastion", egress_cidrs=())
        runners = SecurityGroup(stack, "runners", name="runners")
        runners.connections.allow_from(bastion, Port.tcp(22))

    doc = synth_stack(build)
    groups = resources(doc, "openstack_networking_secgroup_v2").values()
    assert all(g["delete_default_rules"] is True for g in groups)
    rules = list(resources(doc, "openstack_networking_secgroup_rule_v2").values())
    ingress = [r for r in rules if r["direction"] == "ingress"]
    assert len(ingress) == 1
    assert ingress[0]["port_range_min"] == ingress[0]["port_range_max"] == 22
    assert ingress[0]["remote_group_id"].startswith("${openstack_networking_secgroup_v2.bastion")
    assert ingress[0]["security_group_id"].startswith("${openstack_networking_secgroup_v2.runners")
    egress = [r for r in rules if r["direction"] == "egress"]
    assert [r["security_group_id"].split(".")[1].split("_")[0] for r in egress] == ["runners"]


def test_the_same_rule_twice_is_an_error() -> None:
    def build(stack):
        group = SecurityGroup(stack, "g", name="g")
        group.connections.allow_from_cidrs(["192.0.2.0/24"], Port.tcp(443))
        group.connections.allow_from_cidrs(["192.0.2.0/24"], Port.tcp(443))

    with pytest.raises(ConstructArgumentError, match="already in the group"):
        synth_stack(build)
