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
from typing import Any

from cdktf import Fn, TerraformProvider, Token
from constructs import Construct

from . import _validate as check
from . import flatcar
from ._generic import GenericDataSource, present
from .authentication import JwtIssuer, authentication_configuration
from .cluster import ClusterProfile, KubernetesAccess, ManagedCluster
from .cluster_drivers import DRIVERS, KAMAJI
from .errors import ConstructArgumentError
from .flatcar_node_group import SERVER_GROUP_POLICIES, FlatcarNodeGroup
from .kamaji import (
    BootstrapToken,
    BootstrapTokenSecret,
    KamajiControlPlane,
    KamajiDataStore,
    ManagementClusterProvider,
    SecretKeyRef,
    check_tenant_version,
)
from .keypair import SshKeyPair
from .kubernetes import GENERATOR_METADATA as KUBERNETES_GENERATOR_METADATA
from .network import Network
from .node_groups import NodeGroup, node_counts
from .node_roles import check_role
from .security_group import Port, SecurityGroup

#: Keys of the ``management`` argument.
MANAGEMENT_KEYS = ("kubeconfig_path", "context", "namespace")
#: Keys of the ``datastore`` argument (credential keys take ``{secret, namespace, key}``).
DATASTORE_KEYS = (
    "name",
    "driver",
    "endpoints",
    "username",
    "password",
    "ca_certificate",
    "ca_private_key",
    "client_certificate",
    "client_private_key",
)
_CREDENTIALS = DATASTORE_KEYS[3:]
#: Keys of the ``sysext`` argument.
SYSEXT_KEYS = ("version", "sha256", "base_url", "arch")
#: The key of the admin kubeconfig in Kamaji's ``<tcp>-admin-kubeconfig`` Secret.
ADMIN_KUBECONFIG_KEY = "admin.conf"


def _mapping(path: str, argument: str, value: Any, keys: Sequence[str], required: Sequence[str]) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ConstructArgumentError(path, argument, value, f"a block with the keys {', '.join(keys)}")
    for key in value:
        if key not in keys:
            raise ConstructArgumentError(path, f"{argument}.{key}", value[key], f"one of the keys {', '.join(keys)}")
    for key in required:
        if value.get(key) is None:
            raise ConstructArgumentError(path, f"{argument}.{key}", None, "a value: the key is required")
    return dict(value)


def _secret_ref(path: str, argument: str, value: Any) -> SecretKeyRef | None:
    if value is None or isinstance(value, SecretKeyRef):
        return value
    given = _mapping(path, argument, value, ("secret", "namespace", "key"), ("secret", "namespace", "key"))
    try:
        return SecretKeyRef(name=given["secret"], namespace=given["namespace"], key=given["key"])
    except ConstructArgumentError as err:
        raise ConstructArgumentError(path, f"{argument}.{err.argument}", err.value, err.allowed) from None


def _sysext(path: str, value: Any) -> flatcar.KubernetesSysext:
    if isinstance(value, flatcar.KubernetesSysext):
        return value
    given = _mapping(path, "sysext", value, SYSEXT_KEYS, ("version", "sha256"))
    try:
        return flatcar.KubernetesSysext(**given)
    except ConstructArgumentError as err:
        raise ConstructArgumentError(path, f"sysext.{err.argument}", err.value, err.allowed) from None


def _mirrors(path: str, value: Any) -> tuple[flatcar.RegistryMirror, ...]:
    if isinstance(value, (str, Mapping)) or not isinstance(value, (list, tuple)):
        raise ConstructArgumentError(path, "mirrors", value, "a list of registry mirrors")
    mirrors = []
    for index, item in enumerate(value):
        if isinstance(item, flatcar.RegistryMirror):
            mirrors.append(item)
            continue
        given = _mapping(
            path, f"mirrors[{index}]", item, ("registry", "endpoints", "override_path"), ("registry", "endpoints")
        )
        try:
            mirrors.append(flatcar.RegistryMirror(**given))
        except ConstructArgumentError as err:
            raise ConstructArgumentError(path, f"mirrors[{index}].{err.argument}", err.value, err.allowed) from None
    return tuple(mirrors)


