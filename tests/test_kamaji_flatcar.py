"""Kamaji control planes, Flatcar workers and bootstrap tokens, checked against upstream evidence.

- every Ignition config passes Debian's ``ignition-validate`` with no output at all;
- every KubeletConfiguration field is one of the pinned kubelet's ``v1beta1`` fields;
- every Kamaji manifest validates against Kamaji's CRD schemas with unknown fields refused;
- the token Secret and kubeadm's bindings pass ``kubernetes-validate --strict`` for the tenant;
- bad input (a version Kamaji refuses, a short token lifetime, a smuggled private key, user
  data over Nova's limit, a mirror over http) is one ConstructArgumentError.
"""

from __future__ import annotations

import base64
import copy
import datetime
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import Any

import cdktf
import jsonschema
import pytest
import yaml
from cdktf import TerraformStack
from cdktf_cdktf_provider_openstack.provider import OpenstackProvider

from constructs_lib import ConstructArgumentError, Network, SshKeyPair, SubnetSpec, flatcar, kamaji
from constructs_lib.flatcar_node_group import FlatcarNodeGroup

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "upstream"
KUBELET_FIELDS = set(json.loads((FIXTURES / "kubelet_config_v1beta1_fields.json").read_text())["fields"])
CRDS = json.loads((FIXTURES / "kamaji_crd_schemas.json").read_text())
#: KubeletConfiguration fields whose values are maps with free keys (resource names, signals).
MAP_FIELDS = {"kubeReserved", "systemReserved", "evictionHard"}

CA = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBdzCCAR2gAwIBAgIUQm9vdHN0cmFwIHRlc3QgY2VydGlmaWNhdGUwCgYIKoZIzj0EAwIw\n"
    "-----END CERTIFICATE-----\n"
)
KEY = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIAbcdefghijklmnopqrstuvwxyz0123456789ABCDEFoAoGCCqGSM49\n-----END EC PRIVATE KEY-----\n"
TOKEN = "abcdef.0123456789abcdef"
SYSEXT = flatcar.KubernetesSysext("1.36.2", "0" * 64)
IGNITION_VALIDATE = shutil.which("ignition-validate")
KUBERNETES_VALIDATE = shutil.which("kubernetes-validate") or str(Path(sys.executable).parent / "kubernetes-validate")
TERRAFORM = shutil.which("terraform")


#: The arguments of ``worker_ignition`` beside its settings.
WORKER_ARGUMENTS = ("path", "hostname", "token_encoder", "limit")


def ignition(**overrides: Any) -> flatcar.WorkerIgnition:
    arguments: dict[str, Any] = {
        "path": "test/workers",
        "hostname": "t1-worker-0",
        "api_server": "10.0.0.5",
        "bootstrap_token": TOKEN,
        "ca_certificate": CA,
        "sysext": SYSEXT,
        "role": "worker",
        "cluster_dns": ["10.96.0.10"],
    }
    arguments.update(overrides)
    settings = {key: value for key, value in arguments.items() if key not in WORKER_ARGUMENTS}
    rest = {key: value for key, value in arguments.items() if key in WORKER_ARGUMENTS}
    return flatcar.worker_ignition(flatcar.WorkerSettings(**settings), **rest)


def ignition_validate(text: str, tmp_path: Path) -> str:
    """Everything ``ignition-validate`` says about ``text`` (empty: valid, not even a warning)."""
    if IGNITION_VALIDATE is None:
        pytest.skip("ignition-validate is not installed (Debian package `ignition`)")
    config = tmp_path / "config.ign"
    config.write_text(text)
    run = subprocess.run([IGNITION_VALIDATE, str(config)], capture_output=True, text=True, timeout=60)
    return f"exit {run.returncode}: {run.stdout}{run.stderr}" if run.returncode or run.stdout or run.stderr else ""


def file_text(config: dict[str, Any], path: str) -> str:
    """The content Ignition would write to ``path``, decoded from its data URL."""
    (entry,) = [f for f in config["storage"]["files"] if f["path"] == path]
    source = entry["contents"]["source"]
    header, _, data = source.partition(",")
    raw = base64.b64decode(data) if header.endswith(";base64") else urllib.parse.unquote_to_bytes(data)
    if entry["contents"].get("compression") == "gzip":
        raw = gzip.decompress(raw)
    return raw.decode()


def kubelet_paths(config: dict[str, Any], prefix: str = "") -> list[str]:
    paths = []
    for key, value in config.items():
        paths.append(prefix + key)
        if isinstance(value, dict) and (prefix + key) not in MAP_FIELDS:
            paths += kubelet_paths(value, prefix + key + ".")
    return paths


# --- Ignition ---------------------------------------------------------------------------------


@pytest.mark.upstream_rule("flatcar.ignition.spec-3.3.0")
@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"role": "system", "labels": {"example.com/tier": "db"}},
        {"role": "frontend", "api_server": "fd00::5", "cluster_dns": ["10.96.0.10", "fd00::a"]},
        {
            "mirrors": [
                flatcar.RegistryMirror("docker.io", ["https://harbor.internal/v2/proxy-docker"], override_path=True),
                flatcar.RegistryMirror("_default", ["https://harbor.internal"]),
            ],
            "extra_files": [{"path": "/etc/motd", "content": "managed\n", "permissions": "0600"}],
        },
    ],
    ids=["worker", "system", "frontend-ipv6", "mirrors-and-files"],
)
def test_every_worker_config_passes_ignition_validate(overrides: dict[str, Any], tmp_path: Path) -> None:
    config = ignition(**overrides)
    assert json.loads(config.json)["ignition"]["version"] == "3.3.0"
    assert ignition_validate(config.json, tmp_path) == ""


