"""``<env>-infra``: network, bastion, runners, the managed cluster and its node groups."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from cdktf import TerraformOutput, TerraformStack
from cdktf_cdktf_provider_openstack.provider import OpenstackProvider
from constructs import Construct

from constructs_lib import (
    Bastion,
    ManagedCluster,
    Network,
    NodeGroup,
    RunnerFleet,
    SelectelMksCluster,
    SelectelProvider,
    SshKeyPair,
    SubnetSpec,
)
from constructs_lib import _validate as check
from constructs_lib.errors import ConstructArgumentError
from constructs_lib.gitlab import GitlabProvider
from constructs_lib.kamaji_cluster import registry_mirrors
from constructs_lib.runners import DEFAULT_JOB_IMAGE
from constructs_lib.selectel_mks import check_pool, check_subnets, check_zone
from environment_loader import EnvironmentConfig, SourceMap, oidc_issuers

T = TypeVar("T")


class InfraStack(TerraformStack):
    """The OpenStack side of one environment. Credentials come from ``OS_*`` / clouds.yaml
    at deploy time; ``GITLAB_TOKEN`` for runner registration."""

    def __init__(self, scope: Construct, config: EnvironmentConfig, source: SourceMap) -> None:
        stack_name = f"{config.name}-infra"
        super().__init__(scope, stack_name)
        with source.origin("backend", renames={"backend": ""}):
            config.state_backend().apply(self, stack_name)
        OpenstackProvider(self, "openstack", region=config.openstack.region)

        with source.origin("access", renames={"public_key": "ssh_public_key"}):
            keypair = SshKeyPair(self, "keypair", name=f"{config.name}-admin", public_key=config.access.ssh_public_key)

        net = config.network
        with source.origin("network", renames={"subnets": "subnet"}):
            subnets = [
                SubnetSpec(
                    name,
                    subnet.cidr,
                    **_given(
                        dns_servers=subnet.dns_servers,
                        allocation_pool=(pool.start, pool.end) if (pool := subnet.allocation_pool) else None,
                    ),
                )
                for name, subnet in net.subnet.items()
            ]
            self.network = Network(
                self,
                "network",
                name=config.name,
                subnets=subnets,
                external_network=config.openstack.external_network,
                **_given(egress_cidrs=net.egress_cidrs),
            )

        self.bastion: Bastion | None = None
        if config.has_bastion:
            assert config.bastion is not None
            with source.origin("bastion"):
                self.bastion = _build(
                    Bastion,
                    self,
                    "bastion",
                    config.bastion.arguments,
                    network=self.network,
                    keypair=keypair,
                    availability_zone=config.openstack.availability_zone,
                )
            TerraformOutput(self, "bastion_address", value=self.bastion.address, description="SSH to this address")
            TerraformOutput(self, "ssh_config", value=self.bastion.ssh_proxy_jump, description="~/.ssh/config snippet")

        if config.runners is not None and config.runners.count > 0:
            runners = config.runners.arguments
            with source.origin("runners"):
                gitlab_url = check.url(check.child_path(self, "runners"), "gitlab_url", runners.get("gitlab_url"))
                GitlabProvider(self, "gitlab", base_url=f"{gitlab_url.rstrip('/')}/api/v4")
                if config.platform.registry is not None and "docker_image" not in runners:
                    # The registry's copy of the default job image (Docker Hub's library path).
                    runners["docker_image"] = f"{config.platform.registry}/library/{DEFAULT_JOB_IMAGE}"
                _build(
                    RunnerFleet,
                    self,
                    "runners",
                    runners,
                    network=self.network,
                    keypair=keypair,
                    count=config.runners.count,
                    ssh_from=self.bastion,
                    availability_zone=config.openstack.availability_zone,
                )

        if issubclass(config.cluster.driver_facts.construct_class(), SelectelMksCluster):
            _check_mks_environment(self, config, source)
        with source.origin("cluster"), _network_arguments(source):
            self.cluster = _cluster(self, config, source, keypair, self.network)
        # Node groups stay children of the stack (their addresses predate add_node_group).
        self.node_groups: list[NodeGroup] = []
        for name, group in config.node_group.items():
            with source.origin("node_group", name):
                props = group.arguments
                if "taint" in inspect.signature(self.cluster.node_group_type).parameters:
                    # Node groups that can taint their nodes at join follow the platform's setting.
                    props.setdefault("taint", config.platform.taint_dedicated_roles)
                self.node_groups.append(
                    _build(
                        self.cluster.node_group_type, self, f"node-group-{name}", props, cluster=self.cluster, name=name
                    )
                )
        TerraformOutput(self, "kubernetes_api_address", value=self.cluster.api_address)
        TerraformOutput(
            self,
            "kubeconfig",
            value=self.cluster.kubeconfig,
            sensitive=True,
            description="admin kubeconfig: terraform output -raw kubeconfig",
        )
        TerraformOutput(self, "cluster_id", value=self.cluster.cluster_id)


def _check_mks_environment(stack: TerraformStack, config: EnvironmentConfig, source: SourceMap) -> None:
    """What the MKS cluster checks about values written outside its block, reported where
    they were written (the pool, the subnets, the zone the openstack block gives it), and
    that it has nodes."""
    where = check.child_path(stack, "cluster")
    with source.origin("openstack"):
        check_pool(where, "region", config.openstack.region)
    with source.origin("network", renames={"subnets": "subnet"}):
        check_subnets(where, "subnets", {name: subnet.cidr for name, subnet in config.network.subnet.items()})
    if "availability_zone" not in config.cluster.arguments and config.openstack.availability_zone is not None:
        with source.origin("openstack"):
            check_zone(where, "availability_zone", config.openstack.availability_zone, config.openstack.region)
    if not config.node_group:
        raise source.error(
            ("cluster",),
            "a Selectel MKS cluster needs at least one node_group block: MKS has no default node group, and "
            "the platform addons need nodes to run on",
        )


def _cluster(
    stack: TerraformStack, config: EnvironmentConfig, source: SourceMap, keypair: SshKeyPair, network: Network
) -> ManagedCluster:
    """The cluster construct the environment's ``cluster.driver`` names, with the block's
    arguments and what the stack supplies (name, network, key pair, region)."""
    props: dict[str, Any] = config.cluster.arguments
    supplied: dict[str, Any]
    cluster_type = config.cluster.driver_facts.construct_class()
    if issubclass(cluster_type, SelectelMksCluster):
        supplied = {
            "name": config.name,
            "region": config.openstack.region,
            "network": network,
            "keypair": keypair,
            "provider": SelectelProvider(stack, "selectel", auth_url=config.openstack.auth_url),
        }
        # The cluster block's zone (the node groups' default) wins over the openstack block's
        # (where the VMs go).
        if "availability_zone" not in props:
            supplied.update(_given(availability_zone=config.openstack.availability_zone))
        return _build(cluster_type, stack, "cluster", props, **supplied)
    if config.cluster.driver_facts.self_managed:
        if not config.node_group:
            raise source.error(
                ("cluster",),
                f"a {config.cluster.driver} cluster needs at least one node_group block: the control plane runs"
                " elsewhere, and the platform addons need nodes to run on",
            )
        supplied = {"name": config.name, "network": network, "keypair": keypair}
        # CI jobs (GitLab) and people (Dex) sign in through the API server's structured
        # authentication; the loader has checked the issuers.
        supplied["oidc_issuers"] = oidc_issuers(config)
        registry = config.platform.image_registry or config.platform.registry
        if registry is not None and "mirrors" not in props:
            # Nodes pull what no chart value redirects (Kamaji's kube-proxy, CoreDNS and
            # konnectivity agent) through the platform's registry too.
            supplied["mirrors"] = registry_mirrors(registry)
        return _build(cluster_type, stack, "cluster", props, **supplied)
    supplied = {
        "name": config.name,
        "driver": config.cluster.driver,
        "network": network,
        "keypair": keypair,
        # The autoscaler runs when some node group has room to grow or shrink.
        "autoscaling": any(group.autoscaled for group in config.node_group.values()),
    }
    return _build(cluster_type, stack, "cluster", props, **supplied)


@contextmanager
def _network_arguments(source: SourceMap) -> Iterator[None]:
    """A cluster's error about the network it was given (``network.subnets['nodes'].dns_servers``)
    is reported where the network is written, the ``network`` block."""
    try:
        yield
    except ConstructArgumentError as err:
        if not err.argument.startswith("network."):
            raise
        with source.origin("network", renames={"subnets": "subnet"}):
            raise ConstructArgumentError(
                err.construct_path, err.argument.removeprefix("network."), err.value, err.allowed
            ) from None


def _given(**arguments: Any) -> dict[str, Any]:
    """The arguments an environment file set: the others keep the construct's defaults."""
    return {name: value for name, value in arguments.items() if value is not None}


def _build(construct: Callable[..., T], stack: TerraformStack, id: str, props: dict[str, Any], **supplied: Any) -> T:
    """``construct(stack, id, **supplied, **props)``, where ``props`` come from an environment
    block: a key the construct does not take, or one the stack supplies, is an argument error."""
    check.keyword_arguments(check.child_path(stack, id), construct, props, supplied=supplied)
    return construct(stack, id, **supplied, **props)
