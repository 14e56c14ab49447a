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
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar, overload

import jsii
from cdktf import IAnyProducer, IResolveContext, IStringProducer, Lazy, TerraformElement
from constructs import Construct

from . import _validate as check
from ._construct import LibraryConstruct
from ._versions import kubernetes_release_or_minor
from .cluster_arguments import EnvironmentFacts, StackOffer, check_options, parameters
from .cluster_drivers import ClusterDriver
from .errors import ConstructArgumentError
from .node_roles import DEDICATED_ROLES, NodePlacement

if TYPE_CHECKING:
    from .kamaji_cluster import KamajiCluster, KamajiNodeGroup
    from .magnum import MagnumCluster, MagnumNodeGroup
    from .node_groups import NodeGroup
    from .selectel_mks import SelectelMksCluster, SelectelMksNodeGroup


@jsii.implements(IStringProducer)
class _TextProducer:
    """A string cdktf asks for when it synthesizes the stack."""

    def __init__(self, produce: Callable[[], str]) -> None:
        self._produce = produce

    def produce(self, context: IResolveContext) -> str:
        return self._produce()


@jsii.implements(IAnyProducer)
class _ValueProducer:
    """A value cdktf asks for when it synthesizes the stack."""

    def __init__(self, produce: Callable[[], Any]) -> None:
        self._produce = produce

    def produce(self, context: IResolveContext) -> Any:
        return self._produce()


def lazy_text(produce: Callable[[], str]) -> str:
    """A string computed when the stack is synthesized (``produce()`` then): for what depends
    on constructs added later, such as the set of a cluster's node groups."""
    return Lazy.string_value(_TextProducer(produce))


def lazy_value(produce: Callable[[], Any]) -> Any:
    """Any value computed when the stack is synthesized (see :func:`lazy_text`)."""
    return Lazy.any_value(_ValueProducer(produce))


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


@dataclass(frozen=True)
class ClusterReference:
    """What a node group knows of its cluster: read-only facts the cluster hands to each group
    it adds (:meth:`ManagedCluster.add_node_group`). A group reads them and changes nothing of
    the cluster; the cluster registers the group it made. Each driver's cluster hands a
    reference of its own kind, with what its groups need besides.

    :param driver: the cluster's driver.
    :param name: the cluster's name.
    :param path: the cluster construct's path (for messages).
    :param cluster_id: the cluster's id, a Terraform reference.
    :param group_paths: name -> construct path of the groups added so far (a read-only view).
    """

    driver: ClusterDriver
    name: str
    path: str
    cluster_id: str
    group_paths: Mapping[str, str]


