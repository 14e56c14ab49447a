"""The ``kamaji`` cluster driver: a Kamaji control plane and Flatcar workers behind the common
:class:`~constructs_lib.cluster.ManagedCluster` surface.

:class:`KamajiCluster` composes the building blocks of :mod:`constructs_lib.kamaji` (the
management cluster's provider, the DataStore, the TenantControlPlane with its API port and
CA, the rotating bootstrap token) and :class:`KamajiNodeGroup` those of
:mod:`constructs_lib.flatcar_node_group` (Flatcar VMs that join with the token). What the
platform stack creates in the tenant for the cluster itself (the token's Secret) is made by
:meth:`KamajiCluster.add_cluster_objects`.

The platform stack reaches the tenant with the admin client certificate Kamaji writes into
``<tcp>-admin-kubeconfig`` in the management cluster (read after the control plane is Ready),
the API URL and the tenant CA this construct made: cdktf hands them over as sensitive outputs.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cdktf import Fn, TerraformProvider, Token
from constructs import Construct

from . import _validate as check
from . import flatcar
from ._generic import GenericDataSource, present
from .authentication import JwtIssuer
from .cluster import ClusterProfile, ClusterReference, KubernetesAccess, ManagedCluster
from .cluster_arguments import EnvironmentFacts, StackOffer
from .cluster_drivers import DRIVERS, KAMAJI
from .errors import ConstructArgumentError
from .flatcar_node_group import FlatcarNodeGroup
from .kamaji import (
    BootstrapToken,
    BootstrapTokenSecret,
    KamajiControlPlane,
    KamajiDataStore,
    ManagementClusterProvider,
)
from .kamaji_cluster_arguments import (  # noqa: F401  (re-exported: part of this module's API)
    DATASTORE_KEYS,
    MANAGEMENT_KEYS,
    SYSEXT_KEYS,
    KamajiClusterArguments,
    check_cluster_arguments,
    check_environment,
    check_node_group_arguments,
    registry_mirrors,
)
from .keypair import SshKeyPair
from .kubernetes import GENERATOR_METADATA as KUBERNETES_GENERATOR_METADATA
from .network import Network
from .node_groups import NodeGroup, cluster_reference
from .security_group import Port, SecurityGroup

#: The key of the admin kubeconfig in Kamaji's ``<tcp>-admin-kubeconfig`` Secret.
ADMIN_KUBECONFIG_KEY = "admin.conf"


class _SecretData(GenericDataSource):
    """``data.kubernetes_secret_v1``: a Secret's (sensitive) data."""

    def __init__(
        self, scope: Construct, id: str, *, name: str, namespace: str, provider: TerraformProvider, depends_on: Any
    ) -> None:
        super().__init__(
            scope,
            id,
            terraform_resource_type="kubernetes_secret_v1",
            terraform_generator_metadata=KUBERNETES_GENERATOR_METADATA,
            provider=provider,
            depends_on=depends_on,
        )
        self._attributes = present({"metadata": {"name": name, "namespace": namespace}})


