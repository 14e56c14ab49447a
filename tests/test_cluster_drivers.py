"""Cluster drivers: what each emits, checked against the upstream evidence in tests/fixtures/upstream/.

- the Selectel provider's schema at v8.3.1 (every emitted argument exists, has the right type,
  every required one is set);
- the Magnum drivers' sources (only labels the driver reads; node labels, built-in addons,
  version source, API CIDR label and upgrade support as the driver table says);
- terraform-provider-openstack 3.0.0 (what updates in place);
- and, across every driver, that addons select node labels the same cluster's nodes carry and
  that no cluster runs a second cloud controller, CSI driver or metrics-server.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import yaml
from cdktf import TerraformStack
from cdktf_cdktf_provider_openstack.provider import OpenstackProvider

from constructs_lib import (
    DRIVERS,
    ConstructArgumentError,
    KamajiCluster,
    MagnumCluster,
    ManagedCluster,
    Network,
    NodeRoleTaints,
    OpenStackCloud,
    PlatformAddons,
    SelectelMksCluster,
    SubnetSpec,
)
from constructs_lib.addons import CATALOG
from constructs_lib.cluster_drivers import KAMAJI, MAGNUM_CAPI_HELM, MAGNUM_CLUSTER_API, MAGNUM_HEAT, SELECTEL_MKS
from constructs_lib.node_roles import DEDICATED_ROLES, ROLE_LABEL_PREFIX, TAINT_KEY
from tests.conftest import resources, synth_stack

UPSTREAM = Path(__file__).parent / "fixtures" / "upstream"
SELECTEL = json.loads((UPSTREAM / "selectel_provider_schema.json").read_text())
MAGNUM = json.loads((UPSTREAM / "magnum_drivers.json").read_text())
CHARTS = json.loads((UPSTREAM / "chart_kubernetes_support.json").read_text())
MAGNUM_DRIVERS = (MAGNUM_CAPI_HELM, MAGNUM_CLUSTER_API, MAGNUM_HEAT)
CLOUD = OpenStackCloud("https://keystone.example/v3", "ru-1", "${var.id}", "${var.secret}")


def _network(stack: TerraformStack) -> Network:
    OpenstackProvider(stack, "openstack")
    subnet = SubnetSpec("nodes", "10.30.0.0/24", ("10.30.0.53",))
    return Network(stack, "network", name="env", subnets=[subnet], external_network="ext")


def _cluster(stack: TerraformStack, driver: str, **kw: Any) -> ManagedCluster:
    """A cluster of ``driver`` with a system, two frontend and a worker group."""
    network = _network(stack)
    if driver == SELECTEL_MKS:
        kw.setdefault("kubernetes_version", "1.36.1")
        cluster: ManagedCluster = SelectelMksCluster(
            stack, "cluster", name="env", region="ru-7", network=network, availability_zone="ru-7a", **kw
        )
        flavor = {"flavor": "SL1.2-8192", "volume_size": 32}
    elif driver == KAMAJI:
        from tests.test_kamaji_cluster import kamaji_arguments

        kamaji = KamajiCluster(stack, "cluster", **(kamaji_arguments(stack, network) | kw))
        kamaji.add_node_group("system", name="system", role="system", count=1, flavor="f", boot_volume_size=20)
        # No autoscaler: fixed counts.
        kamaji.add_node_group("front-a", name="front-a", role="frontend", count=1, flavor="f", boot_volume_size=20)
        kamaji.add_node_group("front-b", name="front-b", role="frontend", count=1, flavor="f", boot_volume_size=20)
        kamaji.add_node_group("apps", name="apps", role="worker", count=2, flavor="f", boot_volume_size=20)
        return kamaji
    else:
        # worker_count given: the "apps" group of role worker runs beside Magnum's own.
        kw = {
            "kubernetes_version": "1.36.1",
            "image": "img",
            "master_flavor": "m",
            "worker_flavor": "w",
            "worker_count": 1,
        } | kw
        cluster = MagnumCluster(stack, "cluster", name="env", driver=driver, network=network, autoscaling=True, **kw)
        flavor = {"flavor": "f"}
    cluster.add_node_group("system", name="system", role="system", count=1, **flavor)
    cluster.add_node_group("front-a", name="front-a", role="frontend", count=1, max_count=3, **flavor)
    cluster.add_node_group("front-b", name="front-b", role="frontend", count=1, **flavor)
    cluster.add_node_group("apps", name="apps", role="worker", count=2, **flavor)
    return cluster


def _with_platform(driver: str) -> dict[str, Any]:
    """One stack holding a cluster of ``driver`` and the platform addons composed on it."""

    def build(stack: TerraformStack) -> None:
        cluster = _cluster(stack, driver)
        PlatformAddons(stack, "addons", cluster=cluster.profile, cloud=CLOUD)
        NodeRoleTaints(stack, "node-roles", cluster=cluster.profile)

    return synth_stack(build)


# --- Selectel provider schema -------------------------------------------------------------

_TYPES = {"string": str, "bool": bool, "number": int}


def _check_value(where: str, spec: dict[str, Any], value: Any) -> None:
    kind = spec["type"]
    if isinstance(value, str) and value.startswith("${"):
        return  # a reference: its type is the referenced attribute's
    if kind in _TYPES:
        assert isinstance(value, _TYPES[kind]) and not (kind == "number" and isinstance(value, bool)), (where, value)
    elif kind.startswith(("list(", "set(")):
        assert isinstance(value, list) and all(isinstance(v, str) for v in value), (where, value)
    elif kind.startswith("map("):
        assert isinstance(value, dict) and all(isinstance(v, str) for v in value.values()), (where, value)
    else:
        raise AssertionError(f"{where}: emitted a computed-only attribute of type {kind}")


def _check_block(where: str, schema: dict[str, Any], body: dict[str, Any]) -> None:
    attributes, blocks = schema.get("attributes", {}), schema.get("blocks", {})
    meta = {"//", "provider", "lifecycle", "depends_on", "count", "for_each"}
    for key, value in body.items():
        if key in meta:
            continue
        if key in blocks:
            block = blocks[key]
            items = value if isinstance(value, list) else [value]
            if block.get("max_items"):
                assert len(items) <= block["max_items"], (where, key)
            for item in items:
                _check_block(f"{where}.{key}", block, item)
            continue
        assert key in attributes, f"{where}: {key} is not an argument of the provider's schema"
        spec = attributes[key]
        assert spec.get("required") or spec.get("optional"), f"{where}: {key} is computed only"
        _check_value(f"{where}.{key}", spec, value)
    for key, spec in attributes.items():
        if spec.get("required") and not spec.get("env"):
            assert key in body, f"{where}: required {key} is not set"


def _selectel_items(doc: dict[str, Any]):
    for section, schemas in (("resource", SELECTEL["resources"]), ("data", SELECTEL["data_sources"])):
        for type_, items in doc.get(section, {}).items():
            if type_.startswith("selectel_"):
                assert type_ in schemas, f"{type_} is not in the provider's schema"
                for name, body in items.items():
                    yield f"{type_}.{name}", schemas[type_], body


@pytest.mark.upstream_rule(
    "mks.provider.pin", "mks.provider.no-password", "mks.project-region", "mks.nodegroup.required"
)
def test_every_selectel_argument_the_shipped_stacks_emit_is_in_the_provider_schema(shipped_stacks) -> None:
    checked = 0
    for stack in shipped_stacks.values():
        for where, schema, body in _selectel_items(stack):
            _check_block(where, schema, body)
            checked += 1
        for provider in stack.get("provider", {}).get("selectel", []):
            _check_block("provider.selectel", SELECTEL["provider"], provider)
            assert "password" not in provider and "username" not in provider
        if "selectel" in stack.get("terraform", {}).get("required_providers", {}):
            pin = stack["terraform"]["required_providers"]["selectel"]
            assert pin["source"] == SELECTEL["source"]["registry_source"]
            assert pin["version"] == SELECTEL["source"]["version_constraint"]
    assert checked >= 6  # ha and simple: cluster, kubeconfig and node groups


@pytest.mark.upstream_rule("mks.cluster.oidc", "mks.cluster.cni")
def test_every_selectel_argument_of_a_full_cluster_is_in_the_provider_schema() -> None:
    def build(stack: TerraformStack) -> None:
        _cluster(
            stack,
            SELECTEL_MKS,
            control_plane="high-availability",
            maintenance_window_start="01:00:00",
            feature_gates=["NodeSwap"],
            admission_controllers=["AlwaysPullImages"],
            oidc={"issuer_url": "https://id.example", "client_id": "k8s", "groups_claim": "groups"},
            network_plugin="cilium",
        )

    doc = synth_stack(build)
    items = list(_selectel_items(doc))
    for where, schema, body in items:
        _check_block(where, schema, body)
    cluster = next(body for where, _, body in items if where.startswith("selectel_mks_cluster_v1"))
    assert cluster["oidc"][0]["enabled"] is True and cluster["cni_type"] == "CILIUM"


def test_selectel_schema_catches_a_wrong_argument() -> None:
    schema = SELECTEL["resources"]["selectel_mks_nodegroup_v1"]
    with pytest.raises(AssertionError, match="not an argument"):
        _check_block("x", schema, {"node_count": 1})
    with pytest.raises(AssertionError, match="required"):
        _check_block("x", schema, {"nodes_count": 1})


@pytest.mark.upstream_rule("mks.cluster.in-place", "mks.nodegroup.in-place")
def test_selectel_in_place_arguments_are_what_the_schema_does_not_force_new() -> None:
    for type_, in_place in DRIVERS[SELECTEL_MKS].in_place.items():
        schema = SELECTEL["resources"][type_]
        expected = {
            name
            for name, spec in schema["attributes"].items()
            if (spec.get("optional") or spec.get("required"))
            and not spec.get("force_new")
            and not spec.get("force_new_if_changed")
            and not spec.get("implicit")
        } | {name for name, block in schema.get("blocks", {}).items() if not block.get("force_new")}
        # The deprecated zonal flag is not written by the library.
        assert in_place == expected, type_


# --- Magnum drivers ---------------------------------------------------------------------------


@pytest.mark.upstream_rule(
    "magnum.heat.labels-read",
    "magnum.capi-helm.labels-read",
    "magnum.cluster-api.labels-read",
    "magnum.heat.api-cidrs-label",
    "magnum.capi-helm.api-cidrs-label",
    "magnum.cluster-api.api-cidrs-label",
    "magnum.heat.node-label",
    "magnum.capi-helm.node-label",
    "magnum.cluster-api.node-label",
    "magnum.heat.installs",
    "magnum.capi-helm.installs",
    "magnum.cluster-api.installs",
    "magnum.heat.upgrade",
    "magnum.capi-helm.upgrade",
    "magnum.cluster-api.upgrade",
    "magnum.heat.no-taints-api",
    "magnum.capi-helm.no-taints-api",
    "magnum.cluster-api.no-taints-api",
)
@pytest.mark.parametrize("driver", MAGNUM_DRIVERS)
def test_driver_table_matches_the_driver_source(driver: str) -> None:
    facts, table = MAGNUM[driver], DRIVERS[driver]
    assert table.labels_read == {name for name, label in facts["labels"].items() if label.get("read")}
    assert table.api_cidrs_label == facts["api_lb_cidrs_label"]
    assert table.upgrades_in_place == facts["upgrade"]["in_place"]
    # What a move to a new template carries to the running cluster; everything else replaces it.
    assert table.upgrade_applies == set(facts["upgrade"]["applies"])
    # No Magnum API sets node labels or taints: the platform stack does.
    assert facts["taints_or_labels_api"].startswith("none")
    assert table.taints_at_creation is False
    # The label the driver puts on nodes is the one placement uses.
    label = facts["node_role_label"] if table.role_label.value == "role" or driver == MAGNUM_CLUSTER_API else None
    if table.role_label.value == "group":
        label = facts["node_group_label"]
        assert "name" in label["value"]
    assert label is not None
    assert table.role_label.key.replace("{role}", "<nodegroup role>") == label["key"]
    expected_value = {"role": "<nodegroup role>", "empty": ""}.get(table.role_label.value)
    if expected_value is not None:
        assert label["value"] == expected_value
    # Every addon the library counts on the cloud running, the driver installs (always, or by
    # a label the library sets).
    for addon in table.provided_addons:
        assert facts["installs"][addon]["always"] or facts["installs"][addon]["label"] in table.labels_read, addon
    for addon, install in facts["installs"].items():
        if addon in CATALOG and install["always"]:
            assert addon in table.provided_addons, addon


@pytest.mark.upstream_rule("openstack.containerinfra.in-place")
def test_magnum_in_place_arguments_match_the_provider() -> None:
    provider = MAGNUM["terraform_provider_openstack"]["resources"]
    # What the library sets on a cluster and claims in place, the provider updates in place;
    # the rest it replaces.
    cluster = provider["openstack_containerinfra_cluster_v1"]
    for argument in ("flavor", "master_flavor", "docker_volume_size", "master_lb_enabled", "floating_ip_enabled"):
        assert argument in cluster["force_new"], argument
    for driver in MAGNUM_DRIVERS:
        in_place = DRIVERS[driver].in_place
        for type_ in ("openstack_containerinfra_cluster_v1", "openstack_containerinfra_nodegroup_v1"):
            assert in_place[type_] - {"timeouts"} <= set(provider[type_]["updatable"]), (driver, type_)
        # Templates are never patched: the library replaces them.
        assert in_place["openstack_containerinfra_clustertemplate_v1"] == {"timeouts"}
    assert "cluster_template_id" not in DRIVERS[MAGNUM_HEAT].in_place["openstack_containerinfra_cluster_v1"]


@pytest.mark.upstream_rule(
    "magnum.heat.labels-read",
    "magnum.capi-helm.labels-read",
    "magnum.cluster-api.labels-read",
    "magnum.heat.version-from",
    "magnum.capi-helm.version-from",
    "magnum.cluster-api.version-from",
    "magnum.heat.api-floating-ip",
    "magnum.capi-helm.api-floating-ip",
    "magnum.cluster-api.api-floating-ip",
    "magnum.heat.dashboard-off",
    "magnum.capi-helm.dashboard-off",
    "magnum.heat.autoscaling",
    "magnum.capi-helm.autoscaling",
    "magnum.cluster-api.autoscaling",
    "magnum.heat.external-network",
    "magnum.capi-helm.external-network",
    "magnum.cluster-api.external-network",
    "magnum.template-never-patched",
)
@pytest.mark.parametrize("driver", MAGNUM_DRIVERS)
def test_magnum_emits_only_labels_its_driver_reads(driver: str) -> None:
    doc = synth_stack(lambda s: _cluster(s, driver, master_count=3))
    (template,) = resources(doc, "openstack_containerinfra_clustertemplate_v1").values()
    (cluster,) = resources(doc, "openstack_containerinfra_cluster_v1").values()
    read = {name for name, label in MAGNUM[driver]["labels"].items() if label.get("read")}
    assert set(template["labels"]) <= read, set(template["labels"]) - read
    # The version: a label where the driver reads one, the image's property where not.
    if MAGNUM[driver]["labels"]["kube_tag"].get("read"):
        assert template["labels"]["kube_tag"] == "v1.36.1"
    else:
        assert "kube_tag" not in template["labels"]
        (image,) = doc["data"]["openstack_images_image_v2"].values()
        assert "kube_version" in image["lifecycle"]["postcondition"][0]["condition"]
        assert template["image"].startswith("${data.openstack_images_image_v2.")
    cidr_label = MAGNUM[driver]["api_lb_cidrs_label"]
    if cidr_label:
        assert template["labels"][cidr_label] == "10.30.0.0/24"
    assert template["labels"]["master_lb_floating_ip_enabled"] == "false"
    assert template["labels"]["auto_scaling_enabled"] == "true"
    # The dashboard is on by default where the driver installs one: off unless asked.
    if "kube_dashboard_enabled" in read:
        assert template["labels"]["kube_dashboard_enabled"] == "false"
    # The default group's bounds, where they are labels, are its size (at least 1).
    if "min_node_count" in read:
        assert template["labels"]["min_node_count"] == template["labels"]["max_node_count"] == "1"
    else:
        assert "min_node_count" not in template["labels"] and "max_node_count" not in template["labels"]
    # Every driver looks the external network up: the template always names one.
    assert template["external_network_id"].startswith("${data.openstack_networking_network_v2.")
    # Labels live on the template only: cluster labels force a new cluster on any change.
    assert "labels" not in cluster
    # A template in use is never patched: any change makes a new one before the old goes.
    assert template["lifecycle"]["create_before_destroy"] is True
    # A bare reference: terraform refuses "${...}" there (tests/test_template_replacement_terraform.py).
    revisions = {rid.split("_")[1]: rid for rid in resources(doc, "terraform_data")}  # cluster_<id>_<hash>
    assert template["lifecycle"]["replace_triggered_by"] == [f"terraform_data.{revisions['template-revision']}"]
    # What the upgrade API does not carry replaces the cluster (on Heat: every template change).
    if DRIVERS[driver].upgrades_in_place:
        assert cluster["lifecycle"]["replace_triggered_by"] == [f"terraform_data.{revisions['cluster-revision']}"]
    else:
        assert set(revisions) == {"template-revision"}
        assert cluster["lifecycle"]["replace_triggered_by"] == template["lifecycle"]["replace_triggered_by"]
    (group, *_) = [
        g for g in resources(doc, "openstack_containerinfra_nodegroup_v1").values() if g["name"] == "front-a"
    ]
    assert group["lifecycle"]["ignore_changes"] == ["node_count"]


def test_template_revision_changes_only_with_the_template() -> None:
    def revision(**kw: Any) -> str:
        doc = synth_stack(lambda s: _cluster(s, MAGNUM_CAPI_HELM, **kw))
        (data,) = [d for rid, d in resources(doc, "terraform_data").items() if "_template-revision_" in rid]
        return data["triggers_replace"]

    base = revision()
    assert revision() == base
    # capi-helm reads the version from the image: a new version is a new template too.
    assert revision(kubernetes_version="1.36.2") != base
    assert revision(image="img-2") != base
    assert revision(worker_flavor="w2") != base
    assert revision(labels={"octavia_provider": "ovn"}) != base


@pytest.mark.upstream_rule("mks.cluster.maintenance-window", "mks.cluster.oidc", "mks.cluster.basic-no-patch-upgrade")
@pytest.mark.parametrize(
    ("driver", "kwargs", "argument"),
    [
        (MAGNUM_CAPI_HELM, {"labels": {"kube_tag": "v1.36.1"}}, "labels['kube_tag']"),
        (MAGNUM_CAPI_HELM, {"labels": {"no_such_label": "x"}}, "labels['no_such_label']"),
        (MAGNUM_CLUSTER_API, {"api_allowed_cidrs": ["10.0.0.0/8"]}, "api_allowed_cidrs"),
        (MAGNUM_HEAT, {"master_count": 2}, "master_count"),
        (MAGNUM_HEAT, {"master_count": True}, "master_count"),
        (MAGNUM_HEAT, {"master_count": 3.0}, "master_count"),
        (MAGNUM_HEAT, {"kubernetes_version": "latest"}, "kubernetes_version"),
        (MAGNUM_HEAT, {"kubernetes_version": "1.36.1\n"}, "kubernetes_version"),
        (MAGNUM_HEAT, {"network_driver": "weave"}, "network_driver"),
        (MAGNUM_HEAT, {"master_count": 3, "master_lb_enabled": False}, "master_lb_enabled"),
        (SELECTEL_MKS, {"control_plane": "ha"}, "control_plane"),
        (SELECTEL_MKS, {"patch_auto_upgrade": True}, "patch_auto_upgrade"),
        (SELECTEL_MKS, {"maintenance_window_start": "25:00:00"}, "maintenance_window_start"),
        (SELECTEL_MKS, {"oidc": {"issuer_url": "http://id.example", "client_id": "k"}}, "oidc.issuer_url"),
        (SELECTEL_MKS, {"oidc": {"issuer_url": "https://id.example"}}, "oidc.client_id"),
        (SELECTEL_MKS, {"feature_gates": ["Node Swap"]}, "feature_gates"),
    ],
)
def test_bad_cluster_arguments(driver: str, kwargs: dict[str, Any], argument: str) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(lambda s: _cluster(s, driver, **kwargs))
    assert err.value.argument == argument
    assert "test/cluster" in str(err.value)


@pytest.mark.upstream_rule("mks.nodegroup.flavor-or-cpus", "mks.nodegroup.boot-disk", "mks.nodegroup.max-nodes")
@pytest.mark.parametrize(
    ("driver", "kwargs", "argument"),
    [
        (SELECTEL_MKS, {"count": 16}, "count"),
        (SELECTEL_MKS, {"count": 2, "min_count": 3}, "count"),
        (SELECTEL_MKS, {"count": 1, "cpus": 2, "ram_mb": 4096}, "cpus"),
        (
            SELECTEL_MKS,
            {"count": 1, "labels": {f"{ROLE_LABEL_PREFIX}system": "x"}},
            f"labels['{ROLE_LABEL_PREFIX}system']",
        ),
        (SELECTEL_MKS, {"count": 1, "labels": {"bad key!": "x"}}, "labels['bad key!']"),
        (SELECTEL_MKS, {"count": 1, "local_volume": True, "volume_type": "fast.ru-7a"}, "volume_type"),
        (SELECTEL_MKS, {"count": 1, "flavor_id": "x"}, "flavor_id"),
        (MAGNUM_HEAT, {"count": 101}, "count"),
        (MAGNUM_HEAT, {"count": 1, "max_count": 1000000000}, "max_count"),
        (MAGNUM_HEAT, {"count": 1, "name": "default-worker"}, "name"),
        (MAGNUM_HEAT, {"count": 1, "role": "System!"}, "role"),
        (MAGNUM_HEAT, {"count": 1, "role": "system\n"}, "role"),
    ],
)
@pytest.mark.upstream_rule("magnum.default-worker")
def test_bad_node_group_arguments(driver: str, kwargs: dict[str, Any], argument: str) -> None:
    props = {"name": "extra", "role": "worker", "flavor": "f"} | kwargs
    if driver == SELECTEL_MKS:
        props.setdefault("volume_size", 32)
    if "cpus" in kwargs:
        props.pop("flavor")
        props["flavor"] = "f"

    def build(stack: TerraformStack) -> None:
        _cluster(stack, driver).add_node_group("extra", **props)

    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(build)
    assert err.value.argument == argument


def test_a_differing_max_needs_the_magnum_autoscaler() -> None:
    """With the autoscaler turned off (by default it follows the groups: tests/test_node_groups.py)."""

    def build(stack: TerraformStack) -> None:
        cluster = MagnumCluster(
            stack,
            "cluster",
            name="env",
            network=_network(stack),
            kubernetes_version="1.36.1",
            image="i",
            master_flavor="m",
            worker_flavor="w",
            autoscaling=False,
        )
        cluster.add_node_group("g", name="g", role="system", flavor="f", count=1, max_count=3)

    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(build)
    assert err.value.argument == "max_count"


@pytest.mark.upstream_rule("mks.nodegroup.taints", "mks.nodegroup.autoscale", "mks.nodegroup.required")
def test_selectel_node_groups_are_labelled_and_tainted_as_they_join() -> None:
    doc = synth_stack(lambda s: _cluster(s, SELECTEL_MKS))
    groups = list(resources(doc, "selectel_mks_nodegroup_v1").values())
    assert len(groups) == 4
    for group in groups:
        (role_label,) = [k for k in group["labels"] if k.startswith(ROLE_LABEL_PREFIX)]
        role = role_label.removeprefix(ROLE_LABEL_PREFIX)
        assert group["install_nvidia_device_plugin"] is False
        assert group["volume_type"] == "fast.ru-7a"
        if role in DEDICATED_ROLES:
            assert group["taints"] == [{"key": TAINT_KEY, "value": role, "effect": "NoExecute"}]
        else:
            assert "taints" not in group
    autoscaled = [g for g in groups if g.get("enable_autoscale")]
    assert len(autoscaled) == 1
    assert (autoscaled[0]["autoscale_min_nodes"], autoscaled[0]["autoscale_max_nodes"]) == (1, 3)
    assert autoscaled[0]["lifecycle"]["ignore_changes"] == ["nodes_count"]


@pytest.mark.upstream_rule("mks.reserved-cidrs")
def test_selectel_subnets_must_avoid_the_ranges_mks_uses() -> None:
    def build(stack: TerraformStack) -> None:
        OpenstackProvider(stack, "openstack")
        network = Network(stack, "network", name="env", subnets=[SubnetSpec("nodes", "10.10.0.0/22")])
        SelectelMksCluster(stack, "cluster", name="env", region="ru-7", kubernetes_version="1.36.1", network=network)

    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(build)
    assert err.value.argument == "network.subnets['nodes'].cidr"


# --- every driver: placement and the cloud's own addons --------------------------------------


def _node_labels(doc: dict[str, Any], driver: str) -> list[dict[str, str]]:
    """The labels each node group's nodes carry, as the driver's source says it labels them."""
    if driver == SELECTEL_MKS:
        return [g["labels"] for g in resources(doc, "selectel_mks_nodegroup_v1").values()]
    if driver == KAMAJI:
        return _flatcar_node_labels(doc)
    facts = MAGNUM[driver]
    groups = [(g["role"], g["name"]) for g in resources(doc, "openstack_containerinfra_nodegroup_v1").values()]
    groups.append(("worker", "default-worker"))
    labels = []
    for role, name in groups:
        carried = {}
        for label in (facts["node_role_label"], facts["node_group_label"]):
            if label is None:
                continue
            key = label["key"].replace("<nodegroup role>", role)
            carried[key] = {"<nodegroup role>": role, "": ""}.get(label["value"], name)
        labels.append(carried)
    return labels


def _flatcar_node_labels(doc: dict[str, Any]) -> list[dict[str, str]]:
    """The labels each Flatcar VM's kubelet registers with (``--node-labels`` in its user data)."""
    labels = []
    for vm in resources(doc, "openstack_compute_instance_v2").values():
        found = re.search(r'--node-labels=([^"\s]*)', urllib.parse.unquote(vm.get("user_data", "")))
        if found:
            labels.append(dict(item.split("=", 1) for item in found.group(1).split(",")))
    return labels


