"""The catalog addons an environment enables, plus any extra charts, in dependency order."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from cdktf import Annotations, Token
from constructs import Construct

from .. import _validate as check
from .._construct import LibraryConstruct
from ..cluster import ClusterProfile
from ..errors import ConstructArgumentError
from .arguments import check_arguments, check_chart_role
from .catalog import (
    CALICO,
    CATALOG,
    CLOUD_CONTROLLER_WITHOUT_CONTROL_PLANE_NODES,
    KUBELET_CSR_APPROVER,
    OPENSTACK_CLOUD_CONTROLLER_MANAGER,
)
from .helm_addon import HelmAddon
from .registry import chart_repository, image_values
from .settings import AddonSettings, ExtraChart, OpenStackCloud
from .spec import AddonSpec
from .values import at_path, deep_merge

__all__ = ["AddonSettings", "ExtraChart", "OpenStackCloud", "PlatformAddons", "catalog_values", "placement_values"]


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
    :param addons: catalog name -> :class:`AddonSettings`. Names not in the catalog are errors.
    :param extra_charts: :class:`ExtraChart` releases beside the catalog.
    :param ha: run replicated components with several replicas. Default ``False``.
    :param registry: the internal registry of a closed contour (host, port, path), e.g.
        ``harbor.corp.example/platform``: charts and images come only from there (fill it with
        ``platformctl mirror``). Default: the public repositories and registries.
    :param image_registry: a registry mirror for images only (charts stay public), e.g.
        ``harbor.internal/proxy``. Not with ``registry``.
    :param cloud: required when the cloud-controller-manager is enabled.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster: ClusterProfile,
        addons: Mapping[str, AddonSettings] | None = None,
        extra_charts: Sequence[ExtraChart] = (),
        ha: bool = False,
        registry: str | None = None,
        image_registry: str | None = None,
        cloud: OpenStackCloud | None = None,
    ) -> None:
        path = check.child_path(scope, id)
        given = check_arguments(
            path,
            cluster_type=ClusterProfile,
            cluster=cluster,
            registry=registry,
            image_registry=image_registry,
            addons=addons,
            extra_charts=extra_charts,
            ha=ha,
            cloud=cloud,
        )
        mirror, addons, plans = given.mirror, given.addons, given.plans
        super().__init__(scope, id)

        self.cluster = cluster
        self.registry = registry
        self.releases: dict[str, HelmAddon] = {}
        for name in _dependency_order(path, plans):
            deps, item = plans[name]
            depends_on = [self.releases[d] for d in deps]
            if isinstance(item, ExtraChart):
                self.releases[name] = self._install_extra(item, depends_on)
                continue
            spec, settings = item
            sensitive = dict(settings.sensitive_values)
            values = catalog_values(spec, ha=ha, image_registry=mirror, cluster=cluster)
            if spec is OPENSTACK_CLOUD_CONTROLLER_MANAGER:
                assert cloud is not None
                load_balancer = {"subnet-id": cloud.subnet_id, "floating-network-id": cloud.floating_network_id}
                # Ids from another stack (Terraform references) cannot be literal values: they
                # go with set_sensitive, as the credentials do.
                for key, value in list(load_balancer.items()):
                    if value is not None and Token.is_unresolved(value):
                        sensitive[f"cloudConfig.loadBalancer.{key}"] = value
                        load_balancer[key] = None
                values = deep_merge(
                    values,
                    {
                        # Load balancers are named kube_service_<cluster>_<namespace>_<service>:
                        # the chart's default cluster name would clash between environments.
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
                sensitive.setdefault(
                    "cloudConfig.global.application-credential-secret", cloud.application_credential_secret
                )
            if spec is CALICO:
                values = deep_merge(values, cni_values(cluster))
            if spec is KUBELET_CSR_APPROVER:
                # Only the cluster's own nodes, by name and by address.
                values = deep_merge(
                    values, {"providerRegex": cluster.node_name_regex, "providerIpPrefixes": list(cluster.node_cidrs)}
                )
            with _argument_of(f"addons[{name!r}]"):
                self.releases[name] = HelmAddon(
                    self,
                    name,
                    repository=settings.repository
                    or (chart_repository(spec, registry) if registry is not None else spec.repository),
                    chart=spec.chart,
                    version=settings.version or spec.version,
                    namespace=spec.namespace,
                    values=deep_merge(values, settings.values),
                    sensitive_values=sensitive,
                    depends_on=depends_on,
                )

    def add_chart(self, chart: ExtraChart) -> HelmAddon:
        """Install one more chart after those of the constructor, placed on its ``role``'s nodes.

        Its ``depends_on`` names releases already here (catalog addons the cloud runs itself
        are skipped, as in the constructor)."""
        path = self.node.path
        if not isinstance(chart, ExtraChart):
            raise ConstructArgumentError(path, "chart", chart, "an ExtraChart")
        if chart.name in self.releases or chart.name in CATALOG:
            raise ConstructArgumentError(
                path, f"extra_charts[{chart.name!r}]", chart.name, "a name used by no catalog addon and no other chart"
            )
        check_chart_role(path, self.cluster, chart)
        depends_on = []
        for dep in chart.depends_on:
            if dep in self.releases:
                depends_on.append(self.releases[dep])
            elif dep not in CATALOG:
                raise ConstructArgumentError(
                    path, f"extra_charts[{chart.name!r}].depends_on", dep, "a release added before this one"
                )
        self.releases[chart.name] = self._install_extra(chart, depends_on)
        return self.releases[chart.name]

    def _install_extra(self, item: ExtraChart, depends_on: list[HelmAddon]) -> HelmAddon:
        registry = self.registry
        if registry is not None and not item.repository.startswith(f"oci://{registry.rstrip('/')}/"):
            Annotations.of(self).add_warning(
                f"extra chart {item.name} comes from {item.repository}, outside the registry {registry}"
            )
        placed = placement_values(self.cluster, item.role, item.placement_paths)
        with _argument_of(f"extra_charts[{item.name!r}]"):
            return HelmAddon(
                self,
                item.name,
                repository=item.repository,
                chart=item.chart,
                version=item.version,
                namespace=item.namespace,
                values=deep_merge(placed, item.values),
                sensitive_values=item.sensitive_values,
                depends_on=depends_on,
            )


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


@contextmanager
def _argument_of(prefix: str) -> Iterator[None]:
    """Name a release's bad argument after the addon it came from: ``addons['x'].version``."""
    try:
        yield
    except ConstructArgumentError as err:
        raise ConstructArgumentError(err.construct_path, f"{prefix}.{err.argument}", err.value, err.allowed) from None


def placement_values(cluster: ClusterProfile, role: str | None, paths: Sequence[str]) -> dict[str, Any]:
    """Node selector (or affinity) and tolerations for ``role`` at each of ``paths``; nothing
    when there is no role or the cluster has no node of it."""
    placement = cluster.placement(role) if role is not None else None
    values: dict[str, Any] = {}
    if placement is not None:
        for place in paths:
            values = deep_merge(values, at_path(place, placement.values()))
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
