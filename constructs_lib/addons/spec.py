"""The declaration of one catalog addon: its pinned chart, what the catalog knows of the chart's
values, and when it is installed (a release of it is a :class:`~constructs_lib.addons.release.HelmRelease`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .release import ChartReference


@dataclass(frozen=True)
class AddonSpec:
    """What the catalog knows about one chart.

    :param name: catalog key and Helm release name.
    :param chart: the pinned chart (:class:`~constructs_lib.addons.release.ChartReference`:
        Helm repository URL, chart name there, exact version, never a range); a release of the
        addon installs it unless the environment overrides the repository or version.
    :param namespace: namespace the release goes to.
    :param description: one line for the README table.
    :param values: default values; environment values deep-merge over them.
    :param role: node role whose nodes run the addon (``system``, ``frontend``) or ``None``
        to keep the chart's own scheduling (DaemonSets, control-plane components).
    :param placement_paths: the value paths, one per pod-running component, that take
        ``nodeSelector`` and ``tolerations`` (``""`` is the top level).
    :param ha_replicas: value path -> replica count used when the environment is HA.
    :param ha_values: further values merged when the environment is HA (disruption budgets).
    :param images: value path -> value with ``{registry}`` in it (a registry key, or a whole
        repository where the chart keeps the host in it), set when the environment gives an
        image registry mirror (closed contours). Together they must point every image the
        chart defines at ``<registry>/<its repository path>``: the images are recorded in
        ``chart_images.json`` and ``tests/test_chart_images.py`` checks the map covers them.
    :param depends_on: addons that must be installed first when they are enabled.
    :param enabled_by_default: installed unless the environment turns it off.
    :param kubernetes: the Kubernetes minor versions this chart version supports, as
        ``(lowest, highest)`` (``"1.33"``; highest ``None``: no upper bound known), from the
        chart's project (see ``tests/fixtures/upstream/chart_kubernetes_support.json``).
    """

    name: str
    chart: ChartReference
    namespace: str
    description: str
    values: Mapping[str, Any] = field(default_factory=dict)
    role: str | None = None
    placement_paths: tuple[str, ...] = ("",)
    ha_replicas: Mapping[str, int] = field(default_factory=dict)
    ha_values: Mapping[str, Any] = field(default_factory=dict)
    images: Mapping[str, str] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    enabled_by_default: bool = True
    kubernetes: tuple[str, str | None] = ("1.0", None)

    def __post_init__(self) -> None:
        # Catalog entries are shared module-level data: make them read-only.
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))
        object.__setattr__(self, "ha_replicas", MappingProxyType(dict(self.ha_replicas)))
        object.__setattr__(self, "ha_values", MappingProxyType(dict(self.ha_values)))
        object.__setattr__(self, "images", MappingProxyType(dict(self.images)))

    def supports(self, minor: tuple[int, int]) -> bool:
        """Whether this chart version supports Kubernetes ``(major, minor)``."""
        low, high = self.kubernetes
        return _minor(low) <= minor and (high is None or minor <= _minor(high))

    def kubernetes_support_text(self) -> str:
        low, high = self.kubernetes
        return f"{low} to {high}" if high else f"{low} and later"

    def is_enabled(self, choice: bool | None) -> bool:
        """Whether to install it, given an environment's ``enabled`` (``None``: not said)."""
        return self.enabled_by_default if choice is None else choice


def _minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")
    return int(major), int(minor)