@pytest.mark.upstream_rule("flatcar.ignition.spec-3.3.0")
def test_ignition_validate_catches_what_it_must(tmp_path: Path) -> None:
    """The check can fail: spec 3.4.0 (too new for LTS) and an unknown key are both reported."""
    document = json.loads(ignition().json)
    newer = {**document, "ignition": {"version": "3.4.0"}}
    assert ignition_validate(json.dumps(newer), tmp_path) != ""
    unknown = copy.deepcopy(document)
    unknown["storage"]["files"][0]["mystery"] = True
    assert ignition_validate(json.dumps(unknown), tmp_path) != ""


def test_files_are_gzipped_only_where_that_is_shorter() -> None:
    document = json.loads(ignition().json)
    by_path = {f["path"]: f["contents"] for f in document["storage"]["files"]}
    assert by_path[flatcar.KUBELET_CONFIG_PATH].get("compression") == "gzip"
    assert "compression" not in by_path["/etc/hostname"]
    assert file_text(document, "/etc/hostname") == "t1-worker-0\n"


@pytest.mark.upstream_rule("flatcar.sysext.https-and-hash")
def test_kubelet_sysext_is_pinned_by_hash_from_the_given_server() -> None:
    sysext = flatcar.KubernetesSysext("v1.35.4", "ab" * 32, base_url="https://mirror.internal/flatcar/")
    document = json.loads(ignition(sysext=sysext).json)
    (image,) = [f for f in document["storage"]["files"] if f["path"].endswith(".raw")]
    assert image["contents"] == {
        "source": "https://mirror.internal/flatcar/kubernetes-v1.35.4-x86-64.raw",
        "verification": {"hash": "sha256-" + "ab" * 32},
    }
    assert document["storage"]["links"][0] == {
        "path": "/etc/extensions/kubernetes.raw",
        "target": image["path"],
        "hard": False,
    }
    with pytest.raises(ConstructArgumentError, match="base_url"):
        flatcar.KubernetesSysext("1.36.2", "0" * 64, base_url="http://mirror.internal/flatcar")
    with pytest.raises(ConstructArgumentError, match="sha256"):
        flatcar.KubernetesSysext("1.36.2", "0" * 63)


@pytest.mark.parametrize("version", ["01.36.2", "1.036.2", "2.0.1", "1.36"])
def test_kubernetes_releases_follow_the_one_release_rule(version: str) -> None:
    from constructs_lib.kamaji import check_tenant_version

    with pytest.raises(ConstructArgumentError) as err:
        flatcar.KubernetesSysext(version, "0" * 64)
    assert err.value.argument == "version"
    if version != "2.0.1":  # a Kamaji tenant may not be Kubernetes 1.x one day; the form is the same
        with pytest.raises(ConstructArgumentError) as err:
            check_tenant_version("p", version)
        assert err.value.argument == "kubernetes_version"


@pytest.mark.upstream_rule("flatcar.userdata.no-private-key")
def test_user_data_holds_the_ca_and_a_token_and_no_key() -> None:
    document = json.loads(ignition().json)
    texts = {f["path"]: file_text(document, f["path"]) for f in document["storage"]["files"] if "raw" not in f["path"]}
    assert texts[flatcar.CA_PATH] == CA
    kubeconfig = yaml.safe_load(texts[flatcar.BOOTSTRAP_KUBECONFIG_PATH])
    assert kubeconfig["users"][0]["user"] == {"token": TOKEN}
    assert kubeconfig["clusters"][0]["cluster"] == {
        "server": "https://10.0.0.5:6443",
        "certificate-authority": flatcar.CA_PATH,
    }
    assert not any(flatcar.has_private_key(text) or "client-key" in text for text in texts.values())


@pytest.mark.upstream_rule("flatcar.userdata.no-private-key")
@pytest.mark.parametrize("where", ["extra_files", "ca_certificate"])
def test_a_private_key_smuggled_into_user_data_is_refused(where: str) -> None:
    smuggled: dict[str, Any]
    if where == "extra_files":
        smuggled = {"extra_files": [{"path": "/etc/pki/node.key", "content": KEY}]}
    else:
        smuggled = {"ca_certificate": CA + KEY}
    with pytest.raises(ConstructArgumentError, match="private key|the CA certificate only") as error:
        ignition(**smuggled)
    assert error.value.argument == where


@pytest.mark.upstream_rule("nova.user-data.size")
def test_user_data_over_novas_limit_is_refused() -> None:
    # Incompressible text: gzip cannot save it.
    noise = base64.b64encode(os.urandom(40000)).decode()
    with pytest.raises(ConstructArgumentError, match="65535 bytes of base64") as error:
        ignition(extra_files=[{"path": "/etc/noise", "content": noise}])
    assert error.value.argument == "user_data"
    config = ignition(extra_files=[{"path": "/etc/noise", "content": noise[:30000]}])
    assert config.estimated_size == len(base64.b64encode(config.json.encode())) <= flatcar.NOVA_USER_DATA_LIMIT


