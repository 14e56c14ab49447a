"""GitOps delivery, CI deploy access and people's access: what the stacks hold and what the
environment loader refuses."""

from __future__ import annotations

import base64
import copy
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from constructs_lib.access import RESERVED_NAMESPACES, CiDeployTarget, GitOpsApplication, bundle_reference
from constructs_lib.delivery import WERF_ROLE_RULES, CiDeployAccess, GitOpsDelivery, PeopleAccess
from constructs_lib.errors import ConstructArgumentError
from environment_loader import EnvironmentConfigError, load_environment
from tests._env_edit import line_number
from tests.conftest import resources, synth_stack

UPSTREAM = Path(__file__).resolve().parent / "fixtures" / "upstream"
CRD = json.loads((UPSTREAM / "argocd_application_crd.json").read_text())
PROJECT_CRD = json.loads((UPSTREAM / "argocd_appproject_crd.json").read_text())
DIGEST = "sha256:" + "ab" * 32
#: The Kubernetes minor the shipped ha environment runs.
KUBERNETES = "1.36.0"


def _closed(schema: Any) -> Any:
    """The CRD schema with unknown fields refused: the API server prunes them silently, so a
    misspelt field would be lost without a word."""
    if isinstance(schema, dict):
        schema = {k: _closed(v) for k, v in schema.items()}
        if schema.get("type") == "object" and "properties" in schema and "additionalProperties" not in schema:
            if not schema.get("x-kubernetes-preserve-unknown-fields"):
                schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [_closed(v) for v in schema]
    return schema


APPLICATION_SCHEMA = _closed(CRD["schema"])
PROJECT_SCHEMA = _closed(PROJECT_CRD["schema"])


def _ha(env_dir: Callable[..., Path], old: str, new: str) -> tuple[Path, str]:
    directory = env_dir("ha", replace=((old, new),))
    return directory / "ha.hcl", (directory / "ha.hcl").read_text()


def _refused(path: Path, line_text: str, *words: str) -> str:
    with pytest.raises(EnvironmentConfigError) as info:
        load_environment(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line_number(path.read_text(), line_text)}: "), message
    for word in words:
        assert word in message, message
    return message


# --- GitOps ---------------------------------------------------------------------------------


