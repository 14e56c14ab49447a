"""Structured authentication on the kamaji driver: the AuthenticationConfiguration the library
writes, checked against the v1 fields and validation rules of the pinned Kubernetes minor
(``tests/fixtures/upstream/authentication_configuration_v1_fields.json``), and how it reaches
the tenant's API server (a ConfigMap and a flag on the TenantControlPlane)."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import yaml
from cdktf import TerraformStack

from constructs_lib import ConstructArgumentError
from constructs_lib.authentication import (
    JwtIssuer,
    authentication_configuration,
    gitlab_ci_issuer,
    people_issuer,
)
from environment_loader import EnvironmentConfigError, load_environment
from tests.conftest import resources, synth_stack
from tests.test_kamaji_cluster import _cluster
from tests.test_kamaji_flatcar import crd_errors

FIELDS = json.loads(
    (Path(__file__).parent / "fixtures" / "upstream" / "authentication_configuration_v1_fields.json").read_text()
)
GITLAB = "https://gitlab.example.com"
DEX = "https://dex.example.com"


def _config() -> dict[str, Any]:
    return authentication_configuration(
        [gitlab_ci_issuer(GITLAB, "kubernetes-kamaji"), people_issuer(DEX, "kubectl", "groups")]
    )


def field_errors(value: Any, type_name: str, where: str = "") -> list[str]:
    """Fields of ``value`` that the recorded type has not, required ones it lacks, and enum
    values outside the recorded ones."""
    fields = FIELDS["types"][type_name]
    errors = [f"{where}.{key}: not a field of {type_name}" for key in value if key not in fields]
    errors += [f"{where}.{key}: required" for key, f in fields.items() if f["required"] and key not in value]
    for key, item in value.items():
        if key not in fields:
            continue
        kind = fields[key]["type"].lstrip("*")
        inner = kind.removeprefix("[]")
        items = item if kind.startswith("[]") else [item]
        if kind.startswith("[]") and not isinstance(item, list):
            errors.append(f"{where}.{key}: a list")
            continue
        for index, element in enumerate(items):
            at = f"{where}.{key}[{index}]" if kind.startswith("[]") else f"{where}.{key}"
            if inner in FIELDS["types"]:
                errors += field_errors(element, inner, at) if isinstance(element, dict) else [f"{at}: an object"]
            elif inner in FIELDS["enums"]:
                if element not in FIELDS["enums"][inner]:
                    errors.append(f"{at}: one of {FIELDS['enums'][inner]}")
            elif inner == "bool":
                if not isinstance(element, bool):
                    errors.append(f"{at}: a boolean")
            elif not isinstance(element, str):
                errors.append(f"{at}: a string")
    return errors


def rule_errors(config: dict[str, Any]) -> list[str]:
    """What the API server's validation (the recorded rules) refuses in ``config``."""
    errors = []
    urls = [a["issuer"]["url"] for a in config["jwt"]]
    errors += [f"duplicate issuer {u}" for u in set(urls) if urls.count(u) > 1]
    for authenticator in config["jwt"]:
        issuer = authenticator["issuer"]
        parts = urllib.parse.urlsplit(issuer["url"])
        if parts.scheme != "https" or parts.username or parts.query or parts.fragment:
            errors.append(f"issuer {issuer['url']}: https, no credentials, query or fragment")
        audiences = issuer["audiences"]
        if not audiences or "" in audiences or len(set(audiences)) != len(audiences):
            errors.append(f"issuer {issuer['url']}: audiences")
        policy = issuer.get("audienceMatchPolicy", "")
        if (len(audiences) > 1 and policy != "MatchAny") or (len(audiences) == 1 and policy not in ("", "MatchAny")):
            errors.append(f"issuer {issuer['url']}: audienceMatchPolicy")
        mappings = authenticator["claimMappings"]
        for name in ("username", "groups"):
            mapping = mappings.get(name)
            if mapping is None:
                continue
            if ("claim" in mapping) == ("expression" in mapping):
                errors.append(f"{name}: claim or expression")
            if "claim" in mapping and "prefix" not in mapping:
                errors.append(f"{name}: prefix required with claim")
        claims = []
        for rule in authenticator.get("claimValidationRules", []):
            if ("claim" in rule) == ("expression" in rule) or ("claim" in rule and "message" in rule):
                errors.append(f"claim rule {rule}")
            claims.append(rule.get("claim"))
        if len([c for c in claims if c]) != len({c for c in claims if c}):
            errors.append("a claim rule twice")
    return errors


