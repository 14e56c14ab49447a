"""Magnum clusters carry what the cloud needs to build them, and a template change does to the
cluster what Magnum really does (tests/fixtures/upstream/magnum_drivers.json):

- every template names an external network, which every driver looks up unconditionally;
- magnum-cluster-api templates set ``dns_nameserver``, which that driver splits unconditionally;
- labels are copied into the cluster when Magnum creates it, and no driver's upgrade takes them
  from a new template again: a label change replaces the cluster, a version or image change
  goes through the upgrade API (where the driver has one);
- every template argument is in the digest that names and replaces the template;
- a public API draws a warning; a worker group beside Magnum's own needs ``worker_count``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cdktf
import pytest
from cdktf import TerraformStack
from cdktf_cdktf_provider_openstack.provider import OpenstackProvider

from constructs_lib import ConstructArgumentError, MagnumCluster, Network, SubnetSpec
from constructs_lib.cluster_drivers import DRIVERS, MAGNUM_CAPI_HELM, MAGNUM_CLUSTER_API, MAGNUM_HEAT
from constructs_lib.errors import PlatformError
from stacks.app import synth
from tests.conftest import resources, synth_stack

MAGNUM = json.loads((Path(__file__).parent / "fixtures" / "upstream" / "magnum_drivers.json").read_text())
MAGNUM_DRIVERS = (MAGNUM_CAPI_HELM, MAGNUM_CLUSTER_API, MAGNUM_HEAT)
BASE: dict[str, Any] = {"kubernetes_version": "1.36.1", "image": "img", "master_flavor": "m", "worker_flavor": "w"}


def _network(stack: TerraformStack, external: str | None = "ext", dns: tuple[str, ...] = ("10.30.0.53",)) -> Network:
    OpenstackProvider(stack, "openstack")
    return Network(
        stack, "network", name="env", subnets=[SubnetSpec("nodes", "10.30.0.0/24", dns)], external_network=external
    )


def _magnum(
    stack: TerraformStack,
    driver: str,
    *,
    external: str | None = "ext",
    dns: tuple[str, ...] = ("10.30.0.53",),
    **kw: Any,
) -> MagnumCluster:
    network = _network(stack, external, dns)
    return MagnumCluster(stack, "cluster", name="env", driver=driver, network=network, **(BASE | kw))


def _only(doc: dict[str, Any], type_: str) -> dict[str, Any]:
    (item,) = resources(doc, type_).values()
    return item


def _warnings(build) -> list[str]:
    app = cdktf.Testing.app()
    stack = TerraformStack(app, "test")
    cluster = build(stack)
    cdktf.Testing.synth(stack)
    return [str(m.data) for m in cluster.node.metadata if m.type == "@cdktf/warn"]


# --- the external network ---------------------------------------------------------------------


@pytest.mark.upstream_rule(
    "magnum.heat.external-network",
    "magnum.capi-helm.external-network",
    "magnum.cluster-api.external-network",
    "magnum.external-network-required",
)
def test_every_shipped_magnum_template_names_an_external_network(shipped_stacks) -> None:
    checked = 0
    for name, doc in shipped_stacks.items():
        networks = doc.get("data", {}).get("openstack_networking_network_v2", {})
        for template in resources(doc, "openstack_containerinfra_clustertemplate_v1").values():
            reference = template.get("external_network_id", "")
            assert reference.startswith("${data.openstack_networking_network_v2."), (name, reference)
            looked_up = networks[reference.split(".")[2]]
            assert looked_up["external"] is True and looked_up["name"], (name, looked_up)
            checked += 1
    assert checked >= 2  # magnum and closed


def test_the_closed_contour_names_its_provider_network_and_builds_no_router(shipped_stacks) -> None:
    infra = shipped_stacks["closed-infra"]
    template = _only(infra, "openstack_containerinfra_clustertemplate_v1")
    (network,) = infra["data"]["openstack_networking_network_v2"].values()
    assert network["name"] == "provider-lb" and network["external"] is True
    assert template["external_network_id"].startswith("${data.openstack_networking_network_v2.cluster_external-network")
    for type_ in ("openstack_networking_router_v2", "openstack_networking_floatingip_v2"):
        assert not resources(infra, type_), type_


@pytest.mark.upstream_rule("magnum.external-network-required")
@pytest.mark.parametrize("driver", MAGNUM_DRIVERS)
def test_a_cluster_on_a_network_without_an_external_network_must_name_one(driver: str) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(lambda s: _magnum(s, driver, external=None))
    assert err.value.argument == "external_network" and err.value.value is None
    assert "ExternalNetworkNotFound" in err.value.allowed
    doc = synth_stack(lambda s: _magnum(s, driver, external=None, external_network="provider"))
    assert not resources(doc, "openstack_networking_router_v2")
    template = _only(doc, "openstack_containerinfra_clustertemplate_v1")
    (looked_up,) = doc["data"]["openstack_networking_network_v2"].values()
    assert (looked_up["name"], looked_up["external"]) == ("provider", True)
    assert template["external_network_id"].startswith("${data.openstack_networking_network_v2.")


def test_a_cluster_names_the_routers_external_network_or_none() -> None:
    doc = synth_stack(lambda s: _magnum(s, MAGNUM_CAPI_HELM, external_network="ext"))
    (looked_up,) = doc["data"]["openstack_networking_network_v2"].values()
    assert looked_up["name"] == "ext"  # the network's own lookup, not a second one
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(lambda s: _magnum(s, MAGNUM_CAPI_HELM, external_network="other"))
    assert err.value.argument == "external_network" and "'ext'" in err.value.allowed


def test_floating_ips_need_a_router() -> None:
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(lambda s: _magnum(s, MAGNUM_HEAT, external=None, external_network="p", floating_ip_enabled=True))
    assert err.value.argument == "floating_ip_enabled"
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(
            lambda s: _magnum(
                s,
                MAGNUM_CLUSTER_API,
                external=None,
                external_network="p",
                master_count=3,
                labels={"master_lb_floating_ip_enabled": "true"},
            )
        )
    assert err.value.argument == "labels['master_lb_floating_ip_enabled']"


def test_an_environment_without_an_external_network_is_refused_at_the_cluster_block(env_dir, tmp_path) -> None:
    directory = env_dir("closed", (('  external_network = "provider-lb"\n', ""),))
    with pytest.raises(PlatformError) as err:
        synth(directory, tmp_path / "out", ["closed"])
    text = (directory / "closed.hcl").read_text().splitlines()
    line = next(n for n, content in enumerate(text, 1) if content.startswith("cluster {"))
    assert str(err.value).startswith(f"{directory / 'closed.hcl'}:{line}: cluster.external_network: is missing: ")
    assert "ExternalNetworkNotFound" in str(err.value)
    assert not (tmp_path / "out").exists()


# --- dns_nameserver ----------------------------------------------------------------------------


@pytest.mark.upstream_rule("magnum.cluster-api.dns-nameserver", "magnum.dns-nameserver-ipv4")
def test_every_shipped_magnum_template_sets_the_subnets_dns_servers(shipped_stacks) -> None:
    import ipaddress

    checked = 0
    for name, doc in shipped_stacks.items():
        subnets = resources(doc, "openstack_networking_subnet_v2")
        for template in resources(doc, "openstack_containerinfra_clustertemplate_v1").values():
            primary = subnets[template["fixed_subnet"].split(".")[1]]
            assert template["dns_nameserver"] == ",".join(primary["dns_nameservers"]), name
            assert all(ipaddress.ip_address(a).version == 4 for a in template["dns_nameserver"].split(","))
            checked += 1
    assert checked >= 2
    closed = _only(shipped_stacks["closed-infra"], "openstack_containerinfra_clustertemplate_v1")
    assert closed["dns_nameserver"] == "10.50.255.53"


@pytest.mark.upstream_rule("magnum.cluster-api.dns-nameserver")
def test_dns_servers_are_joined_and_cluster_api_needs_them() -> None:
    doc = synth_stack(lambda s: _magnum(s, MAGNUM_CLUSTER_API, dns=("10.30.0.53", "10.30.0.54")))
    assert _only(doc, "openstack_containerinfra_clustertemplate_v1")["dns_nameserver"] == "10.30.0.53,10.30.0.54"
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(lambda s: _magnum(s, MAGNUM_CLUSTER_API, dns=()))
    assert err.value.argument == "network.subnets['nodes'].dns_servers"
    # The other drivers cope without: the template then sets none.
    for driver in (MAGNUM_CAPI_HELM, MAGNUM_HEAT):
        doc = synth_stack(lambda s, d=driver: _magnum(s, d, dns=()))
        assert "dns_nameserver" not in _only(doc, "openstack_containerinfra_clustertemplate_v1")


def test_an_environment_without_dns_servers_is_refused_at_the_subnet(env_dir, tmp_path) -> None:
    text = (Path(__file__).parent.parent / "environments" / "closed.hcl").read_text()
    line = next(content for content in text.splitlines() if "dns_servers" in content)
    directory = env_dir("closed", ((line + "\n", ""),))
    with pytest.raises(PlatformError) as err:
        synth(directory, tmp_path / "out", ["closed"])
    lines = (directory / "closed.hcl").read_text().splitlines()
    subnet = next(n for n, content in enumerate(lines, 1) if content.strip().startswith('subnet "nodes"'))
    assert f"closed.hcl:{subnet}: network.subnet.nodes.dns_servers: [] is not allowed" in str(err.value)


# --- what a template change does to the cluster -----------------------------------------------


def _cluster_trigger(doc: dict[str, Any]) -> str:
    """The digest whose change replaces the cluster."""
    cluster = _only(doc, "openstack_containerinfra_cluster_v1")
    (reference,) = cluster["lifecycle"]["replace_triggered_by"]
    return resources(doc, "terraform_data")[reference.split(".")[1]]["triggers_replace"]


def _template_trigger(doc: dict[str, Any]) -> str:
    (reference,) = _only(doc, "openstack_containerinfra_clustertemplate_v1")["lifecycle"]["replace_triggered_by"]
    return resources(doc, "terraform_data")[reference.split(".")[1]]["triggers_replace"]


#: A change to a cluster's settings -> whether the driver's upgrade API carries it to a running cluster.
_CHANGES: dict[str, dict[str, Any]] = {
    "version": {"kubernetes_version": "1.36.2"},
    "image": {"image": "img-2"},
    "a label": {"labels": {"octavia_provider": "ovn"}},
    "the network driver": {"network_driver": "cilium"},
    "the external network": {"external": None, "external_network": "provider"},
    "the DNS servers": {"dns": ("10.30.0.99",)},
}


def _carried_by_upgrade(driver: str, change: str) -> bool:
    applies = set(MAGNUM[driver]["upgrade"]["applies"])
    version_from_image = "kube_tag" not in DRIVERS[driver].labels_read
    if change == "version":
        return ("image" in applies) if version_from_image else ("labels.kube_tag" in applies)
    return change == "image" and "image" in applies


@pytest.mark.upstream_rule(
    "magnum.labels-copied-at-creation",
    "magnum.heat.upgrade",
    "magnum.capi-helm.upgrade",
    "magnum.cluster-api.upgrade",
)
@pytest.mark.parametrize("driver", MAGNUM_DRIVERS)
@pytest.mark.parametrize("change", sorted(_CHANGES))
def test_a_template_change_upgrades_the_cluster_only_for_what_the_upgrade_api_carries(driver: str, change: str) -> None:
    base = synth_stack(lambda s: _magnum(s, driver))
    changed = synth_stack(lambda s: _magnum(s, driver, **_CHANGES[change]))
    # Every change makes a new template (Magnum refuses to patch one a cluster uses).
    assert _template_trigger(changed) != _template_trigger(base)
    replaced = _cluster_trigger(changed) != _cluster_trigger(base)
    assert replaced == (not _carried_by_upgrade(driver, change)), (driver, change)
    # The cluster itself never carries labels (they would force a new cluster on any change,
    # the version's kube_tag included): its trigger says what replaces it.
    assert "labels" not in _only(changed, "openstack_containerinfra_cluster_v1")


@pytest.mark.upstream_rule("magnum.heat.upgrade", "magnum.capi-helm.upgrade", "magnum.cluster-api.upgrade")
def test_only_upgrade_capable_drivers_keep_the_cluster_on_a_version_change() -> None:
    kept = {
        driver
        for driver in MAGNUM_DRIVERS
        if _cluster_trigger(synth_stack(lambda s, d=driver: _magnum(s, d)))
        == _cluster_trigger(synth_stack(lambda s, d=driver: _magnum(s, d, kubernetes_version="1.36.2", image="i2")))
    }
    assert kept == {d for d in MAGNUM_DRIVERS if MAGNUM[d]["upgrade"]["in_place"]}


def test_a_worker_count_change_is_in_place_unless_the_bounds_are_labels() -> None:
    for driver in MAGNUM_DRIVERS:
        for autoscaling in (False, True):
            base = synth_stack(lambda s, d=driver, a=autoscaling: _magnum(s, d, autoscaling=a, worker_count=2))
            more = synth_stack(lambda s, d=driver, a=autoscaling: _magnum(s, d, autoscaling=a, worker_count=3))
            assert _only(more, "openstack_containerinfra_cluster_v1")["node_count"] == 3
            bounds_are_labels = autoscaling and "min_node_count" in DRIVERS[driver].labels_read
            assert (_cluster_trigger(more) != _cluster_trigger(base)) == bounds_are_labels, (driver, autoscaling)


# --- every template argument names and replaces the template -----------------------------------

#: One change for every template input; each must change the template's digest (its name).
_TEMPLATE_INPUTS: dict[str, dict[str, Any]] = {
    "master_flavor": {"master_flavor": "m2"},
    "flavor": {"worker_flavor": "w2"},
    "image": {"image": "img-2"},
    "version": {"kubernetes_version": "1.36.2"},
    "network_driver": {"network_driver": "flannel"},
    "labels": {"labels": {"octavia_provider": "ovn"}},
    "master_lb_enabled": {"master_lb_enabled": False},
    "floating_ip_enabled": {"floating_ip_enabled": True},
    "docker_volume_size": {"docker_volume_size": 50},
    "api_allowed_cidrs": {"api_allowed_cidrs": ["10.0.0.0/8"]},
    "autoscaling": {"autoscaling": True},
    "external_network_id": {"external": None, "external_network": "provider"},
    "dns_nameserver": {"dns": ("10.30.0.99",)},
    # References: their text stays the same, what they are looked up from changes.
    "fixed_subnet": {"subnet": "10.31.0.0/24"},
    "fixed_network": {"network_name": "env2"},
}
#: Template arguments that no input of the construct changes, and cdktf's metadata.
_CONSTANT = {"coe", "name", "lifecycle", "//"}


def _heat(stack: TerraformStack, subnet: str = "10.30.0.0/24", network_name: str = "env", **kw: Any) -> MagnumCluster:
    external = kw.pop("external", "ext")
    dns = kw.pop("dns", ("10.30.0.53",))
    OpenstackProvider(stack, "openstack")
    network = Network(
        stack, "network", name=network_name, subnets=[SubnetSpec("nodes", subnet, dns)], external_network=external
    )
    settings = BASE | {"master_lb_enabled": True} | kw
    return MagnumCluster(stack, "cluster", name="env", driver=MAGNUM_HEAT, network=network, **settings)


@pytest.mark.upstream_rule("magnum.template-never-patched")
def test_every_template_argument_is_in_the_digest_that_names_and_replaces_the_template() -> None:
    def template(**kw: Any) -> dict[str, Any]:
        return _only(synth_stack(lambda s: _heat(s, **kw)), "openstack_containerinfra_clustertemplate_v1")

    base = template()
    covered: set[str] = set()
    for name, change in _TEMPLATE_INPUTS.items():
        changed = template(**change)
        assert changed["name"] != base["name"], f"{name} is left out of the template's digest"
        covered |= {key for key in base.keys() | changed.keys() if base.get(key) != changed.get(key)}
        covered.add(name)
    # Every argument a template has is one that some change above reaches: a new argument
    # needs its own line here.
    assert set(base) - covered - _CONSTANT == set()


def test_the_digest_check_catches_an_argument_left_out(monkeypatch) -> None:
    import constructs_lib.magnum as magnum

    original = magnum.template_facts

    def without_master_flavor(settings, **sources):
        facts = original(settings, **sources)
        facts.pop("master_flavor")
        return facts

    monkeypatch.setattr(magnum, "template_facts", without_master_flavor)
    with pytest.raises(AssertionError, match="master_flavor is left out"):
        test_every_template_argument_is_in_the_digest_that_names_and_replaces_the_template()


# --- a public API ------------------------------------------------------------------------------


@pytest.mark.upstream_rule(
    "magnum.heat.api-floating-ip", "magnum.capi-helm.api-floating-ip", "magnum.cluster-api.api-floating-ip"
)
@pytest.mark.parametrize(
    ("driver", "kwargs", "expected"),
    [
        (
            MAGNUM_CAPI_HELM,
            {
                "master_count": 3,
                "labels": {"master_lb_floating_ip_enabled": "true"},
                "api_allowed_cidrs": ["0.0.0.0/0"],
            },
            "reachable from anywhere (api_allowed_cidrs: 0.0.0.0/0)",
        ),
        (
            MAGNUM_HEAT,
            {"master_count": 3, "labels": {"master_lb_floating_ip_enabled": "True"}, "api_allowed_cidrs": ["::/0"]},
            "reachable from anywhere",
        ),
        (
            MAGNUM_CLUSTER_API,
            {"master_count": 3, "labels": {"master_lb_floating_ip_enabled": "yes"}},
            "reachable from anywhere (magnum-cluster-api has no allowed-CIDRs setting)",
        ),
        (MAGNUM_HEAT, {"floating_ip_enabled": True}, "the masters get floating IPs"),
        (
            MAGNUM_CAPI_HELM,
            {
                "master_count": 3,
                "labels": {"master_lb_floating_ip_enabled": "true"},
                "api_allowed_cidrs": ["203.0.113.0/24"],
            },
            "public address, reachable from 203.0.113.0/24",
        ),
    ],
)
def test_a_public_api_draws_a_warning(driver: str, kwargs: dict[str, Any], expected: str) -> None:
    warnings = _warnings(lambda s: _magnum(s, driver, **kwargs))
    assert len(warnings) == 1 and expected in warnings[0], warnings


@pytest.mark.parametrize("driver", MAGNUM_DRIVERS)
def test_a_private_api_draws_no_warning(driver: str) -> None:
    assert _warnings(lambda s: _magnum(s, driver, master_count=3)) == []
    assert _warnings(lambda s: _magnum(s, driver)) == []


@pytest.mark.upstream_rule("magnum.capi-helm.api-floating-ip", "magnum.cluster-api.api-floating-ip")
@pytest.mark.parametrize("driver", MAGNUM_DRIVERS)
def test_a_single_master_api_gets_no_floating_ip_either(driver: str) -> None:
    """capi-helm puts the API behind a load balancer whatever master_lb_enabled says, and
    magnum-cluster-api reads the label for the API's floating IP with or without one: both
    default it to true, so a single-master cluster needs the label too."""
    template = _only(synth_stack(lambda s: _magnum(s, driver)), "openstack_containerinfra_clustertemplate_v1")
    assert template["master_lb_enabled"] is False
    labels = template["labels"]
    if driver == MAGNUM_HEAT:  # no load balancer: the masters' floating IPs follow floating_ip_enabled
        assert "master_lb_floating_ip_enabled" not in labels and template["floating_ip_enabled"] is False
    else:
        assert labels["master_lb_floating_ip_enabled"] == "false"
    cidr_label = MAGNUM[driver]["api_lb_cidrs_label"]
    if driver == MAGNUM_CAPI_HELM:
        assert labels[cidr_label] == "10.30.0.0/24"
    # Asked for, it is public, and said so.
    warnings = _warnings(lambda s: _magnum(s, driver, labels={"master_lb_floating_ip_enabled": "true"}))
    assert (len(warnings) == 1) == (driver != MAGNUM_HEAT), warnings


def test_the_app_prints_the_public_api_warning(env_dir, tmp_path, capsys) -> None:
    directory = env_dir(
        "magnum",
        (
            (
                'octavia_provider = "ovn"',
                'octavia_provider = "ovn"\n    master_lb_floating_ip_enabled = "true"',
            ),
            ('  network_driver     = "calico"', '  network_driver     = "calico"\n  api_allowed_cidrs = ["0.0.0.0/0"]'),
        ),
    )
    synth(directory, tmp_path / "out", ["magnum"])
    err = capsys.readouterr().err
    assert "warning: magnum-infra/cluster: the API load balancer gets a floating IP" in err
    assert "reachable from anywhere (api_allowed_cidrs: 0.0.0.0/0)" in err


# --- Magnum's own worker group -----------------------------------------------------------------


@pytest.mark.upstream_rule("magnum.default-worker")
def test_a_worker_group_beside_the_default_group_needs_worker_count() -> None:
    def build(stack: TerraformStack, **kw: Any) -> None:
        cluster = _magnum(stack, MAGNUM_HEAT, **kw)
        cluster.add_node_group("apps", name="apps", role="worker", flavor="f", count=2)

    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(build)
    assert err.value.argument == "role" and "default-worker" in err.value.allowed
    doc = synth_stack(lambda s: build(s, worker_count=1))
    assert [g["name"] for g in resources(doc, "openstack_containerinfra_nodegroup_v1").values()] == ["apps"]
    # Other roles need nothing.
    synth_stack(lambda s: _magnum(s, MAGNUM_HEAT).add_node_group("sys", name="sys", role="system", flavor="f", count=1))


def test_an_environment_worker_group_without_worker_count_is_refused_at_its_role(env_dir, tmp_path) -> None:
    directory = env_dir(
        "closed",
        (("  worker_count          = 2\n", ""),),
        '\nnode_group "worker" {\n  role   = "worker"\n  flavor = "m1.large"\n  count  = 2\n}\n',
    )
    with pytest.raises(PlatformError) as err:
        synth(directory, tmp_path / "out", ["closed"])
    lines = (directory / "closed.hcl").read_text().splitlines()
    role = max(n for n, content in enumerate(lines, 1) if content.strip().startswith("role"))
    assert f"closed.hcl:{role}: node_group.worker.role: " in str(err.value)
    assert "is not allowed" in str(err.value)
    assert "default-worker" in str(err.value)


# --- required arguments, unknown labels --------------------------------------------------------


def test_every_missing_required_argument_is_reported_at_once(env_dir, tmp_path) -> None:
    text = (Path(__file__).parent.parent / "environments" / "magnum.hcl").read_text()
    block = text[text.index("\ncluster {") :].splitlines()
    drop = [
        next(line for line in block if line.strip().startswith(f"{key} "))
        for key in ("image", "master_flavor", "worker_flavor")
    ]
    directory = env_dir("magnum", tuple((line + "\n", "") for line in drop))
    with pytest.raises(PlatformError) as err:
        synth(directory, tmp_path / "out", ["magnum"])
    message = str(err.value)
    assert message.count("\n") == 0
    for key in ("image", "master_flavor", "worker_flavor"):
        assert key in message, message


@pytest.mark.upstream_rule("magnum.heat.labels-read", "magnum.capi-helm.labels-read", "magnum.cluster-api.labels-read")
def test_an_unknown_label_is_refused_as_a_typo_not_as_a_driver_failure() -> None:
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(lambda s: _magnum(s, MAGNUM_CAPI_HELM, labels={"octavia_provder": "ovn"}))
    assert "ignored" in err.value.allowed and "fail" not in err.value.allowed
    # The recorded fact says so, and no text of the project claims otherwise.
    assert "an unknown user label fails nothing" in MAGNUM[MAGNUM_CAPI_HELM]["label_scope"]
    root = Path(__file__).parent.parent
    for path in (
        root / "README.md",
        root / "constructs_lib" / "cluster_drivers.py",
        root / "constructs_lib" / "magnum.py",
    ):
        assert "fails a cluster with a label it does not know" not in path.read_text(), path


# --- what a diff of the code says --------------------------------------------------------------


@pytest.mark.upstream_rule("magnum.labels-copied-at-creation")
def test_a_label_change_changes_the_cluster_revision_in_the_static_diff(env_dir, tmp_path) -> None:
    from platformctl.diff import compare
    from platformctl.synth_output import read_synth_dir

    base = env_dir("magnum")
    synth(base, tmp_path / "base", ["magnum"])
    changed = env_dir("magnum", (('octavia_provider = "ovn"', 'octavia_provider = "amphora"'),))
    synth(changed, tmp_path / "work", ["magnum"])
    result = compare(read_synth_dir(tmp_path / "base"), read_synth_dir(tmp_path / "work"))
    (stack,) = [s for s in result.stacks if s.name == "magnum-infra"]
    changed = {r.address: r for r in stack.resources if r.status == "changed"}
    (revision,) = [a for a in changed if a.startswith("terraform_data.") and "_cluster-revision_" in a]
    assert [a.change.path for a in changed[revision].attributes] == ["triggers_replace"]
    assert any(r.type == "openstack_containerinfra_clustertemplate_v1" for r in stack.replaced)
    # The revision shown replaced is the one the cluster's replace_triggered_by names.
    infra = json.loads((tmp_path / "work" / "stacks" / "magnum-infra" / "cdk.tf.json").read_text())
    assert _only(infra, "openstack_containerinfra_cluster_v1")["lifecycle"]["replace_triggered_by"] == [revision]
