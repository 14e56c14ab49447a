"""The CI template's job scripts, run here as a runner would run them.

Plan and apply jobs need providers that cannot be downloaded here: their scripts run with a
stand-in ``terraform`` on ``PATH`` that records its arguments and replays recorded plans
(``show -json`` prints a plan JSON written by these tests, ``plan`` exits as the scenario
says, with the scenario's output). The preview job's script then runs for real on those
results (``python -m platformctl.ci_preview`` and ``platformctl comment``) against a fake
GitLab API on 127.0.0.1 (tests/test_comment.py's), so what is checked is the note a merge
request gets: the commit, the pipeline and job links, a failed plan said to have failed, a new
environment's platform plan skipped with its reason, Terraform's counts and the full plan text
linked and scrubbed of sensitive values.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from tests.test_ci_template import TEMPLATE, jobs, load, matching_rule  # noqa: F401 - the jobs fixture
from tests.test_comment import GITLAB_NOTES, TOKEN, FakeApi, api  # noqa: F401 - the api fixture

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = sorted(p.stem for p in (ROOT / "environments").glob("*.hcl"))
VENV_BIN = Path(sys.executable).parent
SHA = "4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39"
SECRET = "Sup3r-Secret-Admin-Passw0rd"

STAND_IN = r'''#!PYTHON
"""A stand-in terraform: records its arguments, replays the scenario of the stack it runs in."""
import json, os, sys
from pathlib import Path

args = sys.argv[1:]
stack = Path.cwd().name
with open(os.environ["FAKE_TF_LOG"], "a") as log:
    log.write(json.dumps({"stack": stack, "args": args}) + "\n")
scenario_file = Path(os.environ["FAKE_TF_SCENARIOS"]) / f"{stack}.json"
scenario = json.loads(scenario_file.read_text()) if scenario_file.exists() else {}
command = args[0] if args else ""
if command == "plan":
    sys.stdout.write(scenario.get("output", ""))
    code = scenario.get("exit", 0)
    if code in (0, 2):
        out = next(a.split("=", 1)[1] for a in args if a.startswith("-out="))
        Path(out).write_bytes(b"PK\x03\x04 stand-in plan of " + stack.encode())
    sys.exit(code)
if command == "show":
    if "-json" in args:
        sys.stdout.write(json.dumps(scenario["plan"]))
    else:
        sys.stdout.write(scenario.get("text", ""))
    sys.exit(0)
if command == "init" and "-backend=false" not in args:
    Path(".terraform.lock.hcl").write_text("# stand-in lock file\n")
if command in ("init", "validate", "apply"):
    print(f"stand-in terraform {command}: ok")
    sys.exit(0)
sys.exit(f"stand-in terraform: unexpected command {args}")
'''

REMOTE_STATE_MISSING = (
    "data.terraform_remote_state.cross-stack-reference-input-green-infra: Reading...\n\n"
    "Error: Unable to find remote state\n\n  with data.terraform_remote_state.cross-stack-reference-input-green-infra,\n"
    "  on cdk.tf.json line 12, in data.terraform_remote_state.cross-stack-reference-input-green-infra:\n\n"
    "No stored state was found for the given workspace in the given backend.\n"
)


def _change(address: str, actions: list[str], before: Any, after: Any, **extra: Any) -> dict[str, Any]:
    type_, name = address.split(".", 1)
    return {
        "address": address,
        "mode": "managed",
        "type": type_,
        "name": name,
        "provider_name": "registry.terraform.io/hashicorp/terraform",
        "change": {
            "actions": actions,
            "before": before,
            "after": after,
            "after_unknown": {},
            "before_sensitive": extra.pop("before_sensitive", {}),
            "after_sensitive": extra.pop("after_sensitive", {}),
        },
        **extra,
    }


def _plan(changes: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "planned_values": {"root_module": {}},
        "resource_changes": changes,
        "configuration": {
            "root_module": {"resources": [{"address": c["address"], "mode": "managed"} for c in changes]}
        },
    }


#: blue-infra: 1 new, 1 replaced, 1 updated, 1 destroyed; Terraform says 2 to add, 1 to change, 2 to destroy.
BLUE_INFRA = _plan(
    [
        _change("terraform_data.new", ["create"], None, {"input": "a"}),
        _change(
            "terraform_data.cluster",
            ["delete", "create"],
            {"input": "v1"},
            {"input": "v2"},
            action_reason="replace_because_cannot_update",
        ),
        _change(
            "terraform_data.settings",
            ["update"],
            {"input": "x", "password": SECRET},
            {"input": "y", "password": SECRET},
            before_sensitive={"password": True},
            after_sensitive={"password": True},
        ),
        _change(
            "terraform_data.old", ["delete"], {"input": "z"}, None, action_reason="delete_because_no_resource_config"
        ),
    ]
)
BLUE_INFRA_TEXT = (
    "Terraform will perform the following actions:\n"
    f'  # terraform_data.settings will be updated in-place\n      ~ output = "{SECRET}"\n'
    "Plan: 2 to add, 1 to change, 2 to destroy.\n"
)
QUIET = _plan([_change("terraform_data.same", ["no-op"], {"input": "a"}, {"input": "a"})])


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A project directory as a job sees it after the synth: two environments, blue (applied) and green (new)."""
    for stack in ("blue-infra", "blue-platform", "green-infra", "green-platform"):
        directory = tmp_path / "cdktf.out" / "stacks" / stack
        directory.mkdir(parents=True)
        resources = {
            "terraform_data": {
                name: {"input": "a", "//": {"metadata": {"path": f"{stack}/{name}", "uniqueId": name}}}
                for name in ("new", "cluster", "settings", "same")
            }
        }
        (directory / "cdk.tf.json").write_text(json.dumps({"resource": resources}))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    terraform = bin_dir / "terraform"
    terraform.write_text(STAND_IN.replace("PYTHON", sys.executable, 1))
    terraform.chmod(0o755)
    (tmp_path / "scenarios").mkdir()
    return tmp_path


