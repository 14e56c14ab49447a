from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
import yaml

from constructs_lib import (
    ClusterDriver,
    ClusterProfile,
    ConstructArgumentError,
    HelmAddon,
    NodePlacement,
    OpenStackCloud,
    PlatformAddons,
    ReleaseOverrides,
    helm_release,
)
from constructs_lib.addons import CATALOG, ChartReference, HelmRelease, catalog_values, deep_merge
from constructs_lib.cluster_drivers import RoleLabel
from tests.conftest import resources, synth_stack

ROLES = ("system", "frontend", "worker")
#: A cluster whose cloud runs none of the catalog's addons, nodes labelled by role.
BARE = ClusterDriver(
    name="bare",
    title="a cluster that runs nothing of its own",
    provided_addons=frozenset(),
    role_label=RoleLabel("magnum.openstack.org/role", "role"),
    taints_at_creation=False,
    version_from="",
    api_cidrs_label=None,
)


def profile(roles=ROLES, version="1.36.1", driver=BARE) -> ClusterProfile:
    return ClusterProfile(
        driver=driver,
        name="env",
        kubernetes_version=version,
        placements={role: NodePlacement(role, "magnum.openstack.org/role", (role,)) for role in roles},
    )


CLUSTER = profile()
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
        assert re.fullmatch(r"v?\d+\.\d+\.\d+", spec.chart.version), spec.name
        assert spec.chart.repository.startswith("https://"), spec.name
    assert "ingress-nginx" not in CATALOG


def test_a_catalog_entry_holds_its_chart_as_one_chart_reference() -> None:
    # The chart's repository, name and version live in ChartReference only, not beside it.
    from constructs_lib.addons.spec import AddonSpec

    assert not {"repository", "version", "reference"} & {f.name for f in dataclasses.fields(AddonSpec)}
    assert not hasattr(AddonSpec, "reference")
    for name, spec in CATALOG.items():
        assert type(spec.chart) is ChartReference, name


def test_default_set_is_installed_in_dependency_order() -> None:
    doc = synth_stack(lambda s: PlatformAddons(s, "addons", cluster=CLUSTER, cloud=CLOUD))
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
    values = catalog_values(CATALOG["cert-manager"], ha=False, image_registry=None, cluster=CLUSTER)
    for component in (values, values["webhook"], values["cainjector"], values["startupapicheck"]):
        assert component["nodeSelector"] == {"magnum.openstack.org/role": "system"}
        assert component["tolerations"] == [
            {"key": "dedicated.deckhouse.io", "operator": "Equal", "value": "system", "effect": "NoExecute"}
        ]
    traefik = catalog_values(CATALOG["traefik"], ha=False, image_registry=None, cluster=CLUSTER)
    assert traefik["nodeSelector"] == {"magnum.openstack.org/role": "frontend"}
    assert traefik["tolerations"][0]["value"] == "frontend"
    # Private by default: no floating IP for the frontend load balancer unless asked.
    assert traefik["service"]["annotations"]["service.beta.kubernetes.io/openstack-internal-load-balancer"] == "true"


def test_ha_and_registry_mirror() -> None:
    values = catalog_values(CATALOG["cert-manager"], ha=True, image_registry="harbor.internal/proxy/", cluster=CLUSTER)
    assert values["replicaCount"] == values["webhook"]["replicaCount"] == 2
    assert values["imageRegistry"] == "harbor.internal/proxy"
    csi = catalog_values(CATALOG["openstack-cinder-csi"], ha=True, image_registry="mirror:5000", cluster=CLUSTER)
    assert csi["csi"]["plugin"]["controllerPlugin"]["replicas"] == 2
    assert csi["csi"]["plugin"]["image"]["repository"] == "mirror:5000/provider-os/cinder-csi-plugin"
    assert (
        catalog_values(CATALOG["metrics-server"], ha=False, image_registry=None, cluster=CLUSTER).get("replicas")
        is None
    )