@pytest.mark.upstream_rule("containerd.mirror.https")
def test_registry_mirrors_are_https_hosts_toml_under_config_path() -> None:
    mirror = flatcar.RegistryMirror("docker.io", ["https://harbor.internal/v2/proxy-docker"], override_path=True)
    document = json.loads(ignition(mirrors=[mirror]).json)
    hosts = file_text(document, "/etc/containerd/certs.d/docker.io/hosts.toml")
    assert 'server = "https://registry-1.docker.io"' in hosts
    assert '[host."https://harbor.internal/v2/proxy-docker"]' in hosts and "override_path = true" in hosts
    assert 'config_path = "/etc/containerd/certs.d"' in file_text(document, flatcar.CONTAINERD_CONFIG_PATH)
    dropin = document["systemd"]["units"][0]
    assert dropin["name"] == "containerd.service"
    assert "CONTAINERD_CONFIG=/etc/containerd/config.toml" in dropin["dropins"][0]["contents"]
    for bad in ("http://harbor.internal", "harbor.internal", "https://user:pw@harbor.internal"):
        with pytest.raises(ConstructArgumentError, match="endpoints"):
            flatcar.RegistryMirror("docker.io", [bad])


@pytest.mark.parametrize("bad", ["docker..io", "Docker.io", "docker.io:0", "docker.io:99999", "docker.io/library", ""])
def test_a_mirrored_registry_is_a_host_by_the_one_registry_rule(bad: str) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        flatcar.RegistryMirror(bad, ["https://harbor.internal"])
    assert err.value.argument == "registry"


def test_a_mirrored_registry_may_carry_a_port_or_be_the_default() -> None:
    for registry in ("registry.k8s.io", "harbor.internal:5000", "_default"):
        assert flatcar.RegistryMirror(registry, ["https://harbor.internal"]).registry == registry


# --- Kubelet ----------------------------------------------------------------------------------


@pytest.mark.upstream_rule("flatcar.kubelet.known-fields", "flatcar.kubelet.hardened")
@pytest.mark.parametrize("role", ["worker", "system"])
def test_kubelet_configuration_is_explicit_hardened_and_known(role: str) -> None:
    document = json.loads(ignition(role=role).json)
    config = json.loads(file_text(document, flatcar.KUBELET_CONFIG_PATH))
    unknown = sorted(set(kubelet_paths(config)) - KUBELET_FIELDS)
    assert not unknown, f"fields the pinned kubelet does not have: {unknown}"
    assert config["authentication"]["anonymous"] == {"enabled": False}
    assert config["authentication"]["webhook"]["enabled"] is True
    assert config["authorization"]["mode"] == "Webhook"
    assert config["readOnlyPort"] == 0
    assert config["serverTLSBootstrap"] is config["rotateCertificates"] is config["protectKernelDefaults"] is True
    assert config["seccompDefault"] is True
    assert config["tlsMinVersion"] == "VersionTLS12"
    assert config["tlsCipherSuites"] and all(
        "ECDHE" in s and ("GCM" in s or "CHACHA20" in s) for s in config["tlsCipherSuites"]
    )
    assert config["resolvConf"] == "/run/systemd/resolve/resolv.conf"
    for field in (
        "podPidsLimit",
        "eventRecordQPS",
        "streamingConnectionIdleTimeout",
        "kubeReserved",
        "systemReserved",
        "evictionHard",
    ):
        assert config[field], field


def test_the_field_check_can_fail() -> None:
    config = flatcar.kubelet_configuration(cluster_dns=["10.96.0.10"], role="worker")
    config["authentication"]["anonymus"] = {"enabled": False}
    assert set(kubelet_paths(config)) - KUBELET_FIELDS == {"authentication.anonymus", "authentication.anonymus.enabled"}


@pytest.mark.upstream_rule("flatcar.kubelet.protect-kernel-defaults")
def test_the_sysctls_protect_kernel_defaults_needs_are_written() -> None:
    document = json.loads(ignition().json)
    lines = file_text(document, flatcar.SYSCTL_PATH).splitlines()
    written = dict(line.split(" = ") for line in lines)
    assert written == {
        "vm.overcommit_memory": "1",
        "vm.panic_on_oom": "0",
        "kernel.panic": "10",
        "kernel.panic_on_oops": "1",
        "kernel.keys.root_maxkeys": "1000000",
        "kernel.keys.root_maxbytes": "25000000",
    }


@pytest.mark.upstream_rule("kubernetes.node-restriction.labels")
def test_node_labels_at_join_stay_outside_kubernetes_io_and_dedicated_roles_register_tainted() -> None:
    document = json.loads(ignition(role="system", labels={"example.com/tier": "db"}).json)
    flags = file_text(document, flatcar.KUBELET_FLAGS_PATH)
    assert "--node-labels=example.com/tier=db,node-role.deckhouse.io/system=" in flags
    assert "--cloud-provider=external" in flags
    config = json.loads(file_text(document, flatcar.KUBELET_CONFIG_PATH))
    assert config["registerWithTaints"] == [{"key": "dedicated.deckhouse.io", "value": "system", "effect": "NoExecute"}]
    worker = json.loads(file_text(json.loads(ignition().json), flatcar.KUBELET_CONFIG_PATH))
    assert "registerWithTaints" not in worker
    for key in ("node-role.kubernetes.io/worker", "topology.kubernetes.io/zone", "x.k8s.io/a"):
        with pytest.raises(ConstructArgumentError, match="NodeRestriction"):
            ignition(labels={key: ""})


