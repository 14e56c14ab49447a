"""PlatformAddons' argument checks, apart from the build: plain Python, tested without jsii."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from constructs_lib.addons.arguments import check_arguments
from constructs_lib.addons.catalog import CATALOG, METRICS_SERVER, OPENSTACK_CLOUD_CONTROLLER_MANAGER
from constructs_lib.addons.release import HelmRelease, ReleaseOverrides, helm_release
from constructs_lib.errors import ConstructArgumentError

#: The cloud runs its controller (no credentials needed in these checks).
CLOUD_RUNS = frozenset({OPENSTACK_CLOUD_CONTROLLER_MANAGER.name})


@dataclass
class FakeCluster:
    name: str = "demo"
    provided_addons: frozenset[str] = CLOUD_RUNS
    kubernetes_version: str = "1.36.1"
    kubernetes_minor: tuple[int, int] = (1, 36)
    driver: Any = field(default_factory=lambda: SimpleNamespace(name="some-driver"))
    node_name_regex: str | None = None
    pod_cidr: str | None = None
    kube_proxy: bool | None = None
    placements: dict[str, Any] = field(default_factory=dict)

    def placement(self, role: str) -> Any:
        return self.placements.get(role)


def chart(name: str, **changes: Any) -> HelmRelease:
    given: dict[str, Any] = {
        "name": name,
        "repository": "https://charts.example",
        "chart": name,
        "version": "1.0.0",
        "namespace": "apps",
    }
    given.update(changes)
    return helm_release(**given)


def arguments(**changes: Any) -> dict[str, Any]:
    given: dict[str, Any] = {
        "cluster_type": FakeCluster,
        "cluster": FakeCluster(),
        "registry": None,
        "image_registry": None,
        "addons": None,
        "extra_charts": [],
        "ha": False,
        "cloud": None,
    }
    given.update(changes)
    return given


def test_the_check_module_imports_without_cdktf() -> None:
    code = (
        "import sys\n"
        "for name in ('cdktf', 'constructs', 'jsii', 'cdktf_cdktf_provider_helm'):\n"
        "    sys.modules[name] = None\n"
        "import constructs_lib.addons.arguments as m\n"
        "print(m.check_arguments)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_the_releases_and_what_they_wait_for() -> None:
    extras = [chart("app", depends_on=("other",)), chart("other")]
    checked = check_arguments("p", **arguments(extra_charts=extras, registry="harbor.example/platform"))
    assert checked.images_from == "harbor.example/platform"
    assert [spec.name for spec in checked.enabled] == [
        spec.name for spec in CATALOG.values() if spec.is_enabled(None) and spec.name not in CLOUD_RUNS
    ]
    assert checked.plans["app"] == (("other",), extras[0])
    assert set(checked.plans) == {spec.name for spec in checked.enabled} | {"app", "other"}


def test_an_addon_the_cloud_runs_is_left_out() -> None:
    cluster = FakeCluster(provided_addons=CLOUD_RUNS | {METRICS_SERVER.name})
    checked = check_arguments("p", **arguments(cluster=cluster))
    assert METRICS_SERVER.name not in checked.plans


@pytest.mark.parametrize(
    ("changes", "argument"),
    [
        ({"cluster": object()}, "cluster"),
        ({"registry": "Harbor.example/x"}, "registry"),
        ({"registry": "harbor.example/x", "image_registry": "harbor.example/y"}, "image_registry"),
        ({"addons": {"no-such-addon": ReleaseOverrides()}}, "addons['no-such-addon']"),
        (
            {
                "cluster": FakeCluster(provided_addons=CLOUD_RUNS | {METRICS_SERVER.name}),
                "addons": {METRICS_SERVER.name: ReleaseOverrides(enabled=True)},
            },
            f"addons[{METRICS_SERVER.name!r}].enabled",
        ),
        ({"extra_charts": [chart("a"), chart("a")]}, "extra_charts['a']"),
        ({"extra_charts": [chart("a", depends_on=("nothing",))]}, "extra_charts['a'].depends_on"),
        ({"extra_charts": [chart("a", role="system")]}, "extra_charts['a'].role"),
    ],
)
def test_each_mistake_is_one_argument_error(changes: dict[str, Any], argument: str) -> None:
    with pytest.raises(ConstructArgumentError) as raised:
        check_arguments("stack/platform", **arguments(**changes))
    assert raised.value.argument == argument