def scenario(workspace: Path, stack: str, **values: Any) -> None:
    (workspace / "scenarios" / f"{stack}.json").write_text(json.dumps(values))


def terraform_calls(workspace: Path) -> list[dict[str, Any]]:
    log = workspace / "terraform.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def run_job(
    jobs: dict[str, dict[str, Any]],  # noqa: F811
    name: str,
    workspace: Path,
    *,
    python: bool = False,
    **variables: str,
) -> subprocess.CompletedProcess[str]:
    """The job's scripts in bash with ``set -eo pipefail``, as GitLab's runner runs them.

    The template's variables are given with ``$CI_PROJECT_DIR`` expanded; a Python job's
    ``before_script`` (virtualenv and pip install) is replaced by the test's virtualenv on PATH.
    """
    job = jobs[name]
    env = {
        "PATH": f"{workspace / 'bin'}:{VENV_BIN}:/usr/bin:/bin",
        "HOME": str(workspace),
        "CI_PROJECT_DIR": str(workspace),
        "CI_JOB_URL": "https://gitlab.example.com/team/platform/-/jobs/301",
        "CI_DEFAULT_BRANCH": "main",
        "FAKE_TF_LOG": str(workspace / "terraform.log"),
        "FAKE_TF_SCENARIOS": str(workspace / "scenarios"),
        "JSII_NODE": os.environ.get("JSII_NODE", ""),
    }
    for key, value in load(TEMPLATE)["variables"].items():
        env[key] = str(value).replace("$CI_PROJECT_DIR", str(workspace))
    env.update(job.get("variables", {}))
    env.update(variables)
    lines = job["script"] if python else job.get("before_script", []) + job["script"]
    script = "set -eo pipefail\n" + "\n".join(lines) + "\n"
    return subprocess.run(["bash", "-c", script], cwd=workspace, env=env, capture_output=True, text=True, timeout=120)


def plan(jobs, workspace: Path, environment: str, part: str, **values: Any) -> subprocess.CompletedProcess[str]:  # noqa: F811
    """Run the plan job of one stack with the stand-in terraform replaying ``values``."""
    scenario(workspace, f"{environment}-{part}", **values)
    url = f"https://gitlab.example.com/team/platform/-/jobs/{400 + len(terraform_calls(workspace))}"
    return run_job(jobs, f"platform:plan:{part}", workspace, ENVIRONMENT=environment, CI_JOB_URL=url)


def status(workspace: Path, stack: str) -> str:
    return (workspace / "plans" / f"{stack}.status").read_text().strip()


# --- plan and apply scripts -----------------------------------------------------------------------