@pytest.mark.upstream_rule("kubernetes.skew.kubelet")
def test_the_kubelet_stays_within_the_version_skew_of_the_control_plane() -> None:
    from constructs_lib.flatcar_node_group import check_kubelet_skew

    check_kubelet_skew("p", flatcar.KubernetesSysext("1.33.9", "0" * 64), "v1.36.2")
    for kubelet in ("1.37.0", "1.32.9"):
        with pytest.raises(ConstructArgumentError, match="sysext.version"):
            check_kubelet_skew("p", flatcar.KubernetesSysext(kubelet, "0" * 64), "v1.36.2")


# --- Kamaji manifests -------------------------------------------------------------------------


def strict(schema: Any) -> Any:
    """The schema with unknown fields refused wherever the CRD lists the fields of an object."""
    if isinstance(schema, dict):
        result = {key: strict(value) for key, value in schema.items()}
        if (
            "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            result["additionalProperties"] = False
        return result
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    return schema


def crd_errors(manifest: dict[str, Any]) -> list[str]:
    crd = CRDS["schemas"][manifest["kind"]]
    assert manifest["apiVersion"] == f"{crd['group']}/{crd['version']}"
    validator = jsonschema.Draft4Validator(strict(crd["openAPIV3Schema"]))
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(manifest)]


def tcp(**overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "name": "t1",
        "namespace": "tenants",
        "data_store": "pg",
        "kubernetes_version": "1.36.2",
        "address": "10.0.0.20",
        "port_id": "0b6a4f0e-1111-2222-3333-444455556666",
        "api_allowed_cidrs": ["10.0.0.0/8", "192.0.2.0/24"],
    }
    arguments.update(overrides)
    return kamaji.tenant_control_plane_manifest(**arguments)


def login() -> dict[str, Any]:
    return {
        "username": kamaji.SecretKeyRef("pg-login", "kamaji-system", "username"),
        "password": kamaji.SecretKeyRef("pg-login", "kamaji-system", "password"),
    }


def etcd_tls() -> dict[str, Any]:
    return {
        "ca_certificate": kamaji.SecretKeyRef("etcd-ca", "kamaji-system", "ca.crt"),
        "ca_private_key": kamaji.SecretKeyRef("etcd-ca", "kamaji-system", "ca.key"),
        "client_certificate": kamaji.SecretKeyRef("etcd-client", "kamaji-system", "tls.crt"),
        "client_private_key": kamaji.SecretKeyRef("etcd-client", "kamaji-system", "tls.key"),
    }


@pytest.mark.upstream_rule("kamaji.crd.schema")
@pytest.mark.parametrize(
    "manifest",
    [
        pytest.param(lambda: tcp(), id="tcp"),
        pytest.param(lambda: tcp(kube_proxy=False, replicas=3, cert_sans=["api.t1.internal"]), id="tcp-no-proxy"),
        pytest.param(
            lambda: kamaji.data_store_manifest(name="pg", driver="PostgreSQL", endpoints=["pg:5432"], **login()),
            id="datastore-postgresql",
        ),
        pytest.param(
            lambda: kamaji.data_store_manifest(
                name="pg-tls",
                driver="PostgreSQL",
                endpoints=["pg:5432"],
                ca_certificate=kamaji.SecretKeyRef("pg-ca", "kamaji-system", "ca.crt"),
                **login(),
            ),
            id="datastore-postgresql-tls",
        ),
        pytest.param(
            lambda: kamaji.data_store_manifest(name="etcd", driver="etcd", endpoints=["etcd-0:2379"], **etcd_tls()),
            id="datastore-etcd",
        ),
    ],
)
def test_kamaji_manifests_validate_against_the_crd_schemas(manifest: Any) -> None:
    assert crd_errors(manifest()) == []


@pytest.mark.upstream_rule("kamaji.crd.schema")
def test_the_schema_check_refuses_unknown_fields() -> None:
    manifest = tcp()
    manifest["spec"]["networkProfile"]["adress"] = "10.0.0.1"
    manifest["spec"]["controlPlane"]["service"]["serviceType"] = "Ingress"
    errors = crd_errors(manifest)
    assert any("adress" in e for e in errors) and any("Ingress" in e for e in errors)


@pytest.mark.upstream_rule("kamaji.version.max-kubeadm")
@pytest.mark.parametrize("version", ["1.37.0", "v1.37.1", "2.0.0"])
def test_a_version_above_what_kamaji_accepts_is_refused(version: str) -> None:
    with pytest.raises(ConstructArgumentError, match="at most 1.36.x") as error:
        tcp(kubernetes_version=version)
    assert error.value.argument == "kubernetes_version"
    assert tcp(kubernetes_version="1.36.9")["spec"]["kubernetes"]["version"] == "v1.36.9"


