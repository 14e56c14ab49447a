from __future__ import annotations

import re

import pytest
import yaml

from constructs_lib import (
    AddonSettings,
    ConstructArgumentError,
    ExtraChart,
    HelmAddon,
    OpenStackCloud,
    PlatformAddons,
)
from constructs_lib.addons import CATALOG, catalog_values, deep_merge
from tests.conftest import resources, synth_stack

ROLES = ("system", "frontend", "worker")
CLOUD = OpenStackCloud("https://keystone.example/v3", "ru-1", "${var.id}", "${var.secret}")


def _releases(doc):
    return {r["name"]: r for r in resources(doc, "helm_release").values()}


def _values(release):
    return yaml.safe_load(release["values"][0]) if release.get("values") else {}


def test_catalog_versions_are_pinned_and_charts_complete() -> None:
    assert {
        "openstack-cloud-controller-manager",
        "openstack-cinder-csi",
        "cert-manager",
        "metrics-server",
        "traefik",
        "kube-prometheus-stack",
    } <= set(CATALOG)
    for spec in CATALOG.values():
        assert re.fullmatch(r"v?\d+\.\d+\.\d+", spec.version), spec.name
        assert spec.repository.startswith("https://"), spec.name
    assert "ingress-nginx" not in CATALOG


def test_default_set_is_installed_in_dependency_order() -> None:
    doc = synth_stack(lambda s: PlatformAddons(s, "addons", node_roles=ROLES, cloud=CLOUD))
    releases = _releases(doc)
    assert set(releases) == {
        "openstack-cloud-controller-manager",
        "openstack-cinder-csi",
        "cert-manager",
        "metrics-server",
        "traefik",
    }
    assert releases["openstack-cinder-csi"]["depends_on"] == [
        "helm_release.addons_openstack-cloud-controller-manager_release_957BFFA8"
    ]
    for release in releases.values():
        assert release["atomic"] is True and release["wait"] is True


def test_role_placement_puts_selector_and_toleration_on_every_component() -> None:
    values = catalog_values(CATALOG["cert-manager"], ha=False, image_registry=None, node_roles=ROLES)
    for component in (values, values["webhook"], values["cainjector"], values["startupapicheck"]):
        assert component["nodeSelector"] == {"magnum.openstack.org/role": "system"}
        assert component["tolerations"] == [
            {"key": "dedicated.deckhouse.io", "operator": "Equal", "value": "system", "effect": "NoExecute"}
        ]
    traefik = catalog_values(CATALOG["traefik"], ha=False, image_registry=None, node_roles=ROLES)
    assert traefik["nodeSelector"] == {"magnum.openstack.org/role": "frontend"}
    assert traefik["tolerations"][0]["value"] == "frontend"
    # Private by default: no floating IP for the frontend load balancer unless asked.
    assert traefik["service"]["annotations"]["service.beta.kubernetes.io/openstack-internal-load-balancer"] == "true"


def test_ha_and_registry_mirror() -> None:
    values = catalog_values(CATALOG["cert-manager"], ha=True, image_registry="harbor.internal/proxy/", node_roles=ROLES)
    assert values["replicaCount"] == values["webhook"]["replicaCount"] == 2
    assert values["imageRegistry"] == "harbor.internal/proxy"
    csi = catalog_values(CATALOG["openstack-cinder-csi"], ha=True, image_registry="mirror:5000", node_roles=ROLES)
    assert csi["csi"]["plugin"]["controllerPlugin"]["replicas"] == 2
    assert csi["csi"]["plugin"]["image"]["repository"] == "mirror:5000/provider-os/cinder-csi-plugin"
    assert (
        catalog_values(CATALOG["metrics-server"], ha=False, image_registry=None, node_roles=ROLES).get("replicas")
        is None
    )


def test_environment_values_deep_merge_over_catalog_defaults() -> None:
    settings = {"traefik": AddonSettings(values={"service": {"spec": {"loadBalancerSourceRanges": ["192.0.2.0/24"]}}})}
    doc = synth_stack(lambda s: PlatformAddons(s, "addons", node_roles=ROLES, addons=settings, cloud=CLOUD))
    values = _values(_releases(doc)["traefik"])
    assert values["service"]["spec"] == {"type": "LoadBalancer", "loadBalancerSourceRanges": ["192.0.2.0/24"]}
    assert values["nodeSelector"] == {"magnum.openstack.org/role": "frontend"}


def test_deep_merge_replaces_lists_and_does_not_mutate() -> None:
    base = {"a": {"b": 1, "c": [1]}}
    merged = deep_merge(base, {"a": {"c": [2], "d": 3}})
    assert merged == {"a": {"b": 1, "c": [2], "d": 3}}
    assert base == {"a": {"b": 1, "c": [1]}}


def test_switching_off_cloud_addons_skips_their_dependencies() -> None:
    settings = {
        name: AddonSettings(enabled=False) for name in ("openstack-cloud-controller-manager", "openstack-cinder-csi")
    }
    settings["kube-prometheus-stack"] = AddonSettings(enabled=True)
    doc = synth_stack(lambda s: PlatformAddons(s, "addons", node_roles=ROLES, addons=settings))
    releases = _releases(doc)
    assert "openstack-cloud-controller-manager" not in releases and "openstack-cinder-csi" not in releases
    assert "depends_on" not in releases["traefik"]
    assert releases["kube-prometheus-stack"]["depends_on"] == ["helm_release.addons_cert-manager_release_34F4D1EA"]