def test_plan_job_saves_the_plan_its_json_and_text_and_its_result(jobs, workspace: Path) -> None:  # noqa: F811
    done = plan(
        jobs, workspace, "blue", "infra", exit=2, plan=BLUE_INFRA, text=BLUE_INFRA_TEXT, output="Plan: 2 to add"
    )
    assert done.returncode == 0, done.stderr
    assert status(workspace, "blue-infra") == "changes"
    plans = workspace / "plans"
    assert json.loads((plans / "blue-infra.plan.json").read_text()) == BLUE_INFRA
    assert (plans / "blue-infra.plan.txt").read_text() == BLUE_INFRA_TEXT
    assert (plans / "blue-infra.job").read_text().startswith("https://gitlab.example.com/")
    calls = [(c["stack"], c["args"]) for c in terraform_calls(workspace)]
    out = str(plans / "blue-infra.tfplan")
    assert calls == [
        ("blue-infra", ["init", "-input=false", "-no-color"]),
        (
            "blue-infra",
            ["plan", "-input=false", "-no-color", "-lock-timeout=5m", "-detailed-exitcode", f"-out={out}"],
        ),
        ("blue-infra", ["show", "-json", out]),
        ("blue-infra", ["show", "-no-color", out]),
    ]
    assert (workspace / ".cache" / "terraform-plugins").is_dir()  # TF_PLUGIN_CACHE_DIR exists before init
    quiet = plan(jobs, workspace, "blue", "platform", exit=0, plan=QUIET)
    assert quiet.returncode == 0 and status(workspace, "blue-platform") == "no-changes"


def test_a_new_environments_platform_plan_is_skipped_not_failed(jobs, workspace: Path) -> None:  # noqa: F811
    """Its infra is not applied yet: "Unable to find remote state" used to fail every environment's pipeline."""
    done = plan(jobs, workspace, "green", "platform", exit=1, output=REMOTE_STATE_MISSING)
    assert done.returncode == 0, done.stdout + done.stderr
    assert status(workspace, "green-platform") == "skipped"
    reason = (workspace / "plans" / "green-platform.skipped").read_text()
    assert "green-infra has no state yet (not applied): apply green-infra first" in reason
    assert "skipped: green-infra has no state yet" in done.stdout
    assert not (workspace / "plans" / "green-platform.tfplan").exists()


def test_a_failed_plan_fails_its_job_and_says_so(jobs, workspace: Path) -> None:  # noqa: F811
    done = plan(jobs, workspace, "blue", "platform", exit=1, output="Error: Invalid provider configuration\n")
    assert done.returncode == 1
    assert status(workspace, "blue-platform") == "failed"
    assert "Invalid provider configuration" in (workspace / "plans" / "blue-platform.log").read_text()
    # Only a platform stack's missing infra state is a skip; infra's own errors are failures.
    infra = plan(jobs, workspace, "green", "infra", exit=1, output=REMOTE_STATE_MISSING)
    assert infra.returncode == 1 and status(workspace, "green-infra") == "failed"


def test_apply_applies_the_saved_plan_and_refuses_without_one(jobs, workspace: Path) -> None:  # noqa: F811
    plan(jobs, workspace, "blue", "infra", exit=2, plan=BLUE_INFRA, text=BLUE_INFRA_TEXT)
    done = run_job(jobs, "platform:apply:infra", workspace, ENVIRONMENT="blue")
    assert done.returncode == 0, done.stderr
    saved = str(workspace / "plans" / "blue-infra.tfplan")
    assert terraform_calls(workspace)[-1]["args"] == [
        "apply",
        "-input=false",
        "-no-color",
        "-lock-timeout=5m",
        saved,
    ]
    plan(jobs, workspace, "green", "platform", exit=1, output=REMOTE_STATE_MISSING)
    refused = run_job(jobs, "platform:apply:platform", workspace, ENVIRONMENT="green")
    assert refused.returncode == 1
    assert "error: no saved plan for green-platform (plan: skipped); run a new pipeline on main" in refused.stderr
    assert not any(c["args"][0] == "apply" for c in terraform_calls(workspace) if c["stack"] == "green-platform")


