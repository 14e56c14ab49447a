"""Every number has a range, and networks are checked against what OpenStack and ssh can use:
an IPv4 primary subnet, DNS servers of their subnet's version, allocation pools clear of the
network address, the gateway and the broadcast address."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import cdktf
import pytest
from cdktf import TerraformOutput, TerraformStack

from constructs_lib import (
    Bastion,
    ConstructArgumentError,
    Network,
    Port,
    RunnerFleet,
    SecurityGroup,
    SshKeyPair,
    SubnetSpec,
)
from constructs_lib import _validate as check
from environment_loader import EnvironmentConfigError, load_environment
from stacks.app import synth
from tests._env_edit import set_key, set_or_add
from tests.conftest import resources, synth_stack

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0Vbw2SmHb4vJ7cfX2hKqV0M0QvSx8Rt3wq4hN8kYJv test"
HUGE = "99999999999999999999"

# (replacements in ha.hcl, appended text, key path, words of the error)
LOAD_CASES: dict[str, tuple[tuple[tuple[str, str], ...], str, str, str]] = {
    "runner count beyond 2**53": ((set_key("ha", "count", HUGE),), "", "runners.count", "lose digits"),
    "negative number beyond 2**53": ((set_key("ha", "group_id", "-" + HUGE),), "", "runners.group_id", "lose digits"),
    "number beyond 2**53 in chart values": (
        (),
        'addon "cert-manager" {\n  values = { replicaCount = ' + HUGE + " }\n}\n",
        "addon.cert-manager.values.replicaCount",
        "lose digits",
    ),
    "number beyond 2**53 in a list": (
        (),
        'addon "cert-manager" {\n  values = { ports = [1, 9007199254740993] }\n}\n',
        "addon.cert-manager.values.ports",
        "lose digits",
    ),
    "more runners than the limit": ((set_key("ha", "count", "51"),), "", "runners.count", "from 0 to 50"),
    "negative runner count": ((set_key("ha", "count", "-1"),), "", "runners.count", "from 0 to 50"),
    "state versions kept too briefly": (
        (set_or_add("ha", "backend {", "noncurrent_version_days", "6"),),
        "",
        "backend.noncurrent_version_days",
        "from 7 to 3650",
    ),
}


@pytest.mark.parametrize("case", sorted(LOAD_CASES))
def test_numbers_are_bounded_when_the_file_is_loaded(case: str, env_dir: Callable[..., Path]) -> None:
    replace, append, key, words = LOAD_CASES[case]
    directory = env_dir("ha", replace, "\n" + append)
    with pytest.raises(EnvironmentConfigError) as err:
        load_environment(directory / "ha.hcl")
    message = str(err.value)
    assert "ha.hcl:" in message and f": {key}: " in message
    assert words in message


def test_floats_and_safe_integers_load(env_dir: Callable[..., Path]) -> None:
    directory = env_dir("ha", (), '\naddon "cert-manager" {\n  values = { a = 1.5, b = 9007199254740991, c = -3 }\n}\n')
    config, _ = load_environment(directory / "ha.hcl")
    assert config.addon["cert-manager"].values == {"a": 1.5, "b": 9007199254740991, "c": -3}


# Checked by the constructs the stacks build: (replacements in ha.hcl, key path, words).
BUILD_CASES: dict[str, tuple[tuple[tuple[str, str], ...], str, str]] = {
    "runner concurrency above 100": ((set_key("ha", "concurrency", "101"),), "runners.concurrency", "from 1 to 100"),
    "runner concurrency zero": ((set_key("ha", "concurrency", "0"),), "runners.concurrency", "from 1 to 100"),
    "boot volume of 0 GB": (
        (set_or_add("ha", "bastion {", "boot_volume_size", "0"),),
        "bastion.boot_volume_size",
        "from 1 to 16384",
    ),
    "IPv6 primary subnet": (
        (
            set_key("ha", "cidr", '"fd00:10::/64"'),
            set_key("ha", "dns_servers", "[]"),
            set_key("ha", "allocation_pool", "null"),
        ),
        "network.subnet.nodes.cidr",
        "an IPv4 range",
    ),
    "allocation pool from the network address": (
        (set_key("ha", "allocation_pool", '{ start = "10.20.0.0", end = "10.20.0.200" }'),),
        "network.subnet.nodes.allocation_pool",
        "past the network address and the gateway",
    ),
}


def _without_null(replace: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """``key = null`` stands for removing the line (a missing optional key)."""
    return tuple((old, "" if new.endswith(" = null") else new) for old, new in replace)


@pytest.mark.parametrize("case", sorted(BUILD_CASES))
def test_numbers_and_networks_are_checked_by_the_constructs(
    case: str, env_dir: Callable[..., Path], tmp_path: Path
) -> None:
    replace, key, words = BUILD_CASES[case]
    directory = env_dir("ha", _without_null(replace))
    with pytest.raises(EnvironmentConfigError) as err:
        synth(directory, tmp_path / "cdktf.out")
    message = str(err.value)
    assert f": {key}: " in message and words in message
    assert not (tmp_path / "cdktf.out").exists()


def _stack() -> TerraformStack:
    return TerraformStack(cdktf.Testing.app(), "test")


def _runners(**overrides: Any) -> RunnerFleet:
    stack = _stack()
    network = Network(stack, "network", name="env", subnets=[SubnetSpec("nodes", "10.0.0.0/24")], external_network="e")
    args: dict[str, Any] = dict(
        network=network,
        keypair=SshKeyPair(stack, "keypair", name="admin", public_key=KEY),
        count=1,
        flavor="f",
        image="i",
        gitlab_url="https://gitlab.example.com",
        group_id=1,
    )
    args.update(overrides)
    return RunnerFleet(stack, "runners", **args)


@pytest.mark.parametrize(
    ("overrides", "argument"),
    [
        ({"count": 51}, "count"),
        ({"count": -1}, "count"),
        ({"count": True}, "count"),
        ({"count": 2**53}, "count"),
        ({"count": 1.0}, "count"),
        ({"concurrency": 0}, "concurrency"),
        ({"concurrency": 101}, "concurrency"),
        ({"group_id": 0}, "group_id"),
        ({"group_id": 2**53}, "group_id"),
        ({"group_id": None, "project_id": -5}, "project_id"),
        ({"boot_volume_size": 0}, "boot_volume_size"),
        ({"boot_volume_size": 16385}, "boot_volume_size"),
        ({"boot_volume_size": "10"}, "boot_volume_size"),
        ({"boot_volume_type": "fast.ru-7a"}, "boot_volume_size"),
        ({"tags": [f"t{i}" for i in range(51)]}, "tags"),
    ],
)
def test_runner_numbers_from_python(overrides: dict[str, Any], argument: str) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        _runners(**overrides)
    assert err.value.argument == argument


@pytest.mark.parametrize(
    ("limits", "low", "high"),
    [
        (check.RUNNER_COUNT, 0, 50),
        (check.RUNNER_CONCURRENCY, 1, 100),
        (check.NODE_COUNT, 0, 100),
        (check.VOLUME_SIZE_GB, 1, 16384),
        (check.NONCURRENT_VERSION_DAYS, 7, 3650),
    ],
)
def test_named_limits(limits: tuple[int, int], low: int, high: int) -> None:
    assert limits == (low, high)
    assert check.count("p", "n", low, limits) == low and check.count("p", "n", high, limits) == high
    for bad in (low - 1, high + 1, True, 1.5, "3", None):
        with pytest.raises(ConstructArgumentError):
            check.count("p", "n", bad, limits)


def test_an_open_range_stops_where_javascript_does() -> None:
    assert check.int_range("p", "n", check.MAX_SAFE_INTEGER, 0) == 2**53 - 1
    with pytest.raises(ConstructArgumentError, match="from 0 to 9007199254740991"):
        check.int_range("p", "n", 2**53, 0)


def _network(*subnets: SubnetSpec) -> Network:
    return Network(_stack(), "network", name="env", subnets=list(subnets), external_network="ext")


V4 = SubnetSpec("nodes", "10.0.0.0/24")


@pytest.mark.parametrize(
    ("subnets", "argument", "words"),
    [
        ([SubnetSpec("nodes", "fd00::/64")], "subnets['nodes'].cidr", "an IPv4 range"),
        ([SubnetSpec("nodes", "10.0.0.0/7")], "subnets['nodes'].cidr", "/8 to /28"),
        ([SubnetSpec("nodes", "10.0.0.0/29")], "subnets['nodes'].cidr", "/8 to /28"),
        ([V4, SubnetSpec("v6", "fd00::/48")], "subnets['v6'].cidr", "/64 to /124"),
        ([V4, SubnetSpec("v6", "fd00::/125")], "subnets['v6'].cidr", "/64 to /124"),
        ([V4, SubnetSpec("v6", "fd00::/64", ("8.8.8.8",))], "subnets['v6'].dns_servers", "an IPv6 address"),
        ([SubnetSpec("nodes", "10.0.0.0/24", ("2001:4860:4860::8888",))], "subnets['nodes'].dns_servers", "IPv4"),
        ([SubnetSpec("nodes", "10.0.0.0/24", ("10.0.0.2 ",))], "subnets['nodes'].dns_servers", "an IP address"),
    ],
)
def test_bad_subnets(subnets: list[SubnetSpec], argument: str, words: str) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        _network(*subnets)
    assert err.value.argument == argument
    assert words in err.value.allowed


@pytest.mark.parametrize(
    ("cidr", "pool"),
    [
        ("10.0.0.0/24", ("10.0.0.0", "10.0.0.100")),  # the network address
        ("10.0.0.0/24", ("10.0.0.1", "10.0.0.100")),  # the gateway
        ("10.0.0.0/24", ("10.0.0.10", "10.0.0.255")),  # the broadcast address
        ("10.0.0.0/24", ("10.0.0.10", "10.0.1.20")),  # outside the subnet
        ("10.0.0.0/24", ("10.0.0.100", "10.0.0.10")),  # reversed
        ("10.0.0.0/24", ("fd00::10", "fd00::20")),  # another IP version
        ("10.0.0.0/24", ("10.0.0.10", "bad")),  # not an address
    ],
)
def test_bad_allocation_pools(cidr: str, pool: tuple[str, str]) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        _network(SubnetSpec("nodes", cidr, allocation_pool=pool))
    assert err.value.argument.startswith("subnets['nodes'].allocation_pool")


def test_good_pools_and_an_ipv6_subnet_synthesize() -> None:
    def build(stack: TerraformStack) -> None:
        network = Network(
            stack,
            "network",
            name="env",
            subnets=[
                SubnetSpec("nodes", "10.0.0.0/24", ("10.0.0.3",), ("10.0.0.2", "10.0.0.254")),
                SubnetSpec("v6", "fd00:1::/64", ("fd00:1::53",), ("fd00:1::2", "fd00:1::ffff:ffff:ffff:ffff")),
            ],
            external_network="ext",
        )
        bastion = Bastion(
            stack,
            "bastion",
            network=network,
            keypair=SshKeyPair(stack, "keypair", name="admin", public_key=KEY),
            flavor="f",
            image="i",
            ssh_allowed_cidrs=["192.0.2.0/24"],
        )
        TerraformOutput(stack, "ssh", value=bastion.ssh_proxy_jump)

    doc = synth_stack(build)
    subnets = {s["name"]: s for s in resources(doc, "openstack_networking_subnet_v2").values()}
    assert subnets["env-v6"]["ip_version"] == 6
    assert subnets["env-v6"]["dns_nameservers"] == ["fd00:1::53"]
    assert subnets["env-nodes"]["allocation_pool"] == [{"start": "10.0.0.2", "end": "10.0.0.254"}]
    snippet = doc["output"]["ssh"]["value"]
    assert "Host 10.0.0.*\n" in snippet
    assert ":" not in snippet.split("Host ", 2)[2].splitlines()[0]


def _group_rule(port: Any) -> None:
    SecurityGroup(_stack(), "g", name="g").connections.allow_from_cidrs(["192.0.2.0/24"], port)


@pytest.mark.parametrize(
    ("build", "argument"),
    [
        (lambda: _group_rule(None), "port"),
        (lambda: _group_rule(22), "port"),
        (lambda: _group_rule(Port.tcp(0)), "port"),
        (lambda: _group_rule(Port.tcp(65536)), "port"),
        (lambda: _group_rule(Port.tcp(True)), "port"),
        (lambda: _group_rule(Port.tcp_range(443, 80)), "port"),
        (lambda: _group_rule(Port("icmp", 1, 2)), "port"),
        (lambda: _group_rule(Port("gre")), "port"),
        (lambda: Network(_stack(), "n", name="env", subnets=7), "subnets"),  # type: ignore[arg-type]
        (lambda: _network(SubnetSpec("nodes", "10.0.0.0/24", allocation_pool=5)), "subnets['nodes'].allocation_pool"),  # type: ignore[arg-type]
        (lambda: _network(SubnetSpec("nodes", "10.0.0.0/24", dns_servers=None)), "subnets['nodes'].dns_servers"),  # type: ignore[arg-type]
        (lambda: _runners(tags=7), "tags"),
        (lambda: _runners(network="net"), "network"),
        (lambda: _runners(ssh_from="bastion"), "ssh_from"),
    ],
)
def test_ports_and_types_from_python(build: Callable[[], object], argument: str) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        build()
    assert err.value.argument == argument