class KamajiCluster(ManagedCluster):
    """A self-managed cluster: a Kamaji tenant control plane in a management cluster, and
    Flatcar worker VMs (:class:`KamajiNodeGroup`) that join it with a short-lived bootstrap
    token.

    :param name: the cluster's name: the TenantControlPlane's and the prefix of its VMs.
    :param network: the :class:`~constructs_lib.network.Network` of the workers; the API port is
        on its primary subnet, which the management cluster must reach.
    :param keypair: the :class:`~constructs_lib.keypair.SshKeyPair` of the workers' ``core`` user.
    :param kubernetes_version: the tenant's release (``1.36.2``), at most what the pinned Kamaji
        accepts; the kubelet sysext must be within the version skew policy of it.
    :param management: the management cluster: ``kubeconfig_path`` (a kubeconfig file; never its
        content), ``context`` (default: the file's current context) and ``namespace`` (where the
        TenantControlPlane goes; it must exist).
    :param datastore: the Kamaji ``DataStore``: ``name`` alone names an existing one; with
        ``driver`` (``PostgreSQL`` or ``etcd``) and ``endpoints`` (``host:port``) it is made here,
        its credentials given as Secret references ``{secret, namespace, key}``
        (``username`` and ``password`` for PostgreSQL; ``ca_certificate``, ``ca_private_key``,
        ``client_certificate``, ``client_private_key`` for etcd).
    :param api_allowed_cidrs: who may reach the API load balancer besides the nodes' subnet
        (nothing is open to everyone by default).
    :param sysext: the kubelet image: ``version``, ``sha256``, and ``base_url`` (an internal
        https server in a closed contour) and ``arch`` if not the defaults.
    :param image: the Flatcar Glance image the nodes boot from (node groups may name another).
    :param api_address: a fixed IP in the primary subnet for the API (recommended: the API
        address is then known at plan time). Default: Neutron picks one.
    :param mirrors: containerd registry mirrors of every node, each
        ``{registry, endpoints, override_path}`` (``https://`` only) or a ``RegistryMirror``.
    :param control_plane_replicas: API server pods. Default 2.
    :param token_ttl_hours: how long a bootstrap token stays valid, 1 to 168. Default 24.
    :param token_rotation_hours: how often a new token is made, at most ``token_ttl_hours``
        minus one. Default 12.
    :param signing_duration_hours: lifetime of the kubelet certificates the tenant signs,
        at most 720. Default 720.
    :param oidc_issuers: JWT issuers the tenant's API server trusts besides its own
        certificates and ServiceAccount tokens (:class:`~constructs_lib.authentication.JwtIssuer`:
        GitLab for CI jobs, Dex for people), as a structured ``AuthenticationConfiguration``.
        Default: none.
    :param provider: the OpenStack provider. Default: the stack's.

    ``control_plane``, ``data_store`` (``None`` for an existing one), ``token`` and
    ``management_provider`` are the parts; ``node_name_regex`` matches every Node name of
    the cluster's node groups (kubelet-csr-approver's ``providerRegex``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        network: Network,
        keypair: SshKeyPair,
        kubernetes_version: str,
        management: Mapping[str, str],
        datastore: Mapping[str, Any],
        api_allowed_cidrs: Sequence[str],
        sysext: Mapping[str, str] | flatcar.KubernetesSysext,
        image: str,
        api_address: str | None = None,
        mirrors: Sequence[Mapping[str, Any] | flatcar.RegistryMirror] = (),
        control_plane_replicas: int = 2,
        token_ttl_hours: int = 24,
        token_rotation_hours: int = 12,
        signing_duration_hours: int = 720,
        oidc_issuers: Sequence[JwtIssuer] = (),
        provider: TerraformProvider | None = None,
    ) -> None:
        path = check.child_path(scope, id)
        given = check_cluster_arguments(
            path,
            network_type=Network,
            keypair_type=SshKeyPair,
            name=name,
            network=network,
            keypair=keypair,
            kubernetes_version=kubernetes_version,
            management=management,
            datastore=datastore,
            sysext=sysext,
            image=image,
            mirrors=mirrors,
            token_ttl_hours=token_ttl_hours,
            token_rotation_hours=token_rotation_hours,
            oidc_issuers=oidc_issuers,
        )
        check.provider(path, "provider", provider)
        super().__init__(scope, id, driver=DRIVERS[KAMAJI], name=name, version=given.version.lstrip("v"))
        self.network = network
        self.keypair = keypair
        self.sysext = given.sysext
        self.mirrors = given.mirrors
        self.image = image
        self.openstack_provider = provider
        self._build_node_security_group()
        self.management_provider = ManagementClusterProvider(
            self,
            "management",
            config_path=given.management["kubeconfig_path"],
            config_context=given.management.get("context"),
        )
        self._build_control_plane(
            given,
            api_allowed_cidrs=api_allowed_cidrs,
            api_address=api_address,
            replicas=control_plane_replicas,
            signing_duration_hours=signing_duration_hours,
        )
        self.token = BootstrapToken(
            self,
            "bootstrap-token",
            ttl=datetime.timedelta(hours=token_ttl_hours),
            rotation=datetime.timedelta(hours=token_rotation_hours),
        )
        self._build_access(given.management["namespace"])

    def _build_node_security_group(self) -> None:
        # One group for every node of the cluster: pod traffic (the CNI's VXLAN, Services)
        # crosses node groups, so a group per node group would cut the cluster apart.
        self.node_security_group = SecurityGroup(
            self,
            "node-security-group",
            name=f"{self.name}-nodes",
            description="nodes of the cluster",
            egress_cidrs=self.network.egress_cidrs,
            provider=self.openstack_provider,
        )
        self.node_security_group.connections.allow_internally(Port.all_traffic(), "between nodes of the cluster")

    def _build_control_plane(self, given: KamajiClusterArguments, **control_plane: Any) -> None:
        """The DataStore (when the arguments describe one to make) and the TenantControlPlane."""
        store = given.datastore
        self.data_store: KamajiDataStore | None = None
        if len(store) > 1:
            self.data_store = KamajiDataStore(
                self,
                "data-store",
                name=store["name"],
                driver=store.get("driver"),  # type: ignore[arg-type]
                endpoints=store.get("endpoints"),  # type: ignore[arg-type]
                provider=self.management_provider,
                **given.credentials,
            )
        self.control_plane = KamajiControlPlane(
            self,
            "control-plane",
            name=self.name,
            namespace=given.management["namespace"],
            data_store=self.data_store or store["name"],
            kubernetes_version=given.version,
            network=self.network,
            authentication=given.authentication,
            provider=self.management_provider,
            openstack_provider=self.openstack_provider,
            **control_plane,
        )

    def _build_access(self, namespace: str) -> None:
        """The admin kubeconfig Kamaji writes (read once the control plane is Ready) and the
        providers' connection settings."""
        admin = _SecretData(
            self,
            "admin-kubeconfig",
            name=self.control_plane.admin_kubeconfig_secret_name,
            namespace=namespace,
            provider=self.management_provider,
            depends_on=[self.control_plane.resource],
        )
        self.resource = self.control_plane.resource
        self.cluster_id = f"{namespace}/{self.name}"
        self.api_address = self.control_plane.address
        self.kubeconfig = Token.as_string(Fn.lookup(admin.get_string_map_attribute("data"), ADMIN_KUBECONFIG_KEY, ""))
        user = Fn.lookup(Fn.element(Fn.lookup(Fn.yamldecode(self.kubeconfig), "users", []), 0), "user", {})
        assert self.control_plane.ca_certificate is not None
        self.access = KubernetesAccess(
            host=self.control_plane.server,
            cluster_ca_certificate=self.control_plane.ca_certificate,
            client_certificate=Token.as_string(
                Fn.base64decode(Token.as_string(Fn.lookup(user, "client-certificate-data", "")))
            ),
            client_key=Token.as_string(Fn.base64decode(Token.as_string(Fn.lookup(user, "client-key-data", "")))),
        )

    @classmethod
    def stack_arguments(cls, offer: StackOffer, given: Mapping[str, Any]) -> dict[str, Any]:
        """The common ones, the issuers the API server trusts (CI jobs through GitLab, people
        through Dex: the tenant's structured authentication), and, with a registry offered and
        no ``mirrors`` given, node-level mirrors through it: nodes pull what no chart value
        redirects (Kamaji's kube-proxy, CoreDNS and konnectivity agent) from there too."""
        supplied = super().stack_arguments(offer, given)
        supplied["oidc_issuers"] = offer.oidc_issuers()
        if offer.registry is not None and "mirrors" not in given:
            supplied["mirrors"] = registry_mirrors(offer.registry)
        return supplied

    @classmethod
    def check_environment(cls, path: str, facts: EnvironmentFacts) -> None:
        """The environment has node groups (nothing else runs the platform's pods)."""
        check_environment(facts, DRIVERS[KAMAJI].name)

    def _make_reference(self) -> KamajiClusterReference:
        plane = self.control_plane
        assert plane.ca_certificate is not None
        return self._build_reference(
            KamajiClusterReference,
            network=self.network,
            keypair=self.keypair,
            image=self.image,
            sysext=self.sysext,
            mirrors=self.mirrors,
            node_security_group=self.node_security_group,
            openstack_provider=self.openstack_provider,
            control_plane_version=plane.kubernetes_version,
            api_server=plane.address,
            api_server_port=plane.api_port,
            ca_certificate=plane.ca_certificate,
            bootstrap_token=self.token.value,
            cluster_dns=(plane.dns_service_ip,),
        )

    def _make_profile(self) -> ClusterProfile:
        """The common profile, with the node names and subnet a serving-certificate approver checks."""
        return dataclasses.replace(
            super()._make_profile(),
            node_name_regex=self.node_name_regex,
            node_cidrs=(self.network.primary_cidr,),
            pod_cidr=self.control_plane.pod_cidr,
            kube_proxy=self.control_plane.kube_proxy,
        )

    @property
    def node_name_regex(self) -> str:
        """A regular expression matching exactly the Node names of this cluster's node groups
        (none: no name)."""
        groups = sorted(group.node_prefix for group in self._groups.values() if isinstance(group, KamajiNodeGroup))
        if not groups:
            return "^$"
        return f"^({'|'.join(groups)})-[0-9]+$"

    def add_cluster_objects(self, scope: Construct) -> None:
        """The token's Secret in the tenant (``scope``: a stack whose default kubernetes
        provider reaches the tenant)."""
        BootstrapTokenSecret(
            scope,
            "bootstrap-token",
            token_id=self.token.token_id,
            token_secret=self.token.token_secret,
            expiration=self.token.expiration,
        )


