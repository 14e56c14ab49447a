"""Delivery without admin keys: Argo CD Applications from the registry, werf's Roles for CI,
and people's ClusterRoleBindings.

- :class:`GitOpsDelivery`: the registry's read-only credentials as an Argo CD repository
  Secret (from Terraform references to sensitive variables, never literals) and one
  ``Application`` per :class:`~constructs_lib.access.GitOpsApplication`, installed through
  argo-helm's ``argocd-apps`` chart (a Helm release, so nothing needs Argo CD's CRDs at plan
  time).
- :class:`CiDeployAccess`: per namespace a Role with what werf needs there and a RoleBinding
  to the exact OIDC user names of the allowed jobs (or to a ServiceAccount where the cluster
  trusts no OIDC issuer). Nothing cluster-wide.
- :class:`PeopleAccess`: a ClusterRoleBinding per group the environment names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from cdktf import Annotations
from constructs import Construct

from . import _validate as check
from ._construct import LibraryConstruct
from ._generic import AttributeResource
from .access import CiDeployTarget, GitOpsApplication, GroupRoleBinding
from .addons.helm_addon import HelmAddon
from .addons.release import ChartReference, HelmRelease
from .delivery_arguments import DeliveryArguments, check_arguments, check_reference
from .errors import ConstructArgumentError
from .kubernetes import GENERATOR_METADATA

#: argo-helm's chart that renders Applications from values (argocd-apps-2.0.5, argoproj/argo-helm).
ARGOCD_APPS_CHART = "argocd-apps"
ARGOCD_APPS_VERSION = "2.0.5"
ARGOCD_APPS_REPOSITORY = "https://argoproj.github.io/argo-helm"

#: The Argo CD project the applications belong to: sources only from the registry, each
#: application only into the namespaces listed, and no cluster-scoped kind but Namespace.
GITOPS_PROJECT = "bundles"

#: What werf needs in the namespace it deploys to: the Role's rules. Source and reasons:
#: ``tests/fixtures/upstream/werf_deploy_rbac.md``.
WERF_ROLE_RULES: tuple[Mapping[str, Any], ...] = tuple(
    json.loads((Path(__file__).with_name("werf_role.json")).read_text())["rules"]
)


class _Object(AttributeResource):
    """One ``kubernetes_*`` resource of provider 2.37 written with its attributes as given."""

    def __init__(
        self, scope: Construct, id: str, *, kind: str, attributes: Mapping[str, Any], depends_on: Sequence[Any] = ()
    ) -> None:
        super().__init__(scope, id, kind, dict(attributes), depends_on=depends_on, metadata=GENERATOR_METADATA)


class GitOpsDelivery(LibraryConstruct):
    """Argo CD pulls the listed bundles from the registry and keeps them in sync.

    :param applications: the :class:`~constructs_lib.access.GitOpsApplication` list (names unique).
    :param registry: the registry host (and path) the bundles are in, e.g. ``registry.example.com``.
    :param username: a Terraform reference to the registry's read-only user (a sensitive variable).
    :param password: a Terraform reference to its password or token (a sensitive variable).
    :param argocd: the Argo CD release to install after. Default: none.
    :param namespace: Argo CD's namespace. Default ``argocd``.
    :param apps_chart_repository: where ``argocd-apps`` comes from (``oci://<registry>/charts``
        in a closed contour). Default: argo-helm's repository.
    :param closed_registry: the closed contour's registry: a bundle outside it is a warning.

    The Secret's data (the registry login) is in Terraform state; the Applications are Helm
    values, in state too, with no secret in them.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        applications: Sequence[GitOpsApplication],
        registry: str,
        username: str,
        password: str,
        argocd: HelmAddon | None = None,
        namespace: str = "argocd",
        apps_chart_repository: str = ARGOCD_APPS_REPOSITORY,
        closed_registry: str | None = None,
    ) -> None:
        given = check_arguments(
            check.child_path(scope, id),
            addon_type=HelmAddon,
            applications=applications,
            registry=registry,
            username=username,
            password=password,
            argocd=argocd,
            namespace=namespace,
            apps_chart_repository=apps_chart_repository,
            closed_registry=closed_registry,
        )
        super().__init__(scope, id)
        self.applications = {a.name: a.manifest(namespace, GITOPS_PROJECT) for a in applications}
        self.project = _project(namespace, given.registry, applications)
        for warning in given.warnings:
            Annotations.of(self).add_warning(warning)
        after = [argocd.resource] if argocd is not None else []
        self.secrets = self._repository_secrets(given, username, password, namespace, after)
        values = {
            "projects": {GITOPS_PROJECT: _argocd_apps_entry(self.project)},
            "applications": {name: _argocd_apps_entry(manifest) for name, manifest in self.applications.items()},
        }
        self.release = HelmAddon(
            self,
            "argocd-apps",
            release=HelmRelease(
                name="argocd-apps",
                chart=ChartReference(apps_chart_repository, ARGOCD_APPS_CHART, ARGOCD_APPS_VERSION),
                namespace=namespace,
                values=values,
            ),
            depends_on=[argocd] if argocd is not None else [],
        )
        # Applications after their credentials: a first sync without them would fail and back off.
        # (cdktf adds the override's entries to the release's own depends_on: Argo CD.)
        self.release.resource.add_override(
            "depends_on", [f"{r.terraform_resource_type}.{r.friendly_unique_id}" for r in self.secrets]
        )

    def _repository_secrets(
        self, given: DeliveryArguments, username: str, password: str, namespace: str, after: Sequence[Any]
    ) -> list[_Object]:
        """Argo CD's credentials for the registry: a Helm repository, and for digest-pinned
        bundles (``oci://`` sources) credentials by URL prefix."""
        registry = given.registry

        def secret(id: str, name: str, secret_type: str, data: Mapping[str, str]) -> _Object:
            """An Argo CD credentials Secret of ``secret_type`` in Argo CD's namespace."""
            metadata = {"name": name, "namespace": namespace, "labels": {"argocd.argoproj.io/secret-type": secret_type}}
            attributes = {"metadata": metadata, "type": "Opaque", "data": dict(data)}
            return _Object(self, id, kind="kubernetes_secret_v1", attributes=attributes, depends_on=after)

        login = {"username": username, "password": password}
        helm = {"name": "bundle-registry", "url": registry, "type": "helm", "enableOCI": "true", **login}
        secrets = [secret("repository", "bundle-registry", "repository", helm)]
        if given.oci_sources:
            oci = {"url": f"oci://{registry}", "type": "oci", **login}
            secrets.append(secret("repository-oci", "bundle-registry-oci", "repo-creds", oci))
        return secrets


