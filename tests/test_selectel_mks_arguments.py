"""SelectelMksCluster's argument checks, apart from the build: plain Python, tested without jsii."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from constructs_lib.errors import ConstructArgumentError
from constructs_lib.selectel_mks_arguments import MksOidc, check_cluster_arguments


class FakeNetwork:
    subnet_cidrs = {"nodes": "10.0.0.0/24"}


class FakeKeypair:
    pass


def arguments(**changes: Any) -> dict[str, Any]:
    given: dict[str, Any] = {
        "network_type": FakeNetwork,
        "keypair_type": FakeKeypair,
        "name": "demo",
        "region": "ru-7",
        "kubernetes_version": "v1.34",
        "network": None,
        "project_id": None,
        "control_plane": "basic",
        "private_api": True,
        "network_plugin": "calico",
        "maintenance_window_start": None,
        "auto_repair": True,
        "patch_auto_upgrade": None,
        "feature_gates": (),
        "admission_controllers": (),
        "oidc": None,
        "audit_logs": False,
        "keypair": None,
        "availability_zone": None,
    }
    given.update(changes)
    return given


def test_the_check_module_imports_without_cdktf() -> None:
    code = (
        "import sys\n"
        "for name in ('cdktf', 'constructs', 'jsii', 'cdktf_cdktf_provider_openstack'):\n"
        "    sys.modules[name] = None\n"
        "import constructs_lib.selectel_mks_arguments as m\n"
        "print(m.check_cluster_arguments)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_defaults_follow_from_the_arguments() -> None:
    basic = check_cluster_arguments("c", **arguments())
    assert basic.version == "1.34" and basic.patch_auto_upgrade is False and basic.oidc is None
    ha = check_cluster_arguments("c", **arguments(control_plane="high-availability"))
    assert ha.patch_auto_upgrade is True
    mapped = check_cluster_arguments("c", **arguments(oidc={"issuer_url": "https://id.example", "client_id": "k"}))
    assert mapped.oidc == MksOidc(issuer_url="https://id.example", client_id="k")


@pytest.mark.parametrize(
    ("changes", "argument"),
    [
        ({"kubernetes_version": "1"}, "kubernetes_version"),
        ({"network": object()}, "network"),
        ({"project_id": "nope"}, "project_id"),
        ({"control_plane": "huge"}, "control_plane"),
        ({"patch_auto_upgrade": True}, "patch_auto_upgrade"),
        (
            {"network": type("N", (FakeNetwork,), {"subnet_cidrs": {"n": "10.96.0.0/24"}})()},
            "network.subnets['n'].cidr",
        ),
        ({"maintenance_window_start": "25:00:00"}, "maintenance_window_start"),
        ({"oidc": {"issuer_url": "https://id.example"}}, "oidc.client_id"),
        ({"oidc": {"issuer_url": "http://id.example", "client_id": "k"}}, "oidc.issuer_url"),
        ({"keypair": "k"}, "keypair"),
        ({"region": "Moscow"}, "region"),
        ({"availability_zone": "ru-3a"}, "availability_zone"),
    ],
)
def test_each_mistake_is_one_argument_error(changes: dict[str, Any], argument: str) -> None:
    with pytest.raises(ConstructArgumentError) as raised:
        check_cluster_arguments("stack/cluster", **arguments(**changes))
    assert raised.value.argument == argument
