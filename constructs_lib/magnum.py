"""An OpenStack Magnum cluster (cluster template + cluster) and its node groups.

One construct for the three Magnum drivers clouds run; each emits only the labels its
driver reads (:mod:`constructs_lib.cluster_drivers`, checked against the drivers' sources):

- ``magnum-capi-helm`` (StackHPC): the Kubernetes version is the image's ``kube_version``
  property (checked at plan time), the API load balancer's CIDRs are
  ``api_master_lb_allowed_cidrs``; it always runs the cloud controller, Cinder CSI and
  metrics-server; nodes carry ``capi.stackhpc.com/node-group=<group>``.
- ``magnum-cluster-api`` (Vexxhost): version from ``kube_tag``; no CIDR label (the API load
  balancer stays private); it runs the cloud controller and Cinder CSI; nodes carry
  ``node-role.kubernetes.io/<role>=""``.
- ``magnum-heat`` (Magnum 22.0.0 and older): version from ``kube_tag``, CIDRs
  ``master_lb_allowed_cidrs``; the cloud controller, Cinder CSI and metrics-server are
  turned on explicitly; nodes carry ``magnum.openstack.org/role=<role>``.

Templates are never patched: Magnum refuses to change a template a cluster uses
(ClusterTemplateReferenced). Every template change makes a new template (create before
destroy) and the cluster moves to it through Magnum's upgrade API; the Heat driver does not
support that API, so there the cluster is replaced.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from cdktf import TerraformResource, TerraformResourceLifecycle, Token
from cdktf_cdktf_provider_openstack.containerinfra_cluster_v1 import ContainerinfraClusterV1
from cdktf_cdktf_provider_openstack.containerinfra_clustertemplate_v1 import ContainerinfraClustertemplateV1
from cdktf_cdktf_provider_openstack.containerinfra_nodegroup_v1 import ContainerinfraNodegroupV1
from cdktf_cdktf_provider_openstack.data_openstack_images_image_v2 import DataOpenstackImagesImageV2
from constructs import Construct

from . import _validate as check
from .cluster import KubernetesAccess, ManagedCluster
from .cluster import kubernetes_version as check_version
from .cluster_drivers import DRIVERS, MAGNUM_CAPI_HELM, MAGNUM_CLUSTER_API, MAGNUM_HEAT, ClusterDriver
from .errors import ConstructArgumentError
from .keypair import SshKeyPair
from .network import Network
from .node_groups import NodeGroup, node_counts
from .node_roles import WORKER, check_role

MAGNUM_DRIVERS = (MAGNUM_CAPI_HELM, MAGNUM_CLUSTER_API, MAGNUM_HEAT)
MASTER_COUNTS = (1, 3, 5)
NETWORK_DRIVERS = ("calico", "flannel", "cilium")
#: Magnum's built-in worker group.
DEFAULT_WORKER_GROUP = "default-worker"

#: What the library sets itself, per driver; the environment's labels may not override it.
_OWN_LABELS = frozenset(
    {
        "kube_tag",
        "master_lb_allowed_cidrs",
        "api_master_lb_allowed_cidrs",
        "auto_scaling_enabled",
        "min_node_count",
        "max_node_count",
        "cloud_provider_enabled",
        "cinder_csi_enabled",
        "metrics_server_enabled",
        "container_infra_prefix",
    }
)


def _driver_labels(
    driver: ClusterDriver,
    *,
    version: str,
    api_lb: bool,
    api_allowed_cidrs: Sequence[str],
    autoscaling: bool,
    node_count: int,
) -> dict[str, str]:
    """The labels the library sets for ``driver`` (only labels that driver reads)."""
    labels: dict[str, str] = {}
    if driver.name in (MAGNUM_HEAT, MAGNUM_CLUSTER_API):
        labels["kube_tag"] = f"v{version}"
    if api_lb:
        # The API load balancer gets no floating IP unless the operator asks for one.
        labels["master_lb_floating_ip_enabled"] = "false"
        if driver.api_cidrs_label:
            labels[driver.api_cidrs_label] = ",".join(api_allowed_cidrs)
    # The cloud's own copies, which the platform layer then does not install again.
    if driver.name == MAGNUM_HEAT:
        labels.update(cloud_provider_enabled="true", cinder_csi_enabled="true", metrics_server_enabled="true")
    elif driver.name == MAGNUM_CLUSTER_API:
        labels["cinder_csi_enabled"] = "true"
    # The dashboard is a cluster-admin web UI nobody asked for: off unless the labels say so.
    if "kube_dashboard_enabled" in driver.labels_read:
        labels["kube_dashboard_enabled"] = "false"
    if autoscaling:
        labels["auto_scaling_enabled"] = "true"
        if driver.name in (MAGNUM_HEAT, MAGNUM_CAPI_HELM):
            # Bounds of the default worker group: fixed at its size.
            labels.update(min_node_count=str(max(node_count, 1)), max_node_count=str(max(node_count, 1)))
    return {key: value for key, value in labels.items() if key in driver.labels_read}


class MagnumCluster(ManagedCluster):
    """A Kubernetes cluster built by OpenStack Magnum, on the private network.

    :param name: cluster name (the template is ``<name>-<hash of its settings>``).
    :param driver: ``magnum-capi-helm`` (default), ``magnum-cluster-api`` or ``magnum-heat``:
        the driver the cloud's Magnum runs for the image's OS.
    :param network: the :class:`Network`; the cluster uses its network and primary subnet,
        and its external network (if any) for load balancers.
    :param kubernetes_version: e.g. ``1.36.1``. ``magnum-capi-helm`` takes it from the
        image's ``kube_version`` property (a plan-time check compares them); the others from
        the ``kube_tag`` label. Changing it makes a new template: an upgrade in place on the
        Cluster API drivers, a new cluster on Heat.
    :param image: Glance image name of the nodes, built for the driver.
    :param master_flavor: flavor of control-plane nodes.
    :param worker_flavor: flavor of Magnum's built-in ``default-worker`` group.
    :param worker_count: size of the ``default-worker`` group (role ``worker``). Default ``1``.
    :param master_count: 1, 3 or 5 (an even count loses etcd quorum on a split). Default ``1``.
    :param keypair: key pair injected into nodes. Default: none (nodes accept no SSH key).
    :param network_driver: ``calico`` (default), ``flannel`` or ``cilium``.
    :param labels: further Magnum labels for the template; each must be one the driver reads,
        and none that the library sets itself. Values are strings.
    :param master_lb_enabled: put the API behind an Octavia load balancer. Default: on when
        there is more than one master. Turning it off with several masters is an error.
    :param floating_ip_enabled: floating IPs on nodes. Default ``False``: nodes stay private.
    :param api_allowed_cidrs: who may reach the API load balancer. Default: the network's
        own subnets. ``magnum-cluster-api`` has no such setting: its load balancer stays private.
    :param docker_volume_size: size in GB of the container volume of each node. Default: the
        driver's default.
    :param autoscaling: run the cluster autoscaler (node groups with differing bounds need
        it). Default ``False``.
    :param system_image_registry: where the nodes pull the driver's own images (etcd, CNI,
        cloud provider, CSI, ...) in a closed contour: the label ``container_infra_prefix``.
        The images must be there in the driver's own layout (``magnum-cluster-api`` flattens
        them, e.g. ``<registry>/calico/node``; Heat prefixes their names), which the driver's
        own tooling fills. ``magnum-capi-helm`` has no such setting (its images come from what
        the cloud's operator configured) and refuses it. Default: the public registries.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        network: Network,
        kubernetes_version: str,
        image: str,
        master_flavor: str,
        worker_flavor: str,
        driver: str = MAGNUM_CAPI_HELM,
        worker_count: int = 1,
        master_count: int = 1,
        keypair: SshKeyPair | None = None,
        network_driver: str = "calico",
        labels: Mapping[str, str] | None = None,
        master_lb_enabled: bool | None = None,
        floating_ip_enabled: bool = False,
        api_allowed_cidrs: Sequence[str] | None = None,
        docker_volume_size: int | None = None,
        autoscaling: bool = False,
        system_image_registry: str | None = None,
    ) -> None:
        path = check.child_path(scope, id)
        check.dns_label(path, "name", name)
        check.choice(path, "driver", driver, MAGNUM_DRIVERS)
        the_driver = DRIVERS[driver]
        if not isinstance(network, Network):
            raise ConstructArgumentError(path, "network", network, "a Network construct")
        version = check_version(path, kubernetes_version)
        check.text(path, "image", image)
        check.text(path, "master_flavor", master_flavor)
        check.text(path, "worker_flavor", worker_flavor)
        check.count(path, "worker_count", worker_count, check.NODE_COUNT)
        if type(master_count) is not int or master_count not in MASTER_COUNTS:
            raise ConstructArgumentError(
                path, "master_count", master_count, "1, 3 or 5 (an odd count keeps etcd quorum)"
            )
        if keypair is not None and not isinstance(keypair, SshKeyPair):
            raise ConstructArgumentError(path, "keypair", keypair, "an SshKeyPair construct")
        check.choice(path, "network_driver", network_driver, NETWORK_DRIVERS)
        extra_labels = _labels(path, the_driver, {} if labels is None else labels)
        if master_lb_enabled is None:
            master_lb_enabled = master_count > 1
        check.boolean(path, "master_lb_enabled", master_lb_enabled)
        if master_count > 1 and not master_lb_enabled:
            raise ConstructArgumentError(
                path, "master_lb_enabled", False, "True when master_count > 1 (the API needs one address)"
            )
        check.boolean(path, "floating_ip_enabled", floating_ip_enabled)
        if api_allowed_cidrs is not None and the_driver.api_cidrs_label is None:
            raise ConstructArgumentError(
                path,
                "api_allowed_cidrs",
                list(api_allowed_cidrs),
                f"left out: {driver} has no setting for it (its API load balancer gets no floating IP)",
            )
        if api_allowed_cidrs is None:
            api_allowed_cidrs = tuple(network.subnet_cidrs.values())
        allowed = check.cidrs(path, "api_allowed_cidrs", api_allowed_cidrs)
        if docker_volume_size is not None:
            check.count(path, "docker_volume_size", docker_volume_size, check.VOLUME_SIZE_GB)
        check.boolean(path, "autoscaling", autoscaling)
        if system_image_registry is not None:
            if "container_infra_prefix" not in the_driver.labels_read:
                raise ConstructArgumentError(
                    path,
                    "system_image_registry",
                    system_image_registry,
                    f"left out: {driver} has no per-cluster registry (it pulls from what the cloud configured)",
                )
            check.image_registry(path, "system_image_registry", system_image_registry)
        super().__init__(scope, id, driver=the_driver, name=name, version=version)

        template_labels = _driver_labels(
            the_driver,
            version=version,
            api_lb=master_lb_enabled,
            api_allowed_cidrs=allowed,
            autoscaling=autoscaling,
            node_count=worker_count,
        )
        if system_image_registry is not None:
            host = system_image_registry.rstrip("/")
            # Heat puts the prefix in front of image names; the Cluster API driver joins with "/".
            template_labels["container_infra_prefix"] = f"{host}/" if driver == MAGNUM_HEAT else host
        template_labels.update(extra_labels)
        self.autoscaling = autoscaling
        self.master_count = master_count
        self.master_lb_enabled = master_lb_enabled
        self.default_worker_count = worker_count

        image_ref = image
        if driver == MAGNUM_CAPI_HELM:
            # The driver takes the version from the image, not from a label: say so at plan
            # time rather than building a cluster of another version.
            found = DataOpenstackImagesImageV2(self, "image", name=image, most_recent=True)
            image_ref = found.id
            found.add_override(
                "lifecycle.postcondition",
                [
                    {
                        "condition": '${trimprefix(lookup(self.properties, "kube_version", ""), "v")'
                        f' == "{version}"}}',
                        "error_message": f"The image {image} must have the property kube_version = v{version}"
                        f" ({driver} takes the Kubernetes version from it).",
                    }
                ],
            )
        settings: dict[str, Any] = {
            "coe": "kubernetes",
            "image": image_ref,
            "network_driver": network_driver,
            "master_flavor": master_flavor,
            "flavor": worker_flavor,
            "external_network_id": network.external_network_id,
            "fixed_network": network.network_id,
            "fixed_subnet": network.primary_subnet_id,
            "master_lb_enabled": master_lb_enabled,
            "floating_ip_enabled": floating_ip_enabled,
            "docker_volume_size": docker_volume_size,
            "labels": template_labels,
        }
        # A short digest of what the template says: a new name for every new template, and
        # the trigger that replaces it instead of patching it. References (network, image)
        # are left out: their token text depends on construction order, not on the template.
        literal = {key: value for key, value in settings.items() if not Token.is_unresolved(value)}
        literal.update(image_name=image, kubernetes_version=version)
        digest = hashlib.sha256(json.dumps(literal, sort_keys=True).encode()).hexdigest()[:8]
        self.template_revision, replaced_on_change = revision_trigger(self, "template-revision", digest)
        self.template = ContainerinfraClustertemplateV1(
            self,
            "template",
            name=f"{name}-{digest}",
            lifecycle=replaced_on_change,
            **settings,
        )
        self.resource = ContainerinfraClusterV1(
            self,
            "cluster",
            name=name,
            cluster_template_id=self.template.id,
            master_count=master_count,
            master_flavor=master_flavor,
            flavor=worker_flavor,
            node_count=worker_count,
            keypair=keypair.name if keypair else None,
            fixed_network=network.network_id,
            fixed_subnet=network.primary_subnet_id,
            master_lb_enabled=master_lb_enabled,
            floating_ip_enabled=floating_ip_enabled,
            docker_volume_size=docker_volume_size,
            # Heat cannot move a cluster to a new template: replace it instead.
            lifecycle=None
            if the_driver.upgrades_in_place
            else TerraformResourceLifecycle(replace_triggered_by=replaced_on_change.replace_triggered_by),
        )
        self.cluster_id: str = self.resource.id
        self.api_address: str = self.resource.api_address
        kubeconfig = self.resource.kubeconfig
        self.kubeconfig: str = kubeconfig.lookup("raw_config")
        self.access = KubernetesAccess(
            host=kubeconfig.lookup("host"),
            cluster_ca_certificate=kubeconfig.lookup("cluster_ca_certificate"),
            client_certificate=kubeconfig.lookup("client_certificate"),
            client_key=kubeconfig.lookup("client_key"),
        )

    def _role_groups(self) -> dict[str, list[str]]:
        roles = super()._role_groups()
        if self.default_worker_count > 0:
            roles.setdefault(WORKER, []).insert(0, DEFAULT_WORKER_GROUP)
        return roles


