"""The ``kamaji`` driver behind the common cluster surface: KamajiCluster, its node groups, the
platform stack's part (the token Secret, the addons a bare cluster needs) and kamaji.hcl.

The building blocks are tested in tests/test_kamaji_flatcar.py; here, how they are composed:
what the driver table says against what the nodes really do, where the platform stack's
credentials come from, what crosses from the infra stack, and the shipped environment.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import cdktf
import pytest
import yaml
from cdktf import TerraformStack
from cdktf_cdktf_provider_openstack.provider import OpenstackProvider

from constructs_lib import (
    DRIVERS,
    ConstructArgumentError,
    KamajiCluster,
    Network,
    OpenStackCloud,
    PlatformAddons,
    SshKeyPair,
    SubnetSpec,
    flatcar,
)
from constructs_lib.addons.catalog import CSR_APPROVER_MAX_EXPIRATION_SECONDS
from constructs_lib.cluster_drivers import KAMAJI
from constructs_lib.kamaji import KAMAJI_MAX_KUBERNETES, MAX_SIGNING_DURATION_HOURS, UTILITY_PROVIDERS
from constructs_lib.node_roles import DEDICATED_ROLES, ROLE_LABEL_PREFIX, TAINT_KEY
from tests.conftest import resources, synth_stack

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0Vbw2SmHb4vJ7cfX2hKqV0M0QvSx8Rt3wq4hN8kYJv test"
CLOUD = OpenStackCloud("https://keystone.example/v3", "ru-1", "${var.id}", "${var.secret}")


def kamaji_arguments(stack: TerraformStack, network: Network) -> dict[str, Any]:
    """A KamajiCluster's arguments (shared with tests/test_cluster_drivers.py)."""
    return {
        "name": "env",
        "network": network,
        "keypair": SshKeyPair(stack, "keypair", name="k", public_key=KEY),
        "kubernetes_version": "1.36.2",
        "management": {"kubeconfig_path": "~/.kube/mgmt", "namespace": "tenants"},
        "datastore": {
            "name": "pg",
            "driver": "PostgreSQL",
            "endpoints": ["pg.internal:5432"],
            "username": {"secret": "pg", "namespace": "kamaji-system", "key": "username"},
            "password": {"secret": "pg", "namespace": "kamaji-system", "key": "password"},
        },
        "api_allowed_cidrs": ["192.0.2.0/24"],
        "api_address": "10.30.0.10",
        "sysext": {"version": "1.36.2", "sha256": "0" * 64},
        "image": "flatcar",
    }


def _network(stack: TerraformStack) -> Network:
    OpenstackProvider(stack, "openstack")
    subnet = SubnetSpec("nodes", "10.30.0.0/24", ("10.30.0.53",))
    return Network(stack, "network", name="env", subnets=[subnet], external_network="ext")


def _cluster(stack: TerraformStack, **overrides: Any) -> KamajiCluster:
    cluster = KamajiCluster(stack, "cluster", **(kamaji_arguments(stack, _network(stack)) | overrides))
    cluster.add_node_group("system", name="system", role="system", count=1, flavor="f", boot_volume_size=20)
    cluster.add_node_group("apps", name="apps", role="worker", count=2, flavor="f", boot_volume_size=20)
    return cluster


def _files(vm: dict[str, Any]) -> dict[str, str]:
    """A Flatcar VM's literal files (path -> text), from its Ignition user data."""
    import base64
    import gzip
    import urllib.parse

    found = {}
    for match in re.finditer(r'"source":"(data:[^"]*)"', vm["user_data"]):
        source = match.group(1)
        path = re.search(r'"path":"([^"]+)"', vm["user_data"][match.end() :])
        if path is None or "${" in source:
            continue
        if source.startswith("data:;base64,"):
            raw = base64.b64decode(source.removeprefix("data:;base64,"))
            text = gzip.decompress(raw).decode() if raw[:2] == b"\x1f\x8b" else raw.decode()
        else:
            text = urllib.parse.unquote(source.removeprefix("data:,"))
        found[path.group(1)] = text
    return found


# --- the driver table against what the nodes and the control plane do ---------------------


