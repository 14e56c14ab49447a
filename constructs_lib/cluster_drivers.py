"""The cluster drivers: which cloud API builds the cluster, and what follows from it.

Each driver tells the rest of the library three things:

- which addons the cloud already runs (``provided_addons``), so
  :class:`~constructs_lib.addons.PlatformAddons` never installs a second cloud controller,
  CSI driver or metrics-server;
- how to place a pod on a role (``role_label``): the node label that really exists on that
  driver's nodes, and whether nodes of dedicated roles are tainted when they join;
- which arguments of its resources update in place (``in_place``); every other argument
  replaces the resource, which plan previews make loud; and, for Magnum, which template
  changes Magnum's upgrade API carries to a running cluster (``upgrade_applies``): any other
  template change replaces the cluster.

Every fact here was read from the driver's or provider's source at a pinned release; the
tests compare this table with the fixtures in ``tests/fixtures/upstream/`` that record
those sources. This module is plain data: it imports neither cdktf nor the bindings.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from .node_roles import ROLE_LABEL_PREFIX

if TYPE_CHECKING:
    from .cluster import ManagedCluster

SELECTEL_MKS = "selectel-mks"
MAGNUM_CAPI_HELM = "magnum-capi-helm"
MAGNUM_CLUSTER_API = "magnum-cluster-api"
MAGNUM_HEAT = "magnum-heat"
KAMAJI = "kamaji"

CLOUD_CONTROLLER = "openstack-cloud-controller-manager"
CINDER_CSI = "openstack-cinder-csi"
METRICS_SERVER = "metrics-server"
KUBELET_CSR_APPROVER = "kubelet-csr-approver"
CNI = "calico"


@dataclass(frozen=True)
class RoleLabel:
    """The node label by which a driver's nodes tell their role.

    :param key: the label key; ``{role}`` in it is replaced by the role.
    :param value: what the value is: ``"role"`` (the node group's role), ``"group"`` (the
        node group's name) or ``"empty"`` (the empty string).
    """

    key: str
    value: Literal["role", "group", "empty"]

    def key_for(self, role: str) -> str:
        return self.key.replace("{role}", role)

    def value_for(self, role: str, group: str) -> str:
        return {"role": role, "group": group, "empty": ""}[self.value]


@dataclass(frozen=True)
class ClusterDriver:
    """What one driver does, as the rest of the library needs to know it.

    :param name: the driver name environments use (``cluster { driver = ... }``).
    :param title: the cloud API in words.
    :param provided_addons: catalog addons the cloud installs into every cluster itself.
    :param role_label: the node label that identifies a node group's role.
    :param taints_at_creation: node groups carry labels and taints from the moment a node
        joins (no post-hoc taint step, no window in which anything can land on them).
    :param version_from: how the Kubernetes version is chosen, in words.
    :param api_cidrs_label: Magnum label restricting who reaches the API load balancer.
    :param in_place: resource type -> arguments that update in place (all others replace).
        On Magnum a cluster's ``cluster_template_id`` updates in place (the upgrade API) on
        the drivers that support it, but the library moves a cluster to a new template only
        for what ``upgrade_applies`` names: any other template change also changes the
        ``terraform_data`` revision in the cluster's ``replace_triggered_by``
        (``triggers_replace`` replaces it, and with it the cluster).
    :param upgrades_in_place: a Kubernetes version change moves the cluster to a new template
        through Magnum's upgrade API (otherwise the cluster is replaced).
    :param upgrade_applies: template settings a move to a new template carries to the
        running cluster: template arguments (``image``) and labels (``labels.kube_tag``).
        Magnum copies the template's labels into the cluster when it creates it, and no
        driver's upgrade takes labels from the new template again (but magnum-cluster-api's
        ``kube_tag``), so a change to any other setting replaces the cluster.
    :param labels_read: for Magnum drivers, every cluster label the driver reads; the
        library emits no other, and refuses others from the environment as a typo guard:
        no driver fails on a label it does not know (magnum-capi-helm raises only when its
        own code asks for an unregistered one), it ignores it, so a misspelt label would
        silently change nothing.
    :param self_managed: the library builds the control plane itself (in a management
        cluster) and the nodes as plain VMs: no cloud API builds the cluster.
    :param max_kubernetes: the newest Kubernetes minor the driver accepts, ``(major, minor)``,
        where the library knows it (checked when the environment is loaded).
    :param turns_on: catalog addons the driver needs and turns on (a bare cluster has no
        CNI, no cloud controller, no CSI driver and no serving-certificate approver).
    :param construct: the construct that builds the cluster, ``<module>.<Class>`` in
        ``constructs_lib`` (:meth:`construct_class` imports it).
    :param oidc: how the API server trusts an OIDC issuer the environment configures:
        ``"one-issuer"`` (a cluster argument naming a single issuer, usernames
        ``<issuer>#<sub>``), ``"structured"`` (an AuthenticationConfiguration the library
        writes, the same usernames by default) or None (no OIDC: CI uses ServiceAccounts).
    :param version_label: the Magnum label that carries the Kubernetes version (``v`` + the
        version), or None when the driver takes it from elsewhere.
    :param version_from_image: the Kubernetes version is a property of the image (the
        library looks the image up at plan time so a wrong image fails early).
    :param api_always_behind_lb: the API sits behind a load balancer whatever
        ``master_lb_enabled`` says.
    :param api_floating_ip_label_without_lb: the driver reads ``master_lb_floating_ip_enabled``
        for the API's floating IP with or without a load balancer.
    :param addon_labels: labels that turn on the cloud's own copies of addons.
    :param default_group_bounds: autoscaling bounds of the built-in worker group are set by
        the ``min_node_count``/``max_node_count`` labels.
    :param registry_prefix_slash: ``container_infra_prefix`` is put in front of image names
        as is (so it ends with ``/``); otherwise the driver joins it with ``/`` itself.
    :param needs_dns_server: the driver hands the template's ``dns_nameserver`` to its nodes
        and fails to build the cluster without one.
    :param source: where these facts were read.
    """

    name: str
    title: str
    provided_addons: frozenset[str]
    role_label: RoleLabel
    taints_at_creation: bool
    version_from: str
    api_cidrs_label: str | None
    in_place: Mapping[str, frozenset[str]] = field(default_factory=dict)
    upgrades_in_place: bool = False
    upgrade_applies: frozenset[str] = frozenset()
    labels_read: frozenset[str] = frozenset()
    self_managed: bool = False
    max_kubernetes: tuple[int, int] | None = None
    turns_on: frozenset[str] = frozenset()
    construct: str = "magnum.MagnumCluster"
    oidc: Literal["one-issuer", "structured"] | None = None
    version_label: str | None = None
    version_from_image: bool = False
    api_always_behind_lb: bool = False
    api_floating_ip_label_without_lb: bool = False
    addon_labels: Mapping[str, str] = field(default_factory=dict)
    default_group_bounds: bool = False
    registry_prefix_slash: bool = False
    needs_dns_server: bool = False
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "in_place", MappingProxyType(dict(self.in_place)))
        object.__setattr__(self, "addon_labels", MappingProxyType(dict(self.addon_labels)))

    def construct_class(self) -> type[ManagedCluster]:
        """The construct class that builds this driver's clusters (imported on demand: this
        module stays free of cdktf)."""
        module, _, name = self.construct.rpartition(".")
        found: type[ManagedCluster] = getattr(importlib.import_module(f"{__package__}.{module}"), name)
        return found


#: terraform-provider-openstack 3.0.0: a Magnum cluster updates only its node count and its
#: template (through the upgrade API); a node group only its three counts; a template that a
#: cluster uses cannot be patched at all (ClusterTemplateReferenced), so the library never
#: updates one: any change makes a new template (``replace_triggered_by``). The digests that
#: trigger those replacements live in ``terraform_data`` (terraform's built-in type: a new
#: ``triggers_replace`` replaces it, and so every resource whose ``replace_triggered_by``
#: names it, with the bare reference ``terraform_data.<name>``).
_MAGNUM_IN_PLACE = {
    "openstack_containerinfra_cluster_v1": frozenset({"node_count", "cluster_template_id", "timeouts"}),
    "openstack_containerinfra_nodegroup_v1": frozenset({"node_count", "min_node_count", "max_node_count", "timeouts"}),
    "openstack_containerinfra_clustertemplate_v1": frozenset({"timeouts"}),
}
#: The Heat driver refuses the upgrade API (NotSupported): a new template replaces the cluster.
_HEAT_IN_PLACE = {
    **_MAGNUM_IN_PLACE,
    "openstack_containerinfra_cluster_v1": frozenset({"node_count", "timeouts"}),
}
#: selectel/selectel v8.3.1: arguments without ForceNew (and not replaced by CustomizeDiff).
_SELECTEL_IN_PLACE = {
    "selectel_mks_cluster_v1": frozenset(
        {
            "kube_version",
            "maintenance_window_start",
            "enable_autorepair",
            "enable_patch_version_auto_upgrade",
            "enable_pod_security_policy",
            "feature_gates",
            "admission_controllers",
            "enable_audit_logs",
            "oidc",
            "timeouts",
        }
    ),
    "selectel_mks_nodegroup_v1": frozenset(
        {
            "nodes_count",
            "labels",
            "taints",
            "enable_autoscale",
            "autoscale_min_nodes",
            "autoscale_max_nodes",
            "timeouts",
        }
    ),
}

#: clastix/kamaji 26.8.2-edge: the newest tenant minor its webhook accepts (its kubeadm is v1.36.0).
KAMAJI_TAG = "26.8.2-edge"
KAMAJI_MAX_KUBERNETES = (1, 36)
#: hashicorp/kubernetes 2.37.1 ``kubernetes_manifest``: the manifest is applied by server-side
#: apply (in place); terraform-provider-openstack 3.0.0 (openstack/resource_openstack_compute_instance_v2.go):
#: a server's name, flavor (a resize), metadata, tags, security groups, admin password and
#: power state update in place; its network, zone, key pair, user data and boot volume force
#: a new server (an image change is counted as a replacement: the nodes boot from a volume).
_KAMAJI_IN_PLACE = {
    "kubernetes_manifest": frozenset({"manifest", "computed_fields", "field_manager", "wait", "timeouts"}),
    "openstack_compute_instance_v2": frozenset(
        {
            "name",
            "flavor_id",
            "flavor_name",
            "metadata",
            "tags",
            "security_groups",
            "admin_pass",
            "power_state",
            "stop_before_destroy",
            "force_delete",
            "vendor_options",
            "timeouts",
        }
    ),
}

# Every label each Magnum driver reads (tests/fixtures/upstream/magnum_drivers.json).
#: The Cinder CSI labels of the Heat driver (the plugin on or off, its image and its sidecars'
#: tags), which the Cluster API driver reads under the same names.
_CINDER_CSI_LABELS = frozenset(
    {
        "cinder_csi_enabled",
        "cinder_csi_plugin_tag",
        "csi_attacher_tag",
        "csi_liveness_probe_tag",
        "csi_node_driver_registrar_tag",
        "csi_provisioner_tag",
        "csi_resizer_tag",
        "csi_snapshotter_tag",
    }
)
_HEAT_LABELS = _CINDER_CSI_LABELS | frozenset(
    {
        "admission_control_list",
        "auto_healing_controller",
        "auto_healing_enabled",
        "auto_scaling_enabled",
        "autoscaler_tag",
        "availability_zone",
        "boot_volume_size",
        "boot_volume_type",
        "calico_ipv4pool",
        "calico_ipv4pool_ipip",
        "calico_tag",
        "cert_manager_api",
        "cgroup_driver",
        "cloud_provider_enabled",
        "cloud_provider_tag",
        "cluster_basic_auth_secret",
        "cluster_root_domain_name",
        "container_infra_prefix",
        "container_runtime",
        "containerd_tarball_sha256",
        "containerd_tarball_url",
        "containerd_version",
        "coredns_tag",
        "docker_volume_type",
        "draino_tag",
        "etcd_tag",
        "etcd_volume_size",
        "etcd_volume_type",
        "fixed_subnet_cidr",
        "flannel_backend",
        "flannel_cni_tag",
        "flannel_network_cidr",
        "flannel_network_subnetlen",
        "flannel_tag",
        "grafana_admin_passwd",
        "grafana_tag",
        "heapster_enabled",
        "heat_container_agent_tag",
        "helm_client_sha256",
        "helm_client_tag",
        "helm_client_url",
        "hyperkube_prefix",
        "influx_grafana_dashboard_enabled",
        "ingress_controller",
        "ingress_controller_role",
        "k8s_keystone_auth_tag",
        "keystone_auth_enabled",
        "kube_dashboard_enabled",
        "kube_image_digest",
        "kube_tag",
        "kubeapi_options",
        "kubecontroller_options",
        "kubelet_options",
        "kubeproxy_options",
        "kubescheduler_options",
        "magnum_auto_healer_tag",
        "master_lb_allowed_cidrs",
        "master_lb_floating_ip_enabled",
        "max_node_count",
        "metrics_scraper_tag",
        "metrics_server_chart_tag",
        "metrics_server_enabled",
        "min_node_count",
        "monitoring_enabled",
        "monitoring_ingress_enabled",
        "monitoring_interval_seconds",
        "monitoring_retention_days",
        "monitoring_retention_size",
        "monitoring_storage_class_name",
        "nginx_ingress_controller_chart_tag",
        "nginx_ingress_controller_tag",
        "node_problem_detector_tag",
        "npd_enabled",
        "octavia_ingress_controller_tag",
        "octavia_lb_algorithm",
        "octavia_lb_healthcheck",
        "octavia_provider",
        "ostree_commit",
        "ostree_remote",
        "prometheus_adapter_chart_tag",
        "prometheus_adapter_configmap",
        "prometheus_adapter_enabled",
        "prometheus_monitoring",
        "prometheus_operator_chart_tag",
        "prometheus_tag",
        "selinux_mode",
        "service_cluster_ip_range",
        "system_pods_initial_delay",
        "system_pods_timeout",
        "traefik_ingress_controller_tag",
        "use_podman",
    }
)
_CAPI_HELM_LABELS = frozenset(
    {
        "api_master_lb_allowed_cidrs",
        "auto_healing_enabled",
        "auto_scaling_enabled",
        "boot_volume_size",
        "boot_volume_type",
        "capi_helm_chart_version",
        "csi_cinder_allow_volume_expansion",
        "csi_cinder_availability_zone",
        "csi_cinder_fstype",
        "csi_cinder_reclaim_policy",
        "csi_cinder_volume_binding_mode",
        "etcd_blockdevice_size",
        "etcd_blockdevice_type",
        "etcd_blockdevice_volume_az",
        "etcd_blockdevice_volume_type",
        "etcd_volume_size",
        "etcd_volume_type",
        "extra_network_name",
        "extra_network_names",
        "fixed_subnet_cidr",
        "keystone_auth_enabled",
        "kube_dashboard_enabled",
        "master_lb_floating_ip_enabled",
        "max_node_count",
        "min_node_count",
        "monitoring_enabled",
        "octavia_lb_algorithm",
        "octavia_lb_healthcheck",
        "octavia_provider",
    }
)
_CLUSTER_API_LABELS = _CINDER_CSI_LABELS | frozenset(
    {
        "admission_control_list",
        "api_server_cert_sans",
        "api_server_floating_ip",
        "api_server_tls_cipher_suites",
        "audit_log_enabled",
        "audit_log_max_age",
        "audit_log_max_backup",
        "audit_log_max_size",
        "auto_healing_enabled",
        "auto_scaling_enabled",
        "availability_zone",
        "boot_volume_availability_zone",
        "boot_volume_size",
        "boot_volume_type",
        "calico_ipv4pool",
        "calico_tag",
        "cilium_hubble_ui_enabled",
        "cilium_ipv4pool",
        "cilium_tag",
        "cloud_provider_tag",
        "container_infra_prefix",
        "control_plane_availability_zones",
        "different_failure_domain",
        "dns_cluster_domain",
        "docker_volume_type",
        "etcd_volume_size",
        "etcd_volume_type",
        "fixed_subnet_cidr",
        "keystone_auth_enabled",
        "kube_tag",
        "kubelet_tls_cipher_suites",
        "manila_csi_enabled",
        "manila_csi_plugin_tag",
        "manila_csi_share_network_id",
        "master_lb_floating_ip_enabled",
        "max_node_count",
        "octavia_lb_algorithm",
        "octavia_lb_healthcheck",
        "octavia_provider",
        "oidc_client_id",
        "oidc_groups_claim",
        "oidc_groups_prefix",
        "oidc_issuer_url",
        "oidc_username_claim",
        "oidc_username_prefix",
        "server_group_policies",
        "service_cluster_ip_range",
    }
)

DRIVERS: Mapping[str, ClusterDriver] = MappingProxyType(
    {
        SELECTEL_MKS: ClusterDriver(
            name=SELECTEL_MKS,
            title="Selectel Managed Kubernetes (selectel/selectel provider)",
            # metrics-server comes with MKS 1.27 and later (Selectel's documentation).
            provided_addons=frozenset({CLOUD_CONTROLLER, CINDER_CSI, METRICS_SERVER}),
            role_label=RoleLabel(ROLE_LABEL_PREFIX + "{role}", "empty"),
            taints_at_creation=True,
            version_from="argument kube_version",
            api_cidrs_label=None,
            in_place=_SELECTEL_IN_PLACE,
            upgrades_in_place=True,
            construct="selectel_mks.SelectelMksCluster",
            oidc="one-issuer",
            source="selectel/terraform-provider-selectel v8.3.1",
        ),
        MAGNUM_CAPI_HELM: ClusterDriver(
            name=MAGNUM_CAPI_HELM,
            title="OpenStack Magnum, Cluster API Helm driver (StackHPC magnum-capi-helm)",
            provided_addons=frozenset({CLOUD_CONTROLLER, CINDER_CSI, METRICS_SERVER}),
            role_label=RoleLabel("capi.stackhpc.com/node-group", "group"),
            taints_at_creation=False,
            version_from="image property kube_version (kube_tag is ignored)",
            api_cidrs_label="api_master_lb_allowed_cidrs",
            in_place=_MAGNUM_IN_PLACE,
            upgrades_in_place=True,
            # The version is the image's property; the cluster keeps its copies of the labels.
            upgrade_applies=frozenset({"image"}),
            labels_read=_CAPI_HELM_LABELS,
            version_from_image=True,
            # Its chart values turn the API load balancer on whatever the cluster says.
            api_always_behind_lb=True,
            default_group_bounds=True,
            source="stackhpc/magnum-capi-helm 1.4.0",
        ),
        MAGNUM_CLUSTER_API: ClusterDriver(
            name=MAGNUM_CLUSTER_API,
            title="OpenStack Magnum, Cluster API driver (Vexxhost magnum-cluster-api)",
            provided_addons=frozenset({CLOUD_CONTROLLER, CINDER_CSI}),
            role_label=RoleLabel("node-role.kubernetes.io/{role}", "empty"),
            taints_at_creation=False,
            version_from="label kube_tag",
            api_cidrs_label=None,
            in_place=_MAGNUM_IN_PLACE,
            upgrades_in_place=True,
            # Its upgrade copies the image and kube_tag, and no other label, to the cluster.
            upgrade_applies=frozenset({"image", "labels.kube_tag"}),
            labels_read=_CLUSTER_API_LABELS,
            version_label="kube_tag",
            api_floating_ip_label_without_lb=True,
            addon_labels={"cinder_csi_enabled": "true"},
            needs_dns_server=True,
            source="vexxhost/magnum-cluster-api v0.38.1",
        ),
        MAGNUM_HEAT: ClusterDriver(
            name=MAGNUM_HEAT,
            title="OpenStack Magnum, Heat driver (Magnum 22.0.0 and older; removed upstream)",
            provided_addons=frozenset({CLOUD_CONTROLLER, CINDER_CSI, METRICS_SERVER}),
            role_label=RoleLabel("magnum.openstack.org/role", "role"),
            taints_at_creation=False,
            version_from="label kube_tag",
            api_cidrs_label="master_lb_allowed_cidrs",
            in_place=_HEAT_IN_PLACE,
            upgrades_in_place=False,
            labels_read=_HEAT_LABELS,
            version_label="kube_tag",
            addon_labels={
                "cloud_provider_enabled": "true",
                "cinder_csi_enabled": "true",
                "metrics_server_enabled": "true",
            },
            default_group_bounds=True,
            registry_prefix_slash=True,
            source="openstack/magnum 22.0.0",
        ),
        KAMAJI: ClusterDriver(
            name=KAMAJI,
            title="Kamaji control plane in a management cluster, Flatcar worker VMs (this library)",
            # A hosted control plane and bare VMs: the platform stack installs everything.
            provided_addons=frozenset(),
            role_label=RoleLabel(ROLE_LABEL_PREFIX + "{role}", "empty"),
            # The kubelet registers with the role label and, for dedicated roles, the taint.
            taints_at_creation=True,
            version_from="argument kubernetes_version (at most what the pinned Kamaji accepts)",
            api_cidrs_label=None,
            # Kamaji reconciles a changed TenantControlPlane (a version, replicas, arguments);
            # Terraform replaces a worker VM only for what the OpenStack provider forces new
            # (its user data is ignored after creation).
            in_place=_KAMAJI_IN_PLACE,
            upgrades_in_place=True,
            self_managed=True,
            construct="kamaji_cluster.KamajiCluster",
            oidc="structured",
            max_kubernetes=KAMAJI_MAX_KUBERNETES,
            turns_on=frozenset({CNI, CLOUD_CONTROLLER, CINDER_CSI, METRICS_SERVER, KUBELET_CSR_APPROVER}),
            source=f"clastix/kamaji {KAMAJI_TAG}",
        ),
    }
)


#: Every driver name, in the table's order (the environment file's choices).
DRIVER_NAMES: tuple[str, ...] = tuple(DRIVERS)


def driver(name: str) -> ClusterDriver:
    """The driver called ``name`` (KeyError for an unknown one; callers check first)."""
    return DRIVERS[name]


def markdown_table() -> str:
    """The drivers as a Markdown table (kept in the README by scripts/update_readme.py)."""
    rows = [
        "| driver | builds the cluster | Kubernetes version from | API load balancer CIDRs "
        "| the cloud runs itself | a role's nodes are found by | taints at join "
        "| a version change | source |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for d in DRIVERS.values():
        value = {"role": "`<role>`", "group": "`<group name>`", "empty": '`""`'}[d.role_label.value]
        upgrade = "upgrades in place" if d.upgrades_in_place else "replaces the cluster"
        if d.labels_read:
            upgrade = f"new template; {upgrade}"
            if d.upgrades_in_place:
                upgrade += " (any other template change replaces the cluster)"
        cidrs = f"label `{d.api_cidrs_label}`" if d.api_cidrs_label else "none (no public address by default)"
        if d.self_managed:
            cidrs = "argument `api_allowed_cidrs` (and the nodes' subnet)"
        provided = ", ".join(sorted(d.provided_addons)) or "nothing"
        if d.turns_on:
            provided += f" (the platform stack turns on {', '.join(sorted(d.turns_on))})"
        rows.append(
            f"| `{d.name}` | {d.title} | {d.version_from} | {cidrs} | {provided} "
            f"| `{d.role_label.key_for('<role>')}={value[1:-1]}` | "
            f"{'yes' if d.taints_at_creation else 'no: the platform stack taints them'} | {upgrade} | {d.source} |"
        )
    return "\n".join(rows)
