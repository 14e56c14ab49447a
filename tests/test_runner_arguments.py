"""RunnerFleet's setting checks, apart from the build: plain Python, tested without jsii."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from constructs_lib.errors import ConstructArgumentError
from constructs_lib.runner_arguments import check_settings


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