def test_environment_values_deep_merge_over_catalog_defaults() -> None:
    settings = {
        "traefik": ReleaseOverrides(values={"service": {"spec": {"loadBalancerSourceRanges": ["192.0.2.0/24"]}}})
    }
    doc = synth_stack(lambda s: PlatformAddons(s, "addons", cluster=CLUSTER, addons=settings, cloud=CLOUD))
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
        name: ReleaseOverrides(enabled=False) for name in ("openstack-cloud-controller-manager", "openstack-cinder-csi")
    }
    settings["kube-prometheus-stack"] = ReleaseOverrides(enabled=True)
    doc = synth_stack(lambda s: PlatformAddons(s, "addons", cluster=CLUSTER, addons=settings))
    releases = _releases(doc)
    assert "openstack-cloud-controller-manager" not in releases and "openstack-cinder-csi" not in releases
    assert "depends_on" not in releases["traefik"]
    assert releases["kube-prometheus-stack"]["depends_on"] == ["helm_release.addons_cert-manager_release_34F4D1EA"]


def test_cloud_credentials_go_only_through_set_sensitive() -> None:
    doc = synth_stack(lambda s: PlatformAddons(s, "addons", cluster=CLUSTER, cloud=CLOUD))
    occm = _releases(doc)["openstack-cloud-controller-manager"]
    names = {item["name"]: item["value"] for item in occm["set_sensitive"]}
    assert names == {
        "cloudConfig.global.application-credential-id": "${var.id}",
        "cloudConfig.global.application-credential-secret": "${var.secret}",
    }
    assert "application-credential" not in occm["values"][0]


def test_extra_chart_after_its_dependency() -> None:
    extra = [
        helm_release("podinfo", "https://charts.example", "podinfo", "6.7.1", "apps", {"a": 1}, depends_on=("traefik",))
    ]
    doc = synth_stack(lambda s: PlatformAddons(s, "addons", cluster=CLUSTER, extra_charts=extra, cloud=CLOUD))
    podinfo = _releases(doc)["podinfo"]
    assert podinfo["depends_on"] == ["helm_release.addons_traefik_release_969CF1EF"]
    assert _values(podinfo) == {"a": 1}


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"addons": {"ingress-nginx": ReleaseOverrides()}}, "addons['ingress-nginx']"),
        (
            {"extra_charts": [helm_release("x", "https://c", "x", "1.0.0", "x", depends_on=("nope",))]},
            "extra_charts['x'].depends_on",
        ),
        ({"extra_charts": [helm_release("traefik", "https://c", "x", "1.0.0", "x")]}, "extra_charts['traefik']"),
        (
            {
                "extra_charts": [
                    helm_release("a", "https://c", "a", "1.0.0", "a", depends_on=("b",)),
                    helm_release("b", "https://c", "b", "1.0.0", "b", depends_on=("a",)),
                ]
            },
            "depends_on",
        ),
        ({"addons": {"cert-manager": {"version": "1.21.1"}}}, "addons['cert-manager']"),
        ({"addons": ["cert-manager"]}, "addons"),
        ({"extra_charts": helm_release("x", "https://c", "x", "1.0.0", "x")}, "extra_charts"),
        ({"ha": 1}, "ha"),
    ],
)
def test_bad_addon_declarations(kwargs, argument) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(lambda s: PlatformAddons(s, "addons", cluster=CLUSTER, cloud=CLOUD, **kwargs))
    assert err.value.argument == argument


def test_cloud_controller_needs_credentials() -> None:
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(lambda s: PlatformAddons(s, "addons", cluster=CLUSTER))
    assert err.value.argument == "cloud"