def test_validate_job_validates_every_stack_without_a_backend(jobs, workspace: Path) -> None:  # noqa: F811
    done = run_job(jobs, "platform:validate", workspace)
    assert done.returncode == 0, done.stderr
    calls = terraform_calls(workspace)
    assert {c["stack"] for c in calls if c["args"] == ["validate", "-no-color"]} == {
        "blue-infra",
        "blue-platform",
        "green-infra",
        "green-platform",
    }
    assert all(c["args"][:2] == ["init", "-backend=false"] for c in calls if c["args"][0] == "init")


# --- the note ---------------------------------------------------------------------------------------


def _gitlab_env(api: FakeApi, **extra: str) -> dict[str, str]:  # noqa: F811
    return {
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_API_V4_URL": f"{api.url}/api/v4",
        "CI_PROJECT_ID": "42",
        "CI_MERGE_REQUEST_IID": "7",
        "CI_PROJECT_URL": "https://gitlab.example.com/team/platform",
        "CI_COMMIT_SHA": SHA,
        "CI_PIPELINE_ID": "900",
        "CI_PIPELINE_URL": "https://gitlab.example.com/team/platform/-/pipelines/900",
        "CI_JOB_URL": "https://gitlab.example.com/team/platform/-/jobs/950",
        "PLATFORMCTL_GITLAB_TOKEN": TOKEN,
        **extra,
    }


def _note(api: FakeApi) -> str:  # noqa: F811
    (note,) = api.notes.values()
    return note["body"]


def test_preview_note_with_sha_links_counts_a_failed_and_a_skipped_plan(jobs, workspace: Path, api: FakeApi) -> None:  # noqa: F811
    plan(jobs, workspace, "blue", "infra", exit=2, plan=BLUE_INFRA, text=BLUE_INFRA_TEXT)
    plan(jobs, workspace, "blue", "platform", exit=1, output="Error: Kubernetes cluster unreachable\n")
    plan(jobs, workspace, "green", "infra", exit=0, plan=QUIET, text="No changes.\n")
    plan(jobs, workspace, "green", "platform", exit=1, output=REMOTE_STATE_MISSING)
    done = run_job(jobs, "platform:preview", workspace, python=True, **_gitlab_env(api))
    assert done.returncode == 0, done.stdout + done.stderr
    body = _note(api)
    lines = body.splitlines()
    assert lines[0] == "<!-- platformctl:preview -->"
    assert lines[1] == "<!-- platformctl:pipeline 900 -->"
    assert lines[2] == (
        f"Commit [`{SHA[:12]}`](https://gitlab.example.com/team/platform/-/commit/{SHA}) · "
        "[pipeline 900](https://gitlab.example.com/team/platform/-/pipelines/900) · "
        "[job](https://gitlab.example.com/team/platform/-/jobs/950)"
    )
    assert "❌ **1 of 4 plans failed** (`blue-platform`)" in body
    assert "| `blue-platform` | ❌ **plan failed** | [job](https://gitlab.example.com/team/platform/-/jobs/" in body
    assert "⏭️ `green-platform` **was not planned**: green\\-infra has no state yet \\(not applied\\)" in body
    assert "| `green-infra` | no changes |" in body and "| `green-platform` | ⏭️ skipped |" in body
    assert "`blue-infra/cluster`: a terraform_data value" in body  # construct paths from the synth
    # Terraform's counts, the replacement split out, and the full plan linked from the job's artifacts.
    assert "⚠️ **Plan: 2 to add, 1 to change, 2 to destroy** · 1 replaced, 1 destroyed" in body
    assert "2 to add is 1 new + 1 replacement, 2 to destroy is 1 destroyed + 1 replacement" in body
    text_link = "https://gitlab.example.com/team/platform/-/jobs/950/artifacts/file/plan-text/blue-infra.txt"
    assert f"[blue-infra.txt]({text_link})" in body
    # The full text is an artifact anyone on the merge request may open: the secret is scrubbed.
    full = (workspace / "plan-text" / "blue-infra.txt").read_text()
    assert "Plan: 2 to add, 1 to change, 2 to destroy." in full
    assert SECRET not in full and "(sensitive)" in full
    assert SECRET not in body
    assert json.loads((workspace / "terraform-report.json").read_text()) == {"create": 2, "update": 1, "delete": 2}