@dataclass(frozen=True)
class KamajiClusterReference(ClusterReference):
    """What a :class:`KamajiNodeGroup` knows of its :class:`KamajiCluster`: what its nodes
    join with (the API's address, port and CA, the bootstrap token, the cluster DNS) and what
    they share (network, key pair, image, kubelet image, mirrors, security group, provider).
    """

    network: Network
    keypair: SshKeyPair
    image: str
    sysext: flatcar.KubernetesSysext
    mirrors: tuple[flatcar.RegistryMirror, ...]
    node_security_group: SecurityGroup
    openstack_provider: TerraformProvider | None
    control_plane_version: str
    api_server: str
    api_server_port: int
    ca_certificate: str
    bootstrap_token: str
    cluster_dns: tuple[str, ...]


class KamajiNodeGroup(NodeGroup):
    """Flatcar workers of one role in a :class:`KamajiCluster` (a
    :class:`~constructs_lib.flatcar_node_group.FlatcarNodeGroup` named ``<cluster>-<name>``,
    configured with the cluster's API address, CA, token, kubelet image and mirrors).

    :param cluster: what :meth:`KamajiCluster.add_node_group` hands it (a
        :class:`KamajiClusterReference`): add the group with ``cluster.add_node_group(id, ...)``.
    :param name: the group's name; its nodes are ``<cluster>-<name>-<n>``.
    :param role: the nodes' role; dedicated roles register with their taint.
    :param count: number of nodes (no autoscaler: a fixed count).
    :param flavor: Nova flavor.
    :param boot_volume_size: GB of the boot volume.
    :param image: the Flatcar image. Default: the cluster's.
    :param boot_volume_type: Cinder type of the boot volume. Default: the cloud's default.
    :param availability_zone: Nova zone. Default: the cloud's choice.
    :param server_group_policy: ``anti-affinity`` (default) or ``soft-anti-affinity``.
    :param labels: more node labels (outside ``kubernetes.io`` and ``k8s.io``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster: KamajiClusterReference,
        name: str,
        role: str,
        count: int,
        flavor: str,
        boot_volume_size: int,
        image: str | None = None,
        boot_volume_type: str | None = None,
        availability_zone: str | None = None,
        server_group_policy: str = "anti-affinity",
        labels: Mapping[str, str] | None = None,
    ) -> None:
        path = check.child_path(scope, id)
        reference = cluster_reference(path, cluster, KamajiClusterReference, "KamajiCluster")
        counts = check_node_group_arguments(
            path, name=name, role=role, count=count, server_group_policy=server_group_policy
        )
        super().__init__(scope, id, cluster=reference, name=name, role=role, counts=counts)
        self.node_prefix = f"{reference.name}-{name}"
        try:
            self.nodes = FlatcarNodeGroup(
                self,
                "nodes",
                name=self.node_prefix,
                role=role,
                count=count,
                network=reference.network,
                keypair=reference.keypair,
                flavor=flavor,
                image=image if image is not None else reference.image,
                boot_volume_size=boot_volume_size,
                boot_volume_type=boot_volume_type,
                availability_zone=availability_zone,
                server_group_policy=server_group_policy,
                sysext=reference.sysext,
                control_plane_version=reference.control_plane_version,
                api_server=reference.api_server,
                api_server_port=reference.api_server_port,
                ca_certificate=reference.ca_certificate,
                bootstrap_token=reference.bootstrap_token,
                cluster_dns=list(reference.cluster_dns),
                labels=labels,
                mirrors=reference.mirrors,
                security_group=reference.node_security_group,
                provider=reference.openstack_provider,
            )
        except ConstructArgumentError as err:
            # Reported as this construct's argument (the Flatcar group is an inner part).
            raise ConstructArgumentError(path, err.argument, err.value, err.allowed) from None
        self.resource = self.nodes.resource


KamajiCluster.node_group_type = KamajiNodeGroup