def _selectors(values: Any):
    """Every nodeSelector and required node-affinity term anywhere in Helm values."""
    if isinstance(values, dict):
        # A null deletes the chart's key (Helm): it selects nothing.
        selector = values.get("nodeSelector")
        if isinstance(selector, dict) and any(v is not None for v in selector.values()):
            yield {k: [v] for k, v in selector.items() if v is not None}
        affinity = (
            values.get("affinity", {}).get("nodeAffinity", {}) if isinstance(values.get("affinity"), dict) else {}
        )
        for term in affinity.get("requiredDuringSchedulingIgnoredDuringExecution", {}).get("nodeSelectorTerms", []):
            yield {e["key"]: e["values"] for e in term["matchExpressions"]}
        for item in values.values():
            yield from _selectors(item)
    elif isinstance(values, list):
        for item in values:
            yield from _selectors(item)


def _matches(selector: dict[str, list[str]], labels: dict[str, str]) -> bool:
    return all(key in labels and labels[key] in allowed for key, allowed in selector.items())


def _assert_placements_match(platform: dict[str, Any], node_labels: list[dict[str, str]]) -> int:
    checked = 0
    for release in resources(platform, "helm_release").values():
        values = yaml.safe_load(release["values"][0]) if release.get("values") else {}
        for selector in _selectors(values):
            assert any(_matches(selector, labels) for labels in node_labels), (release["name"], selector)
            checked += 1
    return checked