@pytest.mark.upstream_rule("argocd.application.schema", "argocd.oci-source")
def test_shipped_applications_match_the_application_crd_and_sync_automatically(shipped_stacks) -> None:
    release = next(
        r for r in resources(shipped_stacks["ha-platform"], "helm_release").values() if r["chart"] == "argocd-apps"
    )
    import yaml

    apps = yaml.safe_load(release["values"][0])["applications"]
    assert sorted(apps) == ["catalog", "shop"]
    for name, entry in apps.items():
        manifest = {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": name, "namespace": entry["namespace"]},
            "spec": {k: v for k, v in entry.items() if k != "namespace"},
        }
        jsonschema.validate(manifest, APPLICATION_SCHEMA)
        assert entry["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    assert {entry["project"] for entry in apps.values()} == {"bundles"}
    # A version: Helm over OCI (no scheme, chart apart). A digest: an OCI source pinned by it.
    assert apps["shop"]["source"] == {
        "repoURL": "registry.example.com/bundles",
        "chart": "shop",
        "targetRevision": "1.4.2",
    }
    assert apps["catalog"]["source"]["repoURL"] == "oci://registry.example.com/bundles/catalog"
    assert apps["catalog"]["source"]["path"] == "."
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", apps["catalog"]["source"]["targetRevision"])


@pytest.mark.upstream_rule("argocd.application.schema")
def test_the_schema_check_catches_a_misspelt_field() -> None:
    manifest = GitOpsApplication(
        name="shop", namespace="shop", chart="oci://r.example/b/shop", version="1.0.0"
    ).manifest()
    jsonschema.validate(manifest, APPLICATION_SCHEMA)
    bad = copy.deepcopy(manifest)
    bad["spec"]["syncPolicy"]["automated"]["selfheal"] = True  # type: ignore[index]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, APPLICATION_SCHEMA)
    assert CRD["source"]["tag"] == "argo-cd-10.1.1"


@pytest.mark.upstream_rule("argocd.repository-secret")
def test_repository_secret_is_read_only_login_from_sensitive_variables(shipped_stacks) -> None:
    doc = shipped_stacks["ha-platform"]
    secrets = {s["metadata"]["name"]: s for s in resources(doc, "kubernetes_secret_v1").values()}
    repo = secrets["bundle-registry"]
    assert repo["metadata"]["labels"] == {"argocd.argoproj.io/secret-type": "repository"}
    assert repo["metadata"]["namespace"] == "argocd"
    data = repo["data"]
    assert (data["type"], data["enableOCI"], data["url"]) == ("helm", "true", "registry.example.com/bundles")
    assert data["username"] == "${var.gitops_registry_username}"
    assert data["password"] == "${var.gitops_registry_password}"
    for variable in ("gitops_registry_username", "gitops_registry_password"):
        assert doc["variable"][variable]["sensitive"] is True
    # The digest-pinned bundle is an oci:// source: credentials for that prefix too.
    assert secrets["bundle-registry-oci"]["data"]["url"] == "oci://registry.example.com/bundles"


def test_gitops_turns_argo_cd_on_and_applications_wait_for_it_and_the_credentials(shipped_stacks) -> None:
    releases = resources(shipped_stacks["ha-platform"], "helm_release")
    argocd = next(k for k, r in releases.items() if r["chart"] == "argo-cd")
    assert releases[argocd]["values"][0].count("node-role.deckhouse.io/system") >= 5
    assert "dex:\n  enabled: false" in releases[argocd]["values"][0]
    apps = next(r for r in releases.values() if r["chart"] == "argocd-apps")
    assert f"helm_release.{argocd}" in apps["depends_on"]
    assert sum(d.startswith("kubernetes_secret_v1.") for d in apps["depends_on"]) == 2


def test_argo_cd_off_while_gitops_lists_applications_is_refused(env_dir) -> None:
    directory = env_dir("ha", append='\naddon "argo-cd" {\n  enabled = false\n}\n')
    from stacks.app import synth

    with pytest.raises(EnvironmentConfigError, match=r"addon\.argo-cd\.enabled: false is not allowed"):
        synth(directory, directory.parent / "out")


def test_closed_contour_takes_argocd_apps_from_the_registry() -> None:
    from cdktf import TerraformStack

    def build(stack: TerraformStack) -> None:
        GitOpsDelivery(
            stack,
            "gitops",
            applications=[GitOpsApplication(name="a", namespace="a", chart="oci://h.example/b/a:1.0.0")],
            registry="h.example/b",
            username="${var.u}",
            password="${var.p}",
            apps_chart_repository="oci://h.example/charts",
            closed_registry="h.example",
        )

    doc = synth_stack(build)
    (release,) = resources(doc, "helm_release").values()
    assert release["repository"] == "oci://h.example/charts"


@pytest.mark.parametrize("literal", ["reader", "", None])
def test_registry_login_must_be_a_reference(literal) -> None:
    from cdktf import App, TerraformStack

    stack = TerraformStack(App(), "s")
    with pytest.raises(ConstructArgumentError, match='password = "\\(hidden\\)"'):
        GitOpsDelivery(stack, "g", applications=[], registry="h.example", username="${var.u}", password=literal)  # type: ignore[arg-type]


def test_a_bundle_outside_the_gitops_registry_is_refused(env_dir) -> None:
    old = '    chart     = "oci://registry.example.com/bundles/shop"'
    path, _ = _ha(env_dir, old, '    chart     = "oci://other.example.com/bundles/shop"')
    _refused(path, '    chart     = "oci://other.example.com', "gitops.application.shop.chart", "under gitops.registry")


def test_tag_and_version_that_disagree_are_refused(env_dir) -> None:
    old = '    chart     = "oci://registry.example.com/bundles/shop"'
    new = f'    chart     = "oci://registry.example.com/bundles/shop:1.4.3@{DIGEST}"'
    path, _ = _ha(env_dir, old, new)
    _refused(path, '    version   = "1.4.2"', "gitops.application.shop.version", "disagree", "1.4.3")


@pytest.mark.parametrize(
    ("chart", "problem"),
    [
        ("https://registry.example.com/bundles/shop:1.0.0", "no other scheme"),
        ("oci://user:secret@registry.example.com/bundles/shop:1.0.0", "no credentials"),
        ("oci://registry.example.com/bundles/shop@sha256:1234", "64 hex"),
        ("oci://shop:1.0.0", "registry host and chart"),
        ("oci://registry.example.com/bundles/shop:${var.x}", "not a valid OCI tag"),
    ],
)
def test_bad_bundle_references_are_refused(chart: str, problem: str) -> None:
    with pytest.raises(ConstructArgumentError, match=re.escape(problem)):
        bundle_reference("app", "chart", chart)


def test_a_reference_with_tag_and_digest_keeps_both() -> None:
    ref = bundle_reference("app", "chart", f"registry.example.com:5000/b/shop:1.2.3@{DIGEST}")
    assert (ref.registry, ref.chart, ref.tag, ref.digest) == ("registry.example.com:5000/b", "shop", "1.2.3", DIGEST)
    app = GitOpsApplication(name="shop", namespace="shop", chart=f"registry.example.com:5000/b/shop:1.2.3@{DIGEST}")
    assert app.target_revision == DIGEST


@pytest.mark.upstream_rule("kube.system-namespaces")
@pytest.mark.parametrize("namespace", sorted(RESERVED_NAMESPACES) + ["kube-flannel"])
def test_system_namespaces_are_refused_for_gitops_and_ci(env_dir, namespace: str) -> None:
    path, _ = _ha(env_dir, '    namespace = "shop"', f'    namespace = "{namespace}"')
    _refused(path, f'    namespace = "{namespace}"', "gitops.application.shop.namespace", "not a system one")
    path, _ = _ha(env_dir, '    namespace = "billing"', f'    namespace = "{namespace}"')
    _refused(path, f'    namespace = "{namespace}"', "ci_deploy.target.billing.namespace", "not a system one")


def test_ci_may_not_deploy_into_a_namespace_argo_cd_owns(env_dir) -> None:
    path, _ = _ha(env_dir, '    namespace = "billing"', '    namespace = "shop" # the CI target')
    _refused(path, '    namespace = "shop" # the CI target', "ci_deploy.target.billing.namespace", "application shop")


# --- CI deploy access -----------------------------------------------------------------------


@pytest.mark.upstream_rule("gitlab.id-token.subject", "kube.oidc.username-prefix")
def test_ci_binding_names_the_exact_jobs_of_protected_branches(shipped_stacks) -> None:
    doc = shipped_stacks["ha-platform"]
    (binding,) = resources(doc, "kubernetes_role_binding_v1").values()
    assert binding["metadata"]["namespace"] == "billing"
    assert binding["role_ref"] == {"api_group": "rbac.authorization.k8s.io", "kind": "Role", "name": "werf-deploy"}
    assert binding["subject"] == [
        {
            "api_group": "rbac.authorization.k8s.io",
            "kind": "User",
            "name": "https://gitlab.example.com#project_path:shop/billing:ref_type:branch:ref:main",
        }
    ]
    infra = shipped_stacks["ha-infra"]
    (cluster,) = resources(infra, "selectel_mks_cluster_v1").values()
    (oidc,) = cluster["oidc"]
    assert (oidc["issuer_url"], oidc["client_id"], oidc["username_claim"]) == (
        "https://gitlab.example.com",
        "kubernetes-ha",
        "sub",
    )


@pytest.mark.upstream_rule("werf.deploy.namespaced")
def test_ci_gets_nothing_cluster_wide_and_no_rbac(shipped_stacks) -> None:
    doc = shipped_stacks["ha-platform"]
    (role,) = resources(doc, "kubernetes_role_v1").values()
    assert role["metadata"] == {"name": "werf-deploy", "namespace": "billing"}
    for rule in role["rule"]:
        assert "rbac.authorization.k8s.io" not in rule["api_groups"]
        assert "*" not in rule["api_groups"] + rule["resources"] + rule["verbs"]
        assert not {"escalate", "bind", "impersonate"} & set(rule["verbs"])
    # Cluster-wide bindings are the people's only, to the groups the environment names.
    subjects = [s for b in resources(doc, "kubernetes_cluster_role_binding_v1").values() for s in b["subject"]]
    assert {s["kind"] for s in subjects} == {"Group"}
    assert not resources(doc, "kubernetes_cluster_role_v1")


@pytest.mark.upstream_rule("gitlab.id-token.subject")
@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("projects", ["*"]),
        ("projects", ["shop"]),
        ("projects", ["shop/*"]),
        ("projects", ["shop/billing:ref_type:tag"]),
        ("projects", []),
        ("branches", ["*"]),
        ("branches", ["main:ref_type"]),
        ("branches", ["release/.."]),
    ],
)
def test_a_claim_mapping_that_could_match_other_jobs_is_refused(argument: str, value: list[str]) -> None:
    arguments: dict[str, Any] = {"name": "billing", "namespace": "billing", "projects": ["shop/billing"]}
    arguments[argument] = value
    with pytest.raises(ConstructArgumentError, match=argument):
        CiDeployTarget(**arguments)


