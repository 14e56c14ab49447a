"""One Helm release: the generic building block under the catalog and the escape hatch."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import TerraformProvider
from cdktf_cdktf_provider_helm.release import Release
from constructs import Construct

from .. import _validate as check
from .._construct import LibraryConstruct
from ..errors import ConstructArgumentError
from .release import HelmRelease
from .values import to_yaml


class HelmAddon(LibraryConstruct):
    """A Helm release (a :class:`~constructs_lib.addons.release.HelmRelease`) in the stack.

    The release's own settings pass through as it gives them; its defaults are the safe ones
    (atomic installs that roll back, waiting for readiness, bounded history). Its values are
    rendered to one sorted YAML document; its sensitive values go with ``set_sensitive``.

    :param release: the :class:`~constructs_lib.addons.release.HelmRelease` to install (its
        ``name`` is the Helm release's name; ``id`` the construct's).
    :param depends_on: releases to install first.
    :param provider: the helm provider to use. Default: the stack's default one.

    ``resource`` is the raw ``helm_release`` (as every construct's main resource is named).
    """

    resource: Release

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        release: HelmRelease,
        depends_on: Sequence[HelmAddon] = (),
        provider: TerraformProvider | None = None,
    ) -> None:
        path = check.child_path(scope, id)
        if not isinstance(release, HelmRelease):
            raise ConstructArgumentError(path, "release", release, "a HelmRelease (see helm_release)")
        if isinstance(depends_on, (str, bytes)) or not all(isinstance(d, HelmAddon) for d in depends_on):
            raise ConstructArgumentError(path, "depends_on", depends_on, "a list of HelmAddon constructs")
        check.provider(path, "provider", provider)
        super().__init__(scope, id)
        self.release = release
        self.name = release.name
        self.namespace = release.namespace
        self.version = release.chart.version
        self.values = release.values
        chart = release.chart
        self.resource = Release(
            self,
            "release",
            name=release.name,
            repository=chart.repository,
            chart=chart.name,
            version=chart.version,
            namespace=release.namespace,
            create_namespace=release.create_namespace,
            atomic=release.atomic,
            cleanup_on_fail=release.atomic,
            wait=release.wait,
            timeout=release.timeout,
            skip_crds=release.skip_crds,
            max_history=release.max_history,
            values=[to_yaml(release.values)] if release.values else None,
            set_sensitive=[{"name": k, "value": v} for k, v in sorted(release.sensitive_values.items())] or None,
            depends_on=[d.resource for d in depends_on] or None,
            provider=provider,
        )