@pytest.mark.upstream_rule("kubernetes.node-restriction.labels", "kamaji.version.max-kubeadm")
def test_the_driver_table_says_what_the_nodes_and_kamaji_do() -> None:
    driver = DRIVERS[KAMAJI]
    doc = synth_stack(lambda s: _cluster(s))
    vms = resources(doc, "openstack_compute_instance_v2")
    assert len(vms) == 3
    for vm in vms.values():
        role = vm["metadata"]["role"]
        files = _files(vm)
        flags = files[flatcar.KUBELET_FLAGS_PATH]
        # The label the platform places pods by is the one each kubelet registers with.
        key, value = driver.role_label.key_for(role), driver.role_label.value_for(role, "unused")
        assert f"--node-labels={key}={value}" in flags
        kubelet = yaml.safe_load(files[flatcar.KUBELET_CONFIG_PATH])
        # Dedicated roles are tainted as they join: the table says so, no post-hoc taint step.
        taints = kubelet.get("registerWithTaints", [])
        assert driver.taints_at_creation
        assert (role in DEDICATED_ROLES) == bool(taints) and all(t["key"] == TAINT_KEY for t in taints)
    assert driver.role_label.key.startswith(ROLE_LABEL_PREFIX)
    assert driver.max_kubernetes == KAMAJI_MAX_KUBERNETES
    # A bare cluster: the cloud runs nothing, the platform stack turns on what it needs.
    assert not driver.provided_addons
    assert {"openstack-cloud-controller-manager", "openstack-cinder-csi", "kubelet-csr-approver"} <= driver.turns_on


def test_the_cluster_is_a_managed_cluster_with_every_part_in_place() -> None:
    doc = synth_stack(lambda s: _cluster(s))
    (tcp,) = [
        m for m in resources(doc, "kubernetes_manifest").values() if m["manifest"]["kind"] == "TenantControlPlane"
    ]
    assert tcp["manifest"]["spec"]["kubernetes"]["version"] == "v1.36.2"
    assert tcp["manifest"]["spec"]["dataStore"] == "pg"
    args = tcp["manifest"]["spec"]["controlPlane"]["deployment"]["extraArgs"]["controllerManager"]
    assert f"--cluster-signing-duration={MAX_SIGNING_DURATION_HOURS}h" in args
    # Every management-cluster object goes through the management provider, by its alias.
    (management,) = doc["provider"]["kubernetes"]
    alias = f"kubernetes.{management['alias']}"
    assert management["config_path"] == "~/.kube/mgmt" and "token" not in management
    for manifest in resources(doc, "kubernetes_manifest").values():
        assert manifest["provider"] == alias
    assert all(s["provider"] == alias for s in resources(doc, "kubernetes_secret_v1").values())


@pytest.mark.upstream_rule("kamaji.tcp.ready-before-kubeconfig")
def test_the_platform_reaches_the_tenant_with_the_admin_kubeconfig_kamaji_writes_once_ready() -> None:
    app = cdktf.Testing.app()
    infra = TerraformStack(app, "infra")
    cluster = _cluster(infra)
    platform = TerraformStack(app, "platform")
    from constructs_lib.kubernetes import KubernetesProvider

    KubernetesProvider(platform, "kubernetes", **dataclasses.asdict(cluster.access))
    cluster.add_cluster_objects(platform)
    app.synth()
    out = Path(app.outdir) / "stacks"
    infra_doc = json.loads((out / "infra" / "cdk.tf.json").read_text())
    platform_doc = json.loads((out / "platform" / "cdk.tf.json").read_text())
    # The admin kubeconfig is read after the TenantControlPlane is Ready (the manifest waits).
    (secret,) = infra_doc["data"]["kubernetes_secret_v1"].values()
    assert secret["metadata"] == {"name": "env-admin-kubeconfig", "namespace": "tenants"}
    (tcp_address,) = [
        f"kubernetes_manifest.{name}"
        for name, m in resources(infra_doc, "kubernetes_manifest").items()
        if m["manifest"]["kind"] == "TenantControlPlane"
    ]
    assert secret["depends_on"] == [tcp_address]
    tcp = resources(infra_doc, "kubernetes_manifest")[tcp_address.split(".")[1]]
    assert tcp["wait"] == [{"fields": {"status.kubernetesResources.version.status": "Ready"}}]
    (provider,) = platform_doc["provider"]["kubernetes"]
    assert provider["host"] == "https://10.30.0.10:6443"
    assert "client-certificate-data" in provider["client_certificate"] and "admin.conf" in provider["client_key"]
    # The token's Secret is in the tenant; every value that crossed over is a sensitive output.
    (token_secret,) = resources(platform_doc, "kubernetes_secret_v1").values()
    assert token_secret["type"] == "bootstrap.kubernetes.io/token"
    assert "remote_state" in token_secret["data"]["token-secret"]
    assert infra_doc["output"] and all(o["sensitive"] for o in infra_doc["output"].values())