@pytest.mark.upstream_rule("gitlab.id-token.subject")
def test_a_wildcard_project_in_the_environment_is_refused_at_its_line(env_dir) -> None:
    path, _ = _ha(env_dir, '    projects  = ["shop/billing"]', '    projects  = ["shop/*"]')
    _refused(path, '    projects  = ["shop/*"]', "ci_deploy.target.billing.projects", "exactly one project")


@pytest.mark.upstream_rule("kube.oidc.https-issuer")
@pytest.mark.parametrize("url", ["http://gitlab.example.com", "gitlab.example.com", "ftp://gitlab.example.com"])
def test_an_issuer_that_is_not_https_is_refused(env_dir, url: str) -> None:
    path, _ = _ha(env_dir, '  gitlab_url = "https://gitlab.example.com"', f'  gitlab_url = "{url}"')
    _refused(path, f'  gitlab_url = "{url}"', "ci_deploy.gitlab_url")
    path, _ = _ha(env_dir, '  issuer_url   = "https://gitlab.example.com"', f'  issuer_url   = "{url}"')
    _refused(path, f'  issuer_url   = "{url}"', "people.issuer_url")


def test_mks_takes_one_issuer_for_ci_and_people(env_dir) -> None:
    path, _ = _ha(
        env_dir, '  issuer_url   = "https://gitlab.example.com"', '  issuer_url   = "https://dex.example.com"'
    )
    _refused(path, '  issuer_url   = "https://dex.example.com"', "people.issuer_url", "one OIDC issuer")