def test_a_failed_plan_replaces_an_earlier_success_in_the_note(jobs, workspace: Path, api: FakeApi) -> None:  # noqa: F811
    """A note used to stay "No changes" when the next pipeline's plan failed (the preview did not run)."""
    for environment in ("blue", "green"):
        for part in ("infra", "platform"):
            plan(jobs, workspace, environment, part, exit=0, plan=QUIET, text="No changes.\n")
    first = run_job(jobs, "platform:preview", workspace, python=True, **_gitlab_env(api))
    assert first.returncode == 0, first.stderr
    assert "✅ No changes" in _note(api) and "failed" not in _note(api)
    shutil.rmtree(workspace / "plans")
    for environment in ("blue", "green"):
        for part in ("infra", "platform"):
            plan(jobs, workspace, environment, part, exit=0, plan=QUIET, text="No changes.\n")
    plan(jobs, workspace, "blue", "infra", exit=1, output="Error: Authentication failed\n")
    newer = _gitlab_env(api, CI_PIPELINE_ID="901", CI_COMMIT_SHA="a" * 40)
    second = run_job(jobs, "platform:preview", workspace, python=True, **newer)
    assert second.returncode == 0, second.stderr
    body = _note(api)
    assert "❌ **1 of 4 plans failed** (`blue-infra`)" in body and "`aaaaaaaaaaaa`" in body
    # A slower, older pipeline finishing now does not put its success back.
    shutil.rmtree(workspace / "plans")
    for environment in ("blue", "green"):
        for part in ("infra", "platform"):
            plan(jobs, workspace, environment, part, exit=0, plan=QUIET, text="No changes.\n")
    stale = run_job(jobs, "platform:preview", workspace, python=True, **_gitlab_env(api, CI_PIPELINE_ID="899"))
    assert stale.returncode == 0 and "from a later pipeline (901); left as it is" in stale.stdout
    assert _note(api) == body


def test_a_plan_job_that_never_reported_is_not_a_success(jobs, workspace: Path, api: FakeApi) -> None:  # noqa: F811
    plan(jobs, workspace, "blue", "infra", exit=0, plan=QUIET)
    plan(jobs, workspace, "blue", "platform", exit=0, plan=QUIET)
    plan(jobs, workspace, "green", "infra", exit=0, plan=QUIET)
    done = run_job(jobs, "platform:preview", workspace, python=True, **_gitlab_env(api))
    assert done.returncode == 0, done.stderr
    assert "❔ **No plan result for** `green-platform`" in _note(api)


def test_the_default_branch_writes_the_report_without_posting(jobs, workspace: Path, api: FakeApi) -> None:  # noqa: F811
    """There the platform plans wait for their infra apply: the report, read before those applies, covers infra."""
    plan(jobs, workspace, "blue", "infra", exit=2, plan=BLUE_INFRA, text=BLUE_INFRA_TEXT)
    plan(jobs, workspace, "green", "infra", exit=0, plan=QUIET)
    env = _gitlab_env(api, CI_PIPELINE_SOURCE="push", CI_COMMIT_BRANCH="main", CI_DEFAULT_BRANCH="main")
    del env["CI_MERGE_REQUEST_IID"]
    rule = matching_rule(jobs["platform:preview"]["rules"], env)
    assert rule is not None
    done = run_job(jobs, "platform:preview", workspace, python=True, **env, **rule.get("variables", {}))
    assert done.returncode == 0, done.stderr
    assert api.notes == {} and not api.writes()
    report = (workspace / "preview.md").read_text()
    assert "Plan: 2 to add, 1 to change, 2 to destroy" in report
    assert "-platform`" not in report and "No plan result" not in report


def test_scheduled_drift_check_fails_on_changes_only(jobs, workspace: Path) -> None:  # noqa: F811
    for environment in ("blue", "green"):
        for part in ("infra", "platform"):
            plan(jobs, workspace, environment, part, exit=0, plan=QUIET, text="No changes.\n")
    quiet = run_job(jobs, "platform:drift", workspace, python=True, CI_PIPELINE_SOURCE="schedule")
    assert quiet.returncode == 0, quiet.stderr
    plan(jobs, workspace, "blue", "infra", exit=2, plan=BLUE_INFRA, text=BLUE_INFRA_TEXT)
    drift = run_job(jobs, "platform:drift", workspace, python=True, CI_PIPELINE_SOURCE="schedule")
    assert drift.returncode == 1
    assert "drift check: changes or failures in blue-infra" in drift.stderr
    assert "Plan: 2 to add" in (workspace / "drift.md").read_text()


