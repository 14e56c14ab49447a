"""The recorded chart images and the catalog's registry rewrite cover each other."""

from __future__ import annotations

from typing import Any

import pytest

from constructs_lib.addons.catalog import CATALOG
from constructs_lib.addons.registry import (
    RegistryError,
    chart_images,
    chart_images_data,
    chart_repository,
    check_registry,
    image_values,
)

REGISTRY = "harbor.internal:5000/platform"
DATA = chart_images_data()["charts"]


def _records() -> list[tuple[str, dict[str, Any]]]:
    return [(name, image) for name, chart in DATA.items() for image in chart["images"]]


def _at(values: dict[str, Any], path: str) -> Any:
    node: Any = values
    for part in path.split("."):
        node = node[part]
    return node


def test_every_catalog_chart_is_recorded_at_its_pinned_version() -> None:
    assert set(DATA) == set(CATALOG)
    for name, spec in CATALOG.items():
        record = DATA[name]
        assert record["version"] == spec.chart.version, name
        assert len(record["source"]["commit"]) == 40
        assert record["images"], name


@pytest.mark.parametrize(("chart", "image"), _records(), ids=lambda x: x if isinstance(x, str) else x["value_path"])
def test_the_catalog_rewrites_every_recorded_image(chart: str, image: dict[str, Any]) -> None:
    images = CATALOG[chart].images
    for key, template in image["rewrite"].items():
        assert images.get(key) == template, f"{chart}: {key} is not in the catalog's images"


@pytest.mark.parametrize(("chart", "image"), _records(), ids=lambda x: x if isinstance(x, str) else x["value_path"])
def test_image_values_put_every_recorded_image_under_the_registry(chart: str, image: dict[str, Any]) -> None:
    values = image_values(CATALOG[chart], REGISTRY)
    for key, template in image["rewrite"].items():
        # A registry key may end with "/" (Calico's Installation registry must).
        value = _at(values, key).rstrip("/")
        # The chart renders <registry key value>/<rest of the path>, or the repository key whole.
        kept_path = template.removeprefix("{registry}").strip("/")
        rest = image["repository"].removeprefix(kept_path).strip("/")
        # A key that holds the whole reference (redis-ha's exporter.image) keeps no rest.
        rendered = value if key.endswith(".repository") or not rest else f"{value}/{rest}"
        assert rendered == f"{REGISTRY}/{image['repository']}"


def test_image_values_nest_dotted_keys() -> None:
    values = image_values(CATALOG["kube-prometheus-stack"], "mirror.example")
    assert values["global"]["imageRegistry"] == "mirror.example"
    assert values["grafana"]["sidecar"]["image"]["registry"] == "mirror.example"
    assert image_values(CATALOG["cert-manager"], "mirror.example/") == {"imageRegistry": "mirror.example"}


def test_mirrored_references_of_used_images_do_not_collide() -> None:
    # Two public images with one path in different registries would overwrite each other.
    # (Traefik's two marketplace layouts, both off, do: mirror refuses such a pair.)
    seen: dict[str, str] = {}
    for spec in CATALOG.values():
        for image in chart_images(spec):
            if not image.used_by_default:
                continue
            target = image.mirrored(REGISTRY)
            assert seen.setdefault(target, image.reference) == image.reference, target


def test_used_images_have_tags_and_defaults_are_recorded() -> None:
    used = [image for spec in CATALOG.values() for image in chart_images(spec) if image.used_by_default]
    assert all(image.tag for image in used)
    references = {image.reference for image in used}
    assert "registry.k8s.io/metrics-server/metrics-server:v0.8.1" in references
    assert "quay.io/jetstack/cert-manager-controller:v1.21.1" in references
    windows = [i for i in chart_images(CATALOG["kube-prometheus-stack"]) if "windows" in i.repository]
    assert windows and not any(i.used_by_default for i in windows)


def test_chart_repository_is_oci_under_the_registry() -> None:
    assert chart_repository(CATALOG["traefik"], "harbor.internal/") == "oci://harbor.internal/charts"


@pytest.mark.parametrize("bad", ["https://harbor.internal", "harbor.internal/x:1", "", "Harbor Internal"])
def test_bad_registry_names_are_refused(bad: str) -> None:
    with pytest.raises(
        RegistryError, match="image_registry = .* is not allowed: (.*: )?a registry host of lowercase DNS labels"
    ):
        check_registry(bad)


def test_a_chart_at_another_version_has_no_known_images() -> None:
    from dataclasses import replace

    traefik = CATALOG["traefik"]
    assert chart_images(replace(traefik, chart=replace(traefik.chart, version="1.0.0"))) == ()
