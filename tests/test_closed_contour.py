"""Closed contours: with ``platform.registry`` nothing the cluster or its runners pull comes
from a public registry or chart repository."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
import yaml

from constructs_lib import ConstructArgumentError, PlatformAddons
from constructs_lib.addons import CATALOG
from constructs_lib.addons.registry import chart_images
from tests.conftest import resources, synth_stack
from tests.test_addons import CLOUD, CLUSTER
from tests.test_cluster_drivers import _cluster

PUBLIC = re.compile(
    r"docker\.io|quay\.io|ghcr\.io|registry\.k8s\.io|k8s\.gcr\.io|gcr\.io|public\.ecr\.aws|mcr\.microsoft\.com"
)
REGISTRY = "harbor.contour.internal/platform"


def _strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _helm_values(doc: dict[str, Any]):
    for release in resources(doc, "helm_release").values():
        yield release["name"], yaml.safe_load(release["values"][0]) if release.get("values") else {}


@pytest.mark.parametrize("stack", ["closed-infra", "closed-platform"])
def test_closed_environment_names_no_public_registry_or_chart_repository(stack: str, shipped_stacks) -> None:
    doc = shipped_stacks[stack]
    texts = list(_strings(doc))
    for _, values in _helm_values(doc):
        texts.extend(_strings(values))
    assert not [t for t in texts if PUBLIC.search(t)]
    # Every URL points inside the contour.
    for text in texts:
        for url in re.findall(r"(?:https?|oci)://[^\s\"']+", text):
            assert ".internal" in url, url


@pytest.mark.upstream_rule("magnum.cluster-api.registry-prefix", "magnum.external-network-required")
def test_closed_environment_is_closed(shipped_stacks) -> None:
    infra, platform = shipped_stacks["closed-infra"], shipped_stacks["closed-platform"]
    for type_ in ("openstack_networking_router_v2", "openstack_networking_floatingip_v2"):
        assert not resources(infra, type_), type_
    (template,) = resources(infra, "openstack_containerinfra_clustertemplate_v1").values()
    # No router, but Magnum still names the contour's provider network (its drivers look it up).
    (provider_network,) = infra["data"]["openstack_networking_network_v2"].values()
    assert (provider_network["name"], provider_network["external"]) == ("provider-lb", True)
    assert template["external_network_id"].startswith("${data.openstack_networking_network_v2.")
    assert template["labels"]["container_infra_prefix"] == f"{REGISTRY}/magnum"
    releases = {r["name"]: r for r in resources(platform, "helm_release").values()}
    assert releases and all(r["repository"] == f"oci://{REGISTRY}/charts" for r in releases.values())
    traefik = dict(_helm_values(platform))["traefik"]
    assert traefik["service"]["annotations"]["service.beta.kubernetes.io/openstack-internal-load-balancer"] == "true"
    (helm,) = platform["provider"]["helm"]
    (login,) = helm["registry"]
    assert login["password"] == "${var.registry_password}" and platform["variable"]["registry_password"]["sensitive"]
    (runner_vm,) = resources(infra, "openstack_compute_instance_v2").values()
    # The runners' default job image is the registry's copy.
    assert f'image = "{REGISTRY}/library/alpine:3"' in runner_vm["user_data"]


@pytest.mark.parametrize("addon", sorted(CATALOG))
def test_every_recorded_image_of_every_catalog_chart_moves_to_the_registry(addon: str) -> None:
    spec = CATALOG[addon]
    doc = synth_stack(
        lambda s: PlatformAddons(
            s,
            "addons",
            # Node names the library gives (a serving-certificate approver needs them).
            # and a pod range and kube-proxy it chose (the CNI needs them).
            cluster=dataclasses.replace(
                CLUSTER,
                node_name_regex="^env-[0-9]+$",
                node_cidrs=("10.0.0.0/24",),
                pod_cidr="10.244.0.0/16",
                kube_proxy=True,
            ),
            addons={name: __import__("constructs_lib").ReleaseOverrides(enabled=name == addon) for name in CATALOG},
            registry=REGISTRY,
            cloud=CLOUD,
        )
    )
    (release,) = resources(doc, "helm_release").values()
    assert release["repository"] == f"oci://{REGISTRY}/charts"
    values = yaml.safe_load(release["values"][0])
    recorded = chart_images(spec)
    assert recorded, addon
    texts = list(_strings(values))
    for image in recorded:
        assert any(REGISTRY in t for t in texts), image


def test_registry_and_image_registry_are_exclusive() -> None:
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(
            lambda s: PlatformAddons(s, "addons", cluster=CLUSTER, registry=REGISTRY, image_registry="m", cloud=CLOUD)
        )
    assert err.value.argument == "image_registry"


@pytest.mark.parametrize(
    "bad", ["https://harbor.internal", "harbor.internal/a b", "Harbor.internal", "harbor.internal\n"]
)
def test_bad_registry_is_refused(bad: str) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(lambda s: PlatformAddons(s, "addons", cluster=CLUSTER, registry=bad, cloud=CLOUD))
    assert err.value.argument == "registry"


@pytest.mark.upstream_rule("magnum.capi-helm.registry-prefix")
def test_capi_helm_has_no_system_image_registry() -> None:
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(lambda s: _cluster(s, "magnum-capi-helm", system_image_registry=REGISTRY))
    assert err.value.argument == "system_image_registry"


@pytest.mark.upstream_rule("magnum.heat.registry-prefix")
def test_heat_prefix_ends_with_a_slash() -> None:
    doc = synth_stack(lambda s: _cluster(s, "magnum-heat", system_image_registry=REGISTRY))
    (template,) = resources(doc, "openstack_containerinfra_clustertemplate_v1").values()
    assert template["labels"]["container_infra_prefix"] == f"{REGISTRY}/"


def test_an_extra_chart_outside_the_registry_is_a_synth_warning(env_dir, tmp_path, capsys) -> None:
    from stacks.app import synth

    directory = env_dir(
        "closed",
        append='helm_release "podinfo" {\n  repository = "https://charts.example.com"\n  chart = "podinfo"\n'
        '  version = "6.7.1"\n  namespace = "podinfo"\n}\n',
    )
    synth(directory, tmp_path / "out", ["closed"])
    err = capsys.readouterr().err
    assert "warning: closed-platform/addons: extra chart podinfo comes from https://charts.example.com" in err
