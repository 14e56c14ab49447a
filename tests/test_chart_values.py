"""Every values key the catalog sets exists in its chart's values at the pinned version.

The record (``tests/fixtures/upstream/chart_values_keys.json``, written by
``scripts/chart_values.py`` from each chart's ``values.yaml`` at its release tag, commit noted)
lists every key path a chart defines and the kind of its default. A key the catalog sets must
be one of them, or sit below a map whose default is empty (annotations, nodeSelector, ...):
a misspelt or moved key would otherwise be ignored by Helm, or fail the install where the
chart's values schema refuses unknown keys (cert-manager, traefik).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from constructs_lib import ClusterProfile, NodePlacement, OpenStackCloud, PlatformAddons, ReleaseOverrides
from constructs_lib.addons import CATALOG
from tests.conftest import resources, synth_stack
from tests.test_addons import BARE

RECORD = json.loads((Path(__file__).parent / "fixtures" / "upstream" / "chart_values_keys.json").read_text())
CLOUD = OpenStackCloud("https://keystone.example/v3", "ru-1", "${var.id}", "${var.secret}", "sub", "ext")


def _leaves(node: Any, prefix: str = ""):
    if isinstance(node, dict) and node:
        for key, value in node.items():
            yield from _leaves(value, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix


#: Maps whose default has entries but whose keys are the user's, as the chart documents.
FREE_FORM = {
    # values.yaml: "Additional entries here will be added to the Service spec" (toYaml'd whole).
    ("traefik", "service.spec"),
}


def unknown_keys(chart: str, paths: list[str]) -> list[str]:
    """The paths that are neither keys of ``chart`` nor below a free-form (empty) map of it."""
    keys = dict(RECORD[chart]["keys"])
    keys.update({path: "map empty" for name, path in FREE_FORM if name == chart})
    bad = []
    for path in paths:
        if path in keys:
            continue
        parts = path.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            prefix = ".".join(parts[:cut])
            if prefix in keys:
                if keys[prefix] != "map empty":
                    bad.append(path)
                break
        else:
            bad.append(path)
    return bad


def _all_values(placement_values: tuple[str, ...]) -> dict[str, list[str]]:
    """Every values key each catalog release gets with every option on: HA, the registry, and
    placement on every role (as a node selector or as node affinity)."""
    roles = ("system", "frontend", "worker")
    profile = ClusterProfile(
        # Self-managed, with node names the library gives: the values only such a cluster gets
        # (the cloud controller without control-plane nodes, the approver's regex) are checked too.
        driver=dataclasses.replace(BARE, self_managed=True),
        name="env",
        kubernetes_version="1.36.1",
        placements={r: NodePlacement(r, "example.com/role", placement_values) for r in roles},
        node_name_regex="^env-[0-9]+$",
        node_cidrs=("10.0.0.0/24",),
        # A pod range and kube-proxy the library chose: the CNI's values are checked too.
        pod_cidr="10.244.0.0/16",
        kube_proxy=True,
    )
    addons = {name: ReleaseOverrides(enabled=True) for name in CATALOG}

    doc = synth_stack(
        lambda s: PlatformAddons(
            s, "addons", cluster=profile, addons=addons, ha=True, image_registry="harbor.internal/p", cloud=CLOUD
        )
    )
    paths: dict[str, list[str]] = {}
    for release in resources(doc, "helm_release").values():
        values = yaml.safe_load(release["values"][0]) if release.get("values") else {}
        paths[release["name"]] = list(_leaves(values)) + [s["name"] for s in release.get("set_sensitive", [])]
    return paths


@pytest.mark.parametrize("placement", [("a",), ("a", "b")], ids=["node-selector", "node-affinity"])
def test_every_key_the_catalog_sets_is_a_key_of_its_chart(placement: tuple[str, ...]) -> None:
    values = _all_values(placement)
    assert set(values) == set(CATALOG)
    for name, paths in values.items():
        assert RECORD[name]["version"] == CATALOG[name].chart.version, name
        assert unknown_keys(name, paths) == [], name


def test_the_check_catches_a_misspelt_or_moved_key() -> None:
    assert unknown_keys("cert-manager", ["webhook.replicaCount", "webhook.nodeSelector.x"]) == []
    assert unknown_keys("cert-manager", ["webhook.replicas"]) == ["webhook.replicas"]
    assert unknown_keys("traefik", ["deployment.replicaCount"]) == ["deployment.replicaCount"]
    assert unknown_keys("metrics-server", ["nope"]) == ["nope"]


def test_the_record_names_its_sources() -> None:
    for name, chart in RECORD.items():
        assert len(chart["source"]["commit"]) == 40, name
        assert chart["keys"], name


def test_every_key_the_shipped_environments_set_is_a_key_of_its_chart(shipped_stacks) -> None:
    checked = 0
    for name, stack in shipped_stacks.items():
        for release in resources(stack, "helm_release").values():
            if release["name"] not in RECORD:
                continue  # an extra chart: its keys are its author's to know
            values = yaml.safe_load(release["values"][0]) if release.get("values") else {}
            paths = list(_leaves(values)) + [s["name"] for s in release.get("set_sensitive", [])]
            assert unknown_keys(release["name"], paths) == [], (name, release["name"])
            checked += 1
    assert checked >= 8