class CiDeployAccess(LibraryConstruct):
    """What GitLab CI may do: werf's Role in each target namespace, bound to the allowed jobs.

    :param targets: the :class:`~constructs_lib.access.CiDeployTarget` list (names unique,
        namespaces unique).
    :param username_prefix: what the API server puts before the ``sub`` claim of a GitLab CI
        ID token (``<issuer>#`` when the cluster's OIDC takes ``sub`` as the user name without a
        prefix of its own). ``None``: no OIDC; each namespace gets a ServiceAccount
        ``ci-deploy`` bound instead, for a short-lived token (``kubectl create token``).

    Nothing cluster-wide: no ClusterRole, no ClusterRoleBinding. The Role never grants RBAC
    objects, so a deploy cannot widen its own access.
    """

    def __init__(
        self, scope: Construct, id: str, *, targets: Sequence[CiDeployTarget], username_prefix: str | None
    ) -> None:
        path = check.child_path(scope, id)
        if isinstance(targets, (str, bytes)) or not all(isinstance(t, CiDeployTarget) for t in targets):
            raise ConstructArgumentError(path, "targets", targets, "a list of CiDeployTarget")
        for argument in ("name", "namespace"):
            seen = [getattr(t, argument) for t in targets]
            for item in seen:
                if seen.count(item) > 1:
                    raise ConstructArgumentError(path, f"targets.{argument}", item, f"each {argument} once")
        if username_prefix is not None:
            check.text(path, "username_prefix", username_prefix)
        super().__init__(scope, id)
        self.roles: dict[str, dict[str, Any]] = {}
        for target in targets:
            ns = _Object(
                self,
                f"{target.name}-namespace",
                kind="kubernetes_namespace_v1",
                attributes={"metadata": {"name": target.namespace}},
            )
            meta = {"name": "werf-deploy", "namespace": target.namespace}
            role = {"metadata": meta, "rule": [_provider_rule(r) for r in WERF_ROLE_RULES]}
            _Object(self, f"{target.name}-role", kind="kubernetes_role_v1", attributes=role, depends_on=[ns])
            if username_prefix is not None:
                subjects = [
                    {"kind": "User", "name": f"{username_prefix}{sub}", "api_group": "rbac.authorization.k8s.io"}
                    for sub in target.subjects()
                ]
            else:
                _Object(
                    self,
                    f"{target.name}-service-account",
                    kind="kubernetes_service_account_v1",
                    attributes={
                        "metadata": {"name": "ci-deploy", "namespace": target.namespace},
                        "automount_service_account_token": False,
                    },
                    depends_on=[ns],
                )
                subjects = [{"kind": "ServiceAccount", "name": "ci-deploy", "namespace": target.namespace}]
            binding = {
                "metadata": meta,
                "role_ref": {"api_group": "rbac.authorization.k8s.io", "kind": "Role", "name": "werf-deploy"},
                "subject": subjects,
            }
            _Object(
                self, f"{target.name}-binding", kind="kubernetes_role_binding_v1", attributes=binding, depends_on=[ns]
            )
            self.roles[target.namespace] = {"role": role, "binding": binding}


