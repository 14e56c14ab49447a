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
(ClusterTemplateReferenced), so every template change makes a new template (create before
destroy). What then happens to the cluster depends on what changed, because Magnum copies the
template's labels into the cluster when it creates it (22.0.0 ``api/controllers/v1/cluster.py``)
and no driver's upgrade takes labels from the new template again (capi-helm lets the cluster's
copies win; magnum-cluster-api copies only ``kube_tag``):

- the Kubernetes version and the image move the cluster to the new template through Magnum's
  upgrade API, on the drivers that support it (:attr:`ClusterDriver.upgrade_applies`);
- any other template change (labels, network driver, external network, DNS servers) is not
  an upgrade: a label change would not reach the running cluster (it keeps its copies), and
  the rest would rebuild its network in place. The cluster is replaced instead
  (``replace_triggered_by`` a ``terraform_data`` holding the digest of those settings: the
  plan shows the replacement and its reason);
- ``flavor``, ``master_flavor``, ``docker_volume_size``, ``master_lb_enabled`` and
  ``floating_ip_enabled`` are arguments of the cluster itself, which the provider replaces
  when they change;
- on Heat, which has no upgrade API, any template change replaces the cluster.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cdktf import Annotations, TerraformProvider, TerraformResource, TerraformResourceLifecycle, Token
from cdktf_cdktf_provider_openstack.containerinfra_cluster_v1 import ContainerinfraClusterV1
from cdktf_cdktf_provider_openstack.containerinfra_clustertemplate_v1 import ContainerinfraClustertemplateV1
from cdktf_cdktf_provider_openstack.containerinfra_nodegroup_v1 import ContainerinfraNodegroupV1
from cdktf_cdktf_provider_openstack.data_openstack_images_image_v2 import DataOpenstackImagesImageV2
from cdktf_cdktf_provider_openstack.data_openstack_networking_network_v2 import DataOpenstackNetworkingNetworkV2
from constructs import Construct

from . import _validate as check
from .cluster import ClusterReference, KubernetesAccess, ManagedCluster, lazy_text, lazy_value
from .cluster_drivers import MAGNUM_CAPI_HELM, ClusterDriver
from .keypair import SshKeyPair
from .magnum_arguments import DEFAULT_WORKER_GROUP, check_arguments, check_node_group_arguments
from .network import Network
from .node_groups import NodeGroup, cluster_reference
from .node_roles import WORKER


