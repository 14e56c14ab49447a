"""The checks of :class:`~constructs_lib.addons.PlatformAddons`' arguments, apart from the
build: plain Python (no cdktf, no jsii). :func:`check_arguments` returns which releases the
platform gets and in which dependency structure (:class:`PlatformArguments`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import _validate as check
from ..errors import ConstructArgumentError
from .catalog import CALICO, CATALOG, KUBELET_CSR_APPROVER, OPENSTACK_CLOUD_CONTROLLER_MANAGER
from .release import HelmRelease, ReleaseOverrides
from .settings import OpenStackCloud
from .spec import AddonSpec

if TYPE_CHECKING:
    from ..cluster import ClusterProfile


@dataclass(frozen=True)
class PlatformArguments:
    """PlatformAddons' arguments, checked, with what follows from them.

    :param images_from: the registry images come from (``registry`` or ``image_registry``), or None.
    :param addons: catalog name -> its settings, as given.
    :param enabled: the catalog addons to install, in catalog order.
    :param plans: release name -> (the releases it waits for, what to build: ``(spec,
        settings)`` for a catalog addon, the :class:`HelmRelease` for an extra chart).
    """

    images_from: str | None
    addons: dict[str, ReleaseOverrides]
    enabled: list[AddonSpec]
    plans: dict[str, tuple[tuple[str, ...], Any]]


def check_arguments(
    path: str,
    *,
    cluster_type: type[Any],
    cluster: Any,
    registry: Any,
    image_registry: Any,
    addons: Any,
    extra_charts: Any,
    ha: Any,
    cloud: Any,
) -> PlatformArguments:
    """Check PlatformAddons' arguments (``path`` names the construct in errors);
    ``cluster_type`` is the class ``cluster`` must be (:class:`~constructs_lib.cluster.ClusterProfile`)."""
    if not isinstance(cluster, cluster_type):
        raise ConstructArgumentError(path, "cluster", cluster, "a ClusterProfile (ManagedCluster.profile)")
    for argument, value in (("registry", registry), ("image_registry", image_registry)):
        if value is not None:
            check.Registry.parse(path, argument, value)
    if registry is not None and image_registry is not None:
        raise ConstructArgumentError(
            path, "image_registry", image_registry, "left out with registry (which covers images too)"
        )
    images_from = registry or image_registry
    if addons is not None and not isinstance(addons, Mapping):
        raise ConstructArgumentError(path, "addons", addons, "a map of catalog names to ReleaseOverrides")
    addons = dict(addons or {})
    if not isinstance(extra_charts, (list, tuple)) or not all(isinstance(e, HelmRelease) for e in extra_charts):
        raise ConstructArgumentError(path, "extra_charts", extra_charts, "a list of HelmRelease (see helm_release)")
    check.boolean(path, "ha", ha)
    if cloud is not None and not isinstance(cloud, OpenStackCloud):
        raise ConstructArgumentError(path, "cloud", cloud, "an OpenStackCloud")
    for name, settings in addons.items():
        if not isinstance(settings, ReleaseOverrides):
            raise ConstructArgumentError(path, f"addons[{name!r}]", settings, "a ReleaseOverrides")
        if name not in CATALOG:
            raise ConstructArgumentError(
                path,
                f"addons[{name!r}]",
                name,
                f"a catalog addon ({', '.join(CATALOG)}); add other charts as extra charts"
                + check.did_you_mean(name, CATALOG),
            )
        if name in cluster.provided_addons and settings.enabled:
            raise ConstructArgumentError(
                path,
                f"addons[{name!r}].enabled",
                True,
                f"false or unset: the {cluster.driver.name} cluster runs its own {name},"
                " and a second copy would conflict with it",
            )
    enabled = [
        spec
        for spec in CATALOG.values()
        if spec.name not in cluster.provided_addons
        and spec.is_enabled(addons.get(spec.name, ReleaseOverrides()).enabled)
    ]
    for spec in enabled:
        if not spec.supports(cluster.kubernetes_minor):
            raise ConstructArgumentError(
                path,
                "kubernetes_version",
                cluster.kubernetes_version,
                f"a Kubernetes release that {spec.name} {spec.chart.version} supports: {spec.kubernetes_support_text()}"
                f" (or turn {spec.name} off)",
            )
    enabled_names = {spec.name for spec in enabled}
    extra_names: set[str] = set()
    for extra in extra_charts:
        if extra.name in CATALOG or extra.name in extra_names:
            raise ConstructArgumentError(
                path,
                f"extra_charts[{extra.name!r}]",
                extra.name,
                "a name used by no catalog addon and no other extra chart",
            )
        extra_names.add(extra.name)
    for extra in extra_charts:
        check_chart_role(path, cluster, extra)
        for dep in extra.depends_on:
            if dep not in CATALOG and dep not in extra_names:
                raise ConstructArgumentError(
                    path,
                    f"extra_charts[{extra.name!r}].depends_on",
                    dep,
                    "the name of a catalog addon or another extra chart",
                )
    if KUBELET_CSR_APPROVER.name in enabled_names and cluster.node_name_regex is None:
        raise ConstructArgumentError(
            path,
            f"addons[{KUBELET_CSR_APPROVER.name!r}].enabled",
            True,
            f"false or unset: the {cluster.driver.name} cluster's Node names are not the library's to know,"
            " and the approver must match them exactly (it exits without a providerRegex)",
        )
    if CALICO.name in enabled_names:
        _check_cni(path, cluster)
    if OPENSTACK_CLOUD_CONTROLLER_MANAGER.name in enabled_names and cloud is None:
        raise ConstructArgumentError(
            path, "cloud", None, "OpenStack credentials while openstack-cloud-controller-manager is enabled"
        )
    # name -> (dependencies, build function); built in dependency order.
    plans: dict[str, tuple[tuple[str, ...], Any]] = {}
    for spec in enabled:
        settings = addons.get(spec.name, ReleaseOverrides())
        deps = tuple(d for d in spec.depends_on if d in enabled_names)
        plans[spec.name] = (deps, (spec, settings))
    for extra in extra_charts:
        deps = tuple(d for d in extra.depends_on if d in enabled_names or d in extra_names)
        plans[extra.name] = (deps, extra)

    return PlatformArguments(images_from=images_from, addons=addons, enabled=enabled, plans=plans)


def _check_cni(path: str, cluster: ClusterProfile) -> None:
    """The library's CNI goes only into a cluster whose pod range and kube-proxy it chose
    (a cloud that builds the cluster runs its own CNI)."""
    argument = f"addons[{CALICO.name!r}].enabled"
    if cluster.pod_cidr is None or cluster.kube_proxy is None:
        raise ConstructArgumentError(
            path,
            argument,
            True,
            f"false or unset: the {cluster.driver.name} cluster runs its own CNI"
            " (its pod range is not the library's to know), and a second one would break pod networking",
        )
    if not cluster.kube_proxy:
        raise ConstructArgumentError(
            path,
            argument,
            True,
            f"false, or kube-proxy on in the cluster {cluster.name}: {CALICO.name} runs its iptables data plane"
            " beside kube-proxy (replacing it needs the API endpoint in the CNI, which the library does not set)",
        )


def check_chart_role(path: str, cluster: ClusterProfile, chart: HelmRelease) -> None:
    """An extra chart's ``role`` names nodes the cluster has: one it has none of would leave
    the chart unplaced without a word (a selector for it would keep the pods pending)."""
    if chart.role is not None and cluster.placement(chart.role) is None:
        roles = ", ".join(sorted(cluster.placements)) or "none"
        raise ConstructArgumentError(
            path,
            f"extra_charts[{chart.name!r}].role",
            chart.role,
            f"a role the cluster {cluster.name} has nodes of (it has: {roles}), or no role to run on any node",
        )