class PeopleAccess(LibraryConstruct):
    """A ClusterRoleBinding per group: its members (as the people's OIDC issuer names the group
    in the groups claim) get the ClusterRole.

    :param bindings: the :class:`~constructs_lib.access.GroupRoleBinding` list.
    :param groups_prefix: what the API server puts before each group. Default: none.
    """

    def __init__(
        self, scope: Construct, id: str, *, bindings: Sequence[GroupRoleBinding], groups_prefix: str = ""
    ) -> None:
        path = check.child_path(scope, id)
        if isinstance(bindings, (str, bytes)) or not all(isinstance(b, GroupRoleBinding) for b in bindings):
            raise ConstructArgumentError(path, "bindings", bindings, "a list of GroupRoleBinding")
        check.text(path, "groups_prefix", groups_prefix, allow_empty=True)
        super().__init__(scope, id)
        self.bindings: dict[str, dict[str, Any]] = {}
        for binding in bindings:
            name = "people:" + binding.group.replace("/", ".").lower() + ":" + binding.cluster_role
            attributes = {
                "metadata": {"name": name},
                "role_ref": {
                    "api_group": "rbac.authorization.k8s.io",
                    "kind": "ClusterRole",
                    "name": binding.cluster_role,
                },
                "subject": [
                    {
                        "kind": "Group",
                        "name": f"{groups_prefix}{binding.group}",
                        "api_group": "rbac.authorization.k8s.io",
                    }
                ],
            }
            _Object(
                self,
                name.replace(":", "-").replace(".", "-"),
                kind="kubernetes_cluster_role_binding_v1",
                attributes=attributes,
            )
            self.bindings[name] = attributes


#: The Secret (in Dex's namespace) its GitLab connector reads its OAuth application from, as
#: environment variables that Dex expands in its configuration.
DEX_GITLAB_SECRET = "dex-gitlab"