def test_job_links_that_are_not_addresses_are_left_out(jobs, workspace: Path, api: FakeApi) -> None:  # noqa: F811
    plan(jobs, workspace, "blue", "infra", exit=0, plan=QUIET)
    (workspace / "plans" / "blue-infra.job").write_text("javascript:alert(1)\n")
    done = run_job(jobs, "platform:preview", workspace, python=True, **_gitlab_env(api))
    assert done.returncode == 0, done.stderr
    assert "javascript" not in _note(api)
    assert urllib.parse.quote(TOKEN) not in _note(api)


# --- the first jobs, in a fresh virtualenv -------------------------------------------------------------

PROJECT_FILES = ("pyproject.toml", "README.md", "LICENSE", "cdktf.json", "packaging", "constructs_lib", "platformctl")
PROJECT_FILES += ("environment_loader", "stacks", "environments")


@pytest.mark.slow
def test_first_pipeline_synth_and_diff_from_a_fresh_virtualenv(jobs, tmp_path: Path, api: FakeApi) -> None:  # noqa: F811
    """The synth and diff jobs, their before_script included: a fresh virtualenv and the template's
    `pip install` (from the package index pip is configured with). `pip install .` used to leave out
    the platformctl extra, and both jobs stopped with "No module named 'hcl2'"."""
    project = tmp_path / "project"
    project.mkdir()
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, project / name)
    (project / "bin").mkdir()
    git = ["git", "-c", "user.name=ci", "-c", "user.email=ci@example.com"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=project, check=True)
    subprocess.run([*git, "add", "."], cwd=project, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "base"], cwd=project, check=True)
    base = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project, check=True, capture_output=True, text=True)
    venv = tmp_path / "venv"
    env = {
        "PLATFORM_VENV": str(venv),
        "PIP_CACHE_DIR": str(tmp_path / "pip-cache"),
        "PATH": f"{project / 'bin'}:/usr/local/bin:/usr/bin:/bin:{os.environ.get('PATH', '')}",
        "JSII_NODE": os.environ.get("JSII_NODE") or str(ROOT / ".venv" / "jsii" / "node"),
    }
    synth = run_job(jobs, "platform:synth", project, **env)
    assert synth.returncode == 0, synth.stdout[-3000:] + synth.stderr[-3000:]
    stacks = {p.name for p in (project / "cdktf.out" / "stacks").iterdir()}
    assert stacks == {f"{e}-{part}" for e in ENVIRONMENTS for part in ("infra", "platform")}
    assert (venv / "bin" / "platformctl").exists()
    # A change to review: the diff job compares it with the base commit and posts its note.
    ha = project / "environments" / "ha.hcl"
    ha.write_text(ha.read_text().replace('description = "', 'description = "Changed: ', 1))
    diff = run_job(
        jobs, "platform:diff", project, **env, **_gitlab_env(api), CI_MERGE_REQUEST_DIFF_BASE_SHA=base.stdout.strip()
    )
    assert diff.returncode == 0, diff.stdout[-3000:] + diff.stderr[-3000:]
    (note,) = api.notes.values()
    assert note["body"].startswith("<!-- platformctl:diff -->\n<!-- platformctl:pipeline 900 -->\nCommit [`")


def _checkov() -> str:
    found = os.environ.get("CHECKOV") or shutil.which("checkov")
    if not found or not Path(found).exists():
        pytest.skip("checkov is not installed (scripts/setup puts it in .venv-checkov; set CHECKOV)")
    return found


