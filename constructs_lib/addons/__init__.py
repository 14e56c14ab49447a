"""Helm addons: the pinned catalog, the generic release, and the set an environment installs.

Names load on first use (PEP 562), as in :mod:`constructs_lib`: the catalog and the value types
(:mod:`~constructs_lib.addons.settings`) are plain data, read by ``platformctl`` and the
environment loader without loading cdktf; the constructs load it when used.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

_EXPORTS = {
    "CATALOG": "catalog",
    "AddonSettings": "settings",
    "ExtraChart": "settings",
    "OpenStackCloud": "settings",
    "AddonSpec": "spec",
    "deep_merge": "values",
    "HelmAddon": "helm_addon",
    "PlatformAddons": "platform_addons",
    "catalog_values": "platform_addons",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:
    from .catalog import CATALOG
    from .helm_addon import HelmAddon
    from .platform_addons import PlatformAddons, catalog_values
    from .settings import AddonSettings, ExtraChart, OpenStackCloud
    from .spec import AddonSpec
    from .values import deep_merge

__all__ = [
    "CATALOG",
    "AddonSettings",
    "AddonSpec",
    "ExtraChart",
    "HelmAddon",
    "OpenStackCloud",
    "PlatformAddons",
    "catalog_values",
    "deep_merge",
]
