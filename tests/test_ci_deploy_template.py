"""The werf deploy job of ci/gitlab/deploy.gitlab-ci.yml: the job's ID token is its only
credential, deploys are serialized per environment, and only protected branches run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "ci" / "gitlab" / "deploy.gitlab-ci.yml"


@pytest.fixture(scope="module")
def job() -> dict[str, Any]:
    data = yaml.safe_load(TEMPLATE.read_text())
    return data[".platform:deploy"]


def test_the_template_validates_against_gitlabs_schema(tmp_path: Path) -> None:
    pytest.importorskip(
        "check_jsonschema", reason="the test extra's check-jsonschema validates against GitLab's schema"
    )
    user = tmp_path / "app.gitlab-ci.yml"
    job = yaml.safe_load(TEMPLATE.read_text())
    job["deploy:ha"] = {"extends": ".platform:deploy", "variables": {"PLATFORM_ENVIRONMENT": "ha"}}
    user.write_text(yaml.safe_dump(job))
    check = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.gitlab-ci"]
    done = subprocess.run([*check, str(TEMPLATE), str(user)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    # The schema checks jobs (not hidden ones): the same job, made concrete and broken, is refused.
    concrete = dict(job[".platform:deploy"])
    broken = tmp_path / "broken.yml"
    broken.write_text(yaml.safe_dump({"deploy:ha": {**concrete, "resource_group": ["not", "a", "name"]}}))
    assert subprocess.run([*check, str(broken)], capture_output=True, text=True).returncode != 0
    fine = tmp_path / "fine.yml"
    fine.write_text(yaml.safe_dump({"deploy:ha": concrete}))
    done = subprocess.run([*check, str(fine)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_job_identity_is_an_id_token_with_the_environments_audience(job: dict[str, Any]) -> None:
    assert job["id_tokens"] == {"PLATFORM_KUBE_ID_TOKEN": {"aud": "${PLATFORM_KUBE_AUDIENCE}"}}
    text = TEMPLATE.read_text()
    # No stored cluster credential is read: no KUBECONFIG, client certificate or token variable.
    for stored in ("KUBE_CONFIG", "KUBECONFIG_BASE64", "client-certificate", "client-key", "CI_JOB_TOKEN"):
        assert stored not in text


def test_only_protected_branches_deploy_one_at_a_time_per_environment(job: dict[str, Any]) -> None:
    (rule,) = job["rules"]
    assert '$CI_COMMIT_REF_PROTECTED == "true"' in rule["if"] and "$CI_COMMIT_BRANCH" in rule["if"]
    assert "merge_request_event" in rule["if"]
    assert job["resource_group"] == "deploy-${PLATFORM_ENVIRONMENT}"
    assert job["environment"]["name"] == "${PLATFORM_ENVIRONMENT}"
    assert job["interruptible"] is False


def _run(job: dict[str, Any], tmp_path: Path, **variables: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The job's script under sh with a stand-in werf that records the kubeconfig it is given."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    seen = tmp_path / "seen.yaml"
    werf = bin_dir / "werf"
    werf.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = ci-env ]; then f="{tmp_path}/env"; : > "$f"; echo "$f"; exit 0; fi\n'
        f'cp "$KUBECONFIG" "{seen}"; echo "werf $*"\n'
    )
    werf.chmod(0o755)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "HOME": str(tmp_path), **variables}
    script = "\n".join(job["script"])
    return subprocess.run(["sh", "-c", script], capture_output=True, text=True, env=env), seen


def test_the_script_writes_a_kubeconfig_with_the_id_token_only_for_the_job(job: dict[str, Any], tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    run, seen = _run(
        job,
        tmp_path,
        PLATFORM_ENVIRONMENT="ha",
        PLATFORM_NAMESPACE="billing",
        PLATFORM_KUBE_AUDIENCE="kubernetes-ha",
        PLATFORM_KUBE_SERVER="https://203.0.113.10:6443",
        PLATFORM_KUBE_CA_FILE=str(ca),
        PLATFORM_KUBE_ID_TOKEN="eyJ.job.token",
    )
    assert run.returncode == 0, run.stderr
    assert "werf converge --namespace billing --env ha" in run.stdout
    config = yaml.safe_load(seen.read_text())
    assert config["users"] == [{"name": "ci-job", "user": {"token": "eyJ.job.token"}}]
    assert config["clusters"][0]["cluster"] == {"server": "https://203.0.113.10:6443", "certificate-authority": str(ca)}
    assert config["contexts"][0]["context"]["namespace"] == "billing"


@pytest.mark.parametrize(
    ("missing", "server"), [("PLATFORM_NAMESPACE", "https://k.example:6443"), (None, "http://k.example:6443")]
)
def test_the_script_stops_without_its_settings(job: dict[str, Any], tmp_path: Path, missing, server: str) -> None:
    variables = {
        "PLATFORM_ENVIRONMENT": "ha",
        "PLATFORM_NAMESPACE": "billing",
        "PLATFORM_KUBE_AUDIENCE": "kubernetes-ha",
        "PLATFORM_KUBE_SERVER": server,
        "PLATFORM_KUBE_CA_FILE": "/dev/null",
        "PLATFORM_KUBE_ID_TOKEN": "t",
    }
    if missing:
        del variables[missing]
    run, seen = _run(job, tmp_path, **variables)
    assert run.returncode == 2
    assert not seen.exists()
    assert (missing or "https://") in run.stderr
