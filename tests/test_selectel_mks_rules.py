"""Selectel MKS: the rules recorded in tests/fixtures/upstream/selectel_mks_facts.md, enforced.

Each test names the rule it enforces (``upstream_rule``); the shipped environments are
synthesized and checked for what MKS needs, and bad values written in an environment file are
reported at the file, line and key where they were written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cdktf import TerraformStack
from cdktf_cdktf_provider_openstack.provider import OpenstackProvider

from constructs_lib import ConstructArgumentError, Network, SelectelMksCluster, SubnetSpec, VolumeStorageClasses
from constructs_lib.errors import PlatformError
from constructs_lib.node_roles import NODE_OWNED_LABELS
from constructs_lib.selectel_mks import CONTROL_PLANES, RESERVED_CIDRS
from constructs_lib.storage_classes import CINDER_CSI_PROVISIONER
from stacks.app import synth
from tests._env_edit import key_line, line_number, set_key
from tests.conftest import resources, synth_stack

UPSTREAM = Path(__file__).parent / "fixtures" / "upstream"
SCHEMA = json.loads((UPSTREAM / "selectel_provider_schema.json").read_text())
FACTS = (UPSTREAM / "selectel_mks_facts.md").read_text()
MKS_ENVIRONMENTS = ("ha", "simple")
PROJECT = "0123456789abcdef0123456789abcdef"


def _cluster(stack: TerraformStack, **kw: Any) -> SelectelMksCluster:
    OpenstackProvider(stack, "openstack")
    network = Network(stack, "network", name="env", subnets=[SubnetSpec("nodes", "10.30.0.0/24")])
    arguments = {"kubernetes_version": "1.36.1", "availability_zone": "ru-7a"} | kw
    return SelectelMksCluster(stack, "cluster", name="env", region="ru-7", network=network, **arguments)


def _group(**kw: Any) -> Callable[[TerraformStack], object]:
    """A build function: a cluster with one worker group of ``kw`` (a flavor and 32 GB by default;
    ``None`` leaves an argument out)."""
    defaults = {"name": "g", "role": "worker", "count": 1, "flavor": "SL1.2-4096", "volume_size": 32}
    # None leaves an argument out.
    arguments = {key: value for key, value in (defaults | kw).items() if value is not None}

    def build(stack: TerraformStack) -> None:
        _cluster(stack).add_node_group("g", **arguments)

    return build


def _refused(build: Callable[[TerraformStack], object]) -> ConstructArgumentError:
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(build)
    return err.value


def _groups(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return list(resources(doc, "selectel_mks_nodegroup_v1").values())


def _synth_error(env_dir: Callable[..., Path], tmp_path: Path, env: str, *replace: tuple[str, str]) -> str:
    directory = env_dir(env, replace)
    with pytest.raises(PlatformError) as err:
        synth(directory, tmp_path / "cdktf.out", [env])
    assert not (tmp_path / "cdktf.out").exists()
    return str(err.value)


def _where(env_dir: Callable[..., Path], env: str, *replace: tuple[str, str], line: str) -> str:
    """``<file>:<line number>`` of ``line`` in the edited environment file."""
    path = env_dir(env, replace) / f"{env}.hcl"
    return f"{path}:{line_number(path.read_text(), line)}"


# --- volume_gb ------------------------------------------------------------------------------


@pytest.mark.upstream_rule("mks.nodegroup.volume-gb")
@pytest.mark.parametrize("env", MKS_ENVIRONMENTS)
def test_shipped_node_groups_on_a_network_volume_or_without_a_flavor_set_volume_gb(env: str, shipped_stacks) -> None:
    groups = _groups(shipped_stacks[f"{env}-infra"])
    assert groups
    for group in groups:
        if not group.get("local_volume") or "flavor_id" not in group:
            assert isinstance(group.get("volume_gb"), int) and group["volume_gb"] > 0, group


@pytest.mark.upstream_rule("mks.nodegroup.volume-gb")
@pytest.mark.parametrize(
    "kwargs",
    [
        {},  # a network volume of the default type
        {"volume_type": "universal.ru-7a"},
        {"flavor": None, "cpus": 2, "ram_mb": 4096},
        {"flavor": None, "cpus": 2, "ram_mb": 4096, "local_volume": True},
    ],
)
def test_a_group_without_volume_size_is_refused_unless_flavor_and_local_volume(kwargs: dict[str, Any]) -> None:
    err = _refused(_group(volume_size=None, **kwargs))
    assert err.argument == "volume_size"
    # The group is the cluster's sibling (ManagedCluster.add_node_group).
    assert "test/g:" in str(err) and "flavor" in err.allowed and "local_volume" in err.allowed


@pytest.mark.upstream_rule("mks.nodegroup.volume-gb", "mks.nodegroup.boot-disk")
def test_a_flavor_on_its_local_disk_may_leave_the_size_to_the_flavor() -> None:
    def build(stack: TerraformStack) -> None:
        _cluster(stack).add_node_group("g", name="g", role="worker", count=1, flavor="SL1.2-4096", local_volume=True)

    (group,) = _groups(synth_stack(build))
    assert group["local_volume"] is True and "volume_gb" not in group and "volume_type" not in group
    # The rule, as the fixture records it.
    assert "may be omitted only with a flavor and a local volume" in FACTS


def test_an_environment_without_volume_size_is_refused_at_the_group(env_dir, tmp_path) -> None:
    replace = (key_line("simple", "volume_size") + "\n", "")
    message = _synth_error(env_dir, tmp_path, "simple", replace)
    assert message.startswith(_where(env_dir, "simple", replace, line='node_group "workers"'))
    assert "node_group.workers.volume_size: is missing" in message


# --- boot disk and volume type ------------------------------------------------------------------


@pytest.mark.upstream_rule("mks.nodegroup.boot-disk", "mks.volume-type.form")
@pytest.mark.parametrize("env", MKS_ENVIRONMENTS)
def test_shipped_groups_boot_from_exactly_one_disk_of_their_own_zone(env: str, shipped_stacks) -> None:
    for group in _groups(shipped_stacks[f"{env}-infra"]):
        assert (group.get("local_volume") is True) != ("volume_type" in group), group
        if "volume_type" in group:
            kind, zone = group["volume_type"].split(".")
            assert kind and zone == group["availability_zone"]


@pytest.mark.upstream_rule("mks.volume-type.form")
@pytest.mark.parametrize("volume_type", ["fast", "fast.ru-9a", "fast.ru-7", "fast ru-7a", "fast.ru-7a\n", "ƒast.ru-7a"])
def test_a_volume_type_of_another_zone_or_form_is_refused(volume_type: str) -> None:
    assert _refused(_group(volume_type=volume_type)).argument == "volume_type"


# --- zones, pools, project ids -----------------------------------------------------------------


@pytest.mark.upstream_rule("mks.zone.form")
@pytest.mark.parametrize("zone", ["ru 7a", "ru-7", "ru-9a", "nova", "ru-7ab", "RU-7A", "ru-７a", "ru-7a ", ""])
def test_a_group_zone_that_is_no_segment_of_the_pool_is_refused(zone: str) -> None:
    err = _refused(_group(availability_zone=zone))
    assert err.argument == "availability_zone" and "ru-7a" in err.allowed


@pytest.mark.upstream_rule("mks.zone.form")
@pytest.mark.parametrize(("region", "zone"), [("ru 7", "ru 7a"), ("ru-7", "ru-8a"), ("RegionOne", "nova")])
def test_a_cluster_pool_and_zone_must_have_the_pool_form(region: str, zone: str) -> None:
    def build(stack: TerraformStack) -> None:
        OpenstackProvider(stack, "openstack")
        SelectelMksCluster(stack, "c", name="c", region=region, kubernetes_version="1.36", availability_zone=zone)

    assert _refused(build).argument in ("region", "availability_zone")


@pytest.mark.upstream_rule("mks.zone.form")
def test_another_segment_of_the_pool_is_accepted() -> None:
    (group,) = _groups(synth_stack(_group(availability_zone="ru-7b", volume_type="universal.ru-7b")))
    assert group["availability_zone"] == "ru-7b" and group["volume_type"] == "universal.ru-7b"


@pytest.mark.upstream_rule("mks.project-id.form")
@pytest.mark.parametrize(
    "project_id", ["../../v2/admin", "admin", PROJECT.upper(), PROJECT[:-1], PROJECT + "0", "０" * 32, f"{PROJECT}\n"]
)
def test_a_project_id_that_is_no_keystone_id_is_refused(project_id: str) -> None:
    assert _refused(lambda s: _cluster(s, project_id=project_id)).argument == "project_id"


@pytest.mark.upstream_rule("mks.project-id.form", "mks.project-region")
def test_a_given_project_id_reaches_every_mks_resource() -> None:
    doc = synth_stack(lambda s: _cluster(s, project_id=PROJECT).add_node_group(**_NODE_GROUP))
    for section in ("resource", "data"):
        for type_, items in doc[section].items():
            if type_.startswith("selectel_mks_"):
                for body in items.values():
                    assert body["project_id"] == PROJECT and body["region"] == "ru-7", type_


_NODE_GROUP = {"id": "g", "name": "g", "role": "worker", "count": 1, "flavor": "f", "volume_size": 32}


@pytest.mark.upstream_rule("mks.zone.form")
@pytest.mark.parametrize(
    ("block_line", "zone", "key"),
    [
        ('node_group "workers" {', "ru 7a", "node_group.workers.availability_zone"),
        ('node_group "workers" {', "ru-9a", "node_group.workers.availability_zone"),
        ('  control_plane      = "basic"', "ru-7", "cluster.availability_zone"),
    ],
)
def test_a_bad_zone_in_an_environment_names_its_file_line_and_key(env_dir, tmp_path, block_line, zone, key) -> None:
    replace = (block_line, f'{block_line}\n  availability_zone = "{zone}"')
    message = _synth_error(env_dir, tmp_path, "simple", replace)
    assert message.startswith(_where(env_dir, "simple", replace, line=f'  availability_zone = "{zone}"'))
    assert f"{key}: " in message and repr(zone)[1:-1] in message and "ru-7a" in message


@pytest.mark.upstream_rule("mks.zone.form")
def test_a_zone_of_another_pool_in_the_openstack_block_is_reported_there(env_dir, tmp_path) -> None:
    replace = set_key("simple", "availability_zone", '"ru-9a"')
    message = _synth_error(env_dir, tmp_path, "simple", replace)
    assert message.startswith(_where(env_dir, "simple", replace, line=replace[1]))
    assert "openstack.availability_zone: " in message and "ru-7a" in message


@pytest.mark.upstream_rule("mks.project-id.form")
def test_a_bad_project_id_in_an_environment_names_its_file_line_and_key(env_dir, tmp_path) -> None:
    block_line = '  control_plane      = "basic"'
    replace = (block_line, f'{block_line}\n  project_id = "../../v2/admin"')
    message = _synth_error(env_dir, tmp_path, "simple", replace)
    assert message.startswith(_where(env_dir, "simple", replace, line='  project_id = "../../v2/admin"'))
    assert "cluster.project_id: " in message and "32 lowercase hexadecimal" in message


# --- the cluster block's zone -----------------------------------------------------------------


def test_the_cluster_block_zone_is_the_node_groups_default_beside_the_openstack_zone(env_dir, tmp_path) -> None:
    # The README's form: openstack { availability_zone } places the VMs, cluster { availability_zone }
    # the node groups that name no zone of their own.
    control_plane = key_line("ha", "control_plane")
    directory = env_dir(
        "ha",
        (
            (key_line("ha", "availability_zone"), '  availability_zone = "ru-7b"'),
            (control_plane, f'{control_plane}\n  availability_zone = "ru-7a"'),
        ),
    )
    text = (directory / "ha.hcl").read_text()
    # The bastion's and runners' boot volumes live in the openstack block's zone.
    text = re.sub(r'(?m)^(\s*boot_volume_type\s*=\s*)"fast\.ru-7a"', r'\1"fast.ru-7b"', text)
    (directory / "ha.hcl").write_text(text)
    out = tmp_path / "cdktf.out"
    synth(directory, out, ["ha"])
    infra = json.loads((out / "stacks" / "ha-infra" / "cdk.tf.json").read_text())
    groups = _groups(infra)
    system = next(g for g in groups if g["labels"].get("node-role.deckhouse.io/system") == "")
    assert system["availability_zone"] == "ru-7a"
    assert {g["availability_zone"] for g in groups} == {"ru-7a"}
    vms = resources(infra, "openstack_compute_instance_v2").values()
    assert vms and {vm["availability_zone"] for vm in vms} == {"ru-7b"}


# --- reserved ranges ------------------------------------------------------------------------------


@pytest.mark.upstream_rule("mks.reserved-cidrs")
@pytest.mark.parametrize("cidr", ["10.10.0.0/22", "10.100.0.0/16", "10.250.128.0/24", "10.251.0.128/25", "10.0.0.0/8"])
def test_a_subnet_in_a_range_mks_uses_is_reported_at_its_cidr_line(env_dir, tmp_path, cidr: str) -> None:
    replace = (key_line("simple", "cidr"), f'    cidr = "{cidr}"')
    message = _synth_error(env_dir, tmp_path, "simple", replace)
    assert message.startswith(_where(env_dir, "simple", replace, line=f'    cidr = "{cidr}"') + ": ")
    assert "network.subnet.nodes.cidr: " in message and all(r in message for r in RESERVED_CIDRS)


@pytest.mark.upstream_rule("mks.reserved-cidrs")
def test_the_cluster_construct_refuses_a_reserved_range_itself() -> None:
    def build(stack: TerraformStack) -> None:
        OpenstackProvider(stack, "openstack")
        network = Network(stack, "network", name="env", subnets=[SubnetSpec("pods", "10.96.4.0/24")])
        SelectelMksCluster(stack, "cluster", name="env", region="ru-7", kubernetes_version="1.36.1", network=network)

    err = _refused(build)
    assert err.argument == "network.subnets['pods'].cidr" and err.value == "10.96.4.0/24"


# --- node labels and counts ----------------------------------------------------------------------


@pytest.mark.upstream_rule("kubelet.node-labels")
@pytest.mark.parametrize(
    "key",
    [
        "kubernetes.io/role",
        "node-role.kubernetes.io/worker",
        "node-restriction.kubernetes.io/trusted",
        "k8s.io/x",
        "team.k8s.io/x",
        "app.kubernetes.io/name",
        *sorted(NODE_OWNED_LABELS),
    ],
)
def test_labels_kubernetes_reserves_are_refused(key: str) -> None:
    err = _refused(_group(labels={key: "x"}))
    assert err.argument == f"labels[{key!r}]" and "kubernetes.io" in err.allowed


@pytest.mark.upstream_rule("kubelet.node-labels")
def test_labels_the_kubelet_allows_and_other_namespaces_pass() -> None:
    labels = {
        "node.kubernetes.io/exclude-from-external-load-balancers": "true",
        "kubelet.kubernetes.io/x": "y",
        "example.com/tier": "db",
        "kubernetes.io.example.com/x": "y",
        "plain": "",
    }
    (group,) = _groups(synth_stack(_group(labels=labels)))
    assert labels.items() <= group["labels"].items()


@pytest.mark.upstream_rule("mks.nodegroup.nodes-count")
def test_a_group_of_no_nodes_is_refused_but_an_autoscaled_one_may_shrink_to_none() -> None:
    err = _refused(_group(count=0))
    assert err.argument == "count" and "min_count = 0" in err.allowed
    assert _refused(_group(count=0, max_count=3)).argument == "count"
    (group,) = _groups(synth_stack(_group(count=1, min_count=0, max_count=3)))
    assert (group["nodes_count"], group["autoscale_min_nodes"], group["autoscale_max_nodes"]) == (1, 0, 3)


@pytest.mark.upstream_rule("mks.nodegroup.flavor-or-cpus")
@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"flavor": None, "cpus": 2}, "flavor"),
        ({"flavor": None, "ram_mb": 4096}, "flavor"),
        ({"flavor": None}, "flavor"),
        ({"cpus": 2}, "cpus"),
        ({"flavor": None, "cpus": 0, "ram_mb": 4096}, "cpus"),
    ],
)
def test_a_group_has_a_flavor_or_both_cpus_and_ram(kwargs: dict[str, Any], argument: str) -> None:
    assert _refused(_group(**kwargs)).argument == argument
    (group,) = _groups(synth_stack(_group(flavor=None, cpus=2, ram_mb=4096)))
    assert (group["cpus"], group["ram_mb"]) == (2, 4096) and "flavor_id" not in group


@pytest.mark.upstream_rule("mks.nodegroup.max-nodes")
def test_a_group_of_more_than_15_nodes_is_refused() -> None:
    assert _refused(_group(count=16)).argument == "count"
    assert _refused(_group(count=1, max_count=16)).argument == "max_count"


@pytest.mark.upstream_rule("mks.nodegroup.nodes-count")
def test_an_environment_whose_only_group_has_no_nodes_is_refused_at_its_count(env_dir, tmp_path) -> None:
    replace = set_key("simple", "count", "0")
    message = _synth_error(env_dir, tmp_path, "simple", replace)
    assert message.startswith(_where(env_dir, "simple", replace, line=replace[1]))
    assert "node_group.workers.count: " in message


def test_an_mks_environment_without_node_groups_is_refused(env_dir, tmp_path) -> None:
    directory = env_dir("simple")
    source = (directory / "simple.hcl").read_text()
    start = source.index('node_group "workers" {')
    (directory / "simple.hcl").write_text(source[:start] + source[source.index("}\n", start) + 2 :])
    with pytest.raises(PlatformError) as err:
        synth(directory, tmp_path / "cdktf.out", ["simple"])
    message = str(err.value)
    cluster_line = line_number(source, "cluster {")
    assert message.startswith(f"{directory / 'simple.hcl'}:{cluster_line}: cluster: ")
    assert "at least one node_group block" in message


# --- the NVIDIA device plugin ---------------------------------------------------------------------


@pytest.mark.upstream_rule("mks.nodegroup.required", "mks.nodegroup.nvidia-device-plugin")
def test_the_nvidia_device_plugin_is_written_off_by_default_and_on_when_a_group_asks() -> None:
    (plain,) = _groups(synth_stack(_group()))
    (gpu,) = _groups(synth_stack(_group(install_nvidia_device_plugin=True)))
    assert plain["install_nvidia_device_plugin"] is False and gpu["install_nvidia_device_plugin"] is True
    spec = SCHEMA["resources"]["selectel_mks_nodegroup_v1"]["attributes"]["install_nvidia_device_plugin"]
    assert spec["required"] and spec["force_new"]
    assert _refused(_group(install_nvidia_device_plugin="yes")).argument == "install_nvidia_device_plugin"


@pytest.mark.upstream_rule("mks.nodegroup.required", "mks.nodegroup.nvidia-device-plugin")
def test_an_environment_turns_the_device_plugin_on_for_one_group(env_dir, tmp_path) -> None:
    replace = set_key("simple", "count", "1\n  install_nvidia_device_plugin = true")
    directory = env_dir("simple", (replace,))
    synth(directory, tmp_path / "cdktf.out", ["simple"])
    infra = json.loads((tmp_path / "cdktf.out" / "stacks" / "simple-infra" / "cdk.tf.json").read_text())
    (group,) = _groups(infra)
    assert group["install_nvidia_device_plugin"] is True


# --- Kubernetes versions ------------------------------------------------------------------------


@pytest.mark.upstream_rule("mks.kube-versions")
def test_a_minor_reads_the_offered_versions_and_a_release_stays_pinned() -> None:
    def cluster(version: str) -> dict[str, Any]:
        doc = synth_stack(lambda s: _cluster(s, kubernetes_version=version))
        (versions_id,) = doc["data"]["selectel_mks_kube_versions_v1"]
        (body,) = resources(doc, "selectel_mks_cluster_v1").values()
        return {"versions": f"data.selectel_mks_kube_versions_v1.{versions_id}.versions", **body}

    minor = cluster("1.36")
    assert minor["versions"] in minor["kube_version"] and '"1.36"' in minor["kube_version"]
    assert minor["versions"] in minor["lifecycle"]["precondition"][0]["condition"]
    pinned = cluster("v1.36.1")
    assert pinned["kube_version"] == "1.36.1"
    assert pinned["versions"] in pinned["lifecycle"]["precondition"][0]["condition"]
    attributes = SCHEMA["data_sources"]["selectel_mks_kube_versions_v1"]["attributes"]
    assert attributes["versions"]["type"] == "list(string)" and attributes["versions"]["computed"]


@pytest.mark.upstream_rule("mks.kube-versions")
@pytest.mark.parametrize(
    "version", ["1", "1.36.", "01.36", "1.036.1", "１.３６", "1.٣6", "1.36.1-rc", "latest", " 1.36"]
)
def test_a_version_that_is_neither_a_release_nor_a_minor_is_refused(version: str) -> None:
    assert _refused(lambda s: _cluster(s, kubernetes_version=version)).argument == "kubernetes_version"


@pytest.mark.upstream_rule("mks.kube-versions")
@pytest.mark.parametrize("env", MKS_ENVIRONMENTS)
def test_shipped_environments_track_a_minor_mks_offers(env: str, shipped_stacks) -> None:
    (cluster,) = resources(shipped_stacks[f"{env}-infra"], "selectel_mks_cluster_v1").values()
    assert "data.selectel_mks_kube_versions_v1." in cluster["kube_version"]
    assert "Kubernetes 1.36 is not offered" in cluster["lifecycle"]["precondition"][0]["error_message"]


# --- cluster arguments -------------------------------------------------------------------------


@pytest.mark.upstream_rule("mks.cluster.type", "mks.cluster.no-zonal", "mks.cluster.cilium-settings", "mks.cluster.cni")
@pytest.mark.parametrize("control_plane", sorted(CONTROL_PLANES))
def test_control_planes_are_the_cluster_types_mks_knows(control_plane: str) -> None:
    (body,) = resources(
        synth_stack(lambda s: _cluster(s, control_plane=control_plane)), "selectel_mks_cluster_v1"
    ).values()
    assert body["cluster_type"] in ("BASIC", "HIGH_AVAILABILITY", "HIGH_AVAILABILITY_MULTI_AZ")
    assert "zonal" not in body and "cni_cilium_settings" not in body
    assert body["cni_type"] == "CALICO"
    (cilium,) = resources(
        synth_stack(lambda s: _cluster(s, control_plane=control_plane, network_plugin="cilium")),
        "selectel_mks_cluster_v1",
    ).values()
    assert cilium["cni_type"] == "CILIUM" and "cni_cilium_settings" not in cilium
    assert _refused(lambda s: _cluster(s, network_plugin="flannel")).argument == "network_plugin"


@pytest.mark.upstream_rule("mks.cluster.basic-no-patch-upgrade")
def test_a_basic_control_plane_writes_patch_auto_upgrade_false() -> None:
    (basic,) = resources(synth_stack(lambda s: _cluster(s)), "selectel_mks_cluster_v1").values()
    assert basic["cluster_type"] == "BASIC" and basic["enable_patch_version_auto_upgrade"] is False
    (ha,) = resources(
        synth_stack(lambda s: _cluster(s, control_plane="high-availability")), "selectel_mks_cluster_v1"
    ).values()
    assert ha["enable_patch_version_auto_upgrade"] is True
    assert _refused(lambda s: _cluster(s, patch_auto_upgrade=True)).argument == "patch_auto_upgrade"


@pytest.mark.upstream_rule("mks.kubeconfig.base64")
def test_the_kubeconfig_certificates_are_base64_decoded_for_the_providers() -> None:
    from cdktf import TerraformOutput

    fields = {
        "cluster_ca_certificate": "cluster_ca_cert",
        "client_certificate": "client_cert",
        "client_key": "client_key",
    }

    def build(stack: TerraformStack) -> None:
        access = _cluster(stack).access
        for name in (*fields, "host"):
            TerraformOutput(stack, name, value=getattr(access, name), sensitive=True)

    outputs = synth_stack(build)["output"]
    for name, attribute in fields.items():
        value = outputs[name]["value"]
        assert value.startswith("${base64decode(data.selectel_mks_kubeconfig_v1."), value
        assert value.endswith(f".{attribute})}}"), value
    assert outputs["host"]["value"].startswith("${data.selectel_mks_kubeconfig_v1.")


# --- StorageClasses ------------------------------------------------------------------------------


@pytest.mark.upstream_rule("mks.storageclass.parameters", "mks.storageclass.fstype")
@pytest.mark.parametrize("env", MKS_ENVIRONMENTS)
def test_shipped_storage_classes_ask_cinder_for_ext4_volumes_of_their_zone(env: str, shipped_stacks) -> None:
    classes = list(resources(shipped_stacks[f"{env}-platform"], "kubernetes_storage_class_v1").values())
    assert classes
    for storage_class in classes:
        parameters = storage_class["parameters"]
        assert storage_class["storage_provisioner"] == CINDER_CSI_PROVISIONER
        assert parameters["type"].split(".")[1] == parameters["availability"]
        assert parameters["csi.storage.k8s.io/fstype"] == "ext4"
        # The provisioner refuses a class that names the file system twice.
        assert not {key for key in parameters if key.lower() == "fstype"}
        assert storage_class["allow_volume_expansion"] is True


@pytest.mark.upstream_rule("mks.storageclass.parameters")
@pytest.mark.parametrize("volume_type", ["fast", "fast.ru 7a", "fast.ru-٧a", "fast.ru-7a.x"])
def test_storage_classes_refuse_a_volume_type_of_no_zone(volume_type: str) -> None:
    err = _refused(lambda s: VolumeStorageClasses(s, "classes", volume_types=[volume_type]))
    assert err.argument == "volume_types"


@pytest.mark.upstream_rule("mks.volume-type.form", "mks.storageclass.parameters")
@pytest.mark.parametrize("volume_type", ["fast.ru-7a", "universal2.ru-3b", "x" * 31 + ".ru-7a"])
def test_storage_classes_and_node_groups_take_the_same_volume_types(volume_type: str) -> None:
    from constructs_lib.selectel_mks_arguments import _VOLUME_TYPE
    from constructs_lib.storage_classes import _VOLUME_TYPE as storage_class_form

    assert _VOLUME_TYPE.fullmatch(volume_type) and storage_class_form.fullmatch(volume_type)


@pytest.mark.upstream_rule("mks.storageclass.parameters")
@pytest.mark.parametrize("volume_type", ["7fast.ru-7a", "x" * 32 + ".ru-7a", "fast.ru-123a"])
def test_storage_classes_refuse_a_volume_type_node_groups_refuse(volume_type: str) -> None:
    err = _refused(lambda s: VolumeStorageClasses(s, "classes", volume_types=[volume_type]))
    assert err.argument == "volume_types"


# --- VMs beside the cluster (bastion, runners) ---------------------------------------------------


@pytest.mark.upstream_rule("openstack.vm.boot-from-volume", "openstack.vm.zone")
def test_shipped_vms_with_a_boot_volume_boot_from_an_image_copied_to_a_volume_of_their_zone(shipped_stacks) -> None:
    vms = [vm for vm in resources(shipped_stacks["ha-infra"], "openstack_compute_instance_v2").values()]
    booted = [vm for vm in vms if "block_device" in vm]
    assert booted
    for vm in booted:
        (device,) = vm["block_device"]
        assert (device["source_type"], device["destination_type"], device["boot_index"]) == ("image", "volume", 0)
        assert device["uuid"].startswith("${data.openstack_images_image_v2.") and device["volume_size"] > 0
        assert device["delete_on_termination"] is True
        # No image on the instance itself: the volume carries it.
        assert "image_name" not in vm and "image_id" not in vm
        assert "availability_zone_hints" not in vm
        assert device["volume_type"].split(".")[1] == vm["availability_zone"]
