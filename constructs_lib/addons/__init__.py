"""Helm addons: the pinned catalog, the generic release, and the set an environment installs.

Names load on first use (PEP 562), as in :mod:`constructs_lib`: the catalog and the value types
(:mod:`~constructs_lib.addons.settings`) are plain data, read by ``platformctl`` and the
environment loader without loading cdktf; the constructs load it when used.
"""

from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'constructs_lib.addons' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


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