@pytest.mark.upstream_rule("kamaji.version.no-downgrade-or-skip")
def test_upgrades_kamaji_refuses_are_refused() -> None:
    assert kamaji.check_tenant_upgrade("p", "1.35.3", "1.36.0") == "v1.36.0"
    assert kamaji.check_tenant_upgrade("p", "1.36.3", "1.36.1") == "v1.36.1"  # patches are not compared
    with pytest.raises(ConstructArgumentError, match="downgrades"):
        kamaji.check_tenant_upgrade("p", "1.36.0", "1.35.9")
    with pytest.raises(ConstructArgumentError, match="skipped minors"):
        kamaji.check_tenant_upgrade("p", "1.34.2", "1.36.0")


@pytest.mark.upstream_rule("kamaji.admission.hardened", "kamaji.tenant.signing-duration")
def test_the_tenant_is_hardened_by_default() -> None:
    spec = tcp()["spec"]
    admission = spec["kubernetes"]["admissionControllers"]
    default = CRDS["schemas"]["TenantControlPlane"]["openAPIV3Schema"]["properties"]["spec"]["properties"][
        "kubernetes"
    ]["properties"]["admissionControllers"]["default"]
    assert "NodeRestriction" not in default and "PodSecurity" not in default
    assert set(default) <= set(admission) and {"NodeRestriction", "PodSecurity"} <= set(admission)
    arguments = spec["controlPlane"]["deployment"]["extraArgs"]
    assert "--cluster-signing-duration=720h" in arguments["controllerManager"]
    assert "--kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt" in arguments["apiServer"]
    assert spec["addons"]["konnectivity"]["server"]["port"] == 8132
    with pytest.raises(ConstructArgumentError, match="signing_duration_hours"):
        tcp(signing_duration_hours=721)


@pytest.mark.upstream_rule("kamaji.api.source-ranges")
def test_the_api_is_open_only_to_the_listed_cidrs() -> None:
    assert tcp()["spec"]["networkProfile"]["loadBalancerSourceRanges"] == ["10.0.0.0/8", "192.0.2.0/24"]
    for bad in ([], [f"10.{i}.0.0/16" for i in range(17)], "10.0.0.0/8"):
        with pytest.raises(ConstructArgumentError, match="api_allowed_cidrs"):
            tcp(api_allowed_cidrs=bad)


@pytest.mark.upstream_rule("kamaji.datastore.etcd-tls")
def test_datastore_credentials_follow_kamajis_rules() -> None:
    tls = etcd_tls()
    del tls["client_private_key"]
    with pytest.raises(ConstructArgumentError, match="client_private_key"):
        kamaji.data_store_manifest(name="etcd", driver="etcd", endpoints=["etcd-0:2379"], **tls)
    with pytest.raises(ConstructArgumentError, match="password"):
        kamaji.data_store_manifest(name="pg", driver="PostgreSQL", endpoints=["pg:5432"], username=login()["username"])
    with pytest.raises(ConstructArgumentError, match="driver"):
        kamaji.data_store_manifest(name="m", driver="MySQL", endpoints=["m:3306"], **login())
    with pytest.raises(ConstructArgumentError, match="endpoints"):
        kamaji.data_store_manifest(name="pg", driver="PostgreSQL", endpoints=["postgres://pg:5432"], **login())


# --- Bootstrap token --------------------------------------------------------------------------


@pytest.mark.upstream_rule("kamaji.token.ttl")
@pytest.mark.parametrize(
    ("ttl", "rotation"),
    [
        (datetime.timedelta(minutes=20), datetime.timedelta(hours=1)),
        (datetime.timedelta(minutes=29), datetime.timedelta(hours=1)),
        (datetime.timedelta(minutes=90), datetime.timedelta(hours=1)),
        (datetime.timedelta(days=8), datetime.timedelta(hours=12)),
        (datetime.timedelta(hours=6), datetime.timedelta(hours=6)),
        (24, 12),
    ],
)
def test_a_token_lifetime_kamaji_workers_cannot_live_with_is_refused(ttl: Any, rotation: Any) -> None:
    app = cdktf.Testing.app()
    stack = TerraformStack(app, "t")
    with pytest.raises(ConstructArgumentError, match="ttl|rotation"):
        kamaji.BootstrapToken(stack, "token", ttl=ttl, rotation=rotation)


@pytest.mark.upstream_rule("kubernetes.bootstrap-token.secret", "kubernetes.bootstrap-token.format")
def test_token_secret_and_kubeadm_bindings_pass_kubernetes_validate(tmp_path: Path) -> None:
    if not Path(KUBERNETES_VALIDATE).exists():
        pytest.skip("kubernetes-validate is not installed (pip install kubernetes-validate)")
    secret = kamaji.bootstrap_token_secret_manifest("abcdef", "0123456789abcdef", "2026-12-07T00:00:00Z")
    token = f"{secret['stringData']['token-id']}.{secret['stringData']['token-secret']}"
    assert re.fullmatch(r"[a-z0-9]{6}\.[a-z0-9]{16}", token) and secret["metadata"]["name"] == "bootstrap-token-abcdef"
    bindings = kamaji.kubeadm_node_bootstrap_rbac()
    trusted = {s["name"] for b in bindings for s in b["subjects"] if "bootstrappers" in s["name"]}
    assert trusted == {secret["stringData"]["auth-extra-groups"]}
    documents = tmp_path / "objects.yaml"
    documents.write_text(yaml.safe_dump_all([secret, *bindings]))
    tenant = kamaji.check_tenant_version("p", "1.36.2")[1:]
    run = subprocess.run(
        [KUBERNETES_VALIDATE, "--strict", "--quiet", "-k", tenant, str(documents)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0 and not run.stdout.strip() and not run.stderr.strip(), run.stdout + run.stderr
    # The check can fail: an unknown field is refused.
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**secret, "stringdata": {}}))
    assert subprocess.run([KUBERNETES_VALIDATE, "--strict", "-k", tenant, str(bad)], capture_output=True).returncode