@pytest.mark.slow
def test_policy_job_runs_the_shipped_pack_and_fails_when_nothing_was_read(
    jobs,  # noqa: F811
    workspace: Path,
    shipped_out: Path,
) -> None:
    """The policy job's script (checkov, the pack from `python -m constructs_lib.policies`, the
    parsing check) on the shipped stacks; then on a stack checkov cannot parse, which checkov
    itself passes (exit 0) and the job must not."""
    (workspace / "bin" / "checkov").symlink_to(_checkov())
    shutil.rmtree(workspace / "cdktf.out")
    shutil.copytree(shipped_out, workspace / "cdktf.out")
    done = run_job(jobs, "platform:policy", workspace, python=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads((workspace / "checkov.json").read_text())
    reports = report if isinstance(report, list) else [report]
    assert sum(r["summary"]["passed"] for r in reports) > 0 and not sum(r["summary"]["failed"] for r in reports)
    # The shipped pack runs: a rule open to anywhere fails the job with the pack's check.
    fixture = ROOT / "tests" / "fixtures" / "policies" / "ingress_from_anywhere" / "fail"
    shutil.copytree(fixture, workspace / "cdktf.out" / "stacks" / "open")
    failing = run_job(jobs, "platform:policy", workspace, python=True)
    assert failing.returncode != 0 and "CKV_OSPLAT_1" in failing.stdout
    # Nothing readable: checkov passes, the job fails.
    shutil.rmtree(workspace / "cdktf.out")
    (workspace / "checkov.json").unlink()
    (workspace / "cdktf.out" / "stacks" / "broken").mkdir(parents=True)
    (workspace / "cdktf.out" / "stacks" / "broken" / "cdk.tf.json").write_text('{"resource": ')
    broken = run_job(jobs, "platform:policy", workspace, python=True)
    assert broken.returncode != 0
    assert "checkov: " in broken.stderr


# --- the whole merge request pipeline, under gitlab-ci-local ------------------------------------------


def _gitlab_ci_local() -> list[str]:
    """gitlab-ci-local (npm, 4.75.1 tested) on the Node.js 24 of the node extra; skip without it or rsync."""
    found = os.environ.get("GITLAB_CI_LOCAL") or shutil.which("gitlab-ci-local")
    local = ROOT / "node_modules" / ".bin" / "gitlab-ci-local"
    if not found and local.exists():
        found = str(local)
    if not found:
        pytest.skip("gitlab-ci-local is not installed: npm install gitlab-ci-local@4.75.1 (or set GITLAB_CI_LOCAL)")
    if shutil.which("rsync") is None:
        pytest.skip("gitlab-ci-local needs rsync (apt-get install rsync)")
    node = os.environ.get("JSII_NODE") or str(ROOT / ".venv" / "jsii" / "node")
    if not Path(node).exists():
        pytest.skip("no Node.js 22+ for gitlab-ci-local: set JSII_NODE (scripts/setup makes .venv/jsii/node)")
    return [node, str(Path(found).resolve())]


@pytest.mark.slow
def test_merge_request_pipeline_under_gitlab_ci_local(tmp_path: Path, api: FakeApi) -> None:  # noqa: F811
    """A fresh project that includes the template (the example file as its .gitlab-ci.yml) runs its
    merge request pipeline under gitlab-ci-local, every job on this machine (--force-shell-executor)
    in a fresh virtualenv made by the template, with the stand-in terraform on PATH: the synth,
    validate, policy, diff and preview jobs pass, one platform plan fails and one is skipped
    (a new environment), and the note says so, with the commit and links."""
    command = _gitlab_ci_local()
    checkov = _checkov()
    project = tmp_path / "project"
    project.mkdir()
    for name in (*PROJECT_FILES, "ci"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, project / name)
    shutil.copy2(project / "ci" / "gitlab" / "example.gitlab-ci.yml", project / ".gitlab-ci.yml")
    git = ["git", "-c", "user.name=ci", "-c", "user.email=ci@example.com"]
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "."],
        ["commit", "-q", "-m", "base"],
        ["remote", "add", "origin", "https://gitlab.example.com/team/platform.git"],
        ["update-ref", "refs/remotes/origin/main", "HEAD"],
        ["symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main"],
    ):
        subprocess.run([*git, *args], cwd=project, check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project, check=True, capture_output=True, text=True)
    bin_dir, scenarios = tmp_path / "bin", tmp_path / "scenarios"
    bin_dir.mkdir()
    scenarios.mkdir()
    (bin_dir / "terraform").write_text(STAND_IN.replace("PYTHON", sys.executable, 1))
    (bin_dir / "terraform").chmod(0o755)
    (bin_dir / "checkov").symlink_to(checkov)
    for environment in ENVIRONMENTS:
        for part in ("infra", "platform"):
            (scenarios / f"{environment}-{part}.json").write_text(json.dumps({"exit": 0, "plan": QUIET}))
    (scenarios / "ha-infra.json").write_text(json.dumps({"exit": 2, "plan": BLUE_INFRA, "text": BLUE_INFRA_TEXT}))
    (scenarios / "ha-platform.json").write_text(json.dumps({"exit": 1, "output": "Error: cluster unreachable\n"}))
    (scenarios / "simple-platform.json").write_text(json.dumps({"exit": 1, "output": REMOTE_STATE_MISSING}))
    variables = {
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_MERGE_REQUEST_IID": "7",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": head.stdout.strip(),
        "CI_API_V4_URL": f"{api.url}/api/v4",
        "CI_PROJECT_ID": "42",
        "CI_PIPELINE_ID": "2000",
        "PLATFORMCTL_GITLAB_TOKEN": TOKEN,
        # gitlab-ci-local names the project directory /builds/<group>/<project> but runs shell jobs
        # where the project is: the caches go to this test's directory instead.
        "PIP_CACHE_DIR": str(tmp_path / "pip-cache"),
        "TF_PLUGIN_CACHE_DIR": str(tmp_path / "terraform-plugins"),
        "JSII_NODE": command[0],
        "FAKE_TF_LOG": str(tmp_path / "terraform.log"),
        "FAKE_TF_SCENARIOS": str(scenarios),
    }
    argv = [*command, "--force-shell-executor", "--concurrency", "1"]
    for key, value in variables.items():
        argv += ["--variable", f"{key}={value}"]
    env = {**os.environ, "PATH": f"{bin_dir}:{VENV_BIN.parent / 'jsii'}:{os.environ['PATH']}"}
    done = subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, timeout=1500)
    results = dict(
        (line.split()[1], line.split()[0])
        for line in done.stdout.splitlines()
        if line.strip().startswith(("PASS ", "FAIL "))
    )
    assert results, done.stdout[-5000:] + done.stderr[-3000:]
    failed = {name for name, result in results.items() if result == "FAIL"}
    assert failed == {"platform:plan:platform:"}, done.stdout[-5000:]
    assert done.stdout.count(" FAIL ") >= 1 and "platform:plan:platform: [ha]" in done.stdout
    for job in ("platform:synth", "platform:validate", "platform:policy", "platform:preview", "platform:diff"):
        assert results.get(job) == "PASS", job
    bodies = {note["body"].splitlines()[0]: note["body"] for note in api.notes.values()}
    preview = bodies["<!-- platformctl:preview -->"]
    assert f"Commit [`{head.stdout.strip()[:12]}`]" in preview and "[job](" in preview
    assert f"❌ **1 of {2 * len(ENVIRONMENTS)} plans failed** (`ha-platform`)" in preview
    assert "⏭️ `simple-platform` **was not planned**" in preview
    assert "⚠️ **Plan: 2 to add, 1 to change, 2 to destroy**" in preview
    assert "<!-- platformctl:diff -->" in bodies