def test_mks_oidc_must_be_what_ci_needs(env_dir) -> None:
    path, _ = _ha(env_dir, '    username_claim = "sub"', '    username_claim = "email"')
    _refused(path, "  oidc = {", "cluster.oidc", 'username_claim = "email"', "ci_deploy")


def test_without_oidc_ci_gets_a_service_account_per_namespace() -> None:
    from cdktf import TerraformStack

    def build(stack: TerraformStack) -> None:
        CiDeployAccess(
            stack,
            "ci",
            targets=[CiDeployTarget(name="b", namespace="billing", projects=("shop/billing",))],
            username_prefix=None,
        )

    doc = synth_stack(build)
    (account,) = resources(doc, "kubernetes_service_account_v1").values()
    assert account["metadata"] == {"name": "ci-deploy", "namespace": "billing"}
    assert account["automount_service_account_token"] is False
    (binding,) = resources(doc, "kubernetes_role_binding_v1").values()
    assert binding["subject"] == [{"kind": "ServiceAccount", "name": "ci-deploy", "namespace": "billing"}]
    # No token in Terraform: nothing long-lived ends up in state.
    assert not resources(doc, "kubernetes_token_request_v1")
    assert not resources(doc, "kubernetes_secret_v1")


# --- People ---------------------------------------------------------------------------------


def test_people_groups_get_the_cluster_roles_the_environment_names(shipped_stacks) -> None:
    bindings = resources(shipped_stacks["ha-platform"], "kubernetes_cluster_role_binding_v1").values()
    got = {(b["subject"][0]["name"], b["role_ref"]["name"]) for b in bindings}
    assert got == {("platform-admins", "cluster-admin"), ("developers", "view")}