@pytest.mark.upstream_rule(
    "kube.authn-config.prefix-required", "kube.authn-config.audiences", "kube.authn-config.claim-rule"
)
def test_the_configuration_has_only_fields_of_the_pinned_minor_and_validates() -> None:
    config = _config()
    assert FIELDS["source"]["tag"].startswith("v0.36.")  # k8s.io/apiserver of Kubernetes 1.36
    assert (config["apiVersion"], config["kind"]) == (FIELDS["api_version"], FIELDS["kind"])
    assert field_errors(config, FIELDS["root"]) == []
    assert rule_errors(config) == []
    ci, people = config["jwt"]
    # CI: the job's sub, prefixed as the --oidc-* flags would; protected refs only.
    assert ci["issuer"] == {"url": GITLAB, "audiences": ["kubernetes-kamaji"]}
    assert ci["claimMappings"] == {"username": {"claim": "sub", "prefix": f"{GITLAB}#"}}
    assert ci["claimValidationRules"] == [{"claim": "ref_protected", "requiredValue": "true"}]
    # People: groups as the ClusterRoleBindings name them.
    assert people["claimMappings"]["groups"] == {"claim": "groups", "prefix": ""}
    assert people["claimMappings"]["username"] == {"claim": "sub", "prefix": f"{DEX}#"}
    # Several audiences match any of them, as the API server requires.
    several = JwtIssuer(DEX, ("a", "b"), "sub", "x#").authenticator()
    assert several["issuer"]["audienceMatchPolicy"] == "MatchAny"


def test_the_checks_catch_a_wrong_field_and_a_broken_rule() -> None:
    config = _config()
    config["jwt"][0]["issuer"]["urls"] = ["x"]
    del config["jwt"][1]["claimMappings"]["username"]["prefix"]
    assert field_errors(config, FIELDS["root"]) == [".jwt[0].issuer.urls: not a field of Issuer"]
    assert rule_errors(config) == ["username: prefix required with claim"]
    config = _config()
    config["jwt"].append(config["jwt"][0])
    assert rule_errors(config) == [f"duplicate issuer {GITLAB}"]


@pytest.mark.upstream_rule("kube.authn-config.https-issuer", "kube.oidc.https-issuer")
@pytest.mark.parametrize("url", ["http://gitlab.example.com", "https://user:pw@gitlab.example.com", "ftp://x.example"])
def test_an_issuer_that_is_not_https_is_refused(url: str) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        JwtIssuer(url, ("aud",), "sub", "")
    assert err.value.argument == "url" and "https://" in err.value.allowed
    with pytest.raises(ConstructArgumentError):
        gitlab_ci_issuer(url, "aud")


@pytest.mark.upstream_rule("gitlab.id-token.subject")
@pytest.mark.parametrize("claim", ["ref", "namespace_path", "aud", "project_path"])
def test_a_claim_mapping_that_would_match_every_project_is_refused(claim: str) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        gitlab_ci_issuer(GITLAB, "aud", username_claim=claim)
    assert err.value.argument == "username_claim"
    assert "every project" in err.value.allowed


@pytest.mark.upstream_rule("kube.authn-config.unique-issuer")
@pytest.mark.parametrize("other", [GITLAB, f"{GITLAB}/"])
def test_two_issuers_with_one_url_are_refused(other: str) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        authentication_configuration([gitlab_ci_issuer(GITLAB, "ci"), people_issuer(other, "kubectl")])
    assert err.value.argument == "issuers" and "issuer URL used once" in err.value.allowed


def test_two_issuers_with_one_user_name_prefix_are_refused() -> None:
    with pytest.raises(ConstructArgumentError) as err:
        authentication_configuration([gitlab_ci_issuer(GITLAB, "ci", "oidc:"), JwtIssuer(DEX, ("k",), "sub", "oidc:")])
    assert "share names" in err.value.allowed


@pytest.mark.parametrize(
    ("issuer", "argument"),
    [
        (lambda: JwtIssuer(DEX, (), "sub", ""), "audiences"),
        (lambda: JwtIssuer(DEX, ("a", "a"), "sub", ""), "audiences"),
        (lambda: JwtIssuer(DEX, ("a",), "", ""), "username_claim"),
        (lambda: JwtIssuer(DEX, ("a",), "sub", "", required_claims={"x": ""}), "required_claims['x']"),
    ],
    ids=["no-audience", "audience-twice", "no-claim", "empty-required-value"],
)
def test_bad_issuer_arguments_are_refused(issuer: Any, argument: str) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        issuer()
    assert err.value.argument == argument


# --- the tenant control plane ------------------------------------------------------------------