@pytest.mark.parametrize("name", sorted(UTILITY_PROVIDERS))
def test_the_utility_providers_are_pinned(name: str) -> None:
    doc = synth_stack(lambda s: _cluster(s))
    assert any(t.startswith(f"{name}_") for t in doc["resource"])
    assert doc["terraform"]["required_providers"][name] == {
        "source": f"hashicorp/{name}",
        "version": UTILITY_PROVIDERS[name],
    }


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.upstream_rule("kamaji.version.max-kubeadm", "containerd.mirror.https", "flatcar.sysext.https-and-hash")
@pytest.mark.parametrize(
    ("overrides", "argument"),
    [
        ({"kubernetes_version": "1.37.0"}, "kubernetes_version"),
        ({"management": {"namespace": "tenants"}}, "management.kubeconfig_path"),
        ({"management": {"kubeconfig_path": "k", "namespace": "t", "token": "x"}}, "management.token"),
        ({"datastore": {"name": "pg", "driver": "PostgreSQL", "endpoints": ["pg:5432"]}}, "username"),
        ({"datastore": {"name": "pg", "password": "hunter2"}}, "datastore.password"),
        ({"sysext": {"version": "1.36.2", "sha256": "0" * 64, "base_url": "http://x"}}, "sysext.base_url"),
        ({"sysext": {"version": "1.36.2"}}, "sysext.sha256"),
        ({"sysext": {"version": "1.30.1", "sha256": "0" * 64}}, "sysext.version"),
        ({"mirrors": [{"registry": "docker.io", "endpoints": ["http://m"]}]}, "mirrors[0].endpoints"),
        ({"mirrors": "https://m"}, "mirrors"),
        ({"token_ttl_hours": 0}, "token_ttl_hours"),
        ({"token_ttl_hours": 12, "token_rotation_hours": 12}, "rotation"),
        ({"api_allowed_cidrs": ["10.0.0.300/24"]}, "api_allowed_cidrs"),
    ],
)
def test_bad_arguments_are_one_argument_error(overrides: dict[str, Any], argument: str) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(lambda s: _cluster(s, **overrides))
    assert err.value.argument == argument
    assert "hunter2" not in str(err.value) or argument == "datastore.password"


def test_a_node_group_takes_only_what_a_flatcar_group_can_do() -> None:
    def build(stack: TerraformStack) -> None:
        _cluster(stack).add_node_group(
            "x", name="x", role="worker", count=1, flavor="f", boot_volume_size=20, max_count=3
        )

    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(build)
    assert err.value.argument == "max_count"


# --- the platform side -----------------------------------------------------------------------


def _addons(cluster_profile: Any, **addons: Any) -> dict[str, dict[str, Any]]:
    from constructs_lib import ReleaseOverrides

    chosen = {name: ReleaseOverrides(enabled=True) for name in addons}
    doc = synth_stack(lambda s: PlatformAddons(s, "addons", cluster=cluster_profile, addons=chosen, cloud=CLOUD))
    return {r["name"]: yaml.safe_load(r["values"][0]) for r in resources(doc, "helm_release").values()}


@pytest.mark.upstream_rule("kamaji.csr-approver.own-nodes")
def test_the_serving_certificate_approver_matches_exactly_the_vms_of_the_cluster() -> None:
    holder: dict[str, Any] = {}
    doc = synth_stack(lambda s: holder.setdefault("profile", _cluster(s).profile))
    names = [vm["name"] for vm in resources(doc, "openstack_compute_instance_v2").values()]
    values = _addons(holder["profile"], **{"kubelet-csr-approver": True})["kubelet-csr-approver"]
    regex = re.compile(values["providerRegex"])
    assert len(names) == 3 and all(regex.fullmatch(name) for name in names), names
    for stranger in ("env-bastion", "env-system-0-evil", "other-system-0", "env-apps-x", "env-system-"):
        assert not regex.fullmatch(stranger), stranger
    assert values["providerIpPrefixes"] == ["10.30.0.0/24"]
    assert int(values["maxExpirationSeconds"]) <= MAX_SIGNING_DURATION_HOURS * 3600
    assert int(values["maxExpirationSeconds"]) == CSR_APPROVER_MAX_EXPIRATION_SECONDS


