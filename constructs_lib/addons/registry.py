"""Closed contours: point a catalog chart and all its images at an internal registry.

The images a chart pulls are recorded, per pinned chart version, in ``chart_images.json``
(written by ``scripts/chart_images.py`` from the charts' own values and templates). The
mirror keeps each image's repository path, so ``quay.io/prometheus/prometheus:v3`` is
served as ``<registry>/prometheus/prometheus:v3``, and charts live under
``<registry>/charts/<chart>:<version>``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from .. import _validate as check
from ..errors import ConstructArgumentError, PlatformError
from .spec import AddonSpec
from .values import at_path, deep_merge

#: Repository under the registry that holds the charts (``oci://<registry>/charts``).
CHARTS_PATH = "charts"


class RegistryError(PlatformError, ValueError):
    """A registry name that cannot be used."""


@dataclass(frozen=True)
class ChartImage:
    """One image a chart's values define.

    :param value_path: where in the chart's values it is set (``csi.attacher.image``).
    :param registry: its public registry host.
    :param repository: its path in that registry.
    :param tag: the tag the chart uses (``None`` when chosen at install time).
    :param digest: the digest the chart pins, if any.
    :param used_by_default: whether a default install runs it.
    """

    value_path: str
    registry: str
    repository: str
    tag: str | None
    digest: str | None
    used_by_default: bool

    @property
    def reference(self) -> str:
        """The public reference, ``registry/repository:tag``."""
        return f"{self.registry}/{self.repository}:{self.tag}"

    def mirrored(self, registry: str) -> str:
        """The reference in an internal registry: the same path and tag under it."""
        return f"{check_registry(registry)}/{self.repository}:{self.tag}"


def check_registry(registry: str, *, what: str = "image_registry") -> str:
    """``registry`` without a trailing slash, or :class:`RegistryError` saying what is allowed
    (the one registry rule, :meth:`constructs_lib._validate.Registry.parse`)."""
    try:
        return check.Registry.parse("", what, registry).reference
    except ConstructArgumentError as err:
        raise RegistryError(f"{what} = {check.hcl_value(registry)} is not allowed: {err.allowed}") from None


@cache
def chart_images_data() -> dict[str, Any]:
    """The recorded image data of every pinned catalog chart."""
    text = resources.files(__package__).joinpath("chart_images.json").read_text()
    data: dict[str, Any] = json.loads(text)
    return data


def chart_images(spec: AddonSpec) -> tuple[ChartImage, ...]:
    """Every image recorded for the catalog chart (all of them, used by default or not).

    Empty for a chart with no record, or when the spec's version is not the recorded one:
    images of another version are unknown.
    """
    record = chart_images_data()["charts"].get(spec.name)
    if record is None or record["version"] != spec.chart.version:
        return ()
    return tuple(
        ChartImage(
            value_path=image["value_path"],
            registry=image["registry"],
            repository=image["repository"],
            tag=image["tag"],
            digest=image["digest"],
            used_by_default=image["used_by_default"],
        )
        for image in record["images"]
    )


def image_values(spec: AddonSpec, registry: str) -> dict[str, Any]:
    """Values that make every image of the chart come from ``<registry>/<its repository path>``.

    Tags are left to the chart, so the mirrored images keep theirs.
    """
    host = check_registry(registry)
    values: dict[str, Any] = {}
    for key, template in spec.images.items():
        values = deep_merge(values, at_path(key, template.format(registry=host)))
    return values


def chart_repository(spec: AddonSpec, registry: str) -> str:
    """The OCI repository the chart is installed from in a closed contour."""
    return f"oci://{check_registry(registry)}/{CHARTS_PATH}"
