"""MagnumCluster's argument checks, apart from the build: plain Python, tested without jsii."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

import pytest

from constructs_lib.cluster_drivers import DRIVERS
from constructs_lib.errors import ConstructArgumentError
from constructs_lib.magnum_arguments import MAGNUM_DRIVERS, check_arguments


@dataclass
class FakeNetwork:
    is_closed: bool = False
    subnet_cidrs: dict[str, str] = field(default_factory=lambda: {"nodes": "10.0.0.0/24"})
    external_network_name: str | None = "external"
    primary_dns_servers: list[str] = field(default_factory=lambda: ["10.0.0.2"])
    primary_subnet_name: str = "nodes"


class FakeKeypair:
    pass


def arguments(**changes: Any) -> dict[str, Any]:
    given: dict[str, Any] = {
        "network_type": FakeNetwork,
        "keypair_type": FakeKeypair,
        "name": "demo",
        "driver": "magnum-capi-helm",
        "network": FakeNetwork(),
        "kubernetes_version": "v1.34.2",
        "image": "ubuntu-capi",
        "master_flavor": "m1",
        "worker_flavor": "w1",
        "worker_count": None,
        "master_count": 1,
        "keypair": None,
        "network_driver": "calico",
        "labels": None,
        "master_lb_enabled": None,
        "floating_ip_enabled": False,
        "api_allowed_cidrs": None,
        "docker_volume_size": None,
        "autoscaling": False,
        "system_image_registry": None,
        "external_network": None,
    }
    given.update(changes)
    return given


def test_the_check_module_imports_without_cdktf() -> None:
    code = (
        "import sys\n"
        "for name in ('cdktf', 'constructs', 'jsii', 'cdktf_cdktf_provider_openstack'):\n"
        "    sys.modules[name] = None\n"
        "import constructs_lib.magnum_arguments as m\n"
        "assert not any(k.split('.')[0] in ('cdktf', 'jsii') and v is not None for k, v in sys.modules.items())\n"
        "print(m.MAGNUM_DRIVERS)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_the_magnum_drivers_come_from_the_table() -> None:
    assert set(MAGNUM_DRIVERS) == {n for n, d in DRIVERS.items() if d.construct == "magnum.MagnumCluster"}
    assert set(MAGNUM_DRIVERS) and "kamaji" not in MAGNUM_DRIVERS


def test_defaults_follow_from_the_arguments() -> None:
    checked = check_arguments("stack/cluster", **arguments(master_count=3))
    assert checked.version == "1.34.2"
    assert checked.worker_count == 1 and not checked.worker_count_given
    assert checked.master_lb_enabled is True
    assert checked.external_network == "external"
    assert checked.dns_nameserver == "10.0.0.2"
    assert checked.api_allowed_cidrs == ("10.0.0.0/24",)
    assert checked.template_labels["api_master_lb_allowed_cidrs"] == "10.0.0.0/24"


def test_the_registry_prefix_follows_the_driver() -> None:
    heat = check_arguments("c", **arguments(driver="magnum-heat", system_image_registry="r.example/x/"))
    capi = check_arguments("c", **arguments(driver="magnum-cluster-api", system_image_registry="r.example/x"))
    assert heat.template_labels["container_infra_prefix"] == "r.example/x/"
    assert capi.template_labels["container_infra_prefix"] == "r.example/x"


@pytest.mark.parametrize(
    ("changes", "argument"),
    [
        ({"driver": "kamaji"}, "driver"),
        ({"network": object()}, "network"),
        ({"master_count": 2}, "master_count"),
        ({"keypair": "k"}, "keypair"),
        ({"master_count": 3, "master_lb_enabled": False}, "master_lb_enabled"),
        ({"floating_ip_enabled": True, "network": FakeNetwork(is_closed=True)}, "floating_ip_enabled"),
        ({"network": FakeNetwork(external_network_name=None)}, "external_network"),
        ({"driver": "magnum-cluster-api", "api_allowed_cidrs": ["10.0.0.0/8"]}, "api_allowed_cidrs"),
        ({"system_image_registry": "r.example"}, "system_image_registry"),
        ({"labels": {"kube_tag": "v1"}}, "labels['kube_tag']"),
        (
            {"driver": "magnum-cluster-api", "network": FakeNetwork(primary_dns_servers=[])},
            "network.subnets['nodes'].dns_servers",
        ),
    ],
)
def test_each_mistake_is_one_argument_error(changes: dict[str, Any], argument: str) -> None:
    with pytest.raises(ConstructArgumentError) as raised:
        check_arguments("stack/cluster", **arguments(**changes))
    assert raised.value.argument == argument
    assert raised.value.construct_path == "stack/cluster"


def test_a_public_api_is_a_warning() -> None:
    checked = check_arguments("c", **arguments(driver="magnum-heat", floating_ip_enabled=True))
    assert checked.public_api_warning is not None and "floating IPs" in checked.public_api_warning
    assert check_arguments("c", **arguments()).public_api_warning is None
