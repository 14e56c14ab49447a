"""The release planner and the release types: plain Python, tested without jsii; and the one
list that PlatformAddons and ``platformctl mirror`` both take their releases from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.addons.catalog import CATALOG, CERT_MANAGER, TRAEFIK
from constructs_lib.addons.planner import plan_releases
from constructs_lib.addons.release import ChartReference, HelmRelease, ReleaseOverrides, helm_release
from constructs_lib.cluster_drivers import DRIVERS
from constructs_lib.errors import ConstructArgumentError
from constructs_lib.node_roles import NodePlacement

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("simple", "ha", "closed", "magnum", "kamaji")


class Cluster:
    """A cluster profile's attributes, as plain data (the planner reads nothing else)."""

    def __init__(self, driver: str = "selectel-mks", roles: tuple[str, ...] = ("system", "frontend")) -> None:
        self.driver = DRIVERS[driver]
        self.name = "demo"
        self.kubernetes_version = "1.36.1"
        self.kubernetes_minor = (1, 36)
        self.provided_addons = self.driver.provided_addons
        self.placements = {r: NodePlacement(r, "example.com/role", (r,)) for r in roles}
        self.node_name_regex = None
        self.node_cidrs: tuple[str, ...] = ()
        self.pod_cidr = None
        self.kube_proxy = None

    def placement(self, role: str) -> Any:
        return self.placements.get(role)


def test_the_planner_imports_without_cdktf() -> None:
    code = (
        "import sys\n"
        "for name in ('cdktf', 'constructs', 'jsii', 'cdktf_cdktf_provider_helm'):\n"
        "    sys.modules[name] = None\n"
        "import constructs_lib.addons.planner as m, constructs_lib.addons.release\n"
        "print(m.plan_releases)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_the_mirror_plans_without_the_app() -> None:
    # As platformctl runs from the wheel: the app (stacks/) is not there.
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "sys.modules['stacks'] = None\n"
        "from platformctl.mirror import environment_artifacts\n"
        "print(len(environment_artifacts('closed', Path('environments')).charts))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 0


def test_releases_come_in_install_order_with_merged_values_and_images() -> None:
    extra = helm_release("app", "https://charts.example", "app", "1.0.0", "apps", {"a": 1}, depends_on=("traefik",))
    planned = plan_releases(
        Cluster(),
        addons={TRAEFIK.name: ReleaseOverrides(values={"deployment": {"replicas": 5}})},
        extra_charts=[extra],
        ha=True,
        registry="harbor.example/platform",
    )
    names = [r.name for r in planned]
    assert names.index("app") > names.index(TRAEFIK.name)
    for release in planned:
        assert all(names.index(dep) < names.index(release.name) for dep in release.depends_on)
    traefik = next(r for r in planned if r.name == TRAEFIK.name)
    # Catalog defaults, placement, registry images and the user's values, the user's last.
    assert traefik.values["deployment"]["replicas"] == 5
    assert traefik.values["nodeSelector"] == {"example.com/role": "frontend"}
    assert traefik.values["image"]["registry"] == "harbor.example/platform"
    assert traefik.chart == ChartReference(
        "oci://harbor.example/platform/charts", TRAEFIK.chart.name, TRAEFIK.chart.version
    )
    assert traefik.mirror_source == TRAEFIK.chart
    assert traefik.images and all(image.reference for image in traefik.images)
    app = next(r for r in planned if r.name == "app")
    assert app.images is None and app.values == {"a": 1}


def test_another_version_has_unknown_images() -> None:
    planned = plan_releases(Cluster(), addons={CERT_MANAGER.name: ReleaseOverrides(version="1.0.0")})
    cert_manager = next(r for r in planned if r.name == CERT_MANAGER.name)
    assert cert_manager.chart.version == "1.0.0" and cert_manager.images is None


def test_a_planner_error_names_the_construct_and_the_key() -> None:
    with pytest.raises(ConstructArgumentError) as err:
        plan_releases(Cluster(), addons={"nope": ReleaseOverrides()}, path="env-platform/addons")
    assert err.value.construct_path == "env-platform/addons" and err.value.argument == "addons['nope']"


@pytest.mark.parametrize("key", ["bogus", "chart", "namespace"])
def test_overrides_refuse_an_unknown_field_by_its_key(key: str) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        ReleaseOverrides(**{key: "x"})  # type: ignore[arg-type]
    assert err.value.argument == key
    assert "enabled, values, sensitive_values, version, repository" in err.value.allowed


def test_a_release_is_frozen_and_checked_once_made() -> None:
    release = helm_release("app", "https://charts.example", "app", "1.0.0", "apps")
    with pytest.raises(AttributeError):
        release.name = "other"  # type: ignore[misc]
    with pytest.raises(ConstructArgumentError) as err:
        HelmRelease(name="app", chart=ChartReference("https://c", "app", "^1.0"), namespace="apps")
    assert err.value.argument == "version"


# --- the same list for the construct and for the mirror ----------------------------------------


def _mirror_releases(environment: str) -> tuple[HelmRelease, ...]:
    from environment_loader import load_environments
    from platformctl.mirror import planned_releases

    [(config, source)] = load_environments(ROOT / "environments", [environment])
    return planned_releases(config, source, DRIVERS[config.cluster.driver])


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_platform_addons_and_the_mirror_install_the_same_charts(environment: str, shipped_stacks) -> None:
    stack = shipped_stacks[f"{environment}-platform"]
    installed = {
        (r["name"], r["repository"], r["chart"], r["version"])
        for r in stack["resource"]["helm_release"].values()
        if r["name"] != "argocd-apps"  # GitOpsDelivery's chart, not a platform addon
    }
    planned = {(r.name, r.chart.repository, r.chart.name, r.chart.version) for r in _mirror_releases(environment)}
    assert planned == installed


def test_the_mirror_lists_exactly_the_planned_charts_and_images() -> None:
    from platformctl.mirror import environment_artifacts

    releases = _mirror_releases("closed")
    artifacts = environment_artifacts("closed", ROOT / "environments")
    assert {r.mirror_source for r in releases} <= set(artifacts.charts)
    planned_images = {i.reference for r in releases for i in r.images or () if i.used_by_default and i.tag}
    assert planned_images <= {i.reference for i in artifacts.images}
    assert any(r.name in CATALOG and r.chart != r.mirror_source for r in releases)  # installed from the registry


def test_a_derived_release_keeps_its_checked_parts_only() -> None:
    release = helm_release("app", "https://charts.example", "app", "1.0.0", "apps", depends_on=("a", "b"))
    derived = release.derived(values={"x": 1}, depends_on=("a",))
    assert (derived.values, derived.depends_on, derived.chart) == ({"x": 1}, ("a",), release.chart)
    with pytest.raises(ValueError):
        release.derived(values={}, depends_on=("c",))


def test_a_catalog_release_installs_the_catalogs_pinned_chart() -> None:
    planned = {r.name: r for r in plan_releases(Cluster())}
    for name, release in planned.items():
        assert release.chart == CATALOG[name].chart
        assert release.source is None and release.mirror_source == release.chart
