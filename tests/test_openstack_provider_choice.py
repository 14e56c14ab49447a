"""A second OpenStack provider (another region or project) reaches every resource and data
source of the constructs that take ``provider``: :class:`Network` and :class:`MagnumCluster`,
whose node groups use the cluster's provider."""

from __future__ import annotations

from typing import Any

import pytest
from cdktf import TerraformStack
from cdktf_cdktf_provider_openstack.provider import OpenstackProvider

from constructs_lib import ConstructArgumentError, MagnumCluster, Network, SubnetSpec
from constructs_lib.cluster_drivers import MAGNUM_CAPI_HELM, MAGNUM_CLUSTER_API, MAGNUM_HEAT
from tests.conftest import synth_stack

ALIAS = "second"
SUBNETS = [SubnetSpec("nodes", "10.30.0.0/24", ("10.30.0.53",)), SubnetSpec("extra", "10.30.1.0/24")]


def _openstack_items(doc: dict[str, Any], under: str) -> dict[str, dict[str, Any]]:
    """``<resource|data>.<type>.<name>`` -> body of every OpenStack resource and data source
    of the construct ``under`` (an id in the stack: cdktf names an item by its construct path,
    ``<id>_<child id>_<hash>``)."""
    found = {}
    for kind in ("resource", "data"):
        for type_, items in doc.get(kind, {}).items():
            if not type_.startswith("openstack_"):
                continue
            for name, body in items.items():
                if name.startswith(f"{under}_"):
                    found[f"{kind}.{type_}.{name}"] = body
    return found


def _types(items: dict[str, dict[str, Any]]) -> set[str]:
    return {key.rsplit(".", 1)[0] for key in items}


def test_every_network_resource_and_data_source_uses_the_given_provider() -> None:
    def build(stack: TerraformStack) -> None:
        OpenstackProvider(stack, "openstack")
        second = OpenstackProvider(stack, "second", alias=ALIAS)
        Network(stack, "network", name="env", subnets=SUBNETS, external_network="ext", provider=second)

    items = _openstack_items(synth_stack(build), "network")
    assert _types(items) == {
        "resource.openstack_networking_network_v2",
        "resource.openstack_networking_subnet_v2",
        "resource.openstack_networking_router_v2",
        "resource.openstack_networking_router_interface_v2",
        "data.openstack_networking_network_v2",
    }
    assert len(items) == 7
    assert {key: body.get("provider") for key, body in items.items()} == dict.fromkeys(items, f"openstack.{ALIAS}")


def test_a_network_without_provider_uses_the_stacks() -> None:
    def build(stack: TerraformStack) -> None:
        OpenstackProvider(stack, "openstack")
        Network(stack, "network", name="env", subnets=SUBNETS, external_network="ext")

    items = _openstack_items(synth_stack(build), "network")
    assert len(items) == 7  # the network, two subnets, the router, two interfaces, the look-up
    assert all("provider" not in body for body in items.values())


@pytest.mark.parametrize(
    ("driver", "router"),
    [(MAGNUM_CAPI_HELM, False), (MAGNUM_CLUSTER_API, True), (MAGNUM_HEAT, False)],
)
def test_every_magnum_resource_and_data_source_and_its_node_groups_use_the_given_provider(
    driver: str, router: bool
) -> None:
    """The network stays on the stack's provider, so only the cluster's provider can put the
    alias on the cluster's items; with no router the cluster looks its external network up, and
    capi-helm looks its image up: both data sources are covered."""

    def build(stack: TerraformStack) -> None:
        OpenstackProvider(stack, "openstack")
        second = OpenstackProvider(stack, "second", alias=ALIAS)
        network = Network(stack, "network", name="env", subnets=SUBNETS, external_network="ext" if router else None)
        cluster = MagnumCluster(
            stack,
            "cluster",
            name="env",
            driver=driver,
            network=network,
            kubernetes_version="1.36.1",
            image="img",
            master_flavor="m",
            worker_flavor="w",
            external_network=None if router else "provider-net",
            provider=second,
        )
        cluster.add_node_group("gpu", name="gpu", role="gpu", flavor="g", count=1)
        cluster.add_node_group("system", name="system", role="system", flavor="s", count=1, max_count=3)

    doc = synth_stack(build)
    cluster = _openstack_items(doc, "cluster")
    groups = {**_openstack_items(doc, "gpu"), **_openstack_items(doc, "system")}
    expected = {
        "resource.openstack_containerinfra_clustertemplate_v1",
        "resource.openstack_containerinfra_cluster_v1",
    }
    if driver == MAGNUM_CAPI_HELM:
        expected.add("data.openstack_images_image_v2")
    if not router:
        expected.add("data.openstack_networking_network_v2")
    assert _types(cluster) == expected
    assert _types(groups) == {"resource.openstack_containerinfra_nodegroup_v1"} and len(groups) == 2
    every = {**cluster, **groups}
    assert {key: body.get("provider") for key, body in every.items()} == dict.fromkeys(every, f"openstack.{ALIAS}")
    network = _openstack_items(doc, "network")
    assert network and all("provider" not in body for body in network.values())


@pytest.mark.parametrize("construct", [Network, MagnumCluster])
def test_a_provider_that_is_not_one_is_refused(construct: type) -> None:
    def build(stack: TerraformStack) -> None:
        network = Network(stack, "network", name="env", subnets=SUBNETS, external_network="ext")
        if construct is Network:
            Network(stack, "other", name="other", subnets=SUBNETS, provider="openstack.second")
        else:
            MagnumCluster(
                stack,
                "other",
                name="env",
                network=network,
                kubernetes_version="1.36.1",
                image="img",
                master_flavor="m",
                worker_flavor="w",
                provider="openstack.second",
            )

    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(build)
    assert (err.value.construct_path, err.value.argument, err.value.value) == (
        "test/other",
        "provider",
        "openstack.second",
    )
