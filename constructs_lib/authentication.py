"""Structured authentication for an API server the library configures (the ``kamaji`` driver).

A kube-apiserver started with ``--authentication-config`` reads an
``apiserver.config.k8s.io/v1`` ``AuthenticationConfiguration`` (GA in Kubernetes 1.34): a list
of JWT issuers, each with its audiences and claim mappings. Unlike the ``--oidc-*`` flags
(one issuer, which the API server refuses beside the file) it trusts several issuers: GitLab
for CI jobs' ID tokens and Dex for people.

:class:`JwtIssuer` is one issuer, checked as the API server checks it (https, audiences,
explicit prefixes); :func:`gitlab_ci_issuer` and :func:`people_issuer` build the two the
environment's ``ci_deploy`` and ``people`` blocks describe; :func:`authentication_configuration`
writes the file's content and refuses two issuers the API server would refuse together. The
fields are those of ``k8s.io/apiserver`` v0.36 (``tests/fixtures/upstream/
authentication_configuration_v1_fields.json``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from . import _validate as check
from .access import issuer_url
from .errors import ConstructArgumentError

API_VERSION = "apiserver.config.k8s.io/v1"
KIND = "AuthenticationConfiguration"

#: The claim of a GitLab CI ID token a user name is taken from: ``sub`` begins with the
#: project's full path and names the ref (``project_path:<path>:ref_type:branch:ref:<name>``),
#: so a RoleBinding to it matches one project's branch. Any other claim (``ref``,
#: ``namespace_path``, ``aud``...) is shared by jobs of other projects.
GITLAB_CI_USERNAME_CLAIM = "sub"

#: What a GitLab CI ID token must carry besides its audience: a job on a protected ref only.
GITLAB_CI_REQUIRED_CLAIMS: Mapping[str, str] = MappingProxyType({"ref_protected": "true"})


@dataclass(frozen=True)
class JwtIssuer:
    """One JWT issuer the API server trusts.

    :param url: the issuer (``iss``), https only; the API server fetches its keys from
        ``<url>/.well-known/openid-configuration``.
    :param audiences: the ``aud`` values accepted (at least one; several match any).
    :param username_claim: the claim the user name comes from.
    :param username_prefix: put before it (required by the API server; ``""`` for none).
    :param groups_claim: the claim the groups come from. Default: no groups.
    :param groups_prefix: put before each group.
    :param required_claims: claim -> the string value a token must carry.
    """

    url: str
    audiences: tuple[str, ...]
    username_claim: str
    username_prefix: str
    groups_claim: str | None = None
    groups_prefix: str = ""
    required_claims: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = f"JwtIssuer({check.hcl_value(self.url)})"
        issuer_url(where, "url", self.url)
        audiences = self.audiences
        if isinstance(audiences, str) or not isinstance(audiences, (list, tuple)) or not audiences:
            raise ConstructArgumentError(where, "audiences", audiences, "a non-empty list of audiences")
        for audience in audiences:
            check.text(where, "audiences", audience)
        if len(set(audiences)) != len(audiences):
            raise ConstructArgumentError(where, "audiences", list(audiences), "each audience once")
        object.__setattr__(self, "audiences", tuple(audiences))
        check.text(where, "username_claim", self.username_claim)
        check.text(where, "username_prefix", self.username_prefix, allow_empty=True)
        if self.groups_claim is not None:
            check.text(where, "groups_claim", self.groups_claim)
        check.text(where, "groups_prefix", self.groups_prefix, allow_empty=True)
        if not isinstance(self.required_claims, Mapping):
            raise ConstructArgumentError(where, "required_claims", self.required_claims, "a map of claim -> value")
        for claim, value in self.required_claims.items():
            check.text(where, "required_claims", claim)
            check.text(where, f"required_claims[{claim!r}]", value)
        object.__setattr__(self, "required_claims", MappingProxyType(dict(self.required_claims)))

    def authenticator(self) -> dict[str, Any]:
        """The ``jwt[]`` entry: every prefix explicit (the file has no defaults for them)."""
        issuer: dict[str, Any] = {"url": self.url, "audiences": list(self.audiences)}
        if len(self.audiences) > 1:
            issuer["audienceMatchPolicy"] = "MatchAny"
        mappings: dict[str, Any] = {"username": {"claim": self.username_claim, "prefix": self.username_prefix}}
        if self.groups_claim is not None:
            mappings["groups"] = {"claim": self.groups_claim, "prefix": self.groups_prefix}
        entry: dict[str, Any] = {"issuer": issuer}
        if self.required_claims:
            entry["claimValidationRules"] = [
                {"claim": claim, "requiredValue": value} for claim, value in sorted(self.required_claims.items())
            ]
        entry["claimMappings"] = mappings
        return entry


def gitlab_ci_issuer(
    gitlab_url: str, audience: str, username_prefix: str | None = None, *, username_claim: str = "sub"
) -> JwtIssuer:
    """GitLab as the issuer of its CI jobs' ID tokens (``id_tokens`` with ``audience``).

    A job is the user ``<username_prefix><sub>`` (default prefix ``<gitlab_url>#``, what the
    ``--oidc-*`` flags would give), and only a job on a protected ref is let in
    (``ref_protected`` is ``"true"``). ``username_claim`` must be ``sub``: another claim would
    give jobs of different projects one user name, and a binding would then match them all.
    """
    where = f"gitlab_ci_issuer({check.hcl_value(gitlab_url)})"
    if username_claim != GITLAB_CI_USERNAME_CLAIM:
        raise ConstructArgumentError(
            where,
            "username_claim",
            username_claim,
            f"{GITLAB_CI_USERNAME_CLAIM!r}: the claim that names the project and the ref (any other claim is shared"
            " by jobs of other projects, so a RoleBinding to it would match every project)",
        )
    url = issuer_url(where, "gitlab_url", gitlab_url)
    return JwtIssuer(
        url=url,
        audiences=(audience,),
        username_claim=username_claim,
        username_prefix=f"{url}#" if username_prefix is None else username_prefix,
        required_claims=GITLAB_CI_REQUIRED_CLAIMS,
    )


def people_issuer(url: str, client_id: str, groups_claim: str = "groups") -> JwtIssuer:
    """The people's issuer (Dex, or another OIDC provider) for kubectl's login ``client_id``:
    user ``<url>#<sub>``, groups from ``groups_claim`` as they are (ClusterRoleBindings name
    them so)."""
    return JwtIssuer(
        url=url,
        audiences=(client_id,),
        username_claim="sub",
        username_prefix=f"{url}#",
        groups_claim=groups_claim,
        groups_prefix="",
    )


def authentication_configuration(
    issuers: Sequence[JwtIssuer], *, path: str = "authentication", argument: str = "issuers"
) -> dict[str, Any]:
    """The ``AuthenticationConfiguration`` trusting ``issuers`` (at least one).

    Refused as the API server would refuse them: two issuers with one URL (a trailing ``/``
    aside). Refused because they would mix users: two issuers with one user-name prefix (a
    user of one could then be bound as a user of the other).
    """
    if isinstance(issuers, (str, bytes)) or not isinstance(issuers, (list, tuple)) or not issuers:
        raise ConstructArgumentError(path, argument, issuers, "a non-empty list of JwtIssuer")
    seen_urls: dict[str, str] = {}
    seen_prefixes: dict[str, str] = {}
    for issuer in issuers:
        if not isinstance(issuer, JwtIssuer):
            raise ConstructArgumentError(path, argument, issuer, "a JwtIssuer")
        key = issuer.url.rstrip("/")
        if key in seen_urls:
            raise ConstructArgumentError(
                path,
                argument,
                issuer.url,
                f"an issuer URL used once: {seen_urls[key]} is already trusted (the API server refuses two"
                " authenticators with one issuer URL; give one issuer all the audiences, or put Dex in front)",
            )
        seen_urls[key] = issuer.url
        if issuer.username_prefix in seen_prefixes:
            raise ConstructArgumentError(
                path,
                argument,
                issuer.username_prefix,
                f"a user-name prefix of its own: {seen_prefixes[issuer.username_prefix]} uses it already, and users"
                " of the two issuers would share names",
            )
        seen_prefixes[issuer.username_prefix] = issuer.url
    return {"apiVersion": API_VERSION, "kind": KIND, "jwt": [issuer.authenticator() for issuer in issuers]}
