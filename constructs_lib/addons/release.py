"""One Helm release as a value: what chart, and how it is installed.

:class:`ChartReference` names a chart (repository, name, version); :class:`HelmRelease` is a
release of one (the chart reference plus the release's settings), frozen and checked when made;
:class:`ReleaseOverrides` is what a user may change of a release the catalog declares
(``addon`` blocks of an environment). :func:`helm_release` makes a release from the flat
arguments of an environment's ``helm_release`` block. None of them loads cdktf:
:func:`~constructs_lib.addons.planner.plan_releases` and ``platformctl mirror`` use them as
plain data, and :class:`~constructs_lib.addons.HelmAddon` installs a :class:`HelmRelease`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .. import _validate as check
from ..errors import ConstructArgumentError
from ..node_roles import check_role

if TYPE_CHECKING:
    from .registry import ChartImage


@dataclass(frozen=True)
class ChartReference:
    """A chart: where it is, its name there and its exact version.

    :param repository: the chart repository: an ``https://`` (or ``http://``) URL, or
        ``oci://<registry>/<path>``.
    :param name: the chart's name in that repository.
    :param version: the exact chart version.

    Plain data: the release that uses it checks it (:class:`HelmRelease`), as ``platformctl
    mirror`` checks the charts of a list file by its own rules.
    """

    repository: str
    name: str
    version: str


@dataclass(frozen=True)
class HelmRelease:
    """One Helm release: a chart and the settings it is installed with.

    :param name: the release's name (a DNS label); what ``depends_on`` of other releases names.
    :param chart: the :class:`ChartReference` to install.
    :param namespace: the namespace to install into (a DNS label).
    :param values: the chart's values as Python data (one sorted YAML document in the plan).
        Default: none.
    :param sensitive_values: value path -> Terraform reference to a secret, sent with
        ``set_sensitive`` so it never appears in the values. Default: none.
    :param depends_on: names of the releases installed first. Default: none.
    :param role: run the chart's pods on the nodes of this role (``nodeSelector`` or node
        affinity, and the role's tolerations, at each of ``placement_paths``), placed by
        :func:`~constructs_lib.addons.planner.plan_releases`. Default: none (any node).
    :param placement_paths: value paths that take the placement (``""`` is the top level).
    :param create_namespace: create ``namespace`` if missing. Default ``True``.
    :param atomic: roll back a failed install or upgrade. Default ``True``.
    :param wait: wait until the release's resources are ready. Default ``True``.
    :param timeout: seconds to wait. Default ``600``.
    :param skip_crds: do not install the chart's ``crds/``. Default ``False``.
    :param max_history: release revisions kept. Default ``10``.
    :param images: the images the chart runs, as recorded for its version (``None``: not
        known, as for any chart beside the catalog). Set by the planner; not installed.
    :param source: where a closed contour's registry copy of the chart comes from, when the
        release installs that copy. Default: ``chart`` itself.
    """

    name: str
    chart: ChartReference
    namespace: str
    values: Mapping[str, Any] = field(default_factory=dict)
    sensitive_values: Mapping[str, str] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    role: str | None = None
    placement_paths: tuple[str, ...] = ("",)
    create_namespace: bool = True
    atomic: bool = True
    wait: bool = True
    timeout: int = 600
    skip_crds: bool = False
    max_history: int = 10
    images: tuple[ChartImage, ...] | None = None
    source: ChartReference | None = None

    def __post_init__(self) -> None:
        where = f"HelmRelease({check.hcl_value(self.name)})"
        check.dns_label(where, "name", self.name)
        if not isinstance(self.chart, ChartReference):
            raise ConstructArgumentError(where, "chart", self.chart, "a ChartReference")
        check_chart(where, self.chart)
        check.dns_label(where, "namespace", self.namespace)
        _mapping(where, "values", self.values, "a map of Helm values")
        check.literal_tree(where, "values", dict(self.values))
        _mapping(where, "sensitive_values", self.sensitive_values, "a map of value paths to references")
        for key in self.sensitive_values:
            check.text(where, "sensitive_values", key)
        for argument in ("depends_on", "placement_paths"):
            items = getattr(self, argument)
            if isinstance(items, str) or not isinstance(items, (tuple, list)):
                raise ConstructArgumentError(where, argument, items, "a list of names (not a single string)")
            object.__setattr__(self, argument, tuple(items))
        for item in self.depends_on:
            check.name(where, "depends_on", item)
        for item in self.placement_paths:
            check.text(where, "placement_paths", item, allow_empty=True)
        if self.role is not None:
            check_role(where, self.role)
        for argument in ("create_namespace", "atomic", "wait", "skip_crds"):
            check.boolean(where, argument, getattr(self, argument))
        check.count(where, "timeout", self.timeout, check.HELM_TIMEOUT_SECONDS)
        check.count(where, "max_history", self.max_history, check.HELM_MAX_HISTORY)
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))
        object.__setattr__(self, "sensitive_values", MappingProxyType(dict(self.sensitive_values)))

    def derived(self, *, values: Mapping[str, Any], depends_on: tuple[str, ...]) -> HelmRelease:
        """This release with other values and a subset of its dependencies, where both are made
        of checked parts (the planner's placement merged with these values): as
        :func:`dataclasses.replace`, without checking every field again."""
        if not set(depends_on) <= set(self.depends_on):
            raise ValueError(f"{depends_on} are not among the dependencies {self.depends_on}")
        new = copy.copy(self)
        object.__setattr__(new, "values", MappingProxyType(dict(values)))
        object.__setattr__(new, "depends_on", tuple(depends_on))
        return new

    @property
    def mirror_source(self) -> ChartReference:
        """The chart to copy into a closed contour's registry: ``source``, else ``chart``."""
        return self.source or self.chart


def check_chart(where: str, chart: ChartReference) -> None:
    """A release's chart, its faults named as the flat arguments (``repository``, ``chart``,
    ``version``) that an environment's ``helm_release`` block writes."""
    check.repository(where, "repository", chart.repository)
    check.chart_name(where, "chart", chart.name)
    check.chart_version(where, "version", chart.version)


def helm_release(
    name: str,
    repository: str,
    chart: str,
    version: str,
    namespace: str,
    values: Mapping[str, Any] | None = None,
    sensitive_values: Mapping[str, str] | None = None,
    depends_on: Sequence[str] = (),
    role: str | None = None,
    placement_paths: Sequence[str] = ("",),
) -> HelmRelease:
    """A :class:`HelmRelease` from flat arguments: those of an environment's ``helm_release``
    block (its label is ``name``), e.g. ``helm_release("inference",
    "oci://registry.example.com/charts", "inference", "1.4.0", "ml", role="gpu")``.

    ``repository`` is an ``https://`` (or ``http://``) URL or ``oci://<registry>/<path>``
    without credentials (the helm provider's ``registry`` block carries those); ``version`` is
    exact (ranges such as ``^1.4`` are refused so that a plan never changes under you)."""
    return HelmRelease(
        name=name,
        chart=ChartReference(repository=repository, name=chart, version=version),
        namespace=namespace,
        values=values if values is not None else {},
        sensitive_values=sensitive_values if sensitive_values is not None else {},
        depends_on=depends_on,  # type: ignore[arg-type]  # checked (and made a tuple) there
        role=role,
        placement_paths=placement_paths,  # type: ignore[arg-type]
    )


@dataclass(frozen=True, init=False)
class ReleaseOverrides:
    """What a user may change of a release the catalog declares: a partial release.

    :param enabled: install it. Default: the catalog's default.
    :param values: deep-merged over the catalog's values (and over placement and HA values).
    :param sensitive_values: value path -> Terraform reference, sent with ``set_sensitive``.
    :param version: another exact chart version than the pinned one.
    :param repository: another chart repository (a mirror in a closed contour).

    Any other keyword is refused with a
    :class:`~constructs_lib.errors.ConstructArgumentError` naming it.
    """

    enabled: bool | None
    values: Mapping[str, Any]
    sensitive_values: Mapping[str, str]
    version: str | None
    repository: str | None

    def __init__(
        self,
        *,
        enabled: bool | None = None,
        values: Mapping[str, Any] | None = None,
        sensitive_values: Mapping[str, str] | None = None,
        version: str | None = None,
        repository: str | None = None,
        **unknown: Any,
    ) -> None:
        where = "ReleaseOverrides"
        allowed = ("enabled", "values", "sensitive_values", "version", "repository")
        for key, value in unknown.items():
            raise ConstructArgumentError(
                where,
                key,
                value,
                f"one of the fields a catalog release may change: {', '.join(allowed)}"
                + check.did_you_mean(key, allowed),
            )
        if enabled is not None:
            check.boolean(where, "enabled", enabled)
        values = {} if values is None else values
        sensitive_values = {} if sensitive_values is None else sensitive_values
        _mapping(where, "values", values, "a map")
        _mapping(where, "sensitive_values", sensitive_values, "a map")
        if version is not None:
            check.chart_version(where, "version", version)
        if repository is not None:
            check.repository(where, "repository", repository)
        for key, value in (
            ("enabled", enabled),
            ("values", MappingProxyType(dict(values))),
            ("sensitive_values", MappingProxyType(dict(sensitive_values))),
            ("version", version),
            ("repository", repository),
        ):
            object.__setattr__(self, key, value)


def _mapping(where: str, argument: str, value: Any, allowed: str) -> None:
    if not isinstance(value, Mapping):
        raise ConstructArgumentError(where, argument, value, allowed)