@pytest.mark.upstream_rule("magnum.heat.node-label", "magnum.capi-helm.node-label", "magnum.cluster-api.node-label")
@pytest.mark.parametrize("driver", sorted(DRIVERS))
def test_addons_select_labels_the_nodes_of_the_same_cluster_carry(driver: str) -> None:
    doc = _with_platform(driver)
    assert _assert_placements_match(doc, _node_labels(doc, driver)) >= 2
    # Where the platform stack labels nodes, it finds them by a label they carry.
    for nodes in doc.get("data", {}).get("kubernetes_nodes", {}).values():
        selector = {k: [v] for k, v in nodes["metadata"]["labels"].items()}
        assert any(_matches(selector, labels) for labels in _node_labels(doc, driver)), selector


def test_placement_check_catches_a_label_no_node_carries() -> None:
    doc = _with_platform(MAGNUM_CLUSTER_API)
    with pytest.raises(AssertionError):
        _assert_placements_match(doc, _node_labels(doc, MAGNUM_HEAT))


def _roles_with_nodes(infra: dict[str, Any], driver: str) -> set[str]:
    """The roles a shipped infra stack's node groups give their nodes."""
    if driver == SELECTEL_MKS:
        return {
            key.removeprefix(ROLE_LABEL_PREFIX)
            for group in resources(infra, "selectel_mks_nodegroup_v1").values()
            for key in group["labels"]
            if key.startswith(ROLE_LABEL_PREFIX)
        }
    if driver == KAMAJI:
        return {
            key.removeprefix(ROLE_LABEL_PREFIX)
            for labels in _flatcar_node_labels(infra)
            for key in labels
            if key.startswith(ROLE_LABEL_PREFIX)
        }
    roles = {g["role"] for g in resources(infra, "openstack_containerinfra_nodegroup_v1").values()}
    (cluster,) = resources(infra, "openstack_containerinfra_cluster_v1").values()
    return roles | ({"worker"} if cluster["node_count"] > 0 else set())