@pytest.mark.parametrize("group", ["*", "", "a b", "group/*"])
def test_a_group_pattern_is_refused(group: str) -> None:
    from cdktf import App, TerraformStack

    from constructs_lib.access import GroupRoleBinding

    with pytest.raises(ConstructArgumentError, match="group"):
        PeopleAccess(TerraformStack(App(), "s"), "p", bindings=[GroupRoleBinding(group=group, cluster_role="view")])


# --- kubernetes-validate ---------------------------------------------------------------------


def _kubernetes_objects(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The stack's RBAC and Secrets as the API server receives them (provider names -> Kubernetes)."""

    def subject(s: dict[str, Any]) -> dict[str, Any]:
        out = {"kind": s["kind"], "name": s["name"]}
        if "api_group" in s:
            out["apiGroup"] = s["api_group"]
        if "namespace" in s:
            out["namespace"] = s["namespace"]
        return out

    def ref(r: dict[str, Any]) -> dict[str, Any]:
        return {"apiGroup": r["api_group"], "kind": r["kind"], "name": r["name"]}

    objects: list[dict[str, Any]] = []
    rbac = "rbac.authorization.k8s.io/v1"
    for role in resources(doc, "kubernetes_role_v1").values():
        rules = [{"apiGroups": r["api_groups"], "resources": r["resources"], "verbs": r["verbs"]} for r in role["rule"]]
        objects.append({"apiVersion": rbac, "kind": "Role", "metadata": role["metadata"], "rules": rules})
    for kind, type_ in (
        ("RoleBinding", "kubernetes_role_binding_v1"),
        ("ClusterRoleBinding", "kubernetes_cluster_role_binding_v1"),
    ):
        for b in resources(doc, type_).values():
            objects.append(
                {
                    "apiVersion": rbac,
                    "kind": kind,
                    "metadata": b["metadata"],
                    "roleRef": ref(b["role_ref"]),
                    "subjects": [subject(s) for s in b["subject"]],
                }
            )
    for secret in resources(doc, "kubernetes_secret_v1").values():
        # The provider base64-encodes data; a variable's value stands in as placeholder text.
        data = {
            k: base64.b64encode(re.sub(r"\$\{var\.[a-z_]+\}", "placeholder", v).encode()).decode()
            for k, v in secret["data"].items()
        }
        objects.append(
            {"apiVersion": "v1", "kind": "Secret", "metadata": secret["metadata"], "type": secret["type"], "data": data}
        )
    return objects


def test_rbac_and_secrets_pass_kubernetes_validate_strict(shipped_stacks, tmp_path: Path) -> None:
    tool = shutil.which("kubernetes-validate") or str(
        Path(__file__).resolve().parents[1] / ".venv/bin/kubernetes-validate"
    )
    if not Path(tool).exists():
        pytest.skip("kubernetes-validate is not installed (pip install kubernetes-validate==1.37.0)")
    objects = _kubernetes_objects(shipped_stacks["ha-platform"])
    assert {o["kind"] for o in objects} == {"Role", "RoleBinding", "ClusterRoleBinding", "Secret"}
    files = []
    for number, obj in enumerate(objects):
        files.append(tmp_path / f"{number}.json")
        files[-1].write_text(json.dumps(obj))
    run = subprocess.run([tool, "--strict", "-k", KUBERNETES, *map(str, files)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    # And it does catch a mistake: a misspelt field is refused.
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**objects[0], "rule": objects[0]["rules"]}))
    run = subprocess.run([tool, "--strict", "-k", KUBERNETES, str(bad)], capture_output=True, text=True)
    assert run.returncode != 0


def test_werf_role_is_recorded_with_its_rules() -> None:
    assert WERF_ROLE_RULES
    for rule in WERF_ROLE_RULES:
        assert set(rule) == {"apiGroups", "resources", "verbs"}


# --- platformctl mirror ---------------------------------------------------------------------


def test_mirror_lists_argo_cd_its_applications_chart_and_the_bundles() -> None:
    from platformctl.mirror import environment_artifacts
    from stacks.app import ENVIRONMENTS_DIR

    artifacts = environment_artifacts("ha", ENVIRONMENTS_DIR)
    charts = {(c.name, c.version) for c in artifacts.charts}
    assert {("argo-cd", "10.1.1"), ("argocd-apps", "2.0.5")} <= charts
    images = {i.reference: i.path for i in artifacts.images}
    assert images["quay.io/argoproj/argocd:v3.4.4"] == "argoproj/argocd:v3.4.4"
    assert images["registry.example.com/bundles/shop:1.4.2"] == "bundles/shop:1.4.2"
    # A bundle pinned only by digest has no tag to be kept under: said, not guessed.
    assert any('gitops application "catalog"' in note for note in artifacts.notes)