# --- ci_preview on its own ----------------------------------------------------------------------------


def test_preview_when_the_synth_failed_says_nothing_was_planned(tmp_path: Path, capsys) -> None:
    from platformctl import ci_preview

    out = tmp_path / "preview.md"
    code = ci_preview.main(
        ["--plans-dir", str(tmp_path / "plans"), "--synth-dir", str(tmp_path / "cdktf.out"), "--out", str(out)]
    )
    assert code == 0
    report = out.read_text()
    assert "❌ **The synth failed**" in report and "nothing was planned" in report
    assert "No changes" not in report
    drift = ci_preview.main(
        ["--plans-dir", str(tmp_path / "plans"), "--synth-dir", str(tmp_path / "cdktf.out"), "--fail-on-changes"]
    )
    assert drift == 1 and "the synth" in capsys.readouterr().err


def test_preview_with_a_plan_that_cannot_be_read_says_so(workspace: Path, capsys) -> None:
    from platformctl import ci_preview

    plans = workspace / "plans"
    plans.mkdir()
    (plans / "blue-infra.status").write_text("changes\n")
    (plans / "blue-infra.plan.json").write_text('{"format_version": "9.0"}')
    out = workspace / "preview.md"
    code = ci_preview.main(["--plans-dir", str(plans), "--synth-dir", str(workspace / "cdktf.out"), "--out", str(out)])
    assert code == 0
    report = out.read_text()
    assert "❌ **The plans could not be read**" in report and "format\\_version 9\\.0 is not supported" in report
    assert "❔ **No plan result for** `blue-platform`, `green-infra`, `green-platform`" in report