@pytest.mark.parametrize(
    ("env", "placed_somewhere"),
    [("closed", True), ("ha", True), ("simple", False), ("magnum", True), ("kamaji", True)],
)
def test_shipped_addons_select_labels_their_nodes_carry(env: str, placed_somewhere: bool, shipped_stacks) -> None:
    """Every release whose role has nodes in the environment is placed on them (and only
    those are placed), and every selector matches labels the nodes carry."""
    from environment_loader import load_environment
    from stacks.app import ENVIRONMENTS_DIR

    infra, platform = shipped_stacks[f"{env}-infra"], shipped_stacks[f"{env}-platform"]
    driver = _shipped_driver(infra)
    roles = _roles_with_nodes(infra, driver)
    config, _ = load_environment(ENVIRONMENTS_DIR / f"{env}.hcl")
    role_of = {name: spec.role for name, spec in CATALOG.items()}
    role_of.update({name: block.chart(name).role for name, block in config.helm_release.items()})
    # argo-helm's argocd-apps renders Applications: no pods to place.
    role_of["argocd-apps"] = None
    should_be_placed, placed = set(), set()
    for release in resources(platform, "helm_release").values():
        values = yaml.safe_load(release["values"][0]) if release.get("values") else {}
        if role_of[release["name"]] in roles:
            should_be_placed.add(release["name"])
        if any(True for _ in _selectors(values)):
            placed.add(release["name"])
    assert placed == should_be_placed
    assert bool(placed) == placed_somewhere, (roles, placed)
    assert _assert_placements_match(platform, _node_labels(infra, driver)) >= len(placed)


