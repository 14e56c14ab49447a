"""Selectel Managed Kubernetes (MKS): a cluster and its node groups.

Selectel has no Magnum; its managed Kubernetes is built with the ``selectel/selectel``
provider (:mod:`constructs_lib.selectel_provider`). MKS runs the cloud controller (Octavia
load balancers for Services) and the Cinder CSI driver itself, so the platform layer installs
neither. Node groups carry labels and taints from the moment a node joins: the role label
``node-role.deckhouse.io/<role>`` on every node, and the taint
``dedicated.deckhouse.io=<role>:NoExecute`` on nodes of the dedicated roles.

Arguments and what replaces what (provider v8.3.1, ForceNew in its schema): the cluster's
name, region, project, network, subnet, control-plane type, CNI and API privacy replace the
cluster; ``kube_version`` upgrades it in place. A node group's zone, flavor, CPU/RAM, volume
and key pair replace the group; counts, autoscaling bounds, labels and taints update in place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cdktf import Annotations, Fn, TerraformProvider, TerraformResourceLifecycle
from cdktf_cdktf_provider_openstack.data_openstack_compute_flavor_v2 import DataOpenstackComputeFlavorV2
from cdktf_cdktf_provider_openstack.data_openstack_identity_auth_scope_v3 import DataOpenstackIdentityAuthScopeV3
from constructs import Construct

from . import _validate as check
from .cluster import ClusterReference, KubernetesAccess, ManagedCluster
from .cluster_arguments import EnvironmentFacts, StackOffer
from .cluster_drivers import DRIVERS, SELECTEL_MKS
from .errors import ConstructArgumentError
from .keypair import SshKeyPair
from .network import Network
from .node_groups import NodeGroup, cluster_reference
from .selectel_mks_arguments import (  # noqa: F401  (re-exported: the Selectel rules are part of this module's API)
    _VOLUME_TYPE,
    CONTROL_PLANES,
    MAX_NODES_PER_GROUP,
    NETWORK_PLUGINS,
    RESERVED_CIDRS,
    TAINT_EFFECTS,
    VOLUME_GB,
    MksClusterArguments,
    MksOidc,
    check_cluster_arguments,
    check_environment,
    check_node_group_arguments,
    check_pool,
    check_project_id,
    check_subnets,
    check_zone,
)
from .selectel_provider import SelectelDataSource, SelectelProvider, SelectelResource


def _minor_patches(versions: str, minor: str) -> str:
    """A Terraform expression: the patch numbers of ``minor`` among ``versions`` (a reference
    to a list such as ``["1.36.3", "1.35.9"]``; the list is in no particular order)."""
    pattern = "^" + minor.replace(".", "[.]") + "[.][0-9]+$"
    return f'[for v in {versions} : tonumber(split(".", v)[2]) if can(regex("{pattern}", v))]'


class SelectelMksCluster(ManagedCluster):
    """A Selectel Managed Kubernetes cluster in the environment's private network.

    :param name: cluster name (lowercase letters, digits, '-').
    :param region: Selectel pool, e.g. ``ru-7``.
    :param kubernetes_version: a minor such as ``1.36``: the newest patch of it that MKS offers
        (``selectel_mks_kube_versions_v1.versions``), resolved at every plan, so a later plan
        upgrades the cluster in place to a newer patch once MKS offers one. Or an exact
        release such as ``1.36.1``, for those who pin. Either way a plan-time check fails the
        plan when MKS offers no patch of that minor in the region. Changing it upgrades the
        cluster in place (MKS goes up one minor at a time).
    :param network: the :class:`~constructs_lib.network.Network` whose network and primary
        subnet the nodes use. Default: MKS creates a network of its own.
    :param project_id: the Selectel project's id (32 lowercase hexadecimal characters).
        Default: the project the OpenStack provider is scoped to (``OS_PROJECT_ID`` /
        clouds.yaml), read at plan time.
    :param control_plane: ``basic`` (one master, default), ``high-availability`` (three
        masters) or ``high-availability-multi-az`` (masters spread over zones). Replaces the
        cluster when changed.
    :param private_api: the API has no public address, only the private network reaches it.
        Default ``True``; ``False`` exposes the API to the internet.
    :param network_plugin: ``calico`` (default) or ``cilium``.
    :param maintenance_window_start: ``HH:MM:SS`` (UTC) when MKS may repair and patch.
        Default: MKS's choice.
    :param auto_repair: MKS replaces broken nodes. Default ``True``.
    :param patch_auto_upgrade: MKS applies patch releases in the maintenance window.
        Default: on for the high-availability control planes; a ``basic`` one cannot have it
        (MKS refuses to create it).
    :param feature_gates: Kubernetes feature gates to turn on. Default: none.
    :param admission_controllers: extra admission plugins. Default: none.
    :param oidc: :class:`MksOidc` (or a map of its arguments) for the API server. Default: none.
    :param audit_logs: send the API server's audit log to Selectel's logging. Default ``False``.
    :param keypair: key pair put on nodes of every group. Default: none (no SSH to nodes).
    :param availability_zone: default zone of node groups: a segment of ``region`` such as
        ``ru-7a``. Default: none (each group then names its zone).
    :param provider: the ``selectel`` provider to use. Default: the stack's (one reading
        ``OS_*`` credentials is added when there is none).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        region: str,
        kubernetes_version: str,
        network: Network | None = None,
        project_id: str | None = None,
        control_plane: str = "basic",
        private_api: bool = True,
        network_plugin: str = "calico",
        maintenance_window_start: str | None = None,
        auto_repair: bool = True,
        patch_auto_upgrade: bool | None = None,
        feature_gates: Sequence[str] = (),
        admission_controllers: Sequence[str] = (),
        oidc: MksOidc | Mapping[str, str] | None = None,
        audit_logs: bool = False,
        keypair: SshKeyPair | None = None,
        availability_zone: str | None = None,
        provider: TerraformProvider | None = None,
    ) -> None:
        path = check.child_path(scope, id)
        given = check_cluster_arguments(
            path,
            network_type=Network,
            keypair_type=SshKeyPair,
            name=name,
            region=region,
            kubernetes_version=kubernetes_version,
            network=network,
            project_id=project_id,
            control_plane=control_plane,
            private_api=private_api,
            network_plugin=network_plugin,
            maintenance_window_start=maintenance_window_start,
            auto_repair=auto_repair,
            patch_auto_upgrade=patch_auto_upgrade,
            feature_gates=feature_gates,
            admission_controllers=admission_controllers,
            oidc=oidc,
            audit_logs=audit_logs,
            keypair=keypair,
            availability_zone=availability_zone,
        )
        if provider is not None and not isinstance(provider, TerraformProvider):
            raise ConstructArgumentError(path, "provider", provider, "a TerraformProvider for selectel/selectel")
        super().__init__(scope, id, driver=DRIVERS[SELECTEL_MKS], name=name, version=given.version)
        if not private_api:
            Annotations.of(self).add_warning("private_api is false: the Kubernetes API gets a public address")
        self.provider = provider or SelectelProvider.of(self)
        self._flavor_ids: dict[str, str] = {}
        self.region = region
        self.keypair = keypair
        self.availability_zone = availability_zone
        if project_id is None:
            project_id = DataOpenstackIdentityAuthScopeV3(self, "project", name="current").project_id
        self.project_id = project_id
        self._build_cluster(given)
        self._build_access()

    @classmethod
    def stack_arguments(cls, offer: StackOffer, given: Mapping[str, Any]) -> dict[str, Any]:
        """The common ones, and a ``selectel`` provider in the stack reading the offered
        identity endpoint. The cluster block's zone (the node groups' default) wins over the
        offered one (where the stack's VMs go)."""
        supplied = super().stack_arguments(offer, given)
        supplied["provider"] = SelectelProvider(offer.stack, "selectel", auth_url=offer.auth_url)
        return supplied

    @classmethod
    def check_environment(cls, path: str, facts: EnvironmentFacts) -> None:
        """The pool, the subnets and the zone written outside the cluster block, and that the
        environment has node groups (:func:`~constructs_lib.selectel_mks_arguments.check_environment`)."""
        check_environment(path, facts)

    def _build_cluster(self, given: MksClusterArguments) -> None:
        """The cluster, at the newest offered patch of a minor (or the release given), with a
        plan-time check that MKS offers that minor in the region."""
        version, region, network = given.version, self.region, given.given["network"]
        # The versions MKS offers in the region: the minor is resolved from them, and a
        # plan-time check below refuses a minor MKS does not offer (it drops old patches).
        offered = SelectelDataSource(
            self,
            "kube-versions",
            "selectel_mks_kube_versions_v1",
            {"project_id": self.project_id, "region": region},
            provider=self.provider,
        )
        # A plain reference (by the data source's logical id) inside the expressions.
        versions_ref = f"data.selectel_mks_kube_versions_v1.{offered.friendly_unique_id}.versions"
        minor = ".".join(version.split(".")[:2])
        patches = _minor_patches(versions_ref, minor)
        # A minor: its newest offered patch, compared as numbers ("1.36.10" is newer than
        # "1.36.9"). The precondition runs first, so the list is never empty here.
        kube_version = version if version != minor else f'${{format("%s.%d", "{minor}", max({patches}...))}}'
        self.resource = SelectelResource(
            self,
            "cluster",
            "selectel_mks_cluster_v1",
            {
                "name": self.name,
                "project_id": self.project_id,
                "region": region,
                "kube_version": kube_version,
                "network_id": network.network_id if network else None,
                "subnet_id": network.primary_subnet_id if network else None,
                "cluster_type": CONTROL_PLANES[given.given["control_plane"]],
                "private_kube_api": given.given["private_api"],
                "cni_type": NETWORK_PLUGINS[given.given["network_plugin"]],
                "maintenance_window_start": given.given["maintenance_window_start"],
                "enable_autorepair": given.given["auto_repair"],
                "enable_patch_version_auto_upgrade": given.patch_auto_upgrade,
                "feature_gates": sorted(given.feature_gates) or None,
                "admission_controllers": sorted(given.admission_controllers) or None,
                "oidc": _oidc_block(given.oidc, self.name),
                "enable_audit_logs": given.given["audit_logs"],
            },
            provider=self.provider,
        )
        # By minor, for a pinned release too: MKS upgrades patches itself and drops old ones.
        self.resource.add_override(
            "lifecycle.precondition",
            [
                {
                    "condition": f"${{length({patches}) > 0}}",
                    "error_message": f"Kubernetes {minor} is not offered by Selectel MKS in {region}"
                    " (see the versions it offers: selectel_mks_kube_versions_v1).",
                }
            ],
        )
        self.cluster_id: str = self.resource.get_string_attribute("id")
        self.api_address: str = self.resource.get_string_attribute("kube_api_ip")

    def _build_access(self) -> None:
        """The admin kubeconfig, read at plan time, and the providers' connection settings."""
        kubeconfig = SelectelDataSource(
            self,
            "kubeconfig",
            "selectel_mks_kubeconfig_v1",
            {"cluster_id": self.cluster_id, "project_id": self.project_id, "region": self.region},
            provider=self.provider,
        )
        self.kubeconfig: str = kubeconfig.get_string_attribute("raw_config")
        # The certificate fields are the kubeconfig's base64 *-data values; the providers
        # take PEM.
        self.access = KubernetesAccess(
            host=kubeconfig.get_string_attribute("server"),
            cluster_ca_certificate=Fn.base64decode(kubeconfig.get_string_attribute("cluster_ca_cert")),
            client_certificate=Fn.base64decode(kubeconfig.get_string_attribute("client_cert")),
            client_key=Fn.base64decode(kubeconfig.get_string_attribute("client_key")),
        )

    def _make_reference(self) -> MksClusterReference:
        return self._build_reference(
            MksClusterReference,
            project_id=self.project_id,
            region=self.region,
            availability_zone=self.availability_zone,
            keypair_name=self.keypair.name if self.keypair else None,
            provider=self.provider,
            flavor_id=self.flavor_id,
        )

    def flavor_id(self, flavor: str) -> str:
        """The id of the flavor called ``flavor``, looked up at plan time once per cluster."""
        if flavor not in self._flavor_ids:
            lookup = DataOpenstackComputeFlavorV2(self, f"flavor-{len(self._flavor_ids)}", name=flavor)
            self._flavor_ids[flavor] = lookup.id
        return self._flavor_ids[flavor]


