"""The GitLab CI template: what can be checked without GitLab.

It parses; every ``platformctl`` command line in it is one the command line accepts; apply is
manual, default-branch only and serialized per stack; plan artifacts are not downloadable;
previews and diffs run only in merge request pipelines.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from platformctl.cli import build_parser

CI = Path(__file__).resolve().parent.parent / "ci" / "gitlab"
TEMPLATE = CI / "platform.gitlab-ci.yml"
EXAMPLE = CI / "example.gitlab-ci.yml"

#: Sample values for the variables the scripts use.
SAMPLES = {
    "PLANS": "ha-infra=plans/ha-infra.plan.json ha-platform=plans/ha-platform.plan.json",
    "CI_MERGE_REQUEST_DIFF_BASE_SHA": "0123456789abcdef0123456789abcdef01234567",
    "CI_PROJECT_DIR": "/builds/team/platform",
    "STACK": "ha-infra",
}
MR_ONLY = '$CI_PIPELINE_SOURCE == "merge_request_event"'
DEFAULT_BRANCH = "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"


def load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def jobs() -> dict[str, dict[str, Any]]:
    """Jobs of the template merged with the example, ``extends`` resolved (as GitLab merges hashes)."""
    merged = {**load(TEMPLATE), **{k: v for k, v in load(EXAMPLE).items() if k != "include"}}
    raw = {k: v for k, v in merged.items() if isinstance(v, dict) and k not in ("variables",)}

    def resolve(name: str) -> dict[str, Any]:
        job = raw[name]
        parents = job.get("extends", [])
        result: dict[str, Any] = {}
        for parent in [parents] if isinstance(parents, str) else parents:
            result = _deep_merge(result, resolve(parent))
        return _deep_merge(result, {k: v for k, v in job.items() if k != "extends"})

    return {name: resolve(name) for name in raw}


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _deep_merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _real(jobs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: job for name, job in jobs.items() if not name.startswith(".") and "script" in job}


def _substitute(line: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        assert name in SAMPLES, f"no sample value for ${name} in: {line}"
        return SAMPLES[name]

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, line)


def platformctl_lines(jobs: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    found = []
    for name, job in _real(jobs).items():
        for entry in job.get("before_script", []) + job["script"]:
            for line in entry.replace("\\\n", " ").splitlines():
                if line.strip().startswith("platformctl "):
                    found.append((name, line.strip()))
    return found


def test_both_files_parse_and_define_the_stages_in_order() -> None:
    template = load(TEMPLATE)
    assert template["stages"] == ["synth", "plan", "preview", "apply"]
    assert "include" in load(EXAMPLE)


def test_every_platformctl_command_line_is_accepted(jobs: dict[str, dict[str, Any]]) -> None:
    lines = platformctl_lines(jobs)
    commands = {shlex.split(line)[1] for _, line in lines}
    assert commands == {"preview", "comment", "diff"}
    parser = build_parser()
    for job, line in lines:
        argv = shlex.split(_substitute(line))[1:]
        try:
            args = parser.parse_args(argv)
        except SystemExit:
            pytest.fail(f"{job}: platformctl rejects: {line}")
        assert callable(args.run)
        if argv[0] == "comment":
            assert args.host == "gitlab"


def test_apply_is_manual_on_the_default_branch_and_serialized_per_stack(jobs: dict[str, dict[str, Any]]) -> None:
    applies = {name: job for name, job in _real(jobs).items() if job["stage"] == "apply"}
    assert set(applies) == {"platform:apply:infra", "platform:apply:platform"}
    for name, job in applies.items():
        (rule,) = job["rules"]
        assert DEFAULT_BRANCH in rule["if"] and rule["when"] == "manual", name
        assert "$STACK" in job["resource_group"], name
        assert any(
            '"$CI_PROJECT_DIR/plans/$STACK.tfplan"' in line and "terraform apply" in line for line in job["script"]
        )
        assert "platform:plan" in job["needs"]
    # Infra before platform.
    assert "platform:apply:infra" in applies["platform:apply:platform"]["needs"]
    infra = applies["platform:apply:infra"]["parallel"]["matrix"][0]["STACK"]
    platform = applies["platform:apply:platform"]["parallel"]["matrix"][0]["STACK"]
    assert all(s.endswith("-infra") for s in infra) and all(s.endswith("-platform") for s in platform)


def test_plan_artifacts_are_not_downloadable_and_expire_soon(jobs: dict[str, dict[str, Any]]) -> None:
    plan = jobs["platform:plan"]
    assert plan["artifacts"]["access"] == "none"
    assert "public" not in plan["artifacts"]
    assert plan["artifacts"]["expire_in"] in ("1 hour", "6 hours", "12 hours", "1 day")
    assert "plans/" in plan["artifacts"]["paths"]
    script = "\n".join(plan["script"])
    assert "terraform init -input=false" in script
    assert re.search(r"terraform plan -input=false .*-out=", script)
    assert re.search(r"terraform show -json .* > .*\.plan\.json", script)
    # No other job keeps plans where a user could fetch them.
    for name, job in _real(jobs).items():
        if name != "platform:plan":
            artifacts = job.get("artifacts", {})
            assert not any("plans" in p or p.endswith(".tfplan") for p in artifacts.get("paths", [])), name
            assert artifacts.get("access", "developer") != "all", name


def test_preview_and_diff_run_only_for_merge_requests(jobs: dict[str, dict[str, Any]]) -> None:
    for name in ("platform:preview", "platform:diff"):
        rules = jobs[name]["rules"]
        assert [rule["if"] for rule in rules] == [MR_ONLY], name
    preview = "\n".join(jobs["platform:preview"]["script"])
    assert "platformctl comment --gitlab --file preview.md" in preview
    assert jobs["platform:preview"]["artifacts"]["reports"]["terraform"]


def test_plan_runs_per_stack_in_parallel(jobs: dict[str, dict[str, Any]]) -> None:
    stacks = jobs["platform:plan"]["parallel"]["matrix"][0]["STACK"]
    assert stacks == ["ha-infra", "ha-platform", "simple-infra", "simple-platform"]
    assert jobs["platform:plan"]["needs"] == ["platform:synth"]
    assert "cdktf.out/" in jobs["platform:synth"]["artifacts"]["paths"]


def test_no_credentials_in_the_files() -> None:
    for path in (TEMPLATE, EXAMPLE):
        variables = load(path).get("variables", {})
        for name in variables:
            assert not re.search(r"TOKEN|SECRET|PASSWORD|KEY", name), (
                f"{path.name}: {name} belongs in masked CI/CD variables"
            )