def test_mirror_copies_a_tagged_bundle_by_its_digest(env_dir) -> None:
    from platformctl.mirror import environment_artifacts

    old = '    chart = "oci://registry.example.com/bundles/catalog@'
    directory = env_dir("ha", replace=((old, '    chart = "oci://registry.example.com/bundles/catalog:2.0.0@'),))
    images = {i.reference: i.path for i in environment_artifacts("ha", directory).images}
    (catalog,) = [r for r in images if "/catalog" in r]
    assert catalog.startswith("registry.example.com/bundles/catalog@sha256:")
    assert images[catalog] == "bundles/catalog:2.0.0"


# --- Dex ------------------------------------------------------------------------------------


def _ha_with_dex(env_dir) -> Path:
    """ha.hcl with people signing in through Dex (GitLab upstream) and no CI deploys: MKS's
    one issuer is then Dex."""
    from stacks.app import ENVIRONMENTS_DIR

    text = (ENVIRONMENTS_DIR / "ha.hcl").read_text()
    ci_block = re.search(r"(?ms)^ci_deploy \{.*?^\}\n", text)
    assert ci_block, "test setup: no ci_deploy block in ha.hcl"
    return env_dir(
        "ha",
        replace=(
            (ci_block.group(0), ""),
            ('    issuer_url     = "https://gitlab.example.com"', '    issuer_url     = "https://dex.example.com"'),
            ('    groups_claim   = "groups_direct"', '    groups_claim   = "groups"'),
            ('  issuer_url   = "https://gitlab.example.com"', '  issuer_url   = "https://dex.example.com"'),
            (
                '  groups_claim = "groups_direct"',
                '  groups_claim = "groups"\n  dex = { gitlab_url = "https://gitlab.example.com", gitlab_groups = ["platform-admins", "developers"] }',
            ),
        ),
    )


def test_dex_in_front_of_gitlab_with_its_secret_from_variables(env_dir, tmp_path: Path) -> None:
    import yaml

    from stacks.app import synth

    directory = _ha_with_dex(env_dir)
    synth(directory, tmp_path / "out", ["ha"])
    doc = json.loads((tmp_path / "out" / "stacks" / "ha-platform" / "cdk.tf.json").read_text())
    releases = {r["name"]: r for r in resources(doc, "helm_release").values()}
    values = yaml.safe_load(releases["dex"]["values"][0])
    config = values["config"]
    assert config["issuer"] == "https://dex.example.com"
    (connector,) = config["connectors"]
    assert connector["type"] == "gitlab"
    assert connector["config"]["baseURL"] == "https://gitlab.example.com"
    assert connector["config"]["groups"] == ["platform-admins", "developers"]
    # No secret in the values: Dex expands them from the Secret's environment variables.
    assert (connector["config"]["clientID"], connector["config"]["clientSecret"]) == (
        "$GITLAB_CLIENT_ID",
        "$GITLAB_CLIENT_SECRET",
    )
    assert values["envFrom"] == [{"secretRef": {"name": "dex-gitlab"}}]
    assert config["staticClients"][0]["id"] == "kubernetes-ha"
    (secret,) = [s for s in resources(doc, "kubernetes_secret_v1").values() if s["metadata"]["namespace"] == "dex"]
    assert secret["data"] == {
        "GITLAB_CLIENT_ID": "${var.dex_gitlab_client_id}",
        "GITLAB_CLIENT_SECRET": "${var.dex_gitlab_client_secret}",
    }
    secret_key = next(k for k, s in resources(doc, "kubernetes_secret_v1").items() if s is secret)
    assert f"kubernetes_secret_v1.{secret_key}" in releases["dex"]["depends_on"]
    # No CI deploys here: no Role, no RoleBinding.
    assert not resources(doc, "kubernetes_role_binding_v1")