def test_the_approver_is_refused_where_the_library_does_not_name_the_nodes() -> None:
    from tests.test_addons import CLUSTER

    with pytest.raises(ConstructArgumentError) as err:
        _addons(CLUSTER, **{"kubelet-csr-approver": True})
    assert err.value.argument == "addons['kubelet-csr-approver'].enabled"


@pytest.mark.upstream_rule("kamaji.occm.no-control-plane-selector")
def test_the_cloud_controller_runs_on_the_nodes_of_a_cluster_without_control_plane_nodes() -> None:
    from tests.test_addons import CLUSTER

    holder: dict[str, Any] = {}
    synth_stack(lambda s: holder.setdefault("profile", _cluster(s).profile))
    hosted = _addons(holder["profile"])["openstack-cloud-controller-manager"]
    # Helm deletes a key set to null: the chart's control-plane selector is gone.
    assert hosted["nodeSelector"] == {"node-role.kubernetes.io/control-plane": None}
    tolerated = {t["key"] for t in hosted["tolerations"]}
    assert {"node.cloudprovider.kubernetes.io/uninitialized", TAINT_KEY} <= tolerated
    managed = _addons(CLUSTER)["openstack-cloud-controller-manager"]
    assert "nodeSelector" not in managed


# --- the shipped environment ------------------------------------------------------------------


def test_kamaji_hcl_has_a_control_plane_workers_a_token_and_the_addons(shipped_stacks) -> None:
    infra, platform = shipped_stacks["kamaji-infra"], shipped_stacks["kamaji-platform"]
    kinds = sorted(m["manifest"]["kind"] for m in resources(infra, "kubernetes_manifest").values())
    assert kinds == ["DataStore", "TenantControlPlane"]
    vms = resources(infra, "openstack_compute_instance_v2").values()
    assert {vm["metadata"]["role"] for vm in vms} == {"system", "frontend", "worker"}
    assert all(vm["user_data"].startswith('{"ignition":{"version":"3.3.0"}') for vm in vms)
    # Nodes pull through the platform registry (containerd hosts.toml per upstream registry).
    files = _files(next(iter(vms)))
    assert "/etc/containerd/certs.d/registry.k8s.io/hosts.toml" in files
    assert (
        "https://harbor.cloud.example.internal/v2/platform"
        in files["/etc/containerd/certs.d/registry.k8s.io/hosts.toml"]
    )
    releases = {r["name"] for r in resources(platform, "helm_release").values()}
    assert DRIVERS[KAMAJI].turns_on <= releases
    (token,) = [
        s for s in resources(platform, "kubernetes_secret_v1").values() if s["metadata"]["name"] != "dex-gitlab"
    ]
    assert token["metadata"]["namespace"] == "kube-system"
    assert token["metadata"]["name"].startswith("bootstrap-token-${")


def test_the_shipped_management_cluster_is_named_by_file_only(shipped_stacks) -> None:
    infra = shipped_stacks["kamaji-infra"]
    (management,) = infra["provider"]["kubernetes"]
    assert set(management) <= {"alias", "config_path", "config_context"}
    # No credential of any kind is written in the synthesized stacks.
    text = json.dumps(infra) + json.dumps(shipped_stacks["kamaji-platform"])
    assert "BEGIN" not in text.replace("-----BEGIN CERTIFICATE", "")
    assert not re.search(r"[a-z0-9]{6}\.[a-z0-9]{16}", text)


def test_app_builds_without_credentials(tmp_path: Path) -> None:
    from stacks.app import ENVIRONMENTS_DIR, synth

    assert synth(ENVIRONMENTS_DIR, tmp_path / "out", ["kamaji"]) == ["kamaji-infra", "kamaji-platform"]