def registry_mirrors(registry: str) -> tuple[flatcar.RegistryMirror, ...]:
    """Node-level mirrors for a closed contour's registry (``host[/path]``): the public
    registries the control plane's images come from (Kamaji's kube-proxy, CoreDNS and
    konnectivity agent, the CNI) are pulled as ``<registry>/<repository path>``, the same
    layout ``platformctl mirror`` copies images to."""
    parsed = check.Registry.parse("", "registry", registry)
    host, prefix = parsed.address, parsed.path
    endpoint = f"https://{host}/v2/{prefix}" if prefix else f"https://{host}"
    return tuple(
        flatcar.RegistryMirror(upstream, [endpoint], override_path=bool(prefix))
        for upstream in ("docker.io", "ghcr.io", "quay.io", "registry.k8s.io")
    )


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
        check.name(path, "name", name)
        authentication = (
            authentication_configuration(oidc_issuers, path=path, argument="oidc_issuers") if oidc_issuers else None
        )
        version = check_tenant_version(path, kubernetes_version)
        if not isinstance(network, Network):
            raise ConstructArgumentError(path, "network", network, "a Network")
        if not isinstance(keypair, SshKeyPair):
            raise ConstructArgumentError(path, "keypair", keypair, "an SshKeyPair")
        given = _mapping(path, "management", management, MANAGEMENT_KEYS, ("kubeconfig_path", "namespace"))
        store = _mapping(path, "datastore", datastore, DATASTORE_KEYS, ("name",))
        refs = {key: _secret_ref(path, f"datastore.{key}", store.get(key)) for key in _CREDENTIALS}
        the_sysext = _sysext(path, sysext)
        the_mirrors = _mirrors(path, mirrors)
        check.text(path, "image", image)
        check.int_range(path, "token_ttl_hours", token_ttl_hours, 1, 168)
        check.int_range(path, "token_rotation_hours", token_rotation_hours, 1, 167)
        check.provider(path, "provider", provider)
        super().__init__(scope, id, driver=DRIVERS[KAMAJI], name=name, version=version.lstrip("v"))
        self.network = network
        self.keypair = keypair
        # One group for every node of the cluster: pod traffic (the CNI's VXLAN, Services)
        # crosses node groups, so a group per node group would cut the cluster apart.
        self.node_security_group = SecurityGroup(
            self,
            "node-security-group",
            name=f"{name}-nodes",
            description="nodes of the cluster",
            egress_cidrs=network.egress_cidrs,
            provider=provider,
        )
        self.node_security_group.connections.allow_internally(Port.all_traffic(), "between nodes of the cluster")
        self.sysext = the_sysext
        self.mirrors = the_mirrors
        self.image = image
        self.openstack_provider = provider
        self.management_provider = ManagementClusterProvider(
            self,
            "management",
            config_path=given["kubeconfig_path"],
            config_context=given.get("context"),
        )
        self.data_store: KamajiDataStore | None = None
        if len(store) > 1:
            self.data_store = KamajiDataStore(
                self,
                "data-store",
                name=store["name"],
                driver=store.get("driver"),  # type: ignore[arg-type]
                endpoints=store.get("endpoints"),  # type: ignore[arg-type]
                provider=self.management_provider,
                **{key: ref for key, ref in refs.items() if ref is not None},
            )
        self.control_plane = KamajiControlPlane(
            self,
            "control-plane",
            name=name,
            namespace=given["namespace"],
            data_store=self.data_store or store["name"],
            kubernetes_version=version,
            network=network,
            api_allowed_cidrs=api_allowed_cidrs,
            api_address=api_address,
            replicas=control_plane_replicas,
            signing_duration_hours=signing_duration_hours,
            authentication=authentication,
            provider=self.management_provider,
            openstack_provider=provider,
        )
        self.token = BootstrapToken(
            self,
            "bootstrap-token",
            ttl=datetime.timedelta(hours=token_ttl_hours),
            rotation=datetime.timedelta(hours=token_rotation_hours),
        )
        admin = _SecretData(
            self,
            "admin-kubeconfig",
            name=self.control_plane.admin_kubeconfig_secret_name,
            namespace=given["namespace"],
            provider=self.management_provider,
            depends_on=[self.control_plane.resource],
        )
        self.resource = self.control_plane.resource
        self.cluster_id = f"{given['namespace']}/{name}"
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

    @property
    def profile(self) -> ClusterProfile:
        """The common profile, with the node names and subnet a serving-certificate approver checks."""
        return dataclasses.replace(
            super().profile,
            node_name_regex=self.node_name_regex,
            node_cidrs=(self.network.primary_cidr,),
            pod_cidr=self.control_plane.pod_cidr,
            kube_proxy=self.control_plane.kube_proxy,
        )

    @property
    def node_name_regex(self) -> str:
        """A regular expression matching exactly the Node names of this cluster's node groups
        (none: no name)."""
        groups = sorted(group.node_prefix for group in self.node_groups if isinstance(group, KamajiNodeGroup))
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


class KamajiNodeGroup(NodeGroup):
    """Flatcar workers of one role in a :class:`KamajiCluster` (a
    :class:`~constructs_lib.flatcar_node_group.FlatcarNodeGroup` named ``<cluster>-<name>``,
    configured with the cluster's API address, CA, token, kubelet image and mirrors).

    :param cluster: the :class:`KamajiCluster`.
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
        cluster: KamajiCluster,
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
        if not isinstance(cluster, KamajiCluster):
            raise ConstructArgumentError(path, "cluster", cluster, "a KamajiCluster")
        check.name(path, "name", name)
        check_role(path, role)
        counts = node_counts(path, count, None, None)
        check.choice(path, "server_group_policy", server_group_policy, SERVER_GROUP_POLICIES)
        super().__init__(scope, id, cluster=cluster, name=name, role=role, counts=counts)
        self.node_prefix = f"{cluster.name}-{name}"
        plane = cluster.control_plane
        assert plane.ca_certificate is not None
        try:
            self.nodes = FlatcarNodeGroup(
                self,
                "nodes",
                name=self.node_prefix,
                role=role,
                count=count,
                network=cluster.network,
                keypair=cluster.keypair,
                flavor=flavor,
                image=image if image is not None else cluster.image,
                boot_volume_size=boot_volume_size,
                boot_volume_type=boot_volume_type,
                availability_zone=availability_zone,
                server_group_policy=server_group_policy,
                sysext=cluster.sysext,
                control_plane_version=plane.kubernetes_version,
                api_server=plane.address,
                api_server_port=plane.api_port,
                ca_certificate=plane.ca_certificate,
                bootstrap_token=cluster.token.value,
                cluster_dns=[plane.dns_service_ip],
                labels=labels,
                mirrors=cluster.mirrors,
                security_group=cluster.node_security_group,
                provider=cluster.openstack_provider,
            )
        except ConstructArgumentError as err:
            # Reported as this construct's argument (the Flatcar group is an inner part).
            raise ConstructArgumentError(path, err.argument, err.value, err.allowed) from None
        self.resource = self.nodes.resource


KamajiCluster.node_group_type = KamajiNodeGroup
