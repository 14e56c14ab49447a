"""Helm addons: the pinned catalog, the one release type, the planner, and the constructs.

Names load on first use (PEP 562), as in :mod:`constructs_lib`: the catalog, the release types
(:mod:`~constructs_lib.addons.release`) and the planner (:mod:`~constructs_lib.addons.planner`)
are plain data and functions, read by ``platformctl`` and the environment loader without
loading cdktf; the constructs load it when used.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

_EXPORTS = {
    "CATALOG": "catalog",
    "AddonSpec": "spec",
    "ChartReference": "release",
    "HelmRelease": "release",
    "ReleaseOverrides": "release",
    "helm_release": "release",
    "OpenStackCloud": "settings",
    "plan_releases": "planner",
    "catalog_values": "planner",
    "deep_merge": "values",
    "HelmAddon": "helm_addon",
    "PlatformAddons": "platform_addons",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:
    from .catalog import CATALOG
    from .helm_addon import HelmAddon
    from .planner import catalog_values, plan_releases
    from .platform_addons import PlatformAddons
    from .release import ChartReference, HelmRelease, ReleaseOverrides, helm_release
    from .settings import OpenStackCloud
    from .spec import AddonSpec
    from .values import deep_merge

__all__ = [
    "CATALOG",
    "AddonSpec",
    "ChartReference",
    "HelmAddon",
    "HelmRelease",
    "OpenStackCloud",
    "PlatformAddons",
    "ReleaseOverrides",
    "catalog_values",
    "deep_merge",
    "helm_release",
    "plan_releases",
]
