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
from constructs import Construct

from constructs_lib import (
    Bastion,
    ClusterProfile,
    ConstructArgumentError,
    HelmAddon,
    MagnumCluster,
    MagnumNodeGroup,
    ManagedCluster,
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
    helm_release,
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
    "extra depends str": lambda s: helm_release("x", "https://c", "x", "1.0.0", "x", depends_on="cert-manager"),
    "taints cluster str": lambda s: NodeRoleTaints(s, "t", cluster="x"),
    "storage str": lambda s: VolumeStorageClasses(s, "v", volume_types="fast.ru-7a"),
    "backend bucket int": lambda s: StateBackend(bucket=1, endpoint="https://x").apply(s, "t"),
    "backend kind": lambda s: StateBackend(kind="gcs").apply(s, "t"),
    "add_node_group unknown": lambda s: MagnumCluster(
        s, "c", name="c", network=net(s), kubernetes_version="1.36.1", image="i", master_flavor="m", worker_flavor="w"
    ).add_node_group("g", name="g", role="worker", flavor="f", count=1, bogus=1),
    "helmaddon values list": lambda s: HelmAddon(
        s,
        "h",
        release=helm_release("h", "https://c", "c", "1.0.0", "n", values=[1]),  # type: ignore[arg-type]
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


# --- every public construct, as a class ------------------------------------------------------


def _public(kind: type) -> list[type]:
    import inspect

    import constructs_lib

    found = [getattr(constructs_lib, name) for name in sorted(constructs_lib.__all__)]
    return [obj for obj in found if inspect.isclass(obj) and issubclass(obj, kind)]


PUBLIC_CONSTRUCTS = _public(Construct)


def test_the_public_constructs_are_found() -> None:
    names = {cls.__name__ for cls in PUBLIC_CONSTRUCTS}
    assert {"Network", "Bastion", "RunnerFleet", "MagnumCluster", "SelectelMksNodeGroup", "PlatformAddons"} <= names


@pytest.mark.parametrize("cls", PUBLIC_CONSTRUCTS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("scope", [None, "stack", 1], ids=["none", "str", "int"])
def test_a_scope_that_is_no_construct_is_one_argument_error(cls: type, scope: Any) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        cls(scope, "x")
    assert err.value.argument == "scope" and err.value.value == scope
    assert cls.__name__ in str(err.value) and "TerraformStack" in err.value.allowed
    with pytest.raises(ConstructArgumentError) as err:
        cls(scope=scope, id="x")
    assert err.value.argument == "scope"


@pytest.mark.parametrize("cls", PUBLIC_CONSTRUCTS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("bad_id", [None, "", 5, " x"], ids=["none", "empty", "int", "space"])
def test_an_id_that_is_no_name_is_one_argument_error(cls: type, bad_id: Any) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        cls(stack(), bad_id)
    assert err.value.argument == "id"


@pytest.mark.parametrize("cls", PUBLIC_CONSTRUCTS, ids=lambda c: c.__name__)
def test_an_id_a_sibling_has_is_one_argument_error(cls: type) -> None:
    s = stack()
    Construct(s, "taken")
    with pytest.raises(ConstructArgumentError) as err:
        cls(s, "taken")
    assert (err.value.construct_path, err.value.argument, err.value.value) == ("t/taken", "id", "taken")


def _magnum(s: TerraformStack) -> MagnumCluster:
    return MagnumCluster(
        s, "c", name="c", network=net(s), kubernetes_version="1.36.1", image="i", master_flavor="m", worker_flavor="w"
    )


def test_adding_a_node_group_twice_is_one_argument_error() -> None:
    s = stack()
    cluster = _magnum(s)
    cluster.add_node_group("g", name="g", role="system", flavor="f", count=1)
    with pytest.raises(ConstructArgumentError) as err:
        cluster.add_node_group("g", name="g", role="system", flavor="f", count=1)
    # Groups are the cluster's siblings (their addresses do not depend on the cluster's id).
    assert (err.value.construct_path, err.value.argument) == ("t/g", "id")
    # Another id, the same name: Magnum names groups uniquely, and placement finds them by name.
    with pytest.raises(ConstructArgumentError) as err:
        cluster.add_node_group("g2", name="g", role="system", flavor="f", count=1)
    assert (err.value.construct_path, err.value.argument, err.value.value) == ("t/g2", "name", "g")
    assert "(t/g has it)" in err.value.allowed and "t/c " in err.value.allowed
    assert [g.name for g in cluster.node_groups] == ["g"]


def test_two_selectel_node_groups_of_one_name_are_refused() -> None:
    s = stack()
    cluster = SelectelMksCluster(
        s, "c", name="c", region="ru-7", kubernetes_version="1.36.1", availability_zone="ru-7a"
    )
    cluster.add_node_group("a", name="apps", role="worker", flavor="f", volume_size=32, count=1)
    with pytest.raises(ConstructArgumentError) as err:
        cluster.add_node_group("b", name="apps", role="worker", flavor="f", volume_size=32, count=1)
    assert err.value.argument == "name"


@pytest.mark.parametrize("cls", PUBLIC_CONSTRUCTS, ids=lambda c: c.__name__)
def test_help_shows_the_real_signature_and_the_class_documentation(cls: type) -> None:
    """jsii's metaclass would show ``(*args, **kwargs)`` and every ``__init__`` the
    boilerplate docstring of ``constructs.Construct``."""
    import inspect
    import pydoc

    expected = list(inspect.signature(cls.__init__).parameters)[1:]
    assert list(inspect.signature(cls).parameters) == expected
    assert expected[:2] == ["scope", "id"]
    text = pydoc.render_doc(cls, renderer=pydoc.plaintext)
    header = text.split("\n |  \n")[0]
    assert f"{cls.__name__}(scope: " in header and "*args" not in header
    assert inspect.getdoc(cls.__init__) == inspect.getdoc(cls)
    assert "Creates a new construct node" not in text
    first_line = inspect.getdoc(cls).splitlines()[0]
    assert first_line in text


def _documented(cls: type) -> list[str]:
    """The arguments a user passes: a dataclass's fields, other classes' ``__init__`` parameters."""
    import dataclasses
    import inspect

    if dataclasses.is_dataclass(cls):
        return [f.name for f in dataclasses.fields(cls) if f.init]
    return [p for p in inspect.signature(cls).parameters if p not in ("scope", "id")]


def _takes_arguments(cls: type) -> bool:
    """A dataclass, or a class with an ``__init__`` of the library's own (its or a base's)."""
    import dataclasses

    if dataclasses.is_dataclass(cls):
        return True
    return any("__init__" in vars(k) for k in cls.__mro__ if k.__module__.startswith("constructs_lib"))


PUBLIC_VALUE_TYPES = [cls for cls in _public(object) if not issubclass(cls, Construct) and _takes_arguments(cls)]


def test_the_public_value_types_are_found() -> None:
    names = {cls.__name__ for cls in PUBLIC_VALUE_TYPES}
    assert {"HelmRelease", "ReleaseOverrides", "SubnetSpec", "StateBackend", "Port", "Connections"} <= names


@pytest.mark.parametrize("cls", PUBLIC_CONSTRUCTS + PUBLIC_VALUE_TYPES, ids=lambda c: c.__name__)
def test_every_argument_is_documented(cls: type) -> None:
    """Each argument (a construct's ``__init__`` parameter, a value type's field) has its
    ``:param name:`` line in the class's docstring."""
    import re

    doc = cls.__doc__ or ""
    missing = [name for name in _documented(cls) if not re.search(rf"^\s*:param {name}:", doc, re.MULTILINE)]
    assert not missing, f"{cls.__name__} does not document {missing}"


DRIVER_CLUSTERS = [cls for cls in _public(ManagedCluster) if cls is not ManagedCluster]


def test_the_driver_clusters_are_found() -> None:
    assert {"MagnumCluster", "SelectelMksCluster"} <= {cls.__name__ for cls in DRIVER_CLUSTERS}


@pytest.mark.parametrize("cluster", DRIVER_CLUSTERS, ids=lambda c: c.__name__)
def test_add_node_group_is_typed_with_the_node_group_arguments(cluster: type) -> None:
    """What a type checker sees for ``<driver cluster>.add_node_group`` is the driver's node
    group construct's arguments but ``cluster``: same names, kinds, annotations, defaults or not."""
    import inspect

    from constructs_lib.cluster import NODE_GROUP_ADDERS

    assert cluster.__name__ in NODE_GROUP_ADDERS, "a driver's cluster without a typed add_node_group"

    def shape(parameters: list[inspect.Parameter]) -> list[tuple[str, Any, str, bool]]:
        return [(p.name, p.kind, str(p.annotation), p.default is inspect.Parameter.empty) for p in parameters]

    typed = list(inspect.signature(NODE_GROUP_ADDERS[cluster.__name__].__call__).parameters.values())
    construct = list(inspect.signature(cluster.node_group_type.__init__).parameters.values())
    assert typed[0].name == "self" and typed[1].name == "id"
    assert shape(typed[2:]) == shape([p for p in construct[3:] if p.name != "cluster"])
    returned = inspect.signature(NODE_GROUP_ADDERS[cluster.__name__].__call__).return_annotation
    assert returned == cluster.node_group_type.__name__