class MagnumCluster(ManagedCluster):
    """A Kubernetes cluster built by OpenStack Magnum, on the private network.

    :param name: cluster name (the template is ``<name>-<hash of its settings>``).
    :param driver: ``magnum-capi-helm`` (default), ``magnum-cluster-api`` or ``magnum-heat``:
        the driver the cloud's Magnum runs for the image's OS.
    :param network: the :class:`Network`; the cluster uses its network and primary subnet,
        and the primary subnet's DNS servers (the template's ``dns_nameserver``, which
        ``magnum-cluster-api`` needs: a network without them is refused for that driver).
    :param external_network: name of the cloud's external network that the template names
        (``external_network_id``). Every Magnum driver looks it up when it builds the cluster
        and fails without one, even where nothing gets a floating IP. Default: the network's
        own external network (the one its router uses). Give it when the network has no
        router, as in a closed contour, whose provider network still serves load balancer
        addresses; nothing else is built for it (no router, no floating IPs). A network with
        neither is refused.
    :param kubernetes_version: e.g. ``1.36.1``. ``magnum-capi-helm`` takes it from the
        image's ``kube_version`` property (a plan-time check compares them); the others from
        the ``kube_tag`` label. Changing it (or ``image``) makes a new template: an upgrade
        in place on the Cluster API drivers, a new cluster on Heat.
    :param image: Glance image name of the nodes, built for the driver.
    :param master_flavor: flavor of control-plane nodes.
    :param worker_flavor: flavor of Magnum's built-in ``default-worker`` group.
    :param worker_count: size of the ``default-worker`` group (role ``worker``), which Magnum
        always creates. Default ``1``; it must be given explicitly when node groups of role
        ``worker`` are added, so that nobody gets that group beside their own by surprise.
    :param master_count: 1, 3 or 5 (an even count loses etcd quorum on a split). Default ``1``.
    :param keypair: key pair injected into nodes. Default: none (nodes accept no SSH key).
    :param network_driver: ``calico`` (default), ``flannel`` or ``cilium``.
    :param labels: further Magnum labels for the template; each must be one the driver reads
        (a guard against typos: a misspelt label is ignored by every driver, silently), and
        none that the library sets itself. Values are strings. Magnum copies them into the
        cluster when it creates it: changing one later replaces the cluster.
    :param master_lb_enabled: put the API behind an Octavia load balancer. Default: on when
        there is more than one master. Turning it off with several masters is an error.
    :param floating_ip_enabled: floating IPs on nodes. Default ``False``: nodes stay private.
        A network without a router cannot have them. An API that a floating IP makes public
        (this without a load balancer, or the label ``master_lb_floating_ip_enabled``) draws
        a synth warning saying who can reach it.
    :param api_allowed_cidrs: who may reach the API load balancer. Default: the network's
        own subnets. ``magnum-cluster-api`` has no such setting: its load balancer stays private.
    :param docker_volume_size: size in GB of the container volume of each node. Default: the
        driver's default.
    :param autoscaling: run the cluster autoscaler. Default: on when some node group has
        differing bounds (``min_count`` < ``max_count``), read from every group added when the
        stack is synthesized; ``False`` refuses such groups. On Heat and capi-helm the
        ``default-worker`` group's bounds are then labels fixed at ``worker_count``, so changing
        ``worker_count`` replaces the cluster.
    :param system_image_registry: where the nodes pull the driver's own images (etcd, CNI,
        cloud provider, CSI, ...) in a closed contour: the label ``container_infra_prefix``.
        The images must be there in the driver's own layout (``magnum-cluster-api`` flattens
        them, e.g. ``<registry>/calico/node``; Heat prefixes their names), which the driver's
        own tooling fills. ``magnum-capi-helm`` has no such setting (its images come from what
        the cloud's operator configured) and refuses it. Default: the public registries.
    :param provider: the OpenStack provider to use. Default: the stack's. The node groups added
        with :meth:`add_node_group` use it too.
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
        worker_count: int | None = None,
        master_count: int = 1,
        keypair: SshKeyPair | None = None,
        network_driver: str = "calico",
        labels: Mapping[str, str] | None = None,
        master_lb_enabled: bool | None = None,
        floating_ip_enabled: bool = False,
        api_allowed_cidrs: Sequence[str] | None = None,
        docker_volume_size: int | None = None,
        autoscaling: bool | None = None,
        system_image_registry: str | None = None,
        external_network: str | None = None,
        provider: TerraformProvider | None = None,
    ) -> None:
        given = check_arguments(
            check.child_path(scope, id),
            network_type=Network,
            keypair_type=SshKeyPair,
            name=name,
            driver=driver,
            network=network,
            kubernetes_version=kubernetes_version,
            image=image,
            master_flavor=master_flavor,
            worker_flavor=worker_flavor,
            worker_count=worker_count,
            master_count=master_count,
            keypair=keypair,
            network_driver=network_driver,
            labels=labels,
            master_lb_enabled=master_lb_enabled,
            floating_ip_enabled=floating_ip_enabled,
            api_allowed_cidrs=api_allowed_cidrs,
            docker_volume_size=docker_volume_size,
            autoscaling=autoscaling,
            system_image_registry=system_image_registry,
            external_network=external_network,
            provider=provider,
        )
        super().__init__(scope, id, driver=given.driver, name=name, version=given.version)
        self._given = given
        self.openstack_provider = provider
        self.master_count = master_count
        self.master_lb_enabled = given.master_lb_enabled
        self.default_worker_count = given.worker_count
        self.worker_count_given = given.worker_count_given
        if given.public_api_warning is not None:
            Annotations.of(self).add_warning(given.public_api_warning)
        self._settings = self._template_settings(network)
        self._sources = {
            "image_name": image,
            "kubernetes_version": given.version,
            "external_network": given.external_network,
            "network_name": network.name,
            "subnet_cidr": network.primary_cidr,
        }
        replaced = self._template()
        self._cluster(network, replaced)

    @property
    def autoscaling(self) -> bool:
        """Whether the cluster autoscaler runs: as ``autoscaling`` says, or else whether some
        node group has room to grow or shrink. Read when the stack is synthesized (the label
        and the template's digest follow it), so a group added last counts too."""
        if self._given.autoscaling is not None:
            return self._given.autoscaling
        return any(group.autoscaled for group in self._groups.values())

    def _template_settings(self, network: Network) -> dict[str, Any]:
        """The template's arguments but its labels (which follow the node groups)."""
        given = self._given
        return {
            "coe": "kubernetes",
            "image": self._image_id(),
            "network_driver": given.given["network_driver"],
            "master_flavor": given.given["master_flavor"],
            "flavor": given.given["worker_flavor"],
            "external_network_id": self._external_network_id(network),
            "fixed_network": network.network_id,
            "fixed_subnet": network.primary_subnet_id,
            "dns_nameserver": given.dns_nameserver,
            "master_lb_enabled": given.master_lb_enabled,
            "floating_ip_enabled": given.given["floating_ip_enabled"],
            "docker_volume_size": given.given["docker_volume_size"],
        }

    def _image_id(self) -> str:
        """The template's image: its name, or where the driver takes the Kubernetes version from
        the image, the id of a plan-time look-up that fails a plan on an image of another version."""
        image, version, driver = self._given.given["image"], self._given.version, self._given.driver
        if not driver.version_from_image:
            return str(image)
        found = DataOpenstackImagesImageV2(
            self, "image", name=image, most_recent=True, provider=self.openstack_provider
        )
        found.add_override(
            "lifecycle.postcondition",
            [
                {
                    "condition": f'${{trimprefix(lookup(self.properties, "kube_version", ""), "v") == "{version}"}}',
                    "error_message": f"The image {image} must have the property kube_version = v{version}"
                    f" ({driver.name} takes the Kubernetes version from it).",
                }
            ],
        )
        return found.id

    def _external_network_id(self, network: Network) -> str | None:
        if network.external_network_name is not None:
            return network.external_network_id
        # The network has no router: look the contour's provider network up by name, at plan
        # time (the drivers look it up again when they build the cluster).
        return DataOpenstackNetworkingNetworkV2(
            self, "external-network", name=self._given.external_network, external=True, provider=self.openstack_provider
        ).id

    def _facts(self) -> dict[str, Any]:
        """What the template says (its labels from the final set of node groups)."""
        settings = {**self._settings, "labels": self._given.labels(self.autoscaling)}
        return template_facts(settings, **self._sources)

    def _template(self) -> TerraformResourceLifecycle:
        """The template, named and replaced by a short digest of what it says (computed when
        the stack is synthesized); returns the lifecycle that replaces the cluster on a
        template change the upgrade API cannot carry (on Heat: every template change)."""
        driver = self._given.driver
        digest = lazy_text(lambda: _digest(self._facts()))
        self.template_revision, replaced_on_change = revision_trigger(self, "template-revision", digest)
        self.template = ContainerinfraClustertemplateV1(
            self,
            "template",
            name=lazy_text(lambda: f"{self.name}-{_digest(self._facts())}"),
            lifecycle=replaced_on_change,
            labels=Token.as_string_map(lazy_value(lambda: self._given.labels(self.autoscaling))),
            provider=self.openstack_provider,
            **self._settings,
        )
        if not driver.upgrades_in_place:
            self.cluster_revision = self.template_revision
            return replaced_on_change
        cluster_digest = lazy_text(lambda: _digest(without_upgrades(self._facts(), driver)))
        self.cluster_revision, replaced = revision_trigger(self, "cluster-revision", cluster_digest)
        return replaced

    def _cluster(self, network: Network, replaced: TerraformResourceLifecycle) -> None:
        given, keypair = self._given, self._given.given["keypair"]
        self.resource = ContainerinfraClusterV1(
            self,
            "cluster",
            name=self.name,
            cluster_template_id=self.template.id,
            master_count=self.master_count,
            master_flavor=given.given["master_flavor"],
            flavor=given.given["worker_flavor"],
            node_count=given.worker_count,
            keypair=keypair.name if keypair else None,
            fixed_network=network.network_id,
            fixed_subnet=network.primary_subnet_id,
            master_lb_enabled=given.master_lb_enabled,
            floating_ip_enabled=given.given["floating_ip_enabled"],
            docker_volume_size=given.given["docker_volume_size"],
            lifecycle=TerraformResourceLifecycle(replace_triggered_by=replaced.replace_triggered_by),
            provider=self.openstack_provider,
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

    def _make_reference(self) -> MagnumClusterReference:
        return self._build_reference(
            MagnumClusterReference,
            default_worker_count=self.default_worker_count,
            worker_count_given=self.worker_count_given,
            autoscaling=self._given.autoscaling,
            openstack_provider=self.openstack_provider,
        )

    def _role_groups(self) -> dict[str, list[str]]:
        roles = super()._role_groups()
        if self.default_worker_count > 0:
            roles.setdefault(WORKER, []).insert(0, DEFAULT_WORKER_GROUP)
        return roles


@dataclass(frozen=True)
class MagnumClusterReference(ClusterReference):
    """What a :class:`MagnumNodeGroup` knows of its :class:`MagnumCluster`.

    :param default_worker_count: the size of Magnum's own ``default-worker`` group.
    :param worker_count_given: whether the cluster's ``worker_count`` was given.
    :param autoscaling: the cluster's ``autoscaling`` as given (None: it follows the groups).
    :param openstack_provider: the cluster's OpenStack provider (None: the stack's), which its
        node groups use too.
    """

    default_worker_count: int
    worker_count_given: bool
    autoscaling: bool | None
    openstack_provider: TerraformProvider | None


class MagnumNodeGroup(NodeGroup):
    """An extra Magnum node group whose nodes carry ``role``.

    Magnum can neither taint nodes nor set other node labels (no released API has them);
    nodes of the dedicated roles are labelled and tainted by the platform stack
    (:class:`~constructs_lib.node_taints.NodeRoleTaints`).

    :param cluster: what :meth:`MagnumCluster.add_node_group` hands it (a :class:`MagnumClusterReference`):
        add the group with ``cluster.add_node_group(id, ...)``. The group is created with the
        cluster's OpenStack provider.
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
        cluster: MagnumClusterReference,
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
        reference = cluster_reference(path, cluster, MagnumClusterReference, "MagnumCluster")
        counts = check_node_group_arguments(
            path,
            reference,
            name=name,
            role=role,
            flavor=flavor,
            count=count,
            min_count=min_count,
            max_count=max_count,
            image=image,
            volume_size=volume_size,
        )
        super().__init__(scope, id, cluster=reference, name=name, role=role, counts=counts)
        self.resource = ContainerinfraNodegroupV1(
            self,
            "nodegroup",
            cluster_id=reference.cluster_id,
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
            provider=reference.openstack_provider,
        )


def template_facts(settings: Mapping[str, Any], **sources: Any) -> dict[str, Any]:
    """Everything a template says, for its digest: its literal arguments, and for each
    reference (the image's id, the networks' ids) what it is looked up from (``sources``:
    the image name, the external network's name, the network's name, the subnet's range).
    Every template argument is in it: a new value makes a new template, never a patch."""
    facts = {key: value for key, value in settings.items() if not Token.is_unresolved(value)}
    facts.update(sources)
    return facts


def without_upgrades(facts: Mapping[str, Any], driver: ClusterDriver) -> dict[str, Any]:
    """``facts`` less what ``driver``'s upgrade API carries to a running cluster (the version
    and the image): the rest, changed, replaces the cluster."""
    rest = {key: value for key, value in facts.items() if key not in driver.upgrade_applies}
    labels = {
        key: value for key, value in facts.get("labels", {}).items() if f"labels.{key}" not in driver.upgrade_applies
    }
    rest["labels"] = labels
    if "image" in driver.upgrade_applies:
        rest.pop("image_name", None)
    if driver.upgrades_in_place:
        rest.pop("kubernetes_version", None)
    return rest


def _digest(facts: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:8]


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


MagnumCluster.node_group_type = MagnumNodeGroup