def test_helm_addon_passes_release_settings_through() -> None:
    doc = synth_stack(
        lambda s: HelmAddon(
            s,
            "app",
            release=HelmRelease(
                name="app",
                chart=ChartReference("oci://registry.example/charts", "app", "1.2.3"),
                namespace="apps",
                atomic=False,
                wait=False,
                timeout=120,
                skip_crds=True,
                max_history=3,
            ),
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
    values = catalog_values(CATALOG["cert-manager"], ha=False, image_registry=None, cluster=profile(("worker",)))
    assert "nodeSelector" not in values and "tolerations" not in values


def test_simple_environment_addons_run_anywhere(shipped_stacks) -> None:
    # simple has only worker nodes: no addon may select a dedicated role's nodes.
    for release in resources(shipped_stacks["simple-platform"], "helm_release").values():
        values = _values(release)
        assert "nodeSelector" not in values and "affinity" not in values, release["name"]
    assert resources(shipped_stacks["simple-platform"], "kubernetes_node_taint") == {}


def test_ha_adds_disruption_budgets() -> None:
    values = catalog_values(CATALOG["traefik"], ha=True, image_registry=None, cluster=CLUSTER)
    assert values["podDisruptionBudget"] == {"enabled": True, "minAvailable": 1}
    assert "podDisruptionBudget" not in catalog_values(
        CATALOG["traefik"], ha=False, image_registry=None, cluster=CLUSTER
    )


def test_every_pod_running_addon_waits_for_the_cloud_controller() -> None:
    for spec in CATALOG.values():
        if spec.name not in ("openstack-cloud-controller-manager", "kube-prometheus-stack", "calico"):
            assert "openstack-cloud-controller-manager" in spec.depends_on, spec.name


def _waits_for(name: str, dependency: str) -> bool:
    deps = CATALOG[name].depends_on
    return dependency in deps or any(_waits_for(d, dependency) for d in deps)


def test_every_other_addon_waits_for_the_cni() -> None:
    # Nodes stay NotReady (and tainted so) until the CNI runs: nothing else can schedule before.
    assert CATALOG["calico"].depends_on == ()
    for name in CATALOG:
        if name != "calico":
            assert _waits_for(name, "calico"), name


SELF_MANAGED = dataclasses.replace(BARE, self_managed=True)


def _cni_profile(**changes: Any) -> ClusterProfile:
    return dataclasses.replace(
        profile(driver=SELF_MANAGED), **{"pod_cidr": "10.50.0.0/16", "kube_proxy": True, **changes}
    )


def test_the_cni_pool_is_the_cluster_pod_range_and_it_tolerates_every_taint() -> None:
    addons = {"calico": ReleaseOverrides(enabled=True), "cert-manager": ReleaseOverrides(enabled=True)}
    doc = synth_stack(
        lambda s: PlatformAddons(
            s, "addons", cluster=_cni_profile(), addons=addons, cloud=CLOUD, image_registry="harbor.internal/p"
        )
    )
    releases = _releases(doc)
    calico = _values(releases["calico"])
    (pool,) = calico["installation"]["calicoNetwork"]["ipPools"]
    assert pool["cidr"] == "10.50.0.0/16" and pool["encapsulation"] == "VXLAN"
    # Beside kube-proxy: the iptables data plane; the operator, Typha and kube-controllers run anywhere.
    assert calico["installation"]["calicoNetwork"]["linuxDataplane"] == "Iptables"
    assert calico["tolerations"] == [{"operator": "Exists"}]
    assert calico["installation"]["controlPlaneTolerations"] == [{"operator": "Exists"}]
    node_spec = calico["installation"]["calicoNodeDaemonSet"]["spec"]["template"]["spec"]
    assert node_spec["tolerations"] == [{"operator": "Exists"}]
    # Closed contour: the operator and the images it deploys come from the registry.
    assert calico["installation"]["registry"] == "harbor.internal/p/"
    assert calico["tigeraOperator"]["registry"] == "harbor.internal/p"
    # Every other release waits for it, directly or through another release.
    by_id = resources(doc, "helm_release")

    def waits(logical_id: str) -> set[str]:
        found: set[str] = set()
        for ref in by_id[logical_id].get("depends_on") or []:
            dep = ref.removeprefix("helm_release.")
            found |= {by_id[dep]["name"]} | waits(dep)
        return found

    for logical_id, release in by_id.items():
        if release["name"] != "calico":
            assert "calico" in waits(logical_id), release["name"]


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"pod_cidr": None, "kube_proxy": None}, "runs its own CNI"),
        ({"kube_proxy": False}, "beside kube-proxy"),
    ],
    ids=["cloud-runs-its-own", "no-kube-proxy"],
)
def test_the_cni_is_refused_where_it_cannot_run(changes: dict[str, Any], said: str) -> None:
    addons = {"calico": ReleaseOverrides(enabled=True)}
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(lambda s: PlatformAddons(s, "addons", cluster=_cni_profile(**changes), addons=addons, cloud=CLOUD))
    assert err.value.argument == "addons['calico'].enabled"
    assert said in err.value.allowed


@pytest.mark.upstream_rule("calico.kubernetes-support")
def test_a_tenant_minor_calico_does_not_list_is_refused() -> None:
    addons = {"calico": ReleaseOverrides(enabled=True)}
    cluster = dataclasses.replace(_cni_profile(), kubernetes_version="1.37.0")
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(lambda s: PlatformAddons(s, "addons", cluster=cluster, addons=addons, cloud=CLOUD))
    assert err.value.argument == "kubernetes_version"
    assert "calico v3.32.1 supports: 1.34 to 1.36" in err.value.allowed
    # The minors it lists are accepted.
    synth_stack(
        lambda s: PlatformAddons(
            s,
            "addons",
            cluster=dataclasses.replace(_cni_profile(), kubernetes_version="1.34.0"),
            addons={**addons, **{n: ReleaseOverrides(enabled=False) for n in CATALOG if n != "calico"}},
        )
    )