class MagnumNodeGroup(NodeGroup):
    """An extra Magnum node group whose nodes carry ``role``.

    Magnum can neither taint nodes nor set other node labels (no released API has them);
    nodes of the dedicated roles are labelled and tainted by the platform stack
    (:class:`~constructs_lib.node_taints.NodeRoleTaints`).

    :param cluster: the :class:`MagnumCluster`.
    :param name: node group name in Magnum (unique within the cluster).
    :param role: ``system``, ``frontend``, ``worker`` or a custom lowercase role.
    :param flavor: Nova flavor name or id.
    :param count: nodes now (with autoscaling: at creation; the autoscaler owns it after).
    :param min_count: autoscaler lower bound. Default: ``count``.
    :param max_count: autoscaler upper bound. Default: ``count``. Differing bounds
        need the cluster's ``autoscaling``.
    :param image: Glance image; default: the cluster template's image.
    :param volume_size: container volume size in GB. Default: the cluster's.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster: MagnumCluster,
        name: str,
        role: str,
        flavor: str,
        count: int,
        min_count: int | None = None,
        max_count: int | None = None,
        image: str | None = None,
        volume_size: int | None = None,
    ) -> None:
        path = check.child_path(scope, id)
        if not isinstance(cluster, MagnumCluster):
            raise ConstructArgumentError(path, "cluster", cluster, "a MagnumCluster")
        check.dns_label(path, "name", name)
        if name == DEFAULT_WORKER_GROUP:
            raise ConstructArgumentError(path, "name", name, "a name other than Magnum's own default-worker")
        check_role(path, role)
        check.text(path, "flavor", flavor)
        counts = node_counts(path, count, min_count, max_count)
        if counts[1] != counts[2] and not cluster.autoscaling:
            raise ConstructArgumentError(
                path,
                "max_count",
                counts[2],
                f"equal to min_count ({counts[1]}) unless the cluster has autoscaling on",
            )
        if image is not None:
            check.text(path, "image", image)
        if volume_size is not None:
            check.count(path, "volume_size", volume_size, check.VOLUME_SIZE_GB)
        super().__init__(scope, id, cluster=cluster, name=name, role=role, counts=counts)
        self.resource = ContainerinfraNodegroupV1(
            self,
            "nodegroup",
            cluster_id=cluster.cluster_id,
            name=name,
            role=role,
            flavor_id=flavor,
            node_count=self.count,
            min_node_count=self.min_count,
            max_node_count=self.max_count,
            image_id=image,
            docker_volume_size=volume_size,
            # The autoscaler owns the count of an autoscaled group: an apply must not reset it.
            lifecycle=TerraformResourceLifecycle(ignore_changes=["node_count"]) if self.autoscaled else None,
        )


def revision_trigger(scope: Construct, id: str, digest: str) -> tuple[TerraformResource, TerraformResourceLifecycle]:
    """A ``terraform_data`` holding ``digest`` and the lifecycle that replaces a resource
    whenever the digest changes (a new one first, then the old one goes), instead of updating
    it in place."""
    revision = TerraformResource(scope, id, terraform_resource_type="terraform_data")
    revision.add_override("triggers_replace", digest)
    # Written as a bare reference: cdktf 0.20 renders a resource here as "${...}", which
    # terraform refuses in replace_triggered_by ("Expected the start of an expression").
    lifecycle = TerraformResourceLifecycle(
        create_before_destroy=True, replace_triggered_by=[f"terraform_data.{revision.friendly_unique_id}"]
    )
    return revision, lifecycle


def _labels(path: str, driver: ClusterDriver, labels: Mapping[str, Any]) -> dict[str, str]:
    if not isinstance(labels, Mapping):
        raise ConstructArgumentError(path, "labels", labels, "a map of Magnum label names to strings")
    result = {}
    for key, value in labels.items():
        check.literal(path, "labels", key)
        if key in _OWN_LABELS:
            raise ConstructArgumentError(
                path, f"labels[{key!r}]", value, "a label the library does not set itself (use the matching argument)"
            )
        if key not in driver.labels_read:
            raise ConstructArgumentError(
                path, f"labels[{key!r}]", value, f"a label {driver.name} reads (see its source: {driver.source})"
            )
        if not isinstance(value, str):
            raise ConstructArgumentError(path, f"labels[{key!r}]", value, "a string (Magnum labels are strings)")
        check.text(path, f"labels[{key!r}]", value)
        result[key] = value
    return result


MagnumCluster.node_group_type = MagnumNodeGroup
