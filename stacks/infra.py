"""``<env>-infra``: network, bastion, runners, Magnum cluster and node groups."""

from __future__ import annotations

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
    StateBackend,
    SubnetSpec,
)
from constructs_lib.addons import CATALOG
from constructs_lib.gitlab import GitlabProvider

from .config import EnvironmentConfig, SourceMap

# Magnum's own copies of what the platform stack installs: turned off when the addon is on,
# so the cluster never runs two cloud controllers. Labels in the file still win.
_MAGNUM_LABEL_OF_ADDON = {
    "openstack-cloud-controller-manager": "cloud_provider_enabled",
    "openstack-cinder-csi": "cinder_csi_enabled",
}


def backend_of(config: EnvironmentConfig) -> StateBackend:
    b = config.backend
    return StateBackend(
        kind=b.kind,
        bucket=b.bucket,
        endpoint=b.endpoint,
        region=b.region,
        key_prefix=config.name,
        local_dir=b.local_dir,
    )


def addon_enabled(config: EnvironmentConfig, name: str) -> bool:
    settings = config.addon.get(name)
    return CATALOG[name].is_enabled(settings.enabled if settings else None)


class InfraStack(TerraformStack):
    """The OpenStack side of one environment. Credentials come from ``OS_*`` / clouds.yaml
    at deploy time; ``GITLAB_TOKEN`` for runner registration."""

    def __init__(self, scope: Construct, config: EnvironmentConfig, source: SourceMap) -> None:
        stack_name = f"{config.name}-infra"
        super().__init__(scope, stack_name)
        with source.origin("backend", renames={"backend": ""}):
            backend_of(config).apply(self, stack_name)
        OpenstackProvider(self, "openstack", region=config.openstack.region)

        with source.origin("access", renames={"public_key": "ssh_public_key"}):
            keypair = SshKeyPair(self, "keypair", name=f"{config.name}-admin", public_key=config.access.ssh_public_key)

        net = config.network
        with source.origin("network", renames={"subnets": "subnet"}):
            self.network = Network(
                self,
                "network",
                name=config.name,
                subnets=[
                    SubnetSpec(
                        name=name,
                        cidr=s.cidr,
                        dns_servers=s.dns_servers,
                        allocation_pool=(s.allocation_pool.start, s.allocation_pool.end) if s.allocation_pool else None,
                    )
                    for name, s in net.subnet.items()
                ],
                external_network=config.openstack.external_network,
                egress_cidrs=net.egress_cidrs,
            )

        self.bastion: Bastion | None = None
        if config.has_bastion:
            b = config.bastion
            assert b is not None
            with source.origin("bastion"):
                self.bastion = Bastion(
                    self,
                    "bastion",
                    network=self.network,
                    keypair=keypair,
                    flavor=b.flavor,
                    image=b.image,
                    ssh_allowed_cidrs=b.ssh_allowed_cidrs,
                    ssh_user=b.ssh_user,
                    boot_volume_size=b.boot_volume_size,
                    boot_volume_type=b.boot_volume_type,
                    availability_zone=config.openstack.availability_zone,
                )
            TerraformOutput(self, "bastion_address", value=self.bastion.address, description="SSH to this address")
            TerraformOutput(self, "ssh_config", value=self.bastion.ssh_proxy_jump, description="~/.ssh/config snippet")

        if config.runners is not None and config.runners.count > 0:
            r = config.runners
            with source.origin("runners"):
                GitlabProvider(self, "gitlab", base_url=f"{r.gitlab_url.rstrip('/')}/api/v4")
                RunnerFleet(
                    self,
                    "runners",
                    network=self.network,
                    keypair=keypair,
                    count=r.count,
                    flavor=r.flavor,
                    image=r.image,
                    gitlab_url=r.gitlab_url,
                    group_id=r.group_id,
                    project_id=r.project_id,
                    tags=r.tags,
                    concurrency=r.concurrency,
                    executor=r.executor,
                    docker_image=r.docker_image,
                    affinity=r.affinity,
                    ssh_from=self.bastion,
                    boot_volume_size=r.boot_volume_size,
                    boot_volume_type=r.boot_volume_type,
                    availability_zone=config.openstack.availability_zone,
                )

        c = config.cluster
        labels = {label: "false" for addon, label in _MAGNUM_LABEL_OF_ADDON.items() if addon_enabled(config, addon)}
        labels.update(c.labels)
        with source.origin(
            "cluster", renames={"node_flavor": "worker_flavor", "node_count": "worker_count", "name": ""}
        ):
            self.cluster = ManagedCluster(
                self,
                "cluster",
                name=config.name,
                network=self.network,
                kubernetes_version=c.kubernetes_version,
                image=c.image,
                master_flavor=c.master_flavor,
                node_flavor=c.worker_flavor,
                node_count=c.worker_count,
                master_count=c.master_count,
                keypair=keypair,
                network_driver=c.network_driver,
                labels=labels,
                master_lb_enabled=c.master_lb_enabled,
                floating_ip_enabled=c.floating_ip_enabled,
                api_allowed_cidrs=c.api_allowed_cidrs,
                docker_volume_size=c.docker_volume_size,
            )
        self.node_groups: list[NodeGroup] = []
        for name, g in config.node_group.items():
            with source.origin(
                "node_group",
                name,
                renames={
                    "node_count": "count",
                    "min_node_count": "min_count",
                    "max_node_count": "max_count",
                    "docker_volume_size": "volume_size",
                    "name": "",
                },
            ):
                self.node_groups.append(
                    NodeGroup(
                        self,
                        f"node-group-{name}",
                        cluster=self.cluster,
                        name=name,
                        role=g.role,
                        flavor=g.flavor,
                        node_count=g.count,
                        min_node_count=g.min_count,
                        max_node_count=g.max_count,
                        image=g.image,
                        docker_volume_size=g.volume_size,
                        labels=g.labels,
                    )
                )
        TerraformOutput(self, "kubernetes_api_address", value=self.cluster.api_address)
        TerraformOutput(
            self,
            "kubeconfig",
            value=self.cluster.cluster.kubeconfig.lookup("raw_config"),
            sensitive=True,
            description="admin kubeconfig: terraform output -raw kubeconfig",
        )
        TerraformOutput(self, "cluster_id", value=self.cluster.cluster_id)