def test_cloud_controller_gets_the_network_and_a_cluster_name() -> None:
    cloud = OpenStackCloud(
        "https://keystone.example/v3",
        "ru-1",
        "${var.id}",
        "${var.secret}",
        subnet_id="sub-1",
        floating_network_id="ext",
    )
    doc = synth_stack(lambda s: PlatformAddons(s, "addons", cluster=CLUSTER, cloud=cloud))
    values = _values(_releases(doc)["openstack-cloud-controller-manager"])
    assert values["cloudConfig"]["loadBalancer"]["subnet-id"] == "sub-1"
    assert values["cloudConfig"]["loadBalancer"]["floating-network-id"] == "ext"
    # Load balancers are named after the cluster: the chart's default name would clash.
    assert values["cluster"]["name"] == "env"


def test_extra_chart_placed_on_a_role() -> None:
    extra = [helm_release("podinfo", "https://charts.example", "podinfo", "6.7.1", "apps", role="frontend")]
    doc = synth_stack(lambda s: PlatformAddons(s, "addons", cluster=CLUSTER, extra_charts=extra, cloud=CLOUD))
    values = _values(_releases(doc)["podinfo"])
    assert values["nodeSelector"] == {"magnum.openstack.org/role": "frontend"}
    assert values["tolerations"][0]["value"] == "frontend"


def test_a_role_spanning_several_groups_is_placed_by_affinity() -> None:
    spread = ClusterProfile(
        driver=BARE,
        name="env",
        kubernetes_version="1.36.1",
        placements={"system": NodePlacement("system", "capi.stackhpc.com/node-group", ("sys-a", "sys-b"))},
    )
    values = catalog_values(CATALOG["metrics-server"], ha=False, image_registry=None, cluster=spread)
    terms = values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms == [
        {"matchExpressions": [{"key": "capi.stackhpc.com/node-group", "operator": "In", "values": ["sys-a", "sys-b"]}]}
    ]
    assert "nodeSelector" not in values


def test_kubernetes_version_outside_a_chart_support_is_refused() -> None:
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(lambda s: PlatformAddons(s, "addons", cluster=profile(version="1.30.4"), cloud=CLOUD))
    assert err.value.argument == "kubernetes_version"
    assert "1.36" in err.value.allowed


def test_kubernetes_version_check_ignores_addons_turned_off() -> None:
    # 1.37 is past cert-manager's and the cloud-provider charts' support, but they are off.
    settings = {
        name: ReleaseOverrides(enabled=False) for name in ("cert-manager", *[n for n in CATALOG if "openstack" in n])
    }
    doc = synth_stack(lambda s: PlatformAddons(s, "addons", cluster=profile(version="1.37.0"), addons=settings))
    assert set(_releases(doc)) == {"metrics-server", "traefik"}


@pytest.mark.parametrize(
    ("make", "argument"),
    [
        (lambda: ReleaseOverrides(version="^1.21"), "version"),
        (lambda: ReleaseOverrides(version="1.21.1\n"), "version"),
        (lambda: ReleaseOverrides(enabled=1), "enabled"),  # type: ignore[arg-type]
        (lambda: ReleaseOverrides(values=[1]), "values"),  # type: ignore[arg-type]
        (lambda: ReleaseOverrides(repository="ftp://charts"), "repository"),
        (lambda: helm_release("Bad_Name", "https://c", "x", "1.0.0", "x"), "name"),
        (lambda: helm_release("x", "https://c", "x", "1.0.0", "x", depends_on="cert-manager"), "depends_on"),
        (lambda: helm_release("x", "https://c", "x", "1.0.0", "x", role="Front"), "role"),
        (lambda: helm_release("x", "https://c", "x", "~1.0", "x"), "version"),
    ],
)
def test_value_types_check_themselves(make, argument) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        make()
    assert err.value.argument == argument


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"version": "1.2.3\n"}, "version"),
        # The one chart version rule (as for catalog and extra charts): no leading zeros, no
        # empty pre-release identifiers, one build part.
        ({"version": "01.2.3"}, "version"),
        ({"version": "1.2.3-rc..1"}, "version"),
        ({"version": "1.2.3+a+b"}, "version"),
        ({"repository": "charts.example"}, "repository"),
        ({"atomic": "yes"}, "atomic"),
        ({"values": {"a": "${var.x}"}}, "values['a']"),
        ({"values": {"%{ if true }x%{ endif }": 1}}, "values['%{ if true }x%{ endif }']"),
        ({"depends_on": "cert-manager"}, "depends_on"),
    ],
)
def test_helm_release_refuses_bad_arguments(kwargs, argument) -> None:
    chart = {"repository": "https://charts.example", "chart": "app", "version": "1.2.3"}
    chart |= {k: v for k, v in kwargs.items() if k in chart}
    settings = {k: v for k, v in kwargs.items() if k not in chart}
    with pytest.raises(ConstructArgumentError) as err:
        HelmRelease(
            name="app",
            chart=ChartReference(chart["repository"], chart["chart"], chart["version"]),
            namespace="apps",
            **settings,
        )
    assert err.value.argument == argument


