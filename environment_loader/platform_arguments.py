"""What an environment asks of its platform's releases: plain Python (no cdktf, no jsii), shared
by the app's platform stack and ``platformctl mirror`` (which is why it ships with the loader).

:func:`platform_arguments` turns an environment's ``addon`` and ``helm_release`` blocks and the
blocks that need an addon (``gitops``: Argo CD; ``people.dex``: Dex; a driver that turns some
on) into the arguments of :func:`~constructs_lib.addons.planner.plan_releases` (and of
:class:`~constructs_lib.addons.PlatformAddons`). Secrets are references the caller makes
(``secret(name, description)``): the stack's sensitive variables.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from constructs_lib.addons.catalog import ARGO_CD, CATALOG, DEX, OPENSTACK_CLOUD_CONTROLLER_MANAGER
from constructs_lib.addons.release import HelmRelease, ReleaseOverrides
from constructs_lib.addons.settings import OpenStackCloud
from constructs_lib.addons.values import deep_merge
from constructs_lib.cluster_drivers import ClusterDriver

if TYPE_CHECKING:
    from .schema import EnvironmentConfig
    from .source_map import SourceMap

#: A sensitive input variable's reference, given its name and description.
Secret = Callable[[str, str], str]
#: Dex's values for the people block (:func:`constructs_lib.delivery.dex_values`'s arguments).
DexValues = Callable[..., dict[str, Any]]

#: How the environment's keys are named in PlatformAddons' errors.
RENAMES = {"addons": "addon", "extra_charts": "helm_release", "kubernetes_version": "cluster.kubernetes_version"}


@dataclass(frozen=True)
class PlatformArguments:
    """The keyword arguments of :func:`~constructs_lib.addons.planner.plan_releases` for an
    environment (``cluster`` aside)."""

    addons: dict[str, ReleaseOverrides]
    extra_charts: tuple[HelmRelease, ...]
    ha: bool
    registry: str | None
    image_registry: str | None
    cloud: OpenStackCloud | None

    def as_keywords(self) -> dict[str, Any]:
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}


def platform_arguments(
    config: EnvironmentConfig,
    source: SourceMap,
    driver: ClusterDriver,
    secret: Secret,
    dex_values: DexValues,
    *,
    subnet_id: str | None = None,
    floating_network_id: str | None = None,
) -> PlatformArguments:
    """The releases' arguments an environment asks for, on a cluster of ``driver``
    (``dex_values``: :func:`constructs_lib.delivery.dex_values`, given by the caller so that
    this module loads no construct)."""

    def secrets_for(wanted: dict[str, str]) -> dict[str, str]:
        # value path -> a sensitive variable's reference (names were checked by the loader).
        return {path: secret(variable, f"sensitive value {path}") for path, variable in wanted.items()}

    addons = {name: block.settings(secrets_for(block.sensitive_values)) for name, block in config.addon.items()}
    extra = tuple(block.chart(name, secrets_for(block.sensitive_values)) for name, block in config.helm_release.items())
    for name in sorted(driver.turns_on):
        # A bare cluster needs these: on unless the environment turned them off.
        if addons.get(name) is None or addons[name].enabled is None:
            addons[name] = dataclasses.replace(addons.get(name) or ReleaseOverrides(), enabled=True)
    _turn_on_for_blocks(config, source, addons, dex_values)
    cloud = None
    occm = OPENSTACK_CLOUD_CONTROLLER_MANAGER.name
    wanted = addons.get(occm)
    if occm not in driver.provided_addons and CATALOG[occm].is_enabled(wanted.enabled if wanted else None):
        cloud = OpenStackCloud(
            auth_url=config.openstack.auth_url,
            region=config.openstack.region,
            application_credential_id=secret(
                "openstack_application_credential_id",
                "OpenStack application credential id for the cloud-controller-manager",
            ),
            application_credential_secret=secret(
                "openstack_application_credential_secret",
                "OpenStack application credential secret for the cloud-controller-manager",
            ),
            subnet_id=subnet_id,
            floating_network_id=floating_network_id,
        )
    return PlatformArguments(
        addons=addons,
        extra_charts=extra,
        ha=config.platform.ha,
        registry=config.platform.registry,
        image_registry=config.platform.image_registry,
        cloud=cloud,
    )


def _turn_on_for_blocks(
    config: EnvironmentConfig, source: SourceMap, addons: dict[str, ReleaseOverrides], dex_values: DexValues
) -> None:
    """Argo CD for the gitops block and Dex for people.dex: on unless turned off (an error)."""
    if config.gitops is not None:
        argocd = addons.get(ARGO_CD.name)
        if argocd is not None and argocd.enabled is False:
            raise source.error(
                ("addon", ARGO_CD.name, "enabled"),
                "false is not allowed: true or unset while the gitops block lists applications",
            )
        addons[ARGO_CD.name] = dataclasses.replace(argocd or ReleaseOverrides(), enabled=True)
    people = config.people
    if people is not None and people.dex is not None:
        wanted = addons.get(DEX.name)
        if wanted is not None and wanted.enabled is False:
            raise source.error(
                ("addon", DEX.name, "enabled"), "false is not allowed: true or unset while people.dex is set"
            )
        values = dex_values(
            issuer_url=people.issuer_url,
            client_id=people.client_id,
            gitlab_url=people.dex.gitlab_url,
            gitlab_groups=people.dex.gitlab_groups,
        )
        wanted = wanted or ReleaseOverrides()
        addons[DEX.name] = dataclasses.replace(wanted, enabled=True, values=deep_merge(values, wanted.values))