@pytest.mark.upstream_rule("mks.provided-addons")
@pytest.mark.upstream_rule("magnum.heat.installs", "magnum.capi-helm.installs", "magnum.cluster-api.installs")
@pytest.mark.parametrize("driver", sorted(DRIVERS))
def test_composing_cluster_and_addons_never_installs_the_clouds_own_addons_twice(driver: str) -> None:
    releases = {r["name"] for r in resources(_with_platform(driver), "helm_release").values()}
    provided = DRIVERS[driver].provided_addons
    assert not releases & provided
    # Every cloud runs exactly one cloud controller, one Cinder CSI and one metrics-server.
    for addon in ("openstack-cloud-controller-manager", "openstack-cinder-csi", "metrics-server"):
        assert (addon in releases) != (addon in provided), addon


def test_enabling_an_addon_the_cloud_runs_is_refused() -> None:
    from constructs_lib import ReleaseOverrides

    def build(stack: TerraformStack) -> None:
        cluster = _cluster(stack, SELECTEL_MKS)
        addons = {"openstack-cinder-csi": ReleaseOverrides(enabled=True)}
        PlatformAddons(stack, "addons", cluster=cluster.profile, addons=addons, cloud=CLOUD)

    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(build)
    assert err.value.argument == "addons['openstack-cinder-csi'].enabled"
    assert "selectel-mks" in err.value.allowed