def test_helm_addon_takes_a_release_only() -> None:
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(lambda s: HelmAddon(s, "app", release={"name": "app"}))  # type: ignore[arg-type]
    assert err.value.argument == "release"


def test_add_chart_after_the_catalog_on_a_role() -> None:
    def build(stack) -> None:
        addons = PlatformAddons(stack, "addons", cluster=CLUSTER, cloud=CLOUD)
        addons.add_chart(helm_release("podinfo", "https://charts.example", "podinfo", "6.7.1", "apps", role="frontend"))
        addons.add_chart(
            helm_release("probe", "https://charts.example", "probe", "1.0.0", "apps", depends_on=("podinfo",))
        )
        with pytest.raises(ConstructArgumentError) as err:
            addons.add_chart(helm_release("late", "https://c", "late", "1.0.0", "x", depends_on=("later",)))
        assert err.value.argument == "extra_charts['late'].depends_on"
        with pytest.raises(ConstructArgumentError):
            addons.add_chart(helm_release("traefik", "https://c", "x", "1.0.0", "x"))

    releases = _releases(synth_stack(build))
    assert _values(releases["podinfo"])["nodeSelector"] == {"magnum.openstack.org/role": "frontend"}
    (dependency,) = releases["probe"]["depends_on"]
    assert dependency.startswith("helm_release.addons_podinfo_release_")


@pytest.mark.parametrize("late", [False, True], ids=["constructor", "add_chart"])
def test_extra_chart_on_a_role_the_cluster_has_no_nodes_of_is_refused(late: bool) -> None:
    """A role with no nodes would leave the chart unplaced without a word: one error naming
    the chart, the role and the roles the cluster has."""
    chart = helm_release("inference", "https://charts.example", "inference", "1.4.0", "ml", role="gpu")

    def build(stack) -> None:
        if late:
            PlatformAddons(stack, "addons", cluster=profile(("system", "worker")), cloud=CLOUD).add_chart(chart)
        else:
            PlatformAddons(stack, "addons", cluster=profile(("system", "worker")), extra_charts=[chart], cloud=CLOUD)

    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(build)
    assert err.value.argument == "extra_charts['inference'].role"
    assert err.value.value == "gpu"
    assert "system, worker" in err.value.allowed
    # The same chart on a cluster with gpu nodes is placed on them.
    releases = _releases(
        synth_stack(lambda s: PlatformAddons(s, "addons", cluster=profile(("gpu",)), extra_charts=[chart], cloud=CLOUD))
    )
    assert _values(releases["inference"])["nodeSelector"] == {"magnum.openstack.org/role": "gpu"}


def test_helm_release_role_without_nodes_is_an_environment_error(env_dir, tmp_path) -> None:
    """In an environment file the error names the file, the helm_release and the roles."""
    from environment_loader import EnvironmentConfigError
    from stacks.app import synth

    directory = env_dir("ha", (('  depends_on = ["traefik"]\n', '  depends_on = ["traefik"]\n  role = "gpu"\n'),))
    with pytest.raises(EnvironmentConfigError) as err:
        synth(directory, tmp_path / "cdktf.out", ["ha"])
    message = str(err.value)
    assert "ha.hcl" in message and "helm_release.podinfo.role" in message
    assert "gpu" in message and "frontend, system, worker" in message
