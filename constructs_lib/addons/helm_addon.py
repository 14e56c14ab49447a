"""One Helm release: the generic building block under the catalog and the escape hatch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cdktf import TerraformProvider
from cdktf_cdktf_provider_helm.release import Release
from constructs import Construct

from .. import _validate as check
from .._construct import LibraryConstruct
from ..errors import ConstructArgumentError
from .values import to_yaml


class HelmAddon(LibraryConstruct):
    """A Helm release with values given as Python data.

    Every release setting users need passes through; the defaults are the safe ones
    (atomic installs that roll back, waiting for readiness, bounded history).

    :param name: release name (also the construct id below ``scope``).
    :param repository: chart repository URL (or ``oci://`` registry).
    :param chart: chart name.
    :param version: exact chart version; ranges such as ``^1.2`` or ``1.x`` are refused so
        that a plan never changes under you.
    :param namespace: target namespace.
    :param values: values as Python data, rendered to one sorted YAML document.
    :param sensitive_values: value path -> Terraform reference (a sensitive variable, an
        attribute), passed with ``set_sensitive`` so they never appear in the values YAML.
    :param depends_on: releases to install first.
    :param create_namespace: create ``namespace`` if missing. Default ``True``.
    :param atomic: roll back a failed install or upgrade. Default ``True``.
    :param wait: wait until resources are ready. Default ``True``.
    :param timeout: seconds to wait. Default ``600``.
    :param skip_crds: do not install the chart's ``crds/``. Default ``False``.
    :param max_history: release revisions kept. Default ``10``.
    :param provider: the helm provider to use. Default: the stack's default one.

    ``resource`` is the raw ``helm_release`` (as every construct's main resource is named).
    """

    resource: Release

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        repository: str,
        chart: str,
        version: str,
        namespace: str,
        values: Mapping[str, Any] | None = None,
        sensitive_values: Mapping[str, str] | None = None,
        depends_on: Sequence[HelmAddon] = (),
        create_namespace: bool = True,
        atomic: bool = True,
        wait: bool = True,
        timeout: int = 600,
        skip_crds: bool = False,
        max_history: int = 10,
        provider: TerraformProvider | None = None,
    ) -> None:
        path = check.child_path(scope, id)
        check.dns_label(path, "name", id)
        check.non_empty(path, "repository", repository)
        check.non_empty(path, "chart", chart)
        check.chart_version(path, "version", version)
        check.dns_label(path, "namespace", namespace)
        check.count(path, "timeout", timeout, check.HELM_TIMEOUT_SECONDS)
        check.count(path, "max_history", max_history, check.HELM_MAX_HISTORY)
        check.repository(path, "repository", repository)
        check.text(path, "chart", chart)
        for argument, flag in (
            ("create_namespace", create_namespace),
            ("atomic", atomic),
            ("wait", wait),
            ("skip_crds", skip_crds),
        ):
            check.boolean(path, argument, flag)
        if values is not None and not isinstance(values, Mapping):
            raise ConstructArgumentError(path, "values", values, "a map of Helm values")
        check.literal_tree(path, "values", dict(values or {}))
        if sensitive_values is not None and not isinstance(sensitive_values, Mapping):
            raise ConstructArgumentError(
                path, "sensitive_values", sensitive_values, "a map of value paths to references"
            )
        for key in sensitive_values or {}:
            check.text(path, "sensitive_values", key)
        if isinstance(depends_on, (str, bytes)) or not all(isinstance(d, HelmAddon) for d in depends_on):
            raise ConstructArgumentError(path, "depends_on", depends_on, "a list of HelmAddon constructs")
        super().__init__(scope, id)
        self.name = id
        self.namespace = namespace
        self.version = version
        self.values: dict[str, Any] = dict(values or {})
        self.resource = Release(
            self,
            "release",
            name=id,
            repository=repository,
            chart=chart,
            version=version,
            namespace=namespace,
            create_namespace=create_namespace,
            atomic=atomic,
            cleanup_on_fail=atomic,
            wait=wait,
            timeout=timeout,
            skip_crds=skip_crds,
            max_history=max_history,
            values=[to_yaml(self.values)] if self.values else None,
            set_sensitive=[{"name": k, "value": v} for k, v in sorted((sensitive_values or {}).items())] or None,
            depends_on=[d.resource for d in depends_on] or None,
            provider=provider,
        )
