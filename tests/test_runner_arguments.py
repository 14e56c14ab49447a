"""RunnerFleet's setting checks, apart from the build: plain Python, tested without jsii."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from constructs_lib.errors import ConstructArgumentError
from constructs_lib.runner_arguments import check_arguments, check_settings
from constructs_lib.server_arguments import PartTypes


def settings(**changes: Any) -> dict[str, Any]:
    given: dict[str, Any] = {
        "count": 1,
        "flavor": "m1",
        "image": "ubuntu",
        "gitlab_url": "https://gitlab.example.com",
        "name": None,
        "group_id": 7,
        "project_id": None,
        "tags": ("werf",),
        "concurrency": 2,
        "executor": "docker",
        "docker_image": "alpine:3",
        "affinity": "anti-affinity",
    }
    given.update(changes)
    return given


def test_the_check_module_imports_without_cdktf() -> None:
    code = (
        "import sys\n"
        "for name in ('cdktf', 'constructs', 'jsii', 'cdktf_cdktf_provider_openstack'):\n"
        "    sys.modules[name] = None\n"
        "import constructs_lib.runner_arguments as m\n"
        "assert not any(k.split('.')[0] in ('cdktf', 'constructs', 'jsii') and v is not None for k, v in sys.modules.items())\n"
        "print(m.check_settings)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_good_settings_pass() -> None:
    check_settings("stack/runners", **settings(docker_image="harbor.internal:5000/library/alpine:3"))


@pytest.mark.parametrize(
    ("changes", "argument"),
    [
        ({"count": -1}, "count"),
        ({"project_id": 3}, "group_id/project_id"),
        ({"tags": ()}, "tags"),
        ({"tags": ("a,b",)}, "tags"),
        ({"executor": "kubernetes"}, "executor"),
        ({"docker_image": "Harbor.internal/library/alpine:3"}, "docker_image"),
        ({"affinity": "affinity"}, "affinity"),
    ],
)
def test_each_mistake_is_one_argument_error(changes: dict[str, Any], argument: str) -> None:
    with pytest.raises(ConstructArgumentError) as raised:
        check_settings("stack/runners", **settings(**changes))
    assert raised.value.argument == argument


class FakeNetwork:
    name = "demo"


class FakeKeypair:
    pass


class FakeGroup:
    pass


class FakePeer:
    pass


def fleet(**changes: Any) -> dict[str, Any]:
    given: dict[str, Any] = {
        "types": PartTypes(
            network=FakeNetwork, keypair=FakeKeypair, security_group=FakeGroup, peer=(FakeGroup, FakePeer)
        ),
        "network": FakeNetwork(),
        "keypair": FakeKeypair(),
        "ssh_from": None,
        "boot_volume_size": None,
        "boot_volume_type": None,
        "availability_zone": None,
        "security_group": None,
        "extra_files": (),
        "extra_commands": (),
        "provider": None,
        **settings(),
    }
    given.update(changes)
    return given


def test_the_fleet_check_returns_what_the_build_needs() -> None:
    checked = check_arguments(
        "stack/runners", **fleet(ssh_from=FakePeer(), tags=["werf", "docker"], availability_zone="ru-7a")
    )
    assert checked.name == "demo-runner"
    assert checked.tags == ("werf", "docker")
    assert checked.availability_zone == "ru-7a"
    assert checked.group_id == 7 and checked.project_id is None
    assert check_arguments("stack/runners", **fleet(name="ci")).name == "ci"


@pytest.mark.parametrize(
    ("changes", "argument"),
    [
        ({"network": object()}, "network"),
        ({"keypair": None}, "keypair"),
        ({"ssh_from": "10.0.0.0/8"}, "ssh_from"),
        ({"count": 51}, "count"),
        ({"boot_volume_type": "fast.ru-7a"}, "boot_volume_size"),
        ({"availability_zone": "Ru 7"}, "availability_zone"),
        ({"security_group": object()}, "security_group"),
        ({"extra_commands": "reboot"}, "extra_commands"),
        ({"extra_files": [{"path": "etc/x", "content": ""}]}, "extra_files.path"),
    ],
)
def test_each_fleet_mistake_is_one_argument_error(changes: dict[str, Any], argument: str) -> None:
    with pytest.raises(ConstructArgumentError) as raised:
        check_arguments("stack/runners", **fleet(**changes))
    assert raised.value.argument == argument
    assert raised.value.construct_path == "stack/runners"