# --- Constructs, synthesized --------------------------------------------------------------------


#: The node groups kamaji_stack built, last one last.
GROUPS: list[FlatcarNodeGroup] = []


def kamaji_stack(**group: Any) -> dict[str, Any]:
    app = cdktf.Testing.app()
    stack = TerraformStack(app, "t")
    OpenstackProvider(stack, "openstack")
    network = Network(stack, "net", name="e", subnets=[SubnetSpec("a", "10.0.0.0/24")], external_network="ext")
    keypair = SshKeyPair(
        stack,
        "key",
        name="k",
        public_key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0Vbw2SmHb4vJ7cfX2hKqV0M0QvSx8Rt3wq4hN8kYJv x",
    )
    management = kamaji.ManagementClusterProvider(stack, "management", config_path="/etc/mgmt.conf", config_context="m")
    store = kamaji.KamajiDataStore(
        stack, "store", name="pg", driver="PostgreSQL", endpoints=["pg.internal:5432"], provider=management, **login()
    )
    plane = kamaji.KamajiControlPlane(
        stack,
        "plane",
        name="t1",
        namespace="tenants",
        data_store=store,
        kubernetes_version="1.36.2",
        network=network,
        api_allowed_cidrs=["192.0.2.0/24"],
        provider=management,
    )
    token = kamaji.BootstrapToken(stack, "token")
    arguments: dict[str, Any] = {
        "name": "t1-worker",
        "role": "worker",
        "count": 2,
        "network": network,
        "keypair": keypair,
        "flavor": "m1.large",
        "image": "flatcar-stable",
        "boot_volume_size": 40,
        "sysext": SYSEXT,
        "control_plane_version": plane.kubernetes_version,
        "api_server": plane.address,
        "ca_certificate": plane.ca_certificate,
        "bootstrap_token": token.value,
        "cluster_dns": [plane.dns_service_ip],
    }
    arguments.update(group)
    GROUPS.append(FlatcarNodeGroup(stack, "workers", **arguments))
    kamaji.BootstrapTokenSecret(
        stack, "token-secret", token_id=token.token_id, token_secret=token.token_secret, expiration=token.expiration
    )
    return json.loads(cdktf.Testing.synth(stack))


@pytest.fixture(scope="module")
def synthesized() -> dict[str, Any]:
    return kamaji_stack()


@pytest.mark.upstream_rule("kamaji.api.fixed-address")
def test_the_api_address_comes_from_a_port_the_load_balancer_takes(synthesized: dict[str, Any]) -> None:
    (port_name,) = [n for n in synthesized["resource"]["openstack_networking_port_v2"] if "plane" in n]
    manifests = {m["manifest"]["kind"]: m["manifest"] for m in synthesized["resource"]["kubernetes_manifest"].values()}
    spec = manifests["TenantControlPlane"]["spec"]
    assert (
        spec["networkProfile"]["address"] == f"${{element(openstack_networking_port_v2.{port_name}.all_fixed_ips, 0)}}"
    )
    annotations = spec["controlPlane"]["service"]["additionalMetadata"]["annotations"]
    assert annotations == {"loadbalancer.openstack.org/port-id": f"${{openstack_networking_port_v2.{port_name}.id}}"}
    assert spec["controlPlane"]["service"]["serviceType"] == "LoadBalancer"
    # The workers' subnet comes first: without it no node could join through the load balancer.
    assert spec["networkProfile"]["loadBalancerSourceRanges"] == ["10.0.0.0/24", "192.0.2.0/24"]
    assert manifests["DataStore"]["spec"]["basicAuth"]["password"] == {
        "secretReference": {"name": "pg-login", "namespace": "kamaji-system", "keyPath": "password"}
    }


@pytest.mark.upstream_rule("openstack.user-data.force-new", "kubernetes.bootstrap-token.format")
def test_nodes_keep_their_user_data_and_the_token_rotates(synthesized: dict[str, Any]) -> None:
    instances = synthesized["resource"]["openstack_compute_instance_v2"]
    assert sorted(i["name"] for i in instances.values()) == ["t1-worker-0", "t1-worker-1"]
    regex = re.compile(GROUPS[-1].node_name_regex)
    assert all(regex.fullmatch(i["name"]) for i in instances.values())
    assert not regex.fullmatch("t1-worker-0x") and not regex.fullmatch("other-t1-worker-0")
    for instance in instances.values():
        assert instance["lifecycle"] == {"ignore_changes": ["user_data"]}
        assert instance["block_device"][0]["destination_type"] == "volume"
        assert instance["scheduler_hints"][0]["group"].startswith("${openstack_compute_servergroup_v2.")
    (group,) = synthesized["resource"]["openstack_compute_servergroup_v2"].values()
    assert group["policies"] == ["anti-affinity"]
    strings = synthesized["resource"]["random_string"]
    (rotation,) = synthesized["resource"]["time_rotating"]
    assert sorted(s["length"] for s in strings.values()) == [6, 16]
    for value in strings.values():
        assert value["upper"] is value["special"] is False and value["lower"] is value["numeric"] is True
        assert value["keepers"] == {"rotation": f"${{time_rotating.{rotation}.id}}"}
    (secret,) = [s for n, s in synthesized["resource"]["kubernetes_secret_v1"].items() if n.startswith("token")]
    assert secret["lifecycle"] == {"create_before_destroy": True}
    assert secret["type"] == "bootstrap.kubernetes.io/token"
    assert secret["data"]["expiration"] == f'${{timeadd(time_rotating.{rotation}.rfc3339, "24h")}}'


