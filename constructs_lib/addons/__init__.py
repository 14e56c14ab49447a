"""Helm addons: the pinned catalog, the generic release, and the set an environment installs."""

from .catalog import CATALOG
from .helm_addon import HelmAddon
from .platform_addons import (
    AddonSettings,
    ExtraChart,
    OpenStackCloud,
    PlatformAddons,
    catalog_values,
)
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
