"""The checks of :class:`~constructs_lib.delivery.GitOpsDelivery`'s arguments (and the secret
references the delivery constructs take), apart from the build: plain Python (no cdktf, no
jsii), so each rule can be tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import _validate as check
from .access import GitOpsApplication
from .errors import ConstructArgumentError


def check_reference(where: str, argument: str, value: Any) -> str:
    """A Terraform reference to a secret: a cdktf token, never literal text."""
    if not isinstance(value, str) or not value.startswith("${"):
        raise ConstructArgumentError(where, argument, "(hidden)", "a Terraform reference to a sensitive variable")
    return value


@dataclass(frozen=True)
class DeliveryArguments:
    """A GitOps delivery's arguments, checked, with what follows from them.

    :param registry: the bundles' registry, normalised (host[:port][/path], no trailing ``/``).
    :param oci_sources: whether some bundle is pinned by digest (an ``oci://`` source, whose
        credentials Argo CD finds by URL prefix).
    :param warnings: one per bundle from outside the closed contour's registry.
    """

    registry: str
    oci_sources: bool
    warnings: tuple[str, ...]


def check_arguments(
    path: str,
    *,
    addon_type: type[Any],
    applications: Any,
    registry: Any,
    username: Any,
    password: Any,
    argocd: Any,
    namespace: Any,
    apps_chart_repository: Any,
    closed_registry: Any,
) -> DeliveryArguments:
    """Check a GitOps delivery's arguments (``path`` names the construct in errors), every
    bundle in ``registry``; ``addon_type`` is the class ``argocd`` must be (a HelmAddon)."""
    if isinstance(applications, (str, bytes)) or not all(isinstance(a, GitOpsApplication) for a in applications):
        raise ConstructArgumentError(path, "applications", applications, "a list of GitOpsApplication")
    names = [a.name for a in applications]
    for name in names:
        if names.count(name) > 1:
            raise ConstructArgumentError(path, "applications", name, "application names used once each")
    registry = check.Registry.parse(path, "registry", registry).reference
    check_reference(path, "username", username)
    check_reference(path, "password", password)
    check.dns_label(path, "namespace", namespace)
    check.repository(path, "apps_chart_repository", apps_chart_repository)
    if argocd is not None and not isinstance(argocd, addon_type):
        raise ConstructArgumentError(path, "argocd", argocd, "the Argo CD HelmAddon")
    warnings = []
    for app in applications:
        ref = app.reference
        if not f"{ref.registry}/".startswith(f"{registry}/"):
            raise ConstructArgumentError(
                path, f"applications[{app.name!r}].chart", app.chart, f"a bundle in the registry {registry}"
            )
        if closed_registry is not None and not f"{ref.registry}/".startswith(f"{closed_registry}/"):
            warnings.append(f"application {app.name} comes from {ref.registry}, outside {closed_registry}")
    return DeliveryArguments(
        registry=registry,
        oci_sources=any(a.reference.digest for a in applications),
        warnings=tuple(warnings),
    )
