from __future__ import annotations

import pytest

from constructs_lib import (
    ConstructArgumentError,
    ManagedCluster,
    Network,
    NodeGroup,
    NodeRoleTaints,
    SubnetSpec,
)
from tests.conftest import resources, synth_stack


def _cluster(stack, **kw):
    network = Network(
        stack, "network", name="env", subnets=[SubnetSpec("nodes", "10.0.0.0/24")], external_network="ext"
    )
    args = dict(
        name="env", network=network, kubernetes_version="v1.30.4", image="fcos", master_flavor="m", node_flavor="n"
    )
    args.update(kw)
    return ManagedCluster(stack, "cluster", **args)


def _only(doc, type_):
    (value,) = resources(doc, type_).values()
    return value


def test_single_master_defaults_private_no_lb() -> None:
    doc = synth_stack(_cluster)
    cluster = _only(doc, "openstack_containerinfra_cluster_v1")
    assert cluster["master_count"] == 1
    assert cluster["master_lb_enabled"] is False
    assert cluster["floating_ip_enabled"] is False
    assert cluster["merge_labels"] is True
    assert cluster["labels"]["kube_tag"] == "v1.30.4"


def test_ha_masters_get_a_private_api_load_balancer() -> None:
    doc = synth_stack(lambda s: _cluster(s, master_count=3, labels={"extra": "x"}))
    template = _only(doc, "openstack_containerinfra_clustertemplate_v1")
    cluster = _only(doc, "openstack_containerinfra_cluster_v1")
    for item in (template, cluster):
        assert item["master_lb_enabled"] is True
        assert item["floating_ip_enabled"] is False
    assert cluster["labels"]["master_lb_allowed_cidrs"] == "10.0.0.0/24"
    assert cluster["labels"]["master_lb_floating_ip_enabled"] == "false"
    assert cluster["labels"]["extra"] == "x" and cluster["labels"]["kube_tag"] == "v1.30.4"


@pytest.mark.parametrize(
    ("overrides", "argument"),
    [
        ({"master_count": 2}, "master_count"),
        ({"master_count": 4}, "master_count"),
        ({"master_count": 3, "master_lb_enabled": False}, "master_lb_enabled"),
        ({"kubernetes_version": "latest"}, "kubernetes_version"),
        ({"network_driver": "weave"}, "network_driver"),
        ({"labels": {"kube_tag": 1}}, "labels['kube_tag']"),
        ({"api_allowed_cidrs": ["10.0.0.0/8", "nope"]}, "api_allowed_cidrs"),
    ],
)
def test_bad_cluster_arguments(overrides, argument) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(lambda s: _cluster(s, **overrides))
    assert err.value.argument == argument
    assert "test/cluster" in str(err.value)


def test_node_group_role_counts_and_bounds() -> None:
    doc = synth_stack(
        lambda s: NodeGroup(
            s, "ng", cluster=_cluster(s), name="front", role="frontend", flavor="f", node_count=2, max_node_count=4
        )
    )
    group = _only(doc, "openstack_containerinfra_nodegroup_v1")
    assert (group["role"], group["node_count"], group["min_node_count"], group["max_node_count"]) == (
        "frontend",
        2,
        2,
        4,
    )
    assert group["cluster_id"].startswith("${openstack_containerinfra_cluster_v1.cluster")


@pytest.mark.parametrize(
    ("overrides", "argument"),
    [
        ({"min_node_count": 3, "max_node_count": 2}, "min_node_count"),
        ({"node_count": 5, "max_node_count": 4}, "node_count"),
        ({"node_count": 1, "min_node_count": 2, "max_node_count": 4}, "node_count"),
        ({"role": "System!"}, "role"),
        ({"name": "Bad_Name"}, "name"),
    ],
)
def test_bad_node_groups(overrides, argument) -> None:
    args = dict(name="g", role="worker", flavor="f", node_count=2)
    args.update(overrides)
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(lambda s: NodeGroup(s, "ng", cluster=_cluster(s), **args))
    assert err.value.argument == argument


def test_dedicated_roles_are_labelled_and_tainted_per_node() -> None:
    doc = synth_stack(lambda s: NodeRoleTaints(s, "roles", roles=["system", "frontend"]))
    nodes = doc["data"]["kubernetes_nodes"]
    assert sorted(n["metadata"]["labels"]["magnum.openstack.org/role"] for n in nodes.values()) == [
        "frontend",
        "system",
    ]
    taints = resources(doc, "kubernetes_node_taint")
    assert len(taints) == 2
    for taint in taints.values():
        assert taint["for_each"].startswith("${toset(") and "data.kubernetes_nodes." in taint["for_each"]
        assert taint["metadata"]["name"] == "${each.value}"
        (entry,) = taint["taint"]
        assert entry["key"] == "dedicated.deckhouse.io" and entry["effect"] == "NoExecute"
        assert entry["value"] in ("system", "frontend")
    labels = sorted(next(iter(r["labels"])) for r in resources(doc, "kubernetes_labels").values())
    assert labels == ["node-role.deckhouse.io/frontend", "node-role.deckhouse.io/system"]
