"""A Magnum-managed Kubernetes cluster: a cluster template and the cluster built from it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_openstack.containerinfra_cluster_v1 import (
    ContainerinfraClusterV1,
)
from cdktf_cdktf_provider_openstack.containerinfra_clustertemplate_v1 import (
    ContainerinfraClustertemplateV1,
)
from constructs import Construct

from . import _validate as check
from .errors import ConstructArgumentError
from .keypair import SshKeyPair
from .network import Network

MASTER_COUNTS = (1, 3, 5)
NETWORK_DRIVERS = ("calico", "flannel", "cilium")
_VERSION = re.compile(r"^v?\d+\.\d+\.\d+$")


@dataclass(frozen=True)
class KubernetesAccess:
    """What a helm or kubernetes provider needs to reach the cluster. All values are
    Terraform references to sensitive attributes; none is ever a literal."""

    host: str
    cluster_ca_certificate: str
    client_certificate: str
    client_key: str


class ManagedCluster(Construct):
    """A Kubernetes cluster managed by OpenStack Magnum, on the private network.

    Almost every argument here forces Magnum to build a NEW cluster when changed (only the
    default node count updates in place); plan previews flag it.

    :param name: cluster name in Magnum (the template is ``<name>-template``).
    :param network: the :class:`Network`; the cluster uses its network and primary subnet,
        and its external network (if any) for load balancers.
    :param kubernetes_version: e.g. ``v1.30.4``; becomes the ``kube_tag`` label.
    :param image: Glance image name of the nodes (e.g. a Fedora CoreOS or Ubuntu image the
        Magnum driver supports).
    :param master_flavor: flavor of control-plane nodes.
    :param node_flavor: flavor of Magnum's built-in ``default-worker`` node group.
    :param node_count: size of the ``default-worker`` group (role ``worker``). Default ``1``.
    :param master_count: 1, 3 or 5. An even count loses etcd quorum on a split and is an error.
        Default ``1``.
    :param keypair: key pair injected into nodes. Default: none (nodes accept no SSH key).
    :param network_driver: ``calico`` (default), ``flannel`` or ``cilium``.
    :param labels: Magnum labels; merged over the template's (``merge_labels``), never
        replacing them. Values must be strings.
    :param master_lb_enabled: put the API behind an Octavia load balancer. Default: on when
        there is more than one master. Turning it off with several masters is an error.
    :param floating_ip_enabled: floating IPs on nodes. Default ``False``: nodes stay private.
    :param api_allowed_cidrs: who may reach the API load balancer (label
        ``master_lb_allowed_cidrs``). Default: the network's own subnets, so the bastion and
        runners can, and the internet cannot.
    :param docker_volume_size: size in GB of the container volume of each node. Default: the
        driver's default (no volume).
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
        node_flavor: str,
        node_count: int = 1,
        master_count: int = 1,
        keypair: SshKeyPair | None = None,
        network_driver: str = "calico",
        labels: Mapping[str, str] | None = None,
        master_lb_enabled: bool | None = None,
        floating_ip_enabled: bool = False,
        api_allowed_cidrs: Sequence[str] | None = None,
        docker_volume_size: int | None = None,
    ) -> None:
        path = check.child_path(scope, id)
        check.dns_label(path, "name", name)
        if not isinstance(kubernetes_version, str) or not _VERSION.match(kubernetes_version):
            raise ConstructArgumentError(path, "kubernetes_version", kubernetes_version, "a version such as v1.30.4")
        check.non_empty(path, "image", image)
        check.non_empty(path, "master_flavor", master_flavor)
        check.non_empty(path, "node_flavor", node_flavor)
        check.int_range(path, "node_count", node_count, 1)
        if master_count not in MASTER_COUNTS:
            raise ConstructArgumentError(
                path, "master_count", master_count, "1, 3 or 5 (an odd count keeps etcd quorum)"
            )
        check.choice(path, "network_driver", network_driver, NETWORK_DRIVERS)
        labels = dict(labels or {})
        for key, value in labels.items():
            if not isinstance(value, str):
                raise ConstructArgumentError(path, f"labels[{key!r}]", value, "a string (Magnum labels are strings)")
        if master_lb_enabled is None:
            master_lb_enabled = master_count > 1
        if master_count > 1 and not master_lb_enabled:
            raise ConstructArgumentError(
                path, "master_lb_enabled", False, "True when master_count > 1 (the API needs one address)"
            )
        if api_allowed_cidrs is None:
            api_allowed_cidrs = tuple(network.subnet_cidrs.values())
        allowed = check.cidrs(path, "api_allowed_cidrs", api_allowed_cidrs)
        if docker_volume_size is not None:
            check.int_range(path, "docker_volume_size", docker_volume_size, 1)
        super().__init__(scope, id)

        version = kubernetes_version if kubernetes_version.startswith("v") else f"v{kubernetes_version}"
        template_labels = {"kube_tag": version}
        if master_lb_enabled:
            # The API load balancer gets no floating IP unless the operator asks for one in
            # labels, and only the listed networks may reach it.
            template_labels["master_lb_floating_ip_enabled"] = "false"
            template_labels["master_lb_allowed_cidrs"] = ",".join(allowed)
        template_labels.update(labels)

        self.name = name
        self.master_count = master_count
        self.master_lb_enabled = master_lb_enabled
        self.template = ContainerinfraClustertemplateV1(
            self,
            "template",
            name=f"{name}-template",
            coe="kubernetes",
            image=image,
            network_driver=network_driver,
            master_flavor=master_flavor,
            flavor=node_flavor,
            external_network_id=network.external_network_id,
            fixed_network=network.network_id,
            fixed_subnet=network.primary_subnet_id,
            master_lb_enabled=master_lb_enabled,
            floating_ip_enabled=floating_ip_enabled,
            docker_volume_size=docker_volume_size,
            labels=template_labels,
        )
        self.cluster = ContainerinfraClusterV1(
            self,
            "cluster",
            name=name,
            cluster_template_id=self.template.id,
            master_count=master_count,
            master_flavor=master_flavor,
            flavor=node_flavor,
            node_count=node_count,
            keypair=keypair.name if keypair else None,
            fixed_network=network.network_id,
            fixed_subnet=network.primary_subnet_id,
            master_lb_enabled=master_lb_enabled,
            floating_ip_enabled=floating_ip_enabled,
            labels=template_labels,
            merge_labels=True,
            docker_volume_size=docker_volume_size,
        )
        self.cluster_id: str = self.cluster.id
        self.api_address: str = self.cluster.api_address
        kubeconfig = self.cluster.kubeconfig
        self.access = KubernetesAccess(
            host=kubeconfig.lookup("host"),
            cluster_ca_certificate=kubeconfig.lookup("cluster_ca_certificate"),
            client_certificate=kubeconfig.lookup("client_certificate"),
            client_key=kubeconfig.lookup("client_key"),
        )