def _tcp_and_config_map(doc: dict[str, Any]) -> tuple[dict[str, Any], str, dict[str, Any]]:
    (manifest,) = [
        m for m in resources(doc, "kubernetes_manifest").values() if m["manifest"]["kind"] == "TenantControlPlane"
    ]
    ((key, config_map),) = resources(doc, "kubernetes_config_map_v1").items()
    return manifest, key, config_map


def test_the_tenant_api_server_reads_the_file_from_a_config_map() -> None:
    issuers = [gitlab_ci_issuer(GITLAB, "kubernetes-kamaji"), people_issuer(DEX, "kubectl")]

    def build(stack: TerraformStack) -> None:
        _cluster(stack, oidc_issuers=issuers)

    manifest, key, config_map = _tcp_and_config_map(synth_stack(build))
    assert config_map["metadata"] == {"name": "env-authentication", "namespace": "tenants"}
    assert yaml.safe_load(config_map["data"]["config.yaml"]) == authentication_configuration(issuers)
    # In the management cluster, before the TenantControlPlane that mounts it.
    assert config_map["provider"] == manifest["provider"]
    assert f"kubernetes_config_map_v1.{key}" in manifest["depends_on"]
    deployment = manifest["manifest"]["spec"]["controlPlane"]["deployment"]
    args = deployment["extraArgs"]["apiServer"]
    assert "--authentication-config=/etc/kubernetes/authentication/config.yaml" in args
    # The API server refuses --oidc-* flags beside the file: none is set.
    assert not [a for a in args if a.startswith("--oidc-")]
    assert deployment["additionalVolumes"] == [
        {"name": "authentication-config", "configMap": {"name": "env-authentication"}}
    ]
    assert deployment["additionalVolumeMounts"] == {
        "apiServer": [
            {"name": "authentication-config", "mountPath": "/etc/kubernetes/authentication", "readOnly": True}
        ]
    }
    manifest_literal = json.loads(json.dumps(manifest["manifest"]).replace("${", "x"))
    assert crd_errors(manifest_literal) == []


def test_without_issuers_the_api_server_gets_no_file() -> None:
    doc = synth_stack(lambda stack: _cluster(stack))
    (manifest,) = [
        m for m in resources(doc, "kubernetes_manifest").values() if m["manifest"]["kind"] == "TenantControlPlane"
    ]
    deployment = manifest["manifest"]["spec"]["controlPlane"]["deployment"]
    assert "additionalVolumes" not in deployment
    assert not [a for a in deployment["extraArgs"]["apiServer"] if "authentication-config" in a]
    assert not resources(doc, "kubernetes_config_map_v1")


# --- the environment -----------------------------------------------------------------------------

SHIPPED_GITLAB = "https://gitlab.cloud.example.internal"
SHIPPED_DEX = "https://dex.cloud.example.internal"


def test_the_shipped_kamaji_environment_trusts_gitlab_for_ci_and_dex_for_people(shipped_stacks) -> None:
    infra, platform = shipped_stacks["kamaji-infra"], shipped_stacks["kamaji-platform"]
    _, _, config_map = _tcp_and_config_map(infra)
    config = yaml.safe_load(config_map["data"]["config.yaml"])
    assert [a["issuer"]["url"] for a in config["jwt"]] == [SHIPPED_GITLAB, SHIPPED_DEX]
    assert field_errors(config, FIELDS["root"]) == [] and rule_errors(config) == []
    # CI binds the exact job user names, not a ServiceAccount (the OIDC path replaces it).
    (binding,) = resources(platform, "kubernetes_role_binding_v1").values()
    assert binding["subject"] == [
        {
            "kind": "User",
            "name": f"{SHIPPED_GITLAB}#project_path:shop/billing:ref_type:branch:ref:main",
            "api_group": "rbac.authorization.k8s.io",
        }
    ]
    assert not resources(platform, "kubernetes_service_account_v1")


@pytest.mark.upstream_rule("kube.authn-config.unique-issuer")
def test_people_and_ci_through_one_gitlab_issuer_are_refused_at_the_people_line(env_dir) -> None:
    directory = env_dir(
        "kamaji",
        replace=(
            (f'issuer_url = "{SHIPPED_DEX}"', f'issuer_url = "{SHIPPED_GITLAB}"'),
            ("  dex = {", "  # dex = {"),
        ),
    )
    with pytest.raises(EnvironmentConfigError) as err:
        load_environment(directory / "kamaji.hcl")
    message = str(err.value)
    assert "people.issuer_url" in message and "Dex" in message
    line = int(message.split(":")[1])
    assert (directory / "kamaji.hcl").read_text().splitlines()[line - 1].strip().startswith("issuer_url"), message