def test_a_kamaji_environment_without_node_groups_is_one_error_at_the_cluster_block(tmp_path: Path) -> None:
    from constructs_lib.errors import PlatformError
    from stacks.app import ENVIRONMENTS_DIR, synth

    text = (ENVIRONMENTS_DIR / "kamaji.hcl").read_text()
    kept = re.sub(r'\nnode_group "[a-z]+" \{[^}]*\}\n', "\n", text)
    assert "node_group" not in kept
    directory = tmp_path / "environments"
    directory.mkdir()
    (directory / "kamaji.hcl").write_text(kept)
    with pytest.raises(PlatformError) as err:
        synth(directory, tmp_path / "out", ["kamaji"])
    message = str(err.value)
    line = int(message.split(":")[1])
    assert kept.splitlines()[line - 1].startswith("cluster {"), message
    assert "needs at least one node_group block" in message and "\n" not in message


@pytest.mark.upstream_rule("kamaji.version.max-kubeadm")
def test_the_version_is_refused_when_the_file_is_loaded_before_anything_is_built(env_dir) -> None:
    from environment_loader import EnvironmentConfigError, load_environment

    directory = env_dir("kamaji", (('kubernetes_version = "1.36.2"', 'kubernetes_version = "v1.37.1"'),))
    with pytest.raises(EnvironmentConfigError) as err:
        load_environment(directory / "kamaji.hcl")
    message = str(err.value)
    line = int(message.split(":")[1])
    assert "kubernetes_version" in (directory / "kamaji.hcl").read_text().splitlines()[line - 1]
    assert 'cluster.kubernetes_version: "v1.37.1" is not allowed: at most 1.36.x' in message


def test_mirror_lists_what_the_kamaji_driver_turns_on() -> None:
    from platformctl.mirror import environment_artifacts
    from stacks.app import ENVIRONMENTS_DIR

    artifacts = environment_artifacts("kamaji", ENVIRONMENTS_DIR)
    charts = {c.name: c.version for c in artifacts.charts}
    assert charts["kubelet-csr-approver"] == "1.2.14" and charts["tigera-operator"] == "v3.32.1"
    images = {i.reference: i.path for i in artifacts.images}
    assert images["ghcr.io/postfinance/kubelet-csr-approver:v1.2.14"] == "postfinance/kubelet-csr-approver:v1.2.14"


def test_the_shipped_cni_allocates_from_the_tenant_pod_range_and_everything_waits_for_it(shipped_stacks) -> None:
    infra, platform = shipped_stacks["kamaji-infra"], shipped_stacks["kamaji-platform"]
    (tcp,) = [
        m["manifest"]
        for m in resources(infra, "kubernetes_manifest").values()
        if m["manifest"]["kind"] == "TenantControlPlane"
    ]
    releases = resources(platform, "helm_release")
    ((cni_id, cni),) = [(k, r) for k, r in releases.items() if r["name"] == "calico"]
    values = yaml.safe_load(cni["values"][0])
    (pool,) = values["installation"]["calicoNetwork"]["ipPools"]
    assert pool["cidr"] == tcp["spec"]["networkProfile"]["podCidr"]
    # Beside the kube-proxy Kamaji deploys.
    assert (
        "kubeProxy" in tcp["spec"]["addons"] and values["installation"]["calicoNetwork"]["linuxDataplane"] == "Iptables"
    )
    # Images through the environment's registry (the Installation's registry ends with "/").
    assert values["installation"]["registry"] == "harbor.cloud.example.internal/platform/"
    for key, release in releases.items():
        if key != cni_id:
            assert f"helm_release.{cni_id}" in release["depends_on"] or any(
                f"helm_release.{cni_id}" in releases[d.removeprefix("helm_release.")].get("depends_on", [])
                for d in release["depends_on"]
            ), release["name"]


def test_every_node_of_the_cluster_is_in_one_security_group_open_between_them(shipped_stacks) -> None:
    # Pod traffic (the CNI's VXLAN, Services, DNS) crosses node groups: one group per node
    # group would drop it between them.
    infra = shipped_stacks["kamaji-infra"]
    vm_ports = {vm["network"][0]["port"] for vm in resources(infra, "openstack_compute_instance_v2").values()}
    ports = {
        f"${{openstack_networking_port_v2.{k}.id}}": p
        for k, p in resources(infra, "openstack_networking_port_v2").items()
    }
    groups = {tuple(ports[ref]["security_group_ids"]) for ref in vm_ports}
    assert len(groups) == 1, groups
    ((group_ref,),) = groups
    rules = resources(infra, "openstack_networking_secgroup_rule_v2").values()
    internal = [r for r in rules if r["security_group_id"] == group_ref and r.get("remote_group_id") == group_ref]
    assert internal and all("protocol" not in r for r in internal)