@pytest.mark.upstream_rule("flatcar.ignition.spec-3.3.0", "nova.user-data.size")
def test_user_data_with_terraform_references_evaluates_to_a_valid_config(
    synthesized: dict[str, Any], tmp_path: Path
) -> None:
    """Terraform itself evaluates the user data, references replaced by values of their longest
    form; the result passes ignition-validate and fits the size the check estimated."""
    if TERRAFORM is None:
        pytest.skip("terraform is not installed")
    instance = next(iter(synthesized["resource"]["openstack_compute_instance_v2"].values()))
    template = instance["user_data"]
    template = re.sub(r"openstack_networking_port_v2\.[\w-]+\.all_fixed_ips", '["203.0.113.254"]', template)
    template = re.sub(r"random_string\.token_token-id_\w+\.result", '"abcdef"', template)
    template = re.sub(r"random_string\.token_token-secret_\w+\.result", '"0123456789abcdef"', template)
    template = re.sub(r"tls_self_signed_cert\.[\w-]+\.cert_pem", lambda _: json.dumps(CA), template)
    assert "TfToken" not in template and "random_string" not in template
    (tmp_path / "user_data.tpl").write_text(template)
    run = subprocess.run(
        [TERRAFORM, "console"],
        input='templatefile("user_data.tpl", {})\n',
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "TF_CLI_CONFIG_FILE": os.devnull},
    )
    assert run.returncode == 0, run.stderr
    rendered = json.loads(run.stdout.strip().splitlines()[-1])
    document = json.loads(rendered)
    kubeconfig = yaml.safe_load(file_text(document, flatcar.BOOTSTRAP_KUBECONFIG_PATH))
    assert kubeconfig["users"][0]["user"]["token"] == "abcdef.0123456789abcdef"
    assert kubeconfig["clusters"][0]["cluster"]["server"] == "https://203.0.113.254:6443"
    assert file_text(document, flatcar.CA_PATH) == CA
    assert ignition_validate(rendered, tmp_path) == ""
    built = ignition(
        path="p",
        api_server="${TfToken[TOKEN.1]}",
        bootstrap_token="${TfToken[TOKEN.2]}.${TfToken[TOKEN.3]}",
        ca_certificate="${TfToken[TOKEN.4]}",
        token_encoder=lambda text: "x",
    )
    assert len(base64.b64encode(rendered.encode())) <= built.estimated_size


def test_user_data_with_references_needs_an_encoder() -> None:
    with pytest.raises(ConstructArgumentError, match="token_encoder"):
        ignition(api_server="${TfToken[TOKEN.7]}")


@pytest.mark.upstream_rule("nova.user-data.size", "containerd.mirror.https")
def test_the_node_group_checks_its_config_before_creating_anything() -> None:
    noise = base64.b64encode(os.urandom(40000)).decode()
    with pytest.raises(ConstructArgumentError, match="user_data"):
        kamaji_stack(extra_files=[{"path": "/etc/noise", "content": noise}])
    with pytest.raises(ConstructArgumentError, match="endpoints"):
        kamaji_stack(mirrors=[flatcar.RegistryMirror("docker.io", ["http://harbor.internal"])])
    with pytest.raises(ConstructArgumentError, match="sysext.version"):
        kamaji_stack(sysext=flatcar.KubernetesSysext("1.37.0", "0" * 64))


@pytest.mark.upstream_rule("kamaji.ca.existing-secret-kept")
def test_the_tenant_ca_is_made_before_the_control_plane_and_given_to_kamaji(synthesized: dict[str, Any]) -> None:
    resources = synthesized["resource"]
    ((key_name, key),) = resources["tls_private_key"].items()
    ((cert_name, cert),) = resources["tls_self_signed_cert"].items()
    assert key == {"algorithm": "RSA", "rsa_bits": 3072}
    assert cert["is_ca_certificate"] is True and "cert_signing" in cert["allowed_uses"]
    ((ca_secret_name, ca_secret),) = [(n, s) for n, s in resources["kubernetes_secret_v1"].items() if "plane" in n]
    assert ca_secret["metadata"] == {"name": "t1-ca", "namespace": "tenants"}
    pem = f"${{tls_self_signed_cert.{cert_name}.cert_pem}}"
    private = f"${{tls_private_key.{key_name}.private_key_pem}}"
    assert ca_secret["data"] == {"ca.crt": pem, "ca.key": private, "tls.crt": pem, "tls.key": private}
    (plane,) = [m for m in resources["kubernetes_manifest"].values() if m["manifest"]["kind"] == "TenantControlPlane"]
    assert f"kubernetes_secret_v1.{ca_secret_name}" in plane["depends_on"]
    node = next(iter(resources["openstack_compute_instance_v2"].values()))
    assert f"tls_self_signed_cert.{cert_name}.cert_pem" in node["user_data"]
    assert f"tls_private_key.{key_name}" not in node["user_data"]