def _shipped_driver(infra: dict[str, Any]) -> str:
    """The driver a shipped infra stack was built with, from what it emits."""
    if resources(infra, "selectel_mks_cluster_v1"):
        return SELECTEL_MKS
    if resources(infra, "kubernetes_manifest"):
        return KAMAJI
    (template,) = resources(infra, "openstack_containerinfra_clustertemplate_v1").values()
    labels = template["labels"]
    if "kube_tag" not in labels:
        return MAGNUM_CAPI_HELM
    return MAGNUM_HEAT if "metrics_server_enabled" in labels else MAGNUM_CLUSTER_API


@pytest.mark.upstream_rule("mks.provided-addons")
@pytest.mark.parametrize("env", ["closed", "ha", "simple", "magnum", "kamaji"])
def test_no_shipped_environment_runs_two_cloud_controllers_csi_or_metrics_servers(env: str, shipped_stacks) -> None:
    releases = {r["name"] for r in resources(shipped_stacks[f"{env}-platform"], "helm_release").values()}
    provided = DRIVERS[_shipped_driver(shipped_stacks[f"{env}-infra"])].provided_addons
    for addon in ("openstack-cloud-controller-manager", "openstack-cinder-csi", "metrics-server"):
        assert (addon in releases) != (addon in provided), addon