def test_cloud_credentials_go_only_through_set_sensitive() -> None:
    doc = synth_stack(lambda s: PlatformAddons(s, "addons", node_roles=ROLES, cloud=CLOUD))
    occm = _releases(doc)["openstack-cloud-controller-manager"]
    names = {item["name"]: item["value"] for item in occm["set_sensitive"]}
    assert names == {
        "cloudConfig.global.application-credential-id": "${var.id}",
        "cloudConfig.global.application-credential-secret": "${var.secret}",
    }
    assert "application-credential" not in occm["values"][0]


def test_extra_chart_after_its_dependency() -> None:
    extra = [
        ExtraChart("podinfo", "https://charts.example", "podinfo", "6.7.1", "apps", {"a": 1}, depends_on=("traefik",))
    ]
    doc = synth_stack(lambda s: PlatformAddons(s, "addons", node_roles=ROLES, extra_charts=extra, cloud=CLOUD))
    podinfo = _releases(doc)["podinfo"]
    assert podinfo["depends_on"] == ["helm_release.addons_traefik_release_969CF1EF"]
    assert _values(podinfo) == {"a": 1}


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"addons": {"ingress-nginx": AddonSettings()}}, "addons['ingress-nginx']"),
        (
            {"extra_charts": [ExtraChart("x", "https://c", "x", "1.0.0", "x", depends_on=("nope",))]},
            "extra_charts['x'].depends_on",
        ),
        ({"extra_charts": [ExtraChart("traefik", "https://c", "x", "1.0.0", "x")]}, "extra_charts['traefik']"),
        (
            {
                "extra_charts": [
                    ExtraChart("a", "https://c", "a", "1.0.0", "a", depends_on=("b",)),
                    ExtraChart("b", "https://c", "b", "1.0.0", "b", depends_on=("a",)),
                ]
            },
            "depends_on",
        ),
        ({"addons": {"cert-manager": AddonSettings(version="^1.21")}}, "addons['cert-manager'].version"),
        ({"extra_charts": [ExtraChart("Bad_Name", "https://c", "x", "1.0.0", "x")]}, "extra_charts['Bad_Name'].name"),
    ],
)
def test_bad_addon_declarations(kwargs, argument) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(lambda s: PlatformAddons(s, "addons", node_roles=ROLES, cloud=CLOUD, **kwargs))
    assert err.value.argument == argument


def test_cloud_controller_needs_credentials() -> None:
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(lambda s: PlatformAddons(s, "addons", node_roles=ROLES))
    assert err.value.argument == "cloud"


def test_helm_addon_passes_release_settings_through() -> None:
    doc = synth_stack(
        lambda s: HelmAddon(
            s,
            "app",
            repository="oci://registry.example/charts",
            chart="app",
            version="1.2.3",
            namespace="apps",
            atomic=False,
            wait=False,
            timeout=120,
            skip_crds=True,
            max_history=3,
        )
    )
    (release,) = resources(doc, "helm_release").values()
    assert (release["atomic"], release["wait"], release["timeout"], release["skip_crds"], release["max_history"]) == (
        False,
        False,
        120,
        True,
        3,
    )


def test_no_placement_on_a_role_the_cluster_does_not_have() -> None:
    values = catalog_values(CATALOG["cert-manager"], ha=False, image_registry=None, node_roles=("worker",))
    assert "nodeSelector" not in values and "tolerations" not in values


def test_simple_environment_addons_run_anywhere(shipped_stacks) -> None:
    for release in resources(shipped_stacks["simple-platform"], "helm_release").values():
        assert "magnum.openstack.org/role" not in "".join(release.get("values", [])), release["name"]
    assert resources(shipped_stacks["simple-platform"], "kubernetes_node_taint") == {}


def test_ha_adds_disruption_budgets() -> None:
    values = catalog_values(CATALOG["traefik"], ha=True, image_registry=None, node_roles=ROLES)
    assert values["podDisruptionBudget"] == {"enabled": True, "minAvailable": 1}
    assert "podDisruptionBudget" not in catalog_values(
        CATALOG["traefik"], ha=False, image_registry=None, node_roles=ROLES
    )


def test_every_pod_running_addon_waits_for_the_cloud_controller() -> None:
    for spec in CATALOG.values():
        if spec.name != "openstack-cloud-controller-manager" and spec.name != "kube-prometheus-stack":
            assert "openstack-cloud-controller-manager" in spec.depends_on, spec.name


def test_load_balancers_use_the_infra_network(shipped_stacks) -> None:
    for env in ("simple", "ha"):
        releases = _releases(shipped_stacks[f"{env}-platform"])
        load_balancer = _values(releases["openstack-cloud-controller-manager"])["cloudConfig"]["loadBalancer"]
        prefix = f"${{data.terraform_remote_state.cross-stack-reference-input-{env}-infra.outputs."
        assert load_balancer["subnet-id"].startswith(prefix) and "subnet" in load_balancer["subnet-id"]
        assert load_balancer["floating-network-id"].startswith(prefix)
