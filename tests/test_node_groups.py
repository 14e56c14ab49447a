"""Node groups are added through their cluster only (``cluster.add_node_group``), take a
read-only reference to it, and what depends on the set of groups is computed at synth."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path
from typing import Any

import cdktf
import pytest
from cdktf import TerraformStack
from cdktf_cdktf_provider_openstack.provider import OpenstackProvider

from constructs_lib import (
    ConstructArgumentError,
    KamajiCluster,
    MagnumCluster,
    MagnumNodeGroup,
    Network,
    SelectelMksCluster,
    SubnetSpec,
)
from constructs_lib.cluster import ClusterReference, ManagedCluster
from constructs_lib.cluster_drivers import DRIVERS
from constructs_lib.kamaji_cluster import KamajiNodeGroup
from constructs_lib.selectel_mks import SelectelMksNodeGroup
from tests.conftest import resources, synth_stack

ROOT = Path(__file__).resolve().parent.parent


def _network(stack: TerraformStack) -> Network:
    OpenstackProvider(stack, "openstack")
    subnet = SubnetSpec("nodes", "10.30.0.0/24", ("10.30.0.53",))
    return Network(stack, "network", name="env", subnets=[subnet], external_network="ext")


def _magnum(stack: TerraformStack, **kw: Any) -> MagnumCluster:
    arguments = {"kubernetes_version": "1.36.1", "image": "i", "master_flavor": "m", "worker_flavor": "w"} | kw
    return MagnumCluster(stack, "cluster", name="env", driver="magnum-heat", network=_network(stack), **arguments)


def _mks(stack: TerraformStack) -> SelectelMksCluster:
    return SelectelMksCluster(
        stack,
        "cluster",
        name="env",
        region="ru-7",
        kubernetes_version="1.36.1",
        network=_network(stack),
        availability_zone="ru-7a",
    )


def _kamaji(stack: TerraformStack) -> KamajiCluster:
    from tests.test_kamaji_cluster import kamaji_arguments

    return KamajiCluster(stack, "cluster", **kamaji_arguments(stack, _network(stack)))


def _template(doc: dict[str, Any]) -> dict[str, Any]:
    (template,) = resources(doc, "openstack_containerinfra_clustertemplate_v1").values()
    return template


def _triggers(doc: dict[str, Any]) -> dict[str, str]:
    return {name: body["triggers_replace"] for name, body in resources(doc, "terraform_data").items()}


# --- what depends on the set of groups follows every group added ------------------------------


def test_a_magnum_group_with_autoscaling_added_last_turns_the_autoscaler_on() -> None:
    """The label (and the template's digest, its name and its revisions) is read at synth: a
    group added after everything else still counts."""

    def build(stack: TerraformStack, autoscaling: bool | None = None) -> None:
        cluster = _magnum(stack, autoscaling=autoscaling) if autoscaling is not None else _magnum(stack)
        cluster.add_node_group("system", name="system", role="system", flavor="f", count=1)
        cluster.add_node_group("apps", name="apps", role="frontend", flavor="f", count=1, max_count=3)

    following = synth_stack(build)
    assert _template(following)["labels"]["auto_scaling_enabled"] == "true"
    # The same as with the autoscaler asked for: one template, one revision.
    given = synth_stack(lambda s: build(s, autoscaling=True))
    assert _template(following) == _template(given) and _triggers(following) == _triggers(given)


def test_a_magnum_cluster_without_autoscaled_groups_runs_no_autoscaler() -> None:
    def build(stack: TerraformStack, max_count: int) -> None:
        _magnum(stack).add_node_group("apps", name="apps", role="frontend", flavor="f", count=1, max_count=max_count)

    fixed, growing = synth_stack(lambda s: build(s, 1)), synth_stack(lambda s: build(s, 3))
    assert "auto_scaling_enabled" not in _template(fixed)["labels"]
    # The digest follows: another template name, another revision.
    assert _template(fixed)["name"] != _template(growing)["name"]
    assert _triggers(fixed) != _triggers(growing)


def test_the_profile_holds_every_group_and_no_group_comes_after_it() -> None:
    stack = TerraformStack(cdktf.Testing.app(), "t")
    cluster = _mks(stack)
    cluster.add_node_group("a", name="a", role="system", flavor="f", volume_size=32, count=1)
    cluster.add_node_group(
        "b", name="b", role="gpu", flavor="f", volume_size=32, count=1, volume_type="universal.ru-7a"
    )
    profile = cluster.profile
    assert set(profile.placements) == {"system", "gpu"}
    assert profile.volume_types == ("fast.ru-7a", "universal.ru-7a")
    assert cluster.profile is profile  # computed once
    with pytest.raises(ConstructArgumentError) as err:
        cluster.add_node_group("c", name="c", role="worker", flavor="f", volume_size=32, count=1)
    assert (err.value.construct_path, err.value.argument) == ("t/c", "id") and "profile" in err.value.allowed


def test_the_kamaji_node_names_cover_every_group() -> None:
    holder: dict[str, Any] = {}

    def build(stack: TerraformStack) -> None:
        cluster = _kamaji(stack)
        cluster.add_node_group("system", name="system", role="system", count=1, flavor="f", boot_volume_size=20)
        cluster.add_node_group("apps", name="apps", role="worker", count=1, flavor="f", boot_volume_size=20)
        holder["profile"] = cluster.profile

    synth_stack(build)
    assert holder["profile"].node_name_regex == "^(env-apps|env-system)-[0-9]+$"


# --- the one way to add a group ---------------------------------------------------------------


_GROUPS: dict[str, tuple[Any, type, dict[str, Any]]] = {
    "magnum": (_magnum, MagnumNodeGroup, {"role": "system", "flavor": "f", "count": 1}),
    "mks": (_mks, SelectelMksNodeGroup, {"role": "worker", "flavor": "f", "volume_size": 32, "count": 1}),
    "kamaji": (_kamaji, KamajiNodeGroup, {"role": "worker", "flavor": "f", "boot_volume_size": 20, "count": 1}),
}


@pytest.mark.parametrize("driver", sorted(_GROUPS))
def test_a_group_made_directly_is_refused_and_changes_nothing(driver: str) -> None:
    make, group_type, props = _GROUPS[driver]
    stack = TerraformStack(cdktf.Testing.app(), "t")
    cluster = make(stack)
    with pytest.raises(ConstructArgumentError) as err:
        group_type(stack, "g", cluster=cluster, name="g", **props)
    assert err.value.argument == "cluster" and "cluster.add_node_group(id, ...)" in err.value.allowed
    assert cluster.node_groups == ()


@pytest.mark.parametrize("driver", sorted(_GROUPS))
def test_the_cluster_registers_the_group_it_adds_beside_itself(driver: str) -> None:
    make, group_type, props = _GROUPS[driver]
    stack = TerraformStack(cdktf.Testing.app(), "t")
    cluster: ManagedCluster = make(stack)
    group = cluster.add_node_group("node-group-g", name="g", **props)
    assert isinstance(group, group_type) and cluster.node_groups == (group,)
    # A sibling of the cluster: the app's groups keep their addresses, <stack>/node-group-<name>.
    assert group.node.path == "t/node-group-g"
    # The group holds a read-only reference, not the cluster.
    assert isinstance(group.cluster, ClusterReference) and not isinstance(group.cluster, ManagedCluster)
    assert group.cluster.path == "t/cluster" and group.cluster.driver is DRIVERS[cluster.driver.name]
    with pytest.raises(TypeError):
        group.cluster.group_paths["h"] = "t/h"  # type: ignore[index]
    assert dict(group.cluster.group_paths) == {"g": "t/node-group-g"}


def test_the_node_groups_cannot_be_appended_to() -> None:
    stack = TerraformStack(cdktf.Testing.app(), "t")
    cluster = _magnum(stack)
    assert not hasattr(cluster.node_groups, "append")


# --- the application adds groups through the cluster and asks no driver question -------------


def _infra_imports() -> set[str]:
    tree = ast.parse((ROOT / "stacks" / "infra.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names |= {node.module or ""} | {alias.name for alias in node.names}
    return names


def test_the_infra_stack_names_no_driver_construct() -> None:
    """Adding a driver is an entry in the driver table and its construct module: the stack
    imports no driver's construct or module, and builds no node group itself."""
    drivers = {d.construct.rpartition(".")[2] for d in DRIVERS.values()}
    modules = {f"constructs_lib.{d.construct.rpartition('.')[0]}" for d in DRIVERS.values()}
    imported = _infra_imports()
    assert not imported & (drivers | modules), imported & (drivers | modules)
    source = (ROOT / "stacks" / "infra.py").read_text()
    assert "node_group_type(" not in source and "add_node_group(" in source
    assert "issubclass" not in source and "self_managed" not in source


def test_each_cluster_class_takes_what_it_needs_of_the_stacks_offer() -> None:
    from constructs_lib.cluster_arguments import StackOffer

    stack = TerraformStack(cdktf.Testing.app(), "t")
    asked: list[str] = []

    def issuers() -> tuple[()]:
        asked.append("issuers")
        return ()

    offer = StackOffer(
        stack=stack,
        name="env",
        driver="magnum-heat",
        network="net",
        keypair="kp",
        region="ru-7",
        auth_url="https://keystone.example/v3",
        availability_zone="ru-7a",
        oidc_issuers=issuers,
        registry="harbor.internal/platform",
    )
    magnum = MagnumCluster.stack_arguments(offer, {})
    assert magnum == {"name": "env", "driver": "magnum-heat", "network": "net", "keypair": "kp"} and not asked
    mks = SelectelMksCluster.stack_arguments(offer, {})
    assert set(mks) == {"name", "region", "network", "keypair", "availability_zone", "provider"}
    # The cluster block's zone wins over the offered one.
    other = dataclasses.replace(offer, stack=TerraformStack(cdktf.Testing.app(), "t2"))
    assert "availability_zone" not in SelectelMksCluster.stack_arguments(other, {"availability_zone": "ru-7b"})
    kamaji = KamajiCluster.stack_arguments(offer, {})
    assert set(kamaji) == {"name", "network", "keypair", "oidc_issuers", "mirrors"} and asked == ["issuers"]
    assert list(kamaji["mirrors"][0].endpoints) == ["https://harbor.internal/v2/platform"]
    assert "mirrors" not in KamajiCluster.stack_arguments(offer, {"mirrors": []})
