"""Who and what reaches the cluster: the ``gitops``, ``ci_deploy`` and ``people`` blocks, checked
by their value types, against each other and against the cluster's OIDC (Selectel MKS trusts
one issuer; a self-managed API server takes each issuer URL once)."""

from __future__ import annotations

from collections.abc import Mapping

from constructs_lib import _validate as check
from constructs_lib.access import CiDeployTarget, GroupRoleBinding
from constructs_lib.authentication import JwtIssuer, authentication_configuration, gitlab_ci_issuer, people_issuer

from .schema import EnvironmentConfig
from .source_map import SourceMap

#: The keys of ``cluster.oidc`` that ``ci_deploy`` decides on Selectel MKS.
_CI_OIDC_KEYS = ("issuer_url", "client_id", "username_claim")


def oidc_issuers(config: EnvironmentConfig) -> list[JwtIssuer]:
    """The JWT issuers a cluster whose API server the library configures (the ``kamaji``
    driver) trusts: GitLab for ``ci_deploy``'s jobs, the people's issuer for ``people``."""
    issuers = []
    if config.ci_deploy is not None:
        ci = config.ci_deploy
        issuers.append(gitlab_ci_issuer(ci.gitlab_url, ci.audience, ci.username_prefix))
    if config.people is not None:
        people = config.people
        issuers.append(people_issuer(people.issuer_url, people.client_id, people.groups_claim))
    return issuers


def check_delivery(config: EnvironmentConfig, source: SourceMap) -> None:
    """``gitops``, ``ci_deploy`` and ``people`` by their value types, and against the cluster's
    OIDC: Selectel MKS trusts one issuer, so CI and people must agree with ``cluster.oidc``."""
    _check_gitops(config, source)
    targets = {}
    if config.ci_deploy is not None:
        for name, block in config.ci_deploy.target.items():
            with source.origin("ci_deploy", "target", name):
                targets[name] = block.target(name)
    if config.people is not None:
        for group in config.people.groups:
            with source.origin("people", "groups"):
                GroupRoleBinding(group=group, cluster_role=config.people.groups[group])
    _check_ci_namespaces(config, targets, source)
    if config.cluster.driver_facts.self_managed:
        _check_structured_authentication(config, source)
    if config.cluster.driver_facts.oidc != "one-issuer" or (config.ci_deploy is None and config.people is None):
        return
    _check_one_issuer(config, source)


def _check_gitops(config: EnvironmentConfig, source: SourceMap) -> None:
    """Every application's bundle is under ``gitops.registry``, whose login Argo CD is given."""
    if config.gitops is None:
        return
    for name, app_block in config.gitops.application.items():
        with source.origin("gitops", "application", name):
            app = app_block.application(name)
        if not f"{app.reference.registry}/".startswith(f"{config.gitops.registry}/"):
            raise source.error(
                ("gitops", "application", name, "chart"),
                f"{check.hcl_value(app.chart)} is not allowed: a bundle under gitops.registry"
                f" ({config.gitops.registry}), whose read-only login Argo CD is given",
            )


def _check_ci_namespaces(config: EnvironmentConfig, targets: Mapping[str, CiDeployTarget], source: SourceMap) -> None:
    """CI deploys into no namespace an Argo CD application is delivered to."""
    if config.gitops is None:
        return
    delivered = {b.arguments.get("namespace"): n for n, b in config.gitops.application.items()}
    for name, target in targets.items():
        if target.namespace in delivered:
            raise source.error(
                ("ci_deploy", "target", name, "namespace"),
                f"{check.hcl_value(target.namespace)} is not allowed: a namespace Argo CD does not own"
                f" (application {delivered[target.namespace]} is delivered there by GitOps)",
            )


def _check_one_issuer(config: EnvironmentConfig, source: SourceMap) -> None:
    """Selectel MKS trusts one OIDC issuer: ``cluster.oidc`` is what CI and people need, and
    they need the same one."""
    oidc = config.cluster.arguments.get("oidc")
    want: dict[str, str] = {}
    if config.ci_deploy is not None:
        ci = config.ci_deploy
        want = {"issuer_url": ci.gitlab_url, "client_id": ci.audience, "username_claim": "sub"}
    if config.people is not None:
        people = {"issuer_url": config.people.issuer_url, "client_id": config.people.client_id}
        for key, value in people.items():
            if key in want and want[key] != value:
                raise source.error(
                    ("people", key),
                    f"{check.hcl_value(value)} is not allowed: Selectel MKS trusts one OIDC issuer, and ci_deploy"
                    f" uses {check.hcl_value(want[key])}: sign people in through the same GitLab (its groups claim"
                    " is groups_direct), or drop ci_deploy (see README, People's access)",
                )
        want.update(people, groups_claim=config.people.groups_claim)
    if not isinstance(oidc, Mapping):
        raise source.error(
            ("cluster", "oidc"),
            "is missing: Selectel MKS authenticates CI and people only through its one OIDC issuer: "
            + ", ".join(f"{k} = {check.hcl_value(v)}" for k, v in want.items()),
            source.line_of(("cluster",)),
            locate=False,
        )
    for key, value in want.items():
        if oidc.get(key) != value:
            needs = "ci_deploy" if config.ci_deploy is not None and key in _CI_OIDC_KEYS else "people"
            raise source.error(
                ("cluster", "oidc"),
                f"{key} = {check.hcl_value(oidc.get(key))} is not allowed: {check.hcl_value(value)}, as {needs} needs",
            )


def _check_structured_authentication(config: EnvironmentConfig, source: SourceMap) -> None:
    """On a self-managed cluster CI and people are two issuers of one AuthenticationConfiguration:
    the API server refuses two with one URL."""
    if config.ci_deploy is not None and config.people is not None:
        gitlab, people = config.ci_deploy.gitlab_url, config.people.issuer_url
        if gitlab.rstrip("/") == people.rstrip("/"):
            raise source.error(
                ("people", "issuer_url"),
                f"{check.hcl_value(people)} is not allowed: an issuer other than ci_deploy.gitlab_url (the API server"
                " trusts each issuer URL once, with one set of claim mappings): sign people in through Dex"
                " (people.dex) in front of GitLab",
            )
    with source.origin("ci_deploy", renames={"issuers": "username_prefix"}):
        issuers = oidc_issuers(config)
        if issuers:
            authentication_configuration(issuers, path="ci_deploy")
