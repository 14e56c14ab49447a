"""What a platform's Helm releases are made of: plain, self-checking value types.

:class:`AddonSettings` (an environment's choices for one catalog addon), :class:`ExtraChart`
(any chart beside the catalog) and :class:`OpenStackCloud` check their own fields when made,
and import neither cdktf nor the bindings: environment files are checked with them when they
are loaded (``platformctl`` reads them without building any construct), and
:class:`~constructs_lib.addons.PlatformAddons` takes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import _validate as check
from ..errors import ConstructArgumentError
from ..node_roles import check_role


@dataclass(frozen=True)
class OpenStackCloud:
    """What the cloud-controller-manager needs to talk to OpenStack.

    :param auth_url: Keystone URL.
    :param region: region name.
    :param application_credential_id: a Terraform reference (sensitive variable), never a literal.
    :param application_credential_secret: a Terraform reference (sensitive variable), never a literal.
    :param subnet_id: subnet for the VIPs of Octavia load balancers of Services. Default: the
        controller's choice (the nodes' subnet).
    :param floating_network_id: network floating IPs of public load balancers come from.
        Default: the controller's choice.
    """

    auth_url: str
    region: str
    application_credential_id: str
    application_credential_secret: str
    subnet_id: str | None = None
    floating_network_id: str | None = None

    def __post_init__(self) -> None:
        where = "OpenStackCloud"
        check.url(where, "auth_url", self.auth_url)
        check.region(where, "region", self.region)
        for argument in ("application_credential_id", "application_credential_secret"):
            # References to sensitive variables: strings, never checked for their content here.
            if not isinstance(getattr(self, argument), str) or not getattr(self, argument):
                raise ConstructArgumentError(where, argument, "(hidden)", "a Terraform reference to a secret")
        for argument in ("subnet_id", "floating_network_id"):
            if getattr(self, argument) is not None and not isinstance(getattr(self, argument), str):
                raise ConstructArgumentError(where, argument, getattr(self, argument), "an id (a string) or None")


@dataclass(frozen=True)
class AddonSettings:
    """An environment's choices for one catalog addon.

    :param enabled: install it. Default: the catalog's default.
    :param values: deep-merged over the catalog defaults (and over placement and HA values).
    :param sensitive_values: value path -> Terraform reference, sent with ``set_sensitive``.
    :param version: override the pinned version (exact versions only).
    :param repository: override the chart repository (a mirror in a closed contour).
    """

    enabled: bool | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    sensitive_values: Mapping[str, str] = field(default_factory=dict)
    version: str | None = None
    repository: str | None = None

    def __post_init__(self) -> None:
        where = "AddonSettings"
        if self.enabled is not None:
            check.boolean(where, "enabled", self.enabled)
        _mapping(where, "values", self.values)
        _mapping(where, "sensitive_values", self.sensitive_values)
        if self.version is not None:
            check.chart_version(where, "version", self.version)
        if self.repository is not None:
            check.repository(where, "repository", self.repository)


@dataclass(frozen=True)
class ExtraChart:
    """Any chart beside the catalog, installed by
    :class:`~constructs_lib.addons.PlatformAddons` as a :class:`~constructs_lib.addons.HelmAddon`.

    :param name: the release's name (a DNS label), used by no catalog addon and no other
        extra chart; also what ``depends_on`` of other charts names.
    :param repository: the chart repository: an ``https://`` (or ``http://``) URL or
        ``oci://<registry>/<path>``, without credentials (the helm provider's ``registry``
        block carries those).
    :param chart: the chart's name in that repository (letters, digits, '.', '_', '-').
    :param version: the exact chart version, e.g. ``1.4.0``; ranges such as ``^1.4`` are
        refused so that a plan never changes under you.
    :param namespace: the namespace to install into (a DNS label); created when missing.
    :param values: the chart's values as Python data, deep-merged over the placement values.
        Default: none.
    :param sensitive_values: value path -> Terraform reference to a secret (a sensitive
        variable), sent with ``set_sensitive`` so it never appears in the values. Default: none.
    :param depends_on: catalog addons or other extra charts installed first (a catalog addon
        the cloud runs itself, or that is off, is skipped). Default: none.
    :param role: run the chart's pods on the nodes of this role: ``nodeSelector`` (or node
        affinity) and the role's tolerations at each of ``placement_paths``. The cluster must
        have nodes of that role: ``PlatformAddons`` refuses one it has none of, naming the
        roles it has. Default: none (any node).
    :param placement_paths: value paths that take ``nodeSelector``/``affinity``/``tolerations``
        (``""`` is the top level). Default: the top level.
    """

    name: str
    repository: str
    chart: str
    version: str
    namespace: str
    values: Mapping[str, Any] = field(default_factory=dict)
    sensitive_values: Mapping[str, str] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    role: str | None = None
    placement_paths: tuple[str, ...] = ("",)

    def __post_init__(self) -> None:
        where = f"ExtraChart({check.hcl_value(self.name)})"
        check.dns_label(where, "name", self.name)
        check.repository(where, "repository", self.repository)
        check.chart_name(where, "chart", self.chart)
        check.chart_version(where, "version", self.version)
        check.dns_label(where, "namespace", self.namespace)
        _mapping(where, "values", self.values)
        _mapping(where, "sensitive_values", self.sensitive_values)
        for argument in ("depends_on", "placement_paths"):
            items = getattr(self, argument)
            if isinstance(items, str) or not isinstance(items, (tuple, list)):
                raise ConstructArgumentError(where, argument, items, "a list of names (not a single string)")
        for item in self.depends_on:
            # Release names (a catalog addon's or another chart's).
            check.name(where, "depends_on", item)
        for item in self.placement_paths:
            check.text(where, "placement_paths", item, allow_empty=True)
        if self.role is not None:
            check_role(where, self.role)


def _mapping(where: str, argument: str, value: Any) -> None:
    if not isinstance(value, Mapping):
        raise ConstructArgumentError(where, argument, value, "a map")