# --- charts and Kubernetes versions -----------------------------------------------------------


def test_catalog_kubernetes_support_matches_the_recorded_chart_sources() -> None:
    assert set(CHARTS) == set(CATALOG)
    for name, spec in CATALOG.items():
        recorded = CHARTS[name]
        assert recorded["chart_version"] == spec.chart.version, name
        assert spec.kubernetes == (recorded["supported"]["min"], recorded["supported"]["max"]), name
        assert len(recorded["source"]["commit"]) == 40


@pytest.mark.parametrize("env", ["closed", "ha", "simple", "magnum", "kamaji"])
def test_shipped_kubernetes_version_is_supported_by_every_catalog_chart(env: str, shipped_stacks) -> None:
    from environment_loader import load_environment
    from stacks.app import ENVIRONMENTS_DIR

    config, _ = load_environment(ENVIRONMENTS_DIR / f"{env}.hcl")
    major, minor = config.cluster.arguments["kubernetes_version"].lstrip("v").split(".")[:2]
    for spec in CATALOG.values():
        assert spec.supports((int(major), int(minor))), (env, spec.name)


def test_readme_has_the_driver_table() -> None:
    from constructs_lib.cluster_drivers import markdown_table

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert f"<!-- drivers:start -->\n{markdown_table()}\n<!-- drivers:end -->" in readme


