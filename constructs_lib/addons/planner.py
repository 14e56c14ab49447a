"""Which Helm releases a cluster gets, in install order: one answer, without cdktf.

:func:`plan_releases` takes the cluster (its :class:`~constructs_lib.cluster.ClusterProfile`)
and the platform's settings (the catalog addons' overrides, the extra releases, HA, the
registry) and returns :class:`~constructs_lib.addons.release.HelmRelease` values: the chart
each installs, its namespace, its values (catalog defaults, placement, HA, the registry's image
locations, then the user's own values), the images its chart runs, and the releases it waits
for. :class:`~constructs_lib.addons.PlatformAddons` builds its Helm releases from this list
only, and ``platformctl mirror`` copies the charts and images of the same list.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from .. import _validate as check
from ..errors import ConstructArgumentError
from .arguments import check_arguments
from .catalog import CALICO, CLOUD_CONTROLLER_WITHOUT_CONTROL_PLANE_NODES, KUBELET_CSR_APPROVER
from .catalog import OPENSTACK_CLOUD_CONTROLLER_MANAGER as CLOUD_CONTROLLER
from .registry import chart_images, chart_repository, image_values
from .release import HelmRelease, ReleaseOverrides
from .settings import OpenStackCloud
from .spec import AddonSpec
from .values import at_path, deep_merge

if TYPE_CHECKING:
    from ..cluster_drivers import ClusterDriver
    from ..node_roles import NodePlacement


class ClusterProfile(Protocol):
    """What the planner reads of a cluster: the attributes of
    :class:`~constructs_lib.cluster.ClusterProfile` (which loads cdktf with its module)."""

    @property
    def driver(self) -> ClusterDriver: ...
    @property
    def name(self) -> str: ...
    @property
    def kubernetes_version(self) -> str: ...
    @property
    def kubernetes_minor(self) -> tuple[int, int]: ...
    @property
    def provided_addons(self) -> frozenset[str]: ...
    @property
    def placements(self) -> Mapping[str, NodePlacement]: ...
    @property
    def node_name_regex(self) -> str | None: ...
    @property
    def node_cidrs(self) -> tuple[str, ...]: ...
    @property
    def pod_cidr(self) -> str | None: ...
    @property
    def kube_proxy(self) -> bool | None: ...

    def placement(self, role: str) -> NodePlacement | None: ...


def plan_releases(
    cluster: ClusterProfile,
    *,
    addons: Mapping[str, ReleaseOverrides] | None = None,
    extra_charts: Sequence[HelmRelease] = (),
    ha: bool = False,
    registry: str | None = None,
    image_registry: str | None = None,
    cloud: OpenStackCloud | None = None,
    path: str = "PlatformAddons",
    cluster_type: type[Any] | None = None,
) -> tuple[HelmRelease, ...]:
    """The releases of the enabled catalog addons and of ``extra_charts``, in install order
    (a release after those it waits for; otherwise in the order declared: the catalog's, then
    the extra charts').

    The arguments are those of :class:`~constructs_lib.addons.PlatformAddons` (see there);
    ``path`` names the construct in errors (each a
    :class:`~constructs_lib.errors.ConstructArgumentError`), ``cluster_type`` the class
    ``cluster`` must be (default: any object with a profile's attributes)."""
    given = check_arguments(
        path,
        cluster_type=cluster_type or object,
        cluster=cluster,
        registry=registry,
        image_registry=image_registry,
        addons=addons,
        extra_charts=extra_charts,
        ha=ha,
        cloud=cloud,
    )
    planned: dict[str, HelmRelease] = {}
    for name in _dependency_order(path, given.plans):
        deps, item = given.plans[name]
        if isinstance(item, HelmRelease):
            planned[name] = extra_release(cluster, item, deps)
            continue
        spec, overrides = item
        with _argument_of(path, f"addons[{name!r}]"):
            planned[name] = catalog_release(
                cluster, spec, overrides, deps, ha=ha, registry=registry, images_from=given.images_from, cloud=cloud
            )
    return tuple(planned.values())


def catalog_release(
    cluster: ClusterProfile,
    spec: AddonSpec,
    overrides: ReleaseOverrides,
    depends_on: tuple[str, ...],
    *,
    ha: bool,
    registry: str | None,
    images_from: str | None,
    cloud: OpenStackCloud | None,
) -> HelmRelease:
    """One catalog addon's release on ``cluster``: the catalog's values, what follows from
    the cluster, then ``overrides``."""
    sensitive = dict(overrides.sensitive_values)
    values = catalog_values(spec, ha=ha, image_registry=images_from, cluster=cluster)
    if spec is CLOUD_CONTROLLER:
        assert cloud is not None
        values, sensitive = _cloud_controller_values(cluster, cloud, values, sensitive)
    if spec is CALICO:
        values = deep_merge(values, cni_values(cluster))
    if spec is KUBELET_CSR_APPROVER:
        # Only the cluster's own nodes, by name and by address.
        values = deep_merge(
            values, {"providerRegex": cluster.node_name_regex, "providerIpPrefixes": list(cluster.node_cidrs)}
        )
    version = overrides.version or spec.chart.version
    public = dataclasses.replace(spec.chart, version=version)
    if overrides.repository:
        chart = dataclasses.replace(public, repository=overrides.repository)
    elif registry is not None:
        chart = dataclasses.replace(public, repository=chart_repository(spec, registry))
    else:
        chart = public
    # The mirror copies the chart from where the public side has it: the catalog's repository,
    # or an http(s) repository the environment gives instead (an oci:// one is the registry).
    source = chart if chart.repository.startswith(("http://", "https://")) else public
    return HelmRelease(
        name=spec.name,
        chart=chart,
        namespace=spec.namespace,
        values=deep_merge(values, overrides.values),
        sensitive_values=sensitive,
        depends_on=depends_on,
        role=spec.role,
        placement_paths=spec.placement_paths,
        # Images are recorded for the pinned version only: another version's are unknown.
        images=chart_images(spec) if version == spec.chart.version else None,
        source=None if source == chart else source,
    )


def extra_release(cluster: ClusterProfile, release: HelmRelease, depends_on: tuple[str, ...]) -> HelmRelease:
    """A release beside the catalog, placed on its ``role``'s nodes (the user's values win)."""
    placed = placement_values(cluster, release.role, release.placement_paths)
    if not placed and depends_on == release.depends_on:
        return release
    # Checked parts only (the release as made, a placement of the library's, a subset of its
    # dependencies): the new release is not checked a second time.
    return release.derived(values=deep_merge(placed, release.values), depends_on=depends_on)


def _cloud_controller_values(
    cluster: ClusterProfile, cloud: OpenStackCloud, values: dict[str, Any], sensitive: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    load_balancer = {"subnet-id": cloud.subnet_id, "floating-network-id": cloud.floating_network_id}
    # Ids from another stack (Terraform references) cannot be literal values: they go with
    # set_sensitive, as the credentials do.
    for key, value in list(load_balancer.items()):
        if value is not None and check.is_reference(value):
            sensitive[f"cloudConfig.loadBalancer.{key}"] = value
            load_balancer[key] = None
    values = deep_merge(
        values,
        {
            # Load balancers are named kube_service_<cluster>_<namespace>_<service>: the chart's
            # default cluster name would clash between environments.
            "cluster": {"name": cluster.name},
            "cloudConfig": {
                "global": {"auth-url": cloud.auth_url, "region": cloud.region},
                "loadBalancer": {k: v for k, v in load_balancer.items() if v is not None},
            },
        },
    )
    if cluster.driver.self_managed:
        values = deep_merge(values, CLOUD_CONTROLLER_WITHOUT_CONTROL_PLANE_NODES)
    sensitive.setdefault("cloudConfig.global.application-credential-id", cloud.application_credential_id)
    sensitive.setdefault("cloudConfig.global.application-credential-secret", cloud.application_credential_secret)
    return values, sensitive


def cni_values(cluster: ClusterProfile) -> dict[str, Any]:
    """The CNI's values that follow the cluster: one VXLAN pool on its pod range."""
    assert cluster.pod_cidr is not None
    pool = {
        "cidr": cluster.pod_cidr,
        "encapsulation": "VXLAN",
        "natOutgoing": "Enabled",
        "nodeSelector": "all()",
    }
    return {"installation": {"calicoNetwork": {"ipPools": [pool]}}}


def placement_values(cluster: ClusterProfile, role: str | None, paths: Sequence[str]) -> dict[str, Any]:
    """Node selector (or affinity) and tolerations for ``role`` at each of ``paths``; nothing
    when there is no role or the cluster has no node of it."""
    placement = cluster.placement(role) if role is not None else None
    values: dict[str, Any] = {}
    if placement is not None:
        placed = placement.values()
        for place in paths:
            values = deep_merge(values, at_path(place, placed))
    return values


def catalog_values(spec: AddonSpec, *, ha: bool, image_registry: str | None, cluster: ClusterProfile) -> dict[str, Any]:
    """The catalog's values for ``spec`` before the environment's own values are merged."""
    values = deep_merge(spec.values, placement_values(cluster, spec.role, spec.placement_paths))
    if ha:
        for key, replicas in spec.ha_replicas.items():
            values = deep_merge(values, at_path(key, replicas))
        values = deep_merge(values, spec.ha_values)
    if image_registry:
        values = deep_merge(values, image_values(spec, image_registry))
    return values


@contextmanager
def _argument_of(path: str, prefix: str) -> Iterator[None]:
    """Name a release's bad argument after the addon it came from: ``addons['x'].values``."""
    try:
        yield
    except ConstructArgumentError as err:
        raise ConstructArgumentError(path, f"{prefix}.{err.argument}", err.value, err.allowed) from None


def _dependency_order(path: str, plans: Mapping[str, tuple[tuple[str, ...], Any]]) -> list[str]:
    """Topological order, stable: among ready releases the declaration order wins."""
    order: list[str] = []
    done: set[str] = set()
    pending = list(plans)
    while pending:
        ready = [n for n in pending if all(d in done for d in plans[n][0])]
        if not ready:
            raise ConstructArgumentError(path, "depends_on", sorted(pending), "dependencies without a cycle")
        for name in ready:
            order.append(name)
            done.add(name)
        pending = [n for n in pending if n not in done]
    return order
