"""Misusing a public construct or value type from Python (a wrong type, a float for an
integer, a string for a list, a dict for a value type) is one ConstructArgumentError naming
the argument, never a raw TypeError, AttributeError or jsii error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cdktf
import pytest
from cdktf import TerraformStack
from cdktf_cdktf_provider_openstack.provider import OpenstackProvider

from constructs_lib import (
    Bastion,
    ClusterProfile,
    ConstructArgumentError,
    ExtraChart,
    HelmAddon,
    MagnumCluster,
    MagnumNodeGroup,
    Network,
    NodeRoleTaints,
    OpenStackCloud,
    PlatformAddons,
    Port,
    RunnerFleet,
    SecurityGroup,
    SelectelMksCluster,
    SshKeyPair,
    StateBackend,
    SubnetSpec,
    VolumeStorageClasses,
)
from tests.test_addons import CLOUD, CLUSTER


def stack() -> TerraformStack:
    app = cdktf.Testing.app()
    s = TerraformStack(app, "t")
    OpenstackProvider(s, "o")
    return s


def net(s: TerraformStack) -> Network:
    return Network(s, "n", name="e", subnets=[SubnetSpec("a", "10.0.0.0/24")], external_network="ext")


def kp(s: TerraformStack) -> SshKeyPair:
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0Vbw2SmHb4vJ7cfX2hKqV0M0QvSx8Rt3wq4hN8kYJv x"
    return SshKeyPair(s, "k", name="k", public_key=key)


CASES: dict[str, Callable[[TerraformStack], Any]] = {
    "network str": lambda s: Bastion(s, "b", network="net", keypair=kp(s), flavor="f", image="i", ssh_allowed_cidrs=[]),
    "keypair str": lambda s: Bastion(s, "b", network=net(s), keypair="k", flavor="f", image="i", ssh_allowed_cidrs=[]),
    "cidrs str": lambda s: Bastion(
        s, "b", network=net(s), keypair=kp(s), flavor="f", image="i", ssh_allowed_cidrs="1.2.3.0/24"
    ),
    "cidrs int": lambda s: Bastion(s, "b", network=net(s), keypair=kp(s), flavor="f", image="i", ssh_allowed_cidrs=[1]),
    "port 70000": lambda s: Port.tcp(70000),
    "port bool": lambda s: Port.tcp(True),
    "port str": lambda s: Port.tcp("22"),
    "subnets str": lambda s: Network(s, "n", name="e", subnets="10.0.0.0/24"),
    "subnets dict": lambda s: Network(s, "n", name="e", subnets=[{"name": "a", "cidr": "10.0.0.0/24"}]),
    "subnetspec int cidr": lambda s: Network(s, "n", name="e", subnets=[SubnetSpec("a", 10)]),
    "egress str": lambda s: Network(
        s, "n", name="e", subnets=[SubnetSpec("a", "10.0.0.0/24")], egress_cidrs="0.0.0.0/0"
    ),
    "sg allow_from str": lambda s: SecurityGroup(s, "g", name="g").connections.allow_from("other", Port.tcp(1)),
    "sg port str": lambda s: SecurityGroup(s, "g", name="g").connections.allow_from_cidrs(["1.2.3.0/24"], "22"),
    "runner count float": lambda s: RunnerFleet(
        s, "r", network=net(s), keypair=kp(s), count=1.0, flavor="f", image="i", gitlab_url="https://g", group_id=1
    ),
    "runner tags str": lambda s: RunnerFleet(
        s,
        "r",
        network=net(s),
        keypair=kp(s),
        count=1,
        flavor="f",
        image="i",
        gitlab_url="https://g",
        group_id=1,
        tags="werf",
    ),
    "runner group str": lambda s: RunnerFleet(
        s, "r", network=net(s), keypair=kp(s), count=1, flavor="f", image="i", gitlab_url="https://g", group_id="1"
    ),
    "mks network str": lambda s: SelectelMksCluster(
        s, "c", name="c", region="ru-7", kubernetes_version="1.36.1", network="n"
    ),
    "mks version int": lambda s: SelectelMksCluster(s, "c", name="c", region="ru-7", kubernetes_version=136),
    "mks gates str": lambda s: SelectelMksCluster(
        s, "c", name="c", region="ru-7", kubernetes_version="1.36.1", feature_gates="A"
    ),
    "mks oidc str": lambda s: SelectelMksCluster(
        s, "c", name="c", region="ru-7", kubernetes_version="1.36.1", oidc="x"
    ),
    "magnum labels list": lambda s: MagnumCluster(
        s,
        "c",
        name="c",
        network=net(s),
        kubernetes_version="1.36.1",
        image="i",
        master_flavor="m",
        worker_flavor="w",
        labels=["a"],
    ),
    "magnum worker float": lambda s: MagnumCluster(
        s,
        "c",
        name="c",
        network=net(s),
        kubernetes_version="1.36.1",
        image="i",
        master_flavor="m",
        worker_flavor="w",
        worker_count=2.0,
    ),
    "ng cluster str": lambda s: MagnumNodeGroup(s, "g", cluster="c", name="g", role="worker", flavor="f", count=1),
    "addons dict values": lambda s: PlatformAddons(
        s, "a", cluster=CLUSTER, addons={"cert-manager": {"enabled": True}}, cloud=CLOUD
    ),
    "addons cluster str": lambda s: PlatformAddons(s, "a", cluster="c", cloud=CLOUD),
    "extra depends str": lambda s: ExtraChart("x", "https://c", "x", "1.0.0", "x", depends_on="cert-manager"),
    "taints cluster str": lambda s: NodeRoleTaints(s, "t", cluster="x"),
    "storage str": lambda s: VolumeStorageClasses(s, "v", volume_types="fast.ru-7a"),
    "backend bucket int": lambda s: StateBackend(bucket=1, endpoint="https://x").apply(s, "t"),
    "backend kind": lambda s: StateBackend(kind="gcs").apply(s, "t"),
    "add_node_group unknown": lambda s: MagnumCluster(
        s, "c", name="c", network=net(s), kubernetes_version="1.36.1", image="i", master_flavor="m", worker_flavor="w"
    ).add_node_group("g", name="g", role="worker", flavor="f", count=1, bogus=1),
    "helmaddon values list": lambda s: HelmAddon(
        s, "h", repository="https://c", chart="c", version="1.0.0", namespace="n", values=[1]
    ),
    "keypair key int": lambda s: SshKeyPair(s, "k", name="k", public_key=1),
    "profile driver": lambda s: ClusterProfile(driver="x", name="n", kubernetes_version="1.36.1"),
    "openstackcloud": lambda s: OpenStackCloud(1, 2, 3, 4),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_misuse_is_one_construct_argument_error(case: str) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        CASES[case](stack())
    assert err.value.argument and err.value.allowed