def test_storage_class_type_matches_the_prebuilt_kubernetes_binding() -> None:
    from cdktf_cdktf_provider_kubernetes.storage_class_v1 import StorageClassV1 as Prebuilt

    from constructs_lib.kubernetes import StorageClassV1

    arguments = {
        "metadata": {"name": "fast-ru-7a"},
        "storage_provisioner": "cinder.csi.openstack.org",
        "parameters": {"type": "fast.ru-7a", "availability": "ru-7a"},
        "reclaim_policy": "Delete",
        "volume_binding_mode": "WaitForFirstConsumer",
        "allow_volume_expansion": True,
    }
    ours = synth_stack(lambda s: StorageClassV1(s, "class", **arguments))
    prebuilt = synth_stack(lambda s: Prebuilt(s, "class", **arguments))
    assert ours["resource"] == prebuilt["resource"]


def test_previews_know_what_replaces_a_cluster_of_every_driver() -> None:
    from platformctl.resource_kinds import describe, forces_replacement

    assert describe("selectel_mks_cluster_v1") and describe("selectel_mks_nodegroup_v1")
    assert forces_replacement("selectel_mks_cluster_v1", "kube_version") is False
    assert forces_replacement("selectel_mks_cluster_v1", "cluster_type") is True
    assert forces_replacement("selectel_mks_nodegroup_v1", "nodes_count") is False
    assert forces_replacement("selectel_mks_nodegroup_v1", "flavor_id") is True
    # Heat replaces the cluster on a new template; claimed as a replacement for every driver.
    assert forces_replacement("openstack_containerinfra_cluster_v1", "cluster_template_id") is True
    assert forces_replacement("openstack_containerinfra_cluster_v1", "node_count") is False
    assert forces_replacement("openstack_containerinfra_clustertemplate_v1", "labels") is True


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"volume_type": []}, "volume_type"),
        ({"volume_type": 0}, "volume_type"),
        ({"volume_type": ""}, "volume_type"),
        ({"labels": []}, "labels"),
        ({"labels": 0}, "labels"),
        ({"availability_zone": ""}, "availability_zone"),
        ({"taint": 1}, "taint"),
    ],
)
def test_falsy_values_are_not_taken_for_defaults(kwargs: dict[str, Any], argument: str) -> None:
    def build(stack: TerraformStack) -> None:
        _cluster(stack, SELECTEL_MKS).add_node_group(
            "extra", name="extra", role="worker", flavor="f", volume_size=32, count=1, **kwargs
        )

    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(build)
    assert err.value.argument == argument