def test_the_same_arguments_give_byte_identical_user_data() -> None:
    mirrors = [flatcar.RegistryMirror("docker.io", ["https://harbor.internal"])]
    assert ignition(mirrors=mirrors).json == ignition(mirrors=mirrors).json
    assert kamaji_stack() == kamaji_stack()


@pytest.mark.parametrize(
    "misuse",
    [
        {"network": "net"},
        {"keypair": None},
        {"count": 2.0},
        {"count": 101},
        {"role": "Worker"},
        {"boot_volume_size": None},
        {"server_group_policy": "affinity"},
        {"sysext": {"version": "1.36.2"}},
        {"cluster_dns": "10.96.0.10"},
        {"mirrors": {"docker.io": "https://harbor.internal"}},
        {"extra_files": "/etc/motd"},
        {"extra_files": [{"path": "etc/motd", "content": "x"}]},
        {"extra_files": [{"path": flatcar.KUBELET_CONFIG_PATH, "content": "{}"}]},
        {"extra_files": [{"path": "/etc/motd", "content": "${var.secret}"}]},
        {"labels": ["a"]},
        {"control_plane_version": 1.36},
        {"bootstrap_token": "not-a-token"},
        {"ca_certificate": "just text"},
        {"api_server": "api.example.com"},
        {"security_group": "sg"},
    ],
    ids=lambda misuse: next(iter(misuse)),
)
def test_misusing_the_node_group_is_one_clear_error(misuse: dict[str, Any]) -> None:
    with pytest.raises(ConstructArgumentError) as error:
        kamaji_stack(**misuse)
    assert error.value.construct_path == "t/workers"


@pytest.mark.parametrize(
    "misuse",
    [
        {"provider": "management"},
        {"data_store": "Bad_Name"},
        {"namespace": "Tenants"},
        {"api_address": "10.0.0.300"},
        {"api_address": "10.0.1.5"},
        {"network": "net-id"},
        {"api_allowed_cidrs": [f"192.0.{i}.0/24" for i in range(16)]},
        {"api_allowed_cidrs": "192.0.2.0/24"},
        {"replicas": 0},
        {"pod_cidr": "10.96.0.0/12"},
        {"dns_service_ip": "10.200.0.10"},
        {"certificate_authority": "yes"},
        {"kubernetes_version": "latest"},
    ],
    ids=lambda misuse: next(iter(misuse)),
)
def test_misusing_the_control_plane_is_one_clear_error(misuse: dict[str, Any]) -> None:
    stack = TerraformStack(cdktf.Testing.app(), "t")
    management = kamaji.ManagementClusterProvider(stack, "m", config_path="/etc/mgmt.conf")
    arguments: dict[str, Any] = {
        "name": "t1",
        "namespace": "tenants",
        "data_store": "pg",
        "kubernetes_version": "1.36.2",
        "network": Network(stack, "n", name="e", subnets=[SubnetSpec("a", "10.0.0.0/24")]),
        "api_allowed_cidrs": ["192.0.2.0/24"],
        "provider": management,
    }
    arguments.update(misuse)
    with pytest.raises(ConstructArgumentError) as error:
        kamaji.KamajiControlPlane(stack, "plane", **arguments)
    assert error.value.construct_path == "t/plane"
    assert stack.node.try_find_child("plane") is None


@pytest.mark.parametrize(
    "build",
    [
        lambda: flatcar.RegistryMirror("docker.io", "https://harbor.internal"),
        lambda: flatcar.RegistryMirror("Docker.IO", ["https://harbor.internal"]),
        lambda: flatcar.RegistryMirror("docker.io", []),
        lambda: flatcar.KubernetesSysext("1.36", "0" * 64),
        lambda: flatcar.KubernetesSysext("1.36.2", "0" * 64, arch="amd64"),
        lambda: flatcar.KubeletResources(kube_reserved={"memory": "lots"}),
        lambda: flatcar.KubeletResources(pod_pids_limit=100),
        lambda: kamaji.SecretKeyRef("pg", "kamaji-system", "pass word"),
        lambda: kamaji.BootstrapTokenSecret(
            TerraformStack(cdktf.Testing.app(), "t"),
            "s",
            token_id=None,  # type: ignore[arg-type]
            token_secret="x",
            expiration="y",
        ),
        lambda: kamaji.KamajiDataStore(
            TerraformStack(cdktf.Testing.app(), "t"),
            "d",
            name="pg",
            driver="etcd",
            endpoints=["e:2379"],
            provider="m",  # type: ignore[arg-type]
        ),
        lambda: kamaji.ManagementClusterProvider(TerraformStack(cdktf.Testing.app(), "t"), "m", config_path=""),
    ],
)
def test_misusing_a_value_type_or_small_construct_is_one_clear_error(build: Any) -> None:
    with pytest.raises(ConstructArgumentError):
        build()