_Reference = TypeVar("_Reference", bound=ClusterReference)


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
    - ``node_groups``: the node groups added so far (read-only: add them with
      :meth:`add_node_group`).
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
        self._scope = scope
        self._path = check.child_path(scope, id)
        self._groups: dict[str, NodeGroup] = {}
        self._group_paths: dict[str, str] = {}
        self._reference: ClusterReference | None = None
        self._profile: ClusterProfile | None = None

    @property
    def node_groups(self) -> tuple[NodeGroup, ...]:
        """The node groups added so far, in the order they were added."""
        return tuple(self._groups.values())

    if TYPE_CHECKING:
        #: Typed per driver for type checkers (see :class:`_NodeGroupAdder`).
        add_node_group: ClassVar[_NodeGroupAdder]
    else:

        def add_node_group(self, id: str, **props: Any) -> NodeGroup:
            """Add a node group (a ``node_group_type``) with ``props``, the arguments of that
            construct but ``cluster``: the one way to add one (a node group made directly is
            refused). An unknown or missing argument is a
            :class:`~constructs_lib.errors.ConstructArgumentError` naming it; a type checker
            checks them too, on a variable typed as the driver's cluster class.

            The group is created beside the cluster (in the cluster's scope, ``<scope>/<id>``),
            not inside it: a group's Terraform address then depends on its own id only, so the
            groups an application made before this method existed (``<stack>/node-group-<name>``)
            keep their addresses. What depends on the set of groups (Magnum's autoscaler label
            and template digest, the node names a Kamaji cluster's approver accepts) is
            computed when the stack is synthesized, from every group added by then."""
            return self._add_node_group(id, props)

    def _add_node_group(self, id: str, props: dict[str, Any]) -> NodeGroup:
        path = check.child_path(self._scope, id)
        check_options(path, self.node_group_type, props, supplied=("cluster",))
        if self._profile is not None:
            raise ConstructArgumentError(
                path,
                "id",
                id,
                f"a node group added before {self._path}'s profile is read: the profile (where each role's nodes "
                "are, the volume types) was handed on with the groups added until then",
            )
        if self._reference is None:
            self._reference = self._make_reference()
        group = self.node_group_type(self._scope, id, cluster=self._reference, **props)
        self._groups[group.name] = group
        self._group_paths[group.name] = path
        return group

    def _make_reference(self) -> ClusterReference:
        """What this cluster's node groups know of it (a driver's cluster hands its own kind)."""
        return self._build_reference(ClusterReference)

    def _build_reference(self, kind: type[_Reference], **more: Any) -> _Reference:
        """A ``kind`` of reference with what every cluster tells its groups, and ``more``
        (what that driver's groups need besides)."""
        return kind(
            driver=self.driver,
            name=self.name,
            path=self._path,
            cluster_id=self.cluster_id,
            group_paths=MappingProxyType(self._group_paths),
            **more,
        )

    @classmethod
    def stack_arguments(cls, offer: StackOffer, given: Mapping[str, Any]) -> dict[str, Any]:
        r"""The arguments a stack supplies to this class from what it ``offer``\ s, beside the
        ``given`` ones (an environment's ``cluster`` block): the offered values this class's
        signature names, and its zone when ``given`` has none. A driver's class adds what
        only it needs (a provider, the issuers its API server trusts, ...)."""
        takes = parameters(cls)
        supplied: dict[str, Any] = {
            key: getattr(offer, key) for key in ("name", "driver", "region", "network", "keypair") if key in takes
        }
        if "availability_zone" in takes and "availability_zone" not in given and offer.availability_zone is not None:
            supplied["availability_zone"] = offer.availability_zone
        return supplied

    @classmethod
    def check_environment(cls, path: str, facts: EnvironmentFacts) -> None:
        """Check what this driver needs of an environment besides its own arguments (``path``
        names the cluster construct to be). A :class:`~constructs_lib.errors.ConstructArgumentError`
        names the key in the environment's terms (``openstack.region``); an
        :class:`~constructs_lib.cluster_arguments.EnvironmentRuleError` a whole block. Nothing
        by default."""

    def add_cluster_objects(self, scope: Construct) -> None:
        """Create in ``scope`` (a stack whose default kubernetes provider reaches this cluster)
        what the cluster itself needs inside it. Managed clouds need nothing; a self-managed
        driver puts its nodes' bootstrap credentials there."""

    def _role_groups(self) -> dict[str, list[str]]:
        """role -> names of the node groups of that role, in the order they were added."""
        roles: dict[str, list[str]] = {}
        for group in self._groups.values():
            if group.max_count > 0:
                roles.setdefault(group.role, []).append(group.name)
        return roles

    @property
    def profile(self) -> ClusterProfile:
        """The cluster as the platform layer sees it, from every node group added: read it
        once they are all added (a group added afterwards is refused)."""
        if self._profile is None:
            self._profile = self._make_profile()
        return self._profile

    def _make_profile(self) -> ClusterProfile:
        label = self.driver.role_label
        placements = {}
        for role, groups in self._role_groups().items():
            values = tuple(dict.fromkeys(label.value_for(role, group) for group in groups))
            placements[role] = NodePlacement(role=role, label_key=label.key_for(role), label_values=values)
        volume_types = tuple(sorted({g.volume_type for g in self._groups.values() if g.volume_type is not None}))
        return ClusterProfile(
            driver=self.driver,
            name=self.name,
            kubernetes_version=self.kubernetes_version,
            placements=placements,
            volume_types=volume_types,
        )