def _oidc_block(oidc: MksOidc | None, name: str) -> list[dict[str, Any]] | None:
    """The cluster's ``oidc`` block (MKS needs a provider name with OIDC on: the cluster's)."""
    if oidc is None:
        return None
    return [
        {
            key: value
            for key, value in (
                ("enabled", True),
                ("issuer_url", oidc.issuer_url),
                ("client_id", oidc.client_id),
                ("provider_name", oidc.provider_name or name),
                ("username_claim", oidc.username_claim),
                ("groups_claim", oidc.groups_claim),
            )
            if value is not None
        }
    ]


@dataclass(frozen=True)
class MksClusterReference(ClusterReference):
    """What a :class:`SelectelMksNodeGroup` knows of its :class:`SelectelMksCluster`.

    :param project_id: the cluster's project.
    :param region: the cluster's pool.
    :param availability_zone: the cluster's default zone for groups, or None.
    :param keypair_name: the nodes' key pair, or None.
    :param provider: the ``selectel`` provider.
    :param flavor_id: the id of a flavor by name (looked up once per cluster).
    """

    project_id: str
    region: str
    availability_zone: str | None
    keypair_name: str | None
    provider: TerraformProvider
    flavor_id: Callable[[str], str]


class SelectelMksNodeGroup(NodeGroup):
    """A group of MKS nodes with one role.

    :param cluster: what :meth:`SelectelMksCluster.add_node_group` hands it (an
        :class:`MksClusterReference`): add the group with ``cluster.add_node_group(id, ...)``.
    :param name: the group's name in this library (construct paths, messages).
    :param role: ``system``, ``frontend``, ``worker`` or a custom lowercase role. Every node is
        labelled ``node-role.deckhouse.io/<role>=""``; nodes of ``system`` and ``frontend`` are
        tainted ``dedicated.deckhouse.io=<role>:NoExecute`` as they join (see ``taint``).
    :param count: nodes now (with autoscaling: at creation; the autoscaler owns it after); at
        least 1 (the provider never sends a count of 0 to MKS). An autoscaled group may
        shrink to ``min_count = 0``.
    :param min_count: autoscaler lower bound. Default: ``count``.
    :param max_count: autoscaler upper bound. Default: ``count``. Autoscaling is on
        when the bounds differ.
    :param flavor: a flavor name, looked up at plan time. Or give ``cpus`` and ``ram_mb``.
    :param cpus: vCPUs of each node (with ``ram_mb``, instead of ``flavor``).
    :param ram_mb: RAM of each node in MB (with ``cpus``).
    :param volume_size: the node's boot volume size in GB (16-16384). Required unless the
        group has a ``flavor`` and ``local_volume``: MKS takes the size from the flavor's
        local disk only then.
    :param volume_type: network volume type ``<kind>.<zone>`` of the group's zone, e.g.
        ``universal.ru-7a``. Default: ``fast.<zone>`` (SSD), unless ``local_volume``.
    :param local_volume: boot from the flavor's local disk instead of a network volume.
        Default ``False``.
    :param availability_zone: a segment of the cluster's pool, e.g. ``ru-7a``. Default: the
        cluster's ``availability_zone``.
    :param labels: extra node labels. Default: none. Keys in the namespaces Kubernetes
        reserves (``kubernetes.io``, ``k8s.io`` and their subdomains, such as
        ``node-role.kubernetes.io``) are refused, as the kubelet refuses them, except
        ``kubelet.kubernetes.io/`` and ``node.kubernetes.io/`` ones; so is the role label.
    :param taint: taint the nodes of a dedicated role. Default: ``True`` for ``system`` and
        ``frontend``, ignored for other roles.
    :param preemptible: cheaper nodes the cloud may stop. Default ``False``.
    :param install_nvidia_device_plugin: MKS installs the NVIDIA device plugin and GPU drivers
        on the group's nodes (for GPU flavors). Default ``False``. Changing it replaces the
        group.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster: MksClusterReference,
        name: str,
        role: str,
        count: int,
        min_count: int | None = None,
        max_count: int | None = None,
        flavor: str | None = None,
        cpus: int | None = None,
        ram_mb: int | None = None,
        volume_size: int | None = None,
        volume_type: str | None = None,
        local_volume: bool = False,
        availability_zone: str | None = None,
        labels: Mapping[str, str] | None = None,
        taint: bool = True,
        preemptible: bool = False,
        install_nvidia_device_plugin: bool = False,
    ) -> None:
        path = check.child_path(scope, id)
        reference = cluster_reference(path, cluster, MksClusterReference, "SelectelMksCluster")
        given = check_node_group_arguments(
            path,
            reference,
            name=name,
            role=role,
            count=count,
            min_count=min_count,
            max_count=max_count,
            flavor=flavor,
            cpus=cpus,
            ram_mb=ram_mb,
            volume_size=volume_size,
            volume_type=volume_type,
            local_volume=local_volume,
            availability_zone=availability_zone,
            labels=labels,
            taint=taint,
            preemptible=preemptible,
            install_nvidia_device_plugin=install_nvidia_device_plugin,
        )
        super().__init__(scope, id, cluster=reference, name=name, role=role, counts=given.counts)
        self.taints = given.taints
        self.volume_type = given.volume_type
        self.resource = SelectelResource(
            self,
            "nodegroup",
            "selectel_mks_nodegroup_v1",
            {
                "cluster_id": reference.cluster_id,
                "project_id": reference.project_id,
                "region": reference.region,
                "availability_zone": given.zone,
                "nodes_count": self.count,
                "flavor_id": reference.flavor_id(flavor) if flavor is not None else None,
                "cpus": cpus,
                "ram_mb": ram_mb,
                "volume_gb": volume_size,
                "volume_type": given.volume_type,
                "local_volume": True if local_volume else None,
                "keypair_name": reference.keypair_name,
                "labels": given.node_labels,
                "taints": self.taints or None,
                "enable_autoscale": self.autoscaled,
                "autoscale_min_nodes": self.min_count if self.autoscaled else None,
                "autoscale_max_nodes": self.max_count if self.autoscaled else None,
                # Required by the provider: written even when false.
                "install_nvidia_device_plugin": install_nvidia_device_plugin,
                "preemptible": preemptible,
            },
            provider=reference.provider,
            # The autoscaler owns the count of an autoscaled group: an apply must not reset it.
            lifecycle=TerraformResourceLifecycle(ignore_changes=["nodes_count"]) if self.autoscaled else None,
        )


SelectelMksCluster.node_group_type = SelectelMksNodeGroup