def test_on_magnum_ci_deploys_through_a_service_account(env_dir, tmp_path: Path) -> None:
    from stacks.app import synth

    block = """
ci_deploy {
  gitlab_url = "https://gitlab.example.com"
  audience   = "kubernetes-magnum"
  target "billing" {
    namespace = "billing"
    projects  = ["shop/billing"]
  }
}
"""
    directory = env_dir("magnum", append=block)
    synth(directory, tmp_path / "out", ["magnum"])
    doc = json.loads((tmp_path / "out" / "stacks" / "magnum-platform" / "cdk.tf.json").read_text())
    (binding,) = resources(doc, "kubernetes_role_binding_v1").values()
    assert binding["subject"] == [{"kind": "ServiceAccount", "name": "ci-deploy", "namespace": "billing"}]
    assert not resources(doc, "kubernetes_token_request_v1")


def test_in_a_closed_contour_argo_cd_and_its_applications_come_from_the_registry(env_dir, tmp_path: Path) -> None:
    import yaml

    from stacks.app import synth

    block = """
gitops {
  registry = "harbor.contour.internal/platform/bundles"
  application "shop" {
    namespace = "shop"
    chart     = "oci://harbor.contour.internal/platform/bundles/shop:1.4.2"
  }
}
"""
    directory = env_dir("closed", append=block)
    synth(directory, tmp_path / "out", ["closed"])
    doc = json.loads((tmp_path / "out" / "stacks" / "closed-platform" / "cdk.tf.json").read_text())
    releases = {r["name"]: r for r in resources(doc, "helm_release").values()}
    for name in ("argo-cd", "argocd-apps"):
        assert releases[name]["repository"] == "oci://harbor.contour.internal/platform/charts", name
    values = yaml.safe_load(releases["argo-cd"]["values"][0])
    assert values["global"]["image"]["repository"] == "harbor.contour.internal/platform/argoproj/argocd"
    assert values["redis"]["image"]["repository"] == "harbor.contour.internal/platform/docker/library/redis"
    apps = yaml.safe_load(releases["argocd-apps"]["values"][0])["applications"]
    assert apps["shop"]["source"]["repoURL"] == "harbor.contour.internal/platform/bundles"


@pytest.mark.upstream_rule("argocd.appproject.schema")
def test_applications_are_confined_to_their_registry_and_namespaces(shipped_stacks) -> None:
    import yaml

    release = next(
        r for r in resources(shipped_stacks["ha-platform"], "helm_release").values() if r["chart"] == "argocd-apps"
    )
    (name, entry), *more = yaml.safe_load(release["values"][0])["projects"].items()
    assert not more and name == "bundles"
    manifest: dict[str, Any] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": name, "namespace": entry["namespace"]},
        "spec": {k: v for k, v in entry.items() if k != "namespace"},
    }
    jsonschema.validate(manifest, PROJECT_SCHEMA)
    spec = manifest["spec"]
    assert {d["namespace"] for d in spec["destinations"]} == {"shop", "catalog"}
    assert all(repo.removeprefix("oci://").startswith("registry.example.com/bundles") for repo in spec["sourceRepos"])
    # Argo CD's default project would allow every cluster-scoped kind: here only Namespace.
    assert spec["clusterResourceWhitelist"] == [{"group": "", "kind": "Namespace"}]
    bad = copy.deepcopy(manifest)
    bad["spec"]["clusterResourceWhitelist"] = [{"grup": "", "kind": "Namespace"}]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, PROJECT_SCHEMA)


@pytest.mark.upstream_rule("kube.oidc.username-prefix")
def test_a_username_prefix_the_cluster_uses_instead_is_bound(env_dir, tmp_path: Path) -> None:
    from stacks.app import synth

    old = '  audience   = "kubernetes-ha" # = cluster.oidc.client_id on MKS'
    directory = env_dir("ha", replace=((old, old + '\n  username_prefix = "gitlab:"'),))
    synth(directory, tmp_path / "out", ["ha"])
    doc = json.loads((tmp_path / "out" / "stacks" / "ha-platform" / "cdk.tf.json").read_text())
    (binding,) = resources(doc, "kubernetes_role_binding_v1").values()
    assert [s["name"] for s in binding["subject"]] == ["gitlab:project_path:shop/billing:ref_type:branch:ref:main"]