def dex_values(
    *, issuer_url: str, client_id: str, gitlab_url: str, gitlab_groups: Sequence[str] = ()
) -> dict[str, Any]:
    """The ``dex`` addon's values for people signing in through GitLab.

    The connector's OAuth application id and secret are ``$GITLAB_CLIENT_ID`` and
    ``$GITLAB_CLIENT_SECRET``, environment variables from the Secret :data:`DEX_GITLAB_SECRET`
    (see :class:`DexGitLabSecret`): no secret is in the values. ``client_id`` is kubectl's
    public client (a login plugin on the user's machine, e.g. kubelogin). GitLab groups come
    through as the ``groups`` claim (full group paths); with ``gitlab_groups`` only their
    members may sign in.
    """
    connector: dict[str, Any] = {
        "baseURL": gitlab_url,
        "clientID": "$GITLAB_CLIENT_ID",
        "clientSecret": "$GITLAB_CLIENT_SECRET",
        "redirectURI": f"{issuer_url.rstrip('/')}/callback",
        "useLoginAsID": False,
    }
    if gitlab_groups:
        connector["groups"] = list(gitlab_groups)
    return {
        "config": {
            "issuer": issuer_url,
            "connectors": [{"type": "gitlab", "id": "gitlab", "name": "GitLab", "config": connector}],
            "staticClients": [
                {
                    "id": client_id,
                    "name": "kubectl",
                    "public": True,
                    # kubelogin's local callback addresses.
                    "redirectURIs": ["http://localhost:8000", "http://localhost:18000"],
                }
            ],
        },
        "envFrom": [{"secretRef": {"name": DEX_GITLAB_SECRET}}],
    }


class DexGitLabSecret(LibraryConstruct):
    """Dex's namespace and the Secret its GitLab connector reads (``GITLAB_CLIENT_ID``,
    ``GITLAB_CLIENT_SECRET``), from Terraform references to sensitive variables.

    :param client_id: a Terraform reference to the GitLab OAuth application's id.
    :param client_secret: a Terraform reference to its secret.
    :param namespace: Dex's namespace. Default ``dex``.
    """

    def __init__(
        self, scope: Construct, id: str, *, client_id: str, client_secret: str, namespace: str = "dex"
    ) -> None:
        path = check.child_path(scope, id)
        check_reference(path, "client_id", client_id)
        check_reference(path, "client_secret", client_secret)
        check.dns_label(path, "namespace", namespace)
        super().__init__(scope, id)
        ns = _Object(self, "namespace", kind="kubernetes_namespace_v1", attributes={"metadata": {"name": namespace}})
        self.secret = _Object(
            self,
            "secret",
            kind="kubernetes_secret_v1",
            attributes={
                "metadata": {"name": DEX_GITLAB_SECRET, "namespace": namespace},
                "type": "Opaque",
                "data": {"GITLAB_CLIENT_ID": client_id, "GITLAB_CLIENT_SECRET": client_secret},
            },
            depends_on=[ns],
        )

    def before(self, release: HelmAddon) -> None:
        """Make ``release`` (Dex) wait for the Secret: its pods start only with it."""
        release.resource.add_override("depends_on", [f"kubernetes_secret_v1.{self.secret.friendly_unique_id}"])


def _project(namespace: str, registry: str, applications: Sequence[GitOpsApplication]) -> dict[str, Any]:
    """The ``argoproj.io/v1alpha1`` AppProject of :data:`GITOPS_PROJECT`.

    Argo CD's ``default`` project allows any source, any destination and every cluster-scoped
    kind: a bundle could then grant itself cluster-wide access. Here a bundle comes only from
    ``registry``, lands only in the namespaces the environment lists, and may create no
    cluster-scoped object but its Namespace (``CreateNamespace=true``).
    """
    namespaces = sorted({a.namespace for a in applications})
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": GITOPS_PROJECT, "namespace": namespace},
        "spec": {
            "description": "Bundles from the registry, each into its own namespace",
            "sourceRepos": [registry, f"{registry}/*", f"oci://{registry}/*"],
            "destinations": [{"server": "https://kubernetes.default.svc", "namespace": ns} for ns in namespaces],
            # Namespaced kinds (a chart's own Role and RoleBinding included) act in that
            # namespace only.
            "clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}],
        },
    }


def _argocd_apps_entry(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """An Application as argocd-apps' values take it: its namespace beside the spec's fields."""
    return {"namespace": manifest["metadata"]["namespace"], **manifest["spec"]}


def _provider_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    return {"api_groups": list(rule["apiGroups"]), "resources": list(rule["resources"]), "verbs": list(rule["verbs"])}


@cache
def werf_role_manifest(namespace: str) -> str:
    """The Role as Kubernetes JSON (what ``kubernetes-validate`` and readers check)."""
    return json.dumps(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": "werf-deploy", "namespace": namespace},
            "rules": [dict(r) for r in WERF_ROLE_RULES],
        }
    )
