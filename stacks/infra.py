"""``<env>-infra``: network, bastion, runners, the managed cluster and its node groups."""

from __future__ import annotations

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
    SshKeyPair,
    SubnetSpec,
)
from constructs_lib import _validate as check
from constructs_lib.cluster_arguments import (
    EnvironmentFacts,
    EnvironmentRuleError,
    StackOffer,
    check_options,
    parameters,
)
from constructs_lib.errors import ConstructArgumentError
from constructs_lib.gitlab import GitlabProvider
from constructs_lib.runners import DEFAULT_JOB_IMAGE
from environment_loader import EnvironmentConfig, SourceMap, oidc_issuers

T = TypeVar("T")

#: Node group arguments the stack offers: a node group whose construct takes one gets it
#: unless its block sets it (groups that taint their nodes at join follow the platform).
_NODE_GROUP_DEFAULTS = ("taint",)


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
        self.network = self._network(config, source)
        self.bastion = self._bastion(config, source, keypair)
        self._runners(config, source, keypair)
        self.cluster = self._cluster(config, source, keypair)
        self.node_groups = self._node_groups(config, source)
        TerraformOutput(self, "kubernetes_api_address", value=self.cluster.api_address)
        TerraformOutput(
            self,
            "kubeconfig",
            value=self.cluster.kubeconfig,
            sensitive=True,
            description="admin kubeconfig: terraform output -raw kubeconfig",
        )
        TerraformOutput(self, "cluster_id", value=self.cluster.cluster_id)

    def _network(self, config: EnvironmentConfig, source: SourceMap) -> Network:
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
            return Network(
                self,
                "network",
                name=config.name,
                subnets=subnets,
                external_network=config.openstack.external_network,
                **_given(egress_cidrs=net.egress_cidrs),
            )

    def _bastion(self, config: EnvironmentConfig, source: SourceMap, keypair: SshKeyPair) -> Bastion | None:
        if not config.has_bastion:
            return None
        assert config.bastion is not None
        with source.origin("bastion"):
            bastion = _build(
                Bastion,
                self,
                "bastion",
                config.bastion.arguments,
                network=self.network,
                keypair=keypair,
                availability_zone=config.openstack.availability_zone,
            )
        TerraformOutput(self, "bastion_address", value=bastion.address, description="SSH to this address")
        TerraformOutput(self, "ssh_config", value=bastion.ssh_proxy_jump, description="~/.ssh/config snippet")
        return bastion

    def _runners(self, config: EnvironmentConfig, source: SourceMap, keypair: SshKeyPair) -> None:
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

    def _cluster(self, config: EnvironmentConfig, source: SourceMap, keypair: SshKeyPair) -> ManagedCluster:
        """The cluster construct the environment's ``cluster.driver`` names, with the block's
        arguments and what the stack offers (the class takes what it needs), once the class has
        checked what it needs of the rest of the environment."""
        cluster_type = config.cluster.driver_facts.construct_class()
        props: dict[str, Any] = config.cluster.arguments
        facts = EnvironmentFacts(
            region=config.openstack.region,
            availability_zone=config.openstack.availability_zone,
            subnets={name: subnet.cidr for name, subnet in config.network.subnet.items()},
            cluster_arguments=frozenset(props),
            node_groups=tuple(config.node_group),
        )
        with _environment_rules(source):
            cluster_type.check_environment(check.child_path(self, "cluster"), facts)
        offer = StackOffer(
            stack=self,
            name=config.name,
            driver=config.cluster.driver,
            network=self.network,
            keypair=keypair,
            region=config.openstack.region,
            auth_url=config.openstack.auth_url,
            availability_zone=config.openstack.availability_zone,
            # CI jobs (GitLab) and people (Dex), for a cluster whose API server the library
            # configures; the loader has checked the issuers.
            oidc_issuers=lambda: oidc_issuers(config),
            registry=config.platform.image_registry or config.platform.registry,
        )
        with source.origin("cluster"), _network_arguments(source):
            return _build(cluster_type, self, "cluster", props, **cluster_type.stack_arguments(offer, props))

    def _node_groups(self, config: EnvironmentConfig, source: SourceMap) -> list[NodeGroup]:
        """The node groups, added to the cluster (``<stack>/node-group-<name>``: the cluster
        creates them in its own scope, this stack, where they have always been)."""
        group_type = self.cluster.node_group_type
        offered = {"taint": config.platform.taint_dedicated_roles}
        defaults = {key: offered[key] for key in _NODE_GROUP_DEFAULTS if key in parameters(group_type)}
        groups = []
        for name, group in config.node_group.items():
            with source.origin("node_group", name):
                id = f"node-group-{name}"
                props = defaults | group.arguments
                check_options(check.child_path(self, id), group_type, group.arguments, supplied=("cluster", "name"))
                groups.append(self.cluster.add_node_group(id, name=name, **props))
        return groups


@contextmanager
def _environment_rules(source: SourceMap) -> Iterator[None]:
    """A driver's errors about the rest of the environment, reported where each value is
    written (``openstack.region``, ``network.subnet.<name>.cidr``, the ``cluster`` block)."""
    try:
        with source.origin(renames={"subnets": "subnet"}):
            yield
    except EnvironmentRuleError as err:
        raise source.error(err.key, err.message) from None


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
