"""Delivery and access as plain, self-checking value types (no cdktf, no bindings).

- :class:`GitOpsApplication`: one application Argo CD pulls from the registry (a werf bundle,
  i.e. an OCI Helm chart) and keeps in sync.
- :class:`CiDeployTarget`: one namespace GitLab CI deploys into with werf, and the projects and
  protected branches whose jobs may do so.
- :class:`GroupRoleBinding`: a GitLab group (through the people's OIDC issuer) and the
  ClusterRole its members get.

The environment loader checks environment files with them (``platformctl`` reads them without
building any construct); :mod:`constructs_lib.delivery` turns them into Kubernetes objects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import _validate as check
from .errors import ConstructArgumentError

#: Namespaces no application is delivered into, and that CI never gets a Role in: the control
#: plane's own, ``default`` (where anything lands by mistake) and the delivery machinery's.
RESERVED_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease", "default", "argocd", "dex"})

_DNS_LABEL = re.compile(check.NAME_PATTERN, re.ASCII)
_TAG = re.compile(check.OCI_TAG_PATTERN, re.ASCII)
_DIGEST = re.compile(check.SHA256_DIGEST_PATTERN, re.ASCII)
#: A GitLab project path: ``group/project`` or ``group/subgroup/project``; each part GitLab's
#: path characters, never a wildcard.
_PROJECT_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}", re.ASCII)
#: A branch name as it may appear in GitLab's ``sub`` claim: no ':' (the claim's separator),
#: no wildcard, no space.
_BRANCH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]{0,254}", re.ASCII)


def namespace(where: str, argument: str, value: object) -> str:
    """An application namespace: a DNS label that is none of :data:`RESERVED_NAMESPACES`."""
    if not isinstance(value, str) or not _DNS_LABEL.fullmatch(value):
        raise ConstructArgumentError(where, argument, value, "a namespace name (lowercase letters, digits and '-')")
    if value in RESERVED_NAMESPACES or value.startswith("kube-"):
        raise ConstructArgumentError(
            where,
            argument,
            value,
            "an application namespace, not a system one (" + ", ".join(sorted(RESERVED_NAMESPACES)) + ", kube-*)",
        )
    return value


@dataclass(frozen=True)
class BundleReference:
    """An OCI Helm chart in a registry: ``host[:port]/path/chart``, a tag and/or a digest."""

    registry: str
    chart: str
    tag: str | None
    digest: str | None

    @property
    def repository(self) -> str:
        """``host/path`` (the chart's parent), as Argo CD's Helm-over-OCI repoURL takes it."""
        return self.registry

    @property
    def oci_url(self) -> str:
        return f"oci://{self.registry}/{self.chart}"


def bundle_reference(where: str, argument: str, value: object) -> BundleReference:
    """``oci://host/path/chart[:tag][@sha256:...]`` (``oci://`` optional). No credentials,
    no other scheme, no path-less chart."""
    allowed = (
        "an OCI chart reference such as oci://registry.example.com/bundles/shop:1.4.2 (optionally @sha256:<digest>)"
    )
    if not isinstance(value, str) or not value.isascii() or len(value) > 512:
        raise ConstructArgumentError(where, argument, value, allowed)
    rest = value.removeprefix("oci://")
    if "://" in rest or "@" in rest.split("/")[0]:
        raise ConstructArgumentError(where, argument, value, allowed + "; no other scheme, no credentials")
    rest, _, digest = rest.partition("@")
    if digest and not _DIGEST.fullmatch(digest):
        raise ConstructArgumentError(where, argument, value, allowed + "; a digest is sha256: and 64 hex digits")
    name, _, tag = rest.rpartition(":") if ":" in rest.rsplit("/", 1)[-1] else (rest, "", "")
    if tag and not _TAG.fullmatch(tag):
        raise ConstructArgumentError(where, argument, value, allowed + "; the tag is not a valid OCI tag")
    parent, _, chart = name.rpartition("/")
    if not parent:
        raise ConstructArgumentError(where, argument, value, allowed + "; the registry host and chart are both needed")
    try:
        registry = check.Registry.parse(where, argument, parent, trailing_slash=False).reference
        check.chart_name(where, argument, chart)
    except ConstructArgumentError:
        raise ConstructArgumentError(where, argument, value, allowed) from None
    return BundleReference(registry=registry, chart=chart, tag=tag or None, digest=digest or None)


@dataclass(frozen=True)
class GitOpsApplication:
    """One application Argo CD delivers from the registry.

    :param name: the Application's name (a DNS label).
    :param namespace: where its objects go; created by Argo CD. Not a system namespace.
    :param chart: the bundle: ``oci://<registry>/<path>/<chart>``, optionally ``:<tag>``
        and/or ``@sha256:<digest>``.
    :param version: the chart version (tag). Needed unless ``chart`` carries a tag or a
        digest; when both give a tag they must agree.
    """

    name: str
    namespace: str
    chart: str
    version: str | None = None

    def __post_init__(self) -> None:
        where = f"GitOpsApplication({check.hcl_value(self.name)})"
        if not isinstance(self.name, str) or not _DNS_LABEL.fullmatch(self.name):
            raise ConstructArgumentError(where, "name", self.name, "a DNS label (lowercase letters, digits and '-')")
        namespace(where, "namespace", self.namespace)
        reference = bundle_reference(where, "chart", self.chart)
        if self.version is not None:
            check.chart_version(where, "version", self.version)
            if reference.tag is not None and reference.tag != self.version:
                raise ConstructArgumentError(
                    where,
                    "version",
                    self.version,
                    f"the tag the chart reference names ({reference.tag}), or no version: the two disagree",
                )
        elif reference.tag is None and reference.digest is None:
            raise ConstructArgumentError(where, "version", None, "a chart version (or a tag or digest in chart)")

    @property
    def reference(self) -> BundleReference:
        return bundle_reference("", "chart", self.chart)

    @property
    def target_revision(self) -> str:
        """What Argo CD syncs to: the digest when given (immutable), otherwise the version."""
        ref = self.reference
        return ref.digest or self.version or ref.tag or ""

    def manifest(self, argocd_namespace: str = "argocd", project: str = "default") -> dict[str, object]:
        """The ``argoproj.io/v1alpha1`` Application, in the Argo CD ``project``.

        A version is a Helm-over-OCI source (``repoURL`` without a scheme, ``chart``,
        ``targetRevision``), which the repository Secret with ``type: helm`` and
        ``enableOCI: "true"`` authenticates. A digest is an OCI source (``oci://`` URL of the
        chart, ``path: .``, the digest as ``targetRevision``), the form Argo CD 3.1+ reads
        natively and the only one that pins content rather than a movable tag.
        """
        ref = self.reference
        if ref.digest:
            source: dict[str, object] = {"repoURL": ref.oci_url, "path": ".", "targetRevision": ref.digest}
        else:
            source = {"repoURL": ref.repository, "chart": ref.chart, "targetRevision": self.target_revision}
        return {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": self.name, "namespace": argocd_namespace},
            "spec": {
                "project": project,
                "source": source,
                "destination": {"server": "https://kubernetes.default.svc", "namespace": self.namespace},
                "syncPolicy": {
                    "automated": {"prune": True, "selfHeal": True},
                    "syncOptions": ["CreateNamespace=true"],
                },
            },
        }


@dataclass(frozen=True)
class CiDeployTarget:
    """A namespace GitLab CI deploys into with werf.

    :param name: a name for it (a DNS label), e.g. the application's.
    :param namespace: the namespace (created, with a Role for werf in it). Not a system one.
    :param projects: GitLab project paths (``group/project``) whose jobs may deploy here. No
        wildcards, no bare group: each names exactly one project.
    :param branches: the branches whose jobs may deploy (protect them in GitLab). Default ``main``.
    """

    name: str
    namespace: str
    projects: tuple[str, ...]
    branches: tuple[str, ...] = ("main",)

    def __post_init__(self) -> None:
        where = f"CiDeployTarget({check.hcl_value(self.name)})"
        if not isinstance(self.name, str) or not _DNS_LABEL.fullmatch(self.name):
            raise ConstructArgumentError(where, "name", self.name, "a DNS label (lowercase letters, digits and '-')")
        namespace(where, "namespace", self.namespace)
        for argument in ("projects", "branches"):
            items = getattr(self, argument)
            if isinstance(items, str) or not isinstance(items, (tuple, list)) or not items:
                raise ConstructArgumentError(where, argument, items, "a non-empty list")
            object.__setattr__(self, argument, tuple(items))
        for project in self.projects:
            parts = project.split("/") if isinstance(project, str) else []
            if len(parts) < 2 or not all(_PROJECT_PART.fullmatch(p) for p in parts):
                raise ConstructArgumentError(
                    where,
                    "projects",
                    project,
                    "one GitLab project's full path such as group/project (no wildcard, no group alone:"
                    " a binding must match exactly one project)",
                )
        for branch in self.branches:
            if not isinstance(branch, str) or not _BRANCH.fullmatch(branch) or ".." in branch:
                raise ConstructArgumentError(
                    where, "branches", branch, "a branch name (no wildcard, no ':' or spaces) of a protected branch"
                )

    def subjects(self) -> tuple[str, ...]:
        """GitLab's ``sub`` claim of the jobs allowed here:
        ``project_path:<path>:ref_type:branch:ref:<branch>``."""
        return tuple(
            f"project_path:{project}:ref_type:branch:ref:{branch}"
            for project in self.projects
            for branch in self.branches
        )


@dataclass(frozen=True)
class GroupRoleBinding:
    """Members of a group get a ClusterRole cluster-wide.

    :param group: the group as the people's issuer puts it in the groups claim (a GitLab
        group path such as ``platform-admins`` or ``acme/developers``).
    :param cluster_role: the ClusterRole, e.g. ``cluster-admin``, ``admin``, ``edit``, ``view``.
    """

    group: str
    cluster_role: str

    def __post_init__(self) -> None:
        where = f"GroupRoleBinding({check.hcl_value(self.group)})"
        parts = self.group.split("/") if isinstance(self.group, str) else []
        if not parts or not all(_PROJECT_PART.fullmatch(p) for p in parts):
            raise ConstructArgumentError(where, "group", self.group, "a GitLab group path (no wildcard)")
        if not isinstance(self.cluster_role, str) or not re.fullmatch(
            r"[a-z0-9]([-a-z0-9.:]{0,251}[a-z0-9])?", self.cluster_role
        ):
            raise ConstructArgumentError(where, "cluster_role", self.cluster_role, "a ClusterRole name such as view")


def issuer_url(where: str, argument: str, value: object) -> str:
    """An OIDC issuer: ``https://`` only (the API server fetches its keys; anything else would
    let a network attacker sign tokens)."""
    return check.url(where, argument, value, schemes=("https",))
