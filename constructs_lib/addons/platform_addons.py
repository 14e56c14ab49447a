"""The catalog addons an environment enables, plus any extra charts, in dependency order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cdktf import Annotations
from constructs import Construct

from .. import _validate as check
from .._construct import LibraryConstruct
from ..cluster import ClusterProfile
from ..errors import ConstructArgumentError
from .arguments import check_chart_role
from .catalog import CATALOG
from .helm_addon import HelmAddon
from .planner import extra_release, plan_releases
from .release import HelmRelease, ReleaseOverrides
from .settings import OpenStackCloud

__all__ = ["PlatformAddons"]


class PlatformAddons(LibraryConstruct):
    """Install the enabled catalog addons and the extra charts.

    What the cloud runs itself comes from the cluster's driver (``cluster.provided_addons``):
    such an addon is never installed a second time, and enabling it is an error. Every
    enabled addon must support the cluster's Kubernetes version.

    Placement: a catalog addon with a role gets the node selector (or node affinity) that the
    cluster's driver really puts on that role's nodes, and the toleration of the role's taint,
    at every path the catalog lists, when the cluster has nodes of that role; otherwise it is
    left to run on any node, since a selector that matches no node would keep it pending
    forever. An extra chart's ``role`` is the user's own choice: the cluster must have nodes of
    it, or the chart is refused. With ``ha`` each listed replica key is set. With ``registry``
    (a closed contour) every catalog chart is installed from ``oci://<registry>/charts`` and
    every image of every chart, subcharts included, is pulled from
    ``<registry>/<its repository path>``; with ``image_registry`` only the images are.
    Environment values always win over all of these.

    Dependencies are declared: a release waits for the enabled addons it depends on. A
    dependency the cloud provides, or that is disabled, is skipped.

    :param cluster: the :class:`~constructs_lib.cluster.ClusterProfile` of the cluster
        (``ManagedCluster.profile``).
    :param addons: catalog name -> :class:`~constructs_lib.addons.release.ReleaseOverrides`. Names not in
        the catalog are errors.
    :param extra_charts: :class:`~constructs_lib.addons.release.HelmRelease` releases beside the catalog
        (placed on their ``role``'s nodes).
    :param ha: run replicated components with several replicas. Default ``False``.
    :param registry: the internal registry of a closed contour (host, port, path), e.g.
        ``harbor.corp.example/platform``: charts and images come only from there (fill it with
        ``platformctl mirror``). Default: the public repositories and registries.
    :param image_registry: a registry mirror for images only (charts stay public), e.g.
        ``harbor.internal/proxy``. Not with ``registry``.
    :param cloud: required when the cloud-controller-manager is enabled.

    Which releases, with which values, is
    :func:`~constructs_lib.addons.planner.plan_releases`' answer (``planned``); this construct
    checks its arguments there and builds one :class:`HelmAddon` per planned release
    (``releases``: name -> construct).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster: ClusterProfile,
        addons: Mapping[str, ReleaseOverrides] | None = None,
        extra_charts: Sequence[HelmRelease] = (),
        ha: bool = False,
        registry: str | None = None,
        image_registry: str | None = None,
        cloud: OpenStackCloud | None = None,
    ) -> None:
        planned = plan_releases(
            cluster,
            addons=addons,
            extra_charts=extra_charts,
            ha=ha,
            registry=registry,
            image_registry=image_registry,
            cloud=cloud,
            path=check.child_path(scope, id),
            cluster_type=ClusterProfile,
        )
        super().__init__(scope, id)
        self.cluster = cluster
        self.registry = registry
        self.planned: tuple[HelmRelease, ...] = planned
        self.releases: dict[str, HelmAddon] = {}
        extra = {release.name for release in extra_charts}
        for release in planned:
            self._install(release, warn=release.name in extra)

    def add_chart(self, chart: HelmRelease) -> HelmAddon:
        """Install one more release after those of the constructor, placed on its ``role``'s nodes.

        Its ``depends_on`` names releases already here (catalog addons the cloud runs itself
        are skipped, as in the constructor)."""
        path = self.node.path
        if not isinstance(chart, HelmRelease):
            raise ConstructArgumentError(path, "chart", chart, "a HelmRelease (see helm_release)")
        if chart.name in self.releases or chart.name in CATALOG:
            raise ConstructArgumentError(
                path, f"extra_charts[{chart.name!r}]", chart.name, "a name used by no catalog addon and no other chart"
            )
        check_chart_role(path, self.cluster, chart)
        for dep in chart.depends_on:
            if dep not in self.releases and dep not in CATALOG:
                raise ConstructArgumentError(
                    path, f"extra_charts[{chart.name!r}].depends_on", dep, "a release added before this one"
                )
        deps = tuple(dep for dep in chart.depends_on if dep in self.releases)
        release = extra_release(self.cluster, chart, deps)
        self.planned += (release,)
        return self._install(release, warn=True)

    def _install(self, release: HelmRelease, *, warn: bool) -> HelmAddon:
        registry = self.registry
        if warn and registry is not None and not release.chart.repository.startswith(f"oci://{registry.rstrip('/')}/"):
            Annotations.of(self).add_warning(
                f"extra chart {release.name} comes from {release.chart.repository}, outside the registry {registry}"
            )
        addon = HelmAddon(
            self, release.name, release=release, depends_on=[self.releases[d] for d in release.depends_on]
        )
        self.releases[release.name] = addon
        return addon
