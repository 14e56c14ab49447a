"""A managed Kubernetes cluster, whichever cloud API builds it.

:class:`ManagedCluster` is the common surface of
:class:`~constructs_lib.selectel_mks.SelectelMksCluster`,
:class:`~constructs_lib.magnum.MagnumCluster` and
:class:`~constructs_lib.kamaji_cluster.KamajiCluster` (a control plane the library builds):
the kubeconfig and connection settings for the helm and kubernetes providers, the node groups,
and a :class:`ClusterProfile` that tells the platform addons what the cloud runs itself and
where each role's nodes are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, overload

from cdktf import TerraformElement
from constructs import Construct

from . import _validate as check
from ._construct import LibraryConstruct
from ._versions import kubernetes_release_or_minor
from .cluster_drivers import ClusterDriver
from .errors import ConstructArgumentError
from .node_roles import DEDICATED_ROLES, NodePlacement

if TYPE_CHECKING:
    from .kamaji_cluster import KamajiCluster, KamajiNodeGroup
    from .magnum import MagnumCluster, MagnumNodeGroup
    from .node_groups import NodeGroup
    from .selectel_mks import SelectelMksCluster, SelectelMksNodeGroup


@dataclass(frozen=True)
class KubernetesAccess:
    """What a helm or kubernetes provider needs to reach the cluster. The fields are named as
    both providers' connection arguments. All values are Terraform references to sensitive
    attributes; none is ever a literal.

    :param host: the Kubernetes API's URL.
    :param cluster_ca_certificate: the cluster's CA certificate (PEM).
    :param client_certificate: the admin client's certificate (PEM).
    :param client_key: the admin client's private key (PEM).
    """

    host: str
    cluster_ca_certificate: str
    client_certificate: str
    client_key: str


@dataclass(frozen=True)
class ClusterProfile:
    """What the platform layer needs to know about a cluster: plain data, so it crosses from
    the infra stack to the platform stack (and into other teams' stacks) without references.

    :param driver: the cluster driver.
    :param name: the cluster's name (load balancers and volumes the cloud creates carry it).
    :param kubernetes_version: ``major.minor.patch``, or ``major.minor`` where the cloud picks
        the patch at plan time.
    :param placements: role -> where its nodes are; only roles that have nodes.
    :param volume_types: the network volume types (``<kind>.<zone>``) the node groups use,
        where the driver tells them; StorageClasses are made for them.
    :param node_name_regex: a regular expression matching exactly the Node names of the
        cluster's nodes, where the library names them (the ``kamaji`` driver); a
        serving-certificate approver approves only those.
    :param node_cidrs: the subnets the nodes' addresses are in, where the library knows them.
    :param pod_cidr: the pods' range, where the library chooses it (the ``kamaji`` driver: the
        TenantControlPlane's); a CNI the library installs allocates from it.
    :param kube_proxy: whether kube-proxy runs in the cluster, where the library decides it.
    """

    driver: ClusterDriver
    name: str
    kubernetes_version: str
    placements: Mapping[str, NodePlacement] = field(default_factory=dict)
    volume_types: tuple[str, ...] = ()
    node_name_regex: str | None = None
    node_cidrs: tuple[str, ...] = ()
    pod_cidr: str | None = None
    kube_proxy: bool | None = None

    def __post_init__(self) -> None:
        where = "ClusterProfile"
        if not isinstance(self.driver, ClusterDriver):
            raise ConstructArgumentError(where, "driver", self.driver, "a ClusterDriver (constructs_lib.DRIVERS)")
        check.text(where, "name", self.name)
        object.__setattr__(self, "kubernetes_version", kubernetes_release_or_minor(where, self.kubernetes_version))
        if not isinstance(self.placements, Mapping) or not all(
            isinstance(p, NodePlacement) for p in self.placements.values()
        ):
            raise ConstructArgumentError(where, "placements", self.placements, "a map of role -> NodePlacement")
        object.__setattr__(self, "placements", MappingProxyType(dict(self.placements)))
        if self.pod_cidr is not None:
            check.network(where, "pod_cidr", self.pod_cidr)

    @property
    def provided_addons(self) -> frozenset[str]:
        """Catalog addons the cloud installs itself."""
        return self.driver.provided_addons

    @property
    def kubernetes_minor(self) -> tuple[int, int]:
        major, minor = self.kubernetes_version.split(".")[:2]
        return int(major), int(minor)

    def placement(self, role: str) -> NodePlacement | None:
        """Where ``role``'s nodes are, or None when the cluster has no node of that role."""
        return self.placements.get(role)

    @property
    def roles_to_taint(self) -> tuple[str, ...]:
        """Dedicated roles whose nodes the driver cannot taint itself: the platform stack
        labels and taints them (:class:`~constructs_lib.node_taints.NodeRoleTaints`)."""
        if self.driver.taints_at_creation:
            return ()
        return tuple(role for role in DEDICATED_ROLES if role in self.placements)


class AddsSelectelMksNodeGroup(Protocol):
    """``SelectelMksCluster.add_node_group``: the arguments of
    :class:`~constructs_lib.selectel_mks.SelectelMksNodeGroup` but ``cluster``."""

    def __call__(
        self,
        id: str,
        *,
        name: str,
        role: str,
        count: int,
        min_count: int | None = ...,
        max_count: int | None = ...,
        flavor: str | None = ...,
        cpus: int | None = ...,
        ram_mb: int | None = ...,
        volume_size: int | None = ...,
        volume_type: str | None = ...,
        local_volume: bool = ...,
        availability_zone: str | None = ...,
        labels: Mapping[str, str] | None = ...,
        taint: bool = ...,
        preemptible: bool = ...,
        install_nvidia_device_plugin: bool = ...,
    ) -> SelectelMksNodeGroup: ...


class AddsMagnumNodeGroup(Protocol):
    """``MagnumCluster.add_node_group``: the arguments of
    :class:`~constructs_lib.magnum.MagnumNodeGroup` but ``cluster``."""

    def __call__(
        self,
        id: str,
        *,
        name: str,
        role: str,
        flavor: str,
        count: int,
        min_count: int | None = ...,
        max_count: int | None = ...,
        image: str | None = ...,
        volume_size: int | None = ...,
    ) -> MagnumNodeGroup: ...


class AddsKamajiNodeGroup(Protocol):
    """``KamajiCluster.add_node_group``: the arguments of
    :class:`~constructs_lib.kamaji_cluster.KamajiNodeGroup` but ``cluster``."""

    def __call__(
        self,
        id: str,
        *,
        name: str,
        role: str,
        count: int,
        flavor: str,
        boot_volume_size: int,
        image: str | None = ...,
        boot_volume_type: str | None = ...,
        availability_zone: str | None = ...,
        server_group_policy: str = ...,
        labels: Mapping[str, str] | None = ...,
    ) -> KamajiNodeGroup: ...


#: Each driver's cluster class and the typed signature of its ``add_node_group`` (a test keeps
#: each equal to its node group construct's arguments).
NODE_GROUP_ADDERS: dict[str, type[Any]] = {
    "SelectelMksCluster": AddsSelectelMksNodeGroup,
    "MagnumCluster": AddsMagnumNodeGroup,
    "KamajiCluster": AddsKamajiNodeGroup,
}


class _NodeGroupAdder:
    """What type checkers see as ``add_node_group``: on a driver's cluster, a call typed with
    the arguments of that driver's node group construct (``flavour=``, ``count="1"`` or a
    missing ``name`` are errors); on a variable typed as the plain :class:`ManagedCluster`,
    which driver it is is unknown, so the arguments are checked only when it runs."""

    @overload
    def __get__(self, cluster: None, owner: Any) -> _NodeGroupAdder: ...
    @overload
    def __get__(self, cluster: SelectelMksCluster, owner: Any) -> AddsSelectelMksNodeGroup: ...
    @overload
    def __get__(self, cluster: MagnumCluster, owner: Any) -> AddsMagnumNodeGroup: ...
    @overload
    def __get__(self, cluster: KamajiCluster, owner: Any) -> AddsKamajiNodeGroup: ...
    @overload
    def __get__(self, cluster: ManagedCluster, owner: Any) -> Callable[..., NodeGroup]: ...
    def __get__(self, cluster: Any, owner: Any) -> Any:
        raise NotImplementedError  # never used at run time: ManagedCluster.add_node_group is a method


class ManagedCluster(LibraryConstruct):
    """Common surface of every managed cluster construct; each driver's cluster derives from
    it and calls it with what it checked.

    :param driver: the :class:`~constructs_lib.cluster_drivers.ClusterDriver` that builds it.
    :param name: the cluster's name in the cloud.
    :param version: the Kubernetes version, as the driver checked it.

    Attributes every driver sets:

    - ``resource``: the main raw resource (the cluster itself), for escape hatches;
    - ``cluster_id``: the cluster's id, a Terraform reference;
    - ``api_address``: the Kubernetes API's address, a Terraform reference;
    - ``kubeconfig``: the admin kubeconfig, a reference to a sensitive attribute;
    - ``access``: :class:`KubernetesAccess` for the helm and kubernetes providers;
    - ``node_groups``: the node groups added so far.
    """

    resource: TerraformElement
    cluster_id: str
    api_address: str
    kubeconfig: str
    access: KubernetesAccess
    #: The driver's node group construct.
    node_group_type: type[NodeGroup]

    def __init__(self, scope: Construct, id: str, *, driver: ClusterDriver, name: str, version: str) -> None:
        super().__init__(scope, id)
        self.driver = driver
        self.name = name
        self.kubernetes_version = version
        self.node_groups: list[NodeGroup] = []

    if TYPE_CHECKING:
        #: Typed per driver for type checkers (see :class:`_NodeGroupAdder`).
        add_node_group: ClassVar[_NodeGroupAdder]
    else:

        def add_node_group(self, id: str, **props: Any) -> NodeGroup:
            """Add a node group (a ``node_group_type``, child of this cluster) with ``props``,
            the arguments of that construct but ``cluster``. An unknown or missing argument is
            a :class:`~constructs_lib.errors.ConstructArgumentError` naming it; a type checker
            checks them too, on a variable typed as the driver's cluster class."""
            return self._add_node_group(id, props)

    def add_cluster_objects(self, scope: Construct) -> None:
        """Create in ``scope`` (a stack whose default kubernetes provider reaches this cluster)
        what the cluster itself needs inside it. Managed clouds need nothing; a self-managed
        driver puts its nodes' bootstrap credentials there."""

    def _add_node_group(self, id: str, props: dict[str, Any]) -> NodeGroup:
        check.keyword_arguments(check.child_path(self, id), self.node_group_type, props, supplied=("cluster",))
        return self.node_group_type(self, id, cluster=self, **props)

    def _role_groups(self) -> dict[str, list[str]]:
        """role -> names of the node groups of that role, in the order they were added."""
        roles: dict[str, list[str]] = {}
        for group in self.node_groups:
            if group.max_count > 0:
                roles.setdefault(group.role, []).append(group.name)
        return roles

    @property
    def profile(self) -> ClusterProfile:
        """The cluster as the platform layer sees it (computed from the node groups so far)."""
        label = self.driver.role_label
        placements = {}
        for role, groups in self._role_groups().items():
            values = tuple(dict.fromkeys(label.value_for(role, group) for group in groups))
            placements[role] = NodePlacement(role=role, label_key=label.key_for(role), label_values=values)
        volume_types = tuple(sorted({g.volume_type for g in self.node_groups if g.volume_type is not None}))
        return ClusterProfile(
            driver=self.driver,
            name=self.name,
            kubernetes_version=self.kubernetes_version,
            placements=placements,
            volume_types=volume_types,
        )
