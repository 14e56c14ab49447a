"""The cdktf-free checks of the clusters and their node groups (tested without jsii): what a
driver checks of an environment, each node group's arguments, Kamaji's and Flatcar's."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

import pytest

from constructs_lib import flatcar
from constructs_lib.cluster_arguments import (
    EnvironmentFacts,
    EnvironmentRuleError,
    check_options,
    node_counts,
    parameters,
)
from constructs_lib.errors import ConstructArgumentError
from constructs_lib.flatcar_node_group_arguments import check_kubelet, check_node_group_arguments
from constructs_lib.kamaji_arguments import SecretKeyRef
from constructs_lib.kamaji_cluster_arguments import check_cluster_arguments as check_kamaji
from constructs_lib.kamaji_cluster_arguments import check_environment as check_kamaji_environment
from constructs_lib.kamaji_cluster_arguments import check_node_group_arguments as check_kamaji_group
from constructs_lib.magnum_arguments import check_node_group_arguments as check_magnum_group
from constructs_lib.selectel_mks_arguments import check_environment as check_mks_environment
from constructs_lib.selectel_mks_arguments import check_node_group_arguments as check_mks_group
from constructs_lib.server_arguments import PartTypes

MODULES = (
    "cluster_arguments",
    "magnum_arguments",
    "selectel_mks_arguments",
    "kamaji_cluster_arguments",
    "flatcar_node_group_arguments",
)


@pytest.mark.parametrize("module", MODULES)
def test_the_check_module_imports_without_cdktf(module: str) -> None:
    code = (
        "import sys\n"
        "for name in ('cdktf', 'constructs', 'jsii', 'cdktf_cdktf_provider_openstack'):\n"
        "    sys.modules[name] = None\n"
        f"import constructs_lib.{module}\n"
        "assert not any(k.split('.')[0] in ('cdktf', 'jsii') and v is not None for k, v in sys.modules.items())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


# --- keyword arguments, checked once per set of keys ---------------------------------------------


class Target:
    def __init__(self, scope: Any, id: str, *, cluster: Any, name: str, count: int = 1) -> None:
        pass


def test_options_are_checked_as_keyword_arguments_with_their_message() -> None:
    check_options("s/g", Target, {"name": "g"}, supplied=("cluster",))
    with pytest.raises(ConstructArgumentError) as err:
        check_options("s/g", Target, {"name": "g", "cuont": 2}, supplied=("cluster",))
    assert (err.value.construct_path, err.value.argument, err.value.value) == ("s/g", "cuont", 2)
    assert "did you mean count" in err.value.allowed or "count" in err.value.allowed
    # A supplied argument may not be given, a required one must.
    with pytest.raises(ConstructArgumentError) as err:
        check_options("s/g", Target, {"name": "g"}, supplied=("cluster", "name"))
    assert err.value.argument == "name"
    with pytest.raises(ConstructArgumentError) as err:
        check_options("s/h", Target, {}, supplied=("cluster",))
    assert (err.value.construct_path, err.value.argument, err.value.value) == ("s/h", "name", None)
    assert parameters(Target) == {"self", "scope", "id", "cluster", "name", "count"}


def test_node_counts_default_the_bounds_to_the_count() -> None:
    assert node_counts("p", 2, None, None) == (2, 2, 2)
    assert node_counts("p", 1, None, 3) == (1, 1, 3)
    with pytest.raises(ConstructArgumentError) as err:
        node_counts("p", 5, None, 3)
    assert err.value.argument == "count"


# --- what a driver checks of the environment -------------------------------------------------------


def facts(**changes: Any) -> EnvironmentFacts:
    given: dict[str, Any] = {
        "region": "ru-7",
        "availability_zone": "ru-7a",
        "subnets": {"nodes": "10.30.0.0/22"},
        "cluster_arguments": frozenset({"kubernetes_version"}),
        "node_groups": ("workers",),
    }
    return EnvironmentFacts(**(given | changes))


def test_an_mks_environment_passes() -> None:
    check_mks_environment("e-infra/cluster", facts())


@pytest.mark.parametrize(
    ("changes", "argument"),
    [
        ({"region": "RU 7"}, "openstack.region"),
        ({"subnets": {"nodes": "10.96.0.0/24"}}, "network.subnets['nodes'].cidr"),
        ({"availability_zone": "ru-8a"}, "openstack.availability_zone"),
    ],
)
def test_an_mks_environment_error_names_the_key_where_it_is_written(changes: dict[str, Any], argument: str) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        check_mks_environment("e-infra/cluster", facts(**changes))
    assert (err.value.construct_path, err.value.argument) == ("e-infra/cluster", argument)


def test_the_cluster_block_zone_spares_the_openstack_zone_its_check() -> None:
    check_mks_environment("p", facts(availability_zone="ru-8a", cluster_arguments=frozenset({"availability_zone"})))


@pytest.mark.parametrize("check", [check_mks_environment, lambda p, f: check_kamaji_environment(f, "kamaji")])
def test_a_cluster_without_node_groups_is_a_rule_of_the_cluster_block(check: Any) -> None:
    with pytest.raises(EnvironmentRuleError) as err:
        check("p", facts(node_groups=()))
    assert err.value.key == ("cluster",) and "needs at least one node_group block" in err.value.message


# --- node groups -----------------------------------------------------------------------------------


@dataclass
class MagnumFacts:
    default_worker_count: int = 1
    worker_count_given: bool = False
    autoscaling: bool | None = None


def magnum_group(cluster: MagnumFacts | None = None, **changes: Any) -> tuple[int, int, int]:
    given = {
        "name": "apps",
        "role": "system",
        "flavor": "f",
        "count": 1,
        "min_count": None,
        "max_count": None,
        "image": None,
        "volume_size": None,
    }
    return check_magnum_group("s/g", cluster or MagnumFacts(), **(given | changes))


def test_a_magnum_group_may_grow_unless_the_autoscaler_is_turned_off() -> None:
    assert magnum_group(max_count=3) == (1, 1, 3)
    with pytest.raises(ConstructArgumentError) as err:
        magnum_group(MagnumFacts(autoscaling=False), max_count=3)
    assert err.value.argument == "max_count"


@pytest.mark.parametrize(
    ("cluster", "changes", "argument"),
    [
        (MagnumFacts(), {"name": "default-worker"}, "name"),
        (MagnumFacts(), {"role": "worker"}, "role"),
        (MagnumFacts(), {"volume_size": 0}, "volume_size"),
        (MagnumFacts(), {"flavor": ""}, "flavor"),
    ],
)
def test_magnum_group_mistakes(cluster: MagnumFacts, changes: dict[str, Any], argument: str) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        magnum_group(cluster, **changes)
    assert err.value.argument == argument


def test_a_magnum_worker_group_needs_the_clusters_worker_count() -> None:
    assert magnum_group(MagnumFacts(worker_count_given=True), role="worker") == (1, 1, 1)


@dataclass
class MksFacts:
    region: str = "ru-7"
    availability_zone: str | None = "ru-7a"


def mks_group(cluster: MksFacts | None = None, **changes: Any) -> Any:
    given: dict[str, Any] = {
        "name": "apps",
        "role": "system",
        "count": 1,
        "min_count": None,
        "max_count": None,
        "flavor": "f",
        "cpus": None,
        "ram_mb": None,
        "volume_size": 32,
        "volume_type": None,
        "local_volume": False,
        "availability_zone": None,
        "labels": None,
        "taint": True,
        "preemptible": False,
        "install_nvidia_device_plugin": False,
    }
    return check_mks_group("s/g", cluster or MksFacts(), **(given | changes))


def test_an_mks_group_follows_from_its_arguments() -> None:
    checked = mks_group(labels={"tier": "db"})
    assert checked.zone == "ru-7a" and checked.volume_type == "fast.ru-7a" and checked.counts == (1, 1, 1)
    assert checked.node_labels == {"node-role.deckhouse.io/system": "", "tier": "db"}
    assert checked.taints == [{"key": "dedicated.deckhouse.io", "value": "system", "effect": "NoExecute"}]
    assert mks_group(taint=False).taints == [] and mks_group(role="worker").taints == []
    assert mks_group(local_volume=True, volume_size=None).volume_type is None


@pytest.mark.parametrize(
    ("cluster", "changes", "argument"),
    [
        (MksFacts(), {"count": 0}, "count"),
        (MksFacts(), {"count": 16}, "count"),
        (MksFacts(), {"cpus": 2}, "cpus"),
        (MksFacts(), {"flavor": None}, "flavor"),
        (MksFacts(availability_zone=None), {}, "availability_zone"),
        (MksFacts(), {"availability_zone": "ru-8a"}, "availability_zone"),
        (MksFacts(), {"volume_type": "fast.ru-7b"}, "volume_type"),
        (MksFacts(), {"local_volume": True, "volume_type": "fast.ru-7a"}, "volume_type"),
        (MksFacts(), {"volume_size": None}, "volume_size"),
        (MksFacts(), {"labels": {"node-role.deckhouse.io/x": ""}}, "labels['node-role.deckhouse.io/x']"),
        (MksFacts(), {"taint": "yes"}, "taint"),
    ],
)
def test_mks_group_mistakes(cluster: MksFacts, changes: dict[str, Any], argument: str) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        mks_group(cluster, **changes)
    assert err.value.argument == argument


def test_kamaji_group_mistakes() -> None:
    arguments = {"name": "apps", "role": "worker", "count": 2, "server_group_policy": "anti-affinity"}
    assert check_kamaji_group("p", **arguments) == (2, 2, 2)
    for changes, argument in (({"count": -1}, "count"), ({"server_group_policy": "affinity"}, "server_group_policy")):
        with pytest.raises(ConstructArgumentError) as err:
            check_kamaji_group("p", **(arguments | changes))
        assert err.value.argument == argument


# --- Kamaji's cluster and Flatcar's groups --------------------------------------------------------


@dataclass
class FakeNetwork:
    egress_cidrs: list[str] = field(default_factory=list)


class FakeKeypair:
    pass


class FakeSecurityGroup:
    pass


def kamaji(**changes: Any) -> Any:
    given: dict[str, Any] = {
        "network_type": FakeNetwork,
        "keypair_type": FakeKeypair,
        "name": "env",
        "network": FakeNetwork(),
        "keypair": FakeKeypair(),
        "kubernetes_version": "1.36.2",
        "management": {"kubeconfig_path": "~/.kube/m", "namespace": "tenants"},
        "datastore": {"name": "pg", "username": {"secret": "pg", "namespace": "k", "key": "u"}},
        "sysext": {"version": "1.36.2", "sha256": "0" * 64},
        "image": "flatcar",
        "mirrors": (),
        "token_ttl_hours": 24,
        "token_rotation_hours": 12,
        "oidc_issuers": (),
    }
    return check_kamaji("s/cluster", **(given | changes))


def test_kamaji_arguments_follow_from_the_blocks() -> None:
    checked = kamaji()
    assert checked.version == "v1.36.2" and checked.authentication is None
    assert checked.credentials == {"username": SecretKeyRef(name="pg", namespace="k", key="u")}
    assert isinstance(checked.sysext, flatcar.KubernetesSysext) and checked.mirrors == ()


@pytest.mark.parametrize(
    ("changes", "argument"),
    [
        ({"network": "net"}, "network"),
        ({"keypair": None}, "keypair"),
        ({"management": {"namespace": "t"}}, "management.kubeconfig_path"),
        ({"datastore": {"name": "pg", "bogus": 1}}, "datastore.bogus"),
        ({"datastore": {"name": "pg", "password": {"secret": "s", "namespace": "n"}}}, "datastore.password.key"),
        ({"sysext": {"version": "1.36.2"}}, "sysext.sha256"),
        ({"mirrors": "docker.io"}, "mirrors"),
        ({"token_ttl_hours": 200}, "token_ttl_hours"),
        ({"kubernetes_version": "1.99.0"}, "kubernetes_version"),
    ],
)
def test_kamaji_mistakes(changes: dict[str, Any], argument: str) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        kamaji(**changes)
    assert err.value.argument == argument


TYPES = PartTypes(network=FakeNetwork, keypair=FakeKeypair, security_group=FakeSecurityGroup, peer=())


def flatcar_group(**changes: Any) -> Any:
    given: dict[str, Any] = {
        "types": TYPES,
        "name": "env-apps",
        "role": "worker",
        "count": 2,
        "network": FakeNetwork(),
        "keypair": FakeKeypair(),
        "flavor": "f",
        "image": "flatcar",
        "boot_volume_size": 20,
        "boot_volume_type": None,
        "availability_zone": None,
        "server_group_policy": "anti-affinity",
        "security_group": None,
    }
    return check_node_group_arguments("s/g", **(given | changes))


def test_a_flatcar_group_boots_from_a_volume() -> None:
    assert flatcar_group().size == 20
    with pytest.raises(ConstructArgumentError) as err:
        flatcar_group(boot_volume_size=None)
    assert err.value.argument == "boot_volume_size"
    with pytest.raises(ConstructArgumentError) as err:
        flatcar_group(security_group="sg")
    assert err.value.argument == "security_group"


def test_the_kubelet_stays_within_the_skew_policy() -> None:
    sysext = flatcar.KubernetesSysext(version="1.33.0", sha256="0" * 64)
    check_kubelet("p", sysext, "1.36.2")
    for version in ("1.32.0", "1.37.0"):
        with pytest.raises(ConstructArgumentError) as err:
            check_kubelet("p", flatcar.KubernetesSysext(version=version, sha256="0" * 64), "1.36.2")
        assert err.value.argument == "sysext.version"
    with pytest.raises(ConstructArgumentError) as err:
        check_kubelet("p", sysext, "1.36")
    assert err.value.argument == "control_plane_version"
