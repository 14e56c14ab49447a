"""The GitLab CI template: what can be checked without GitLab.

Both files and the included-and-merged result validate against GitLab's CI JSON schema (the
copy check-jsonschema ships as ``vendor.gitlab-ci``); every ``platformctl`` command line in it
is one the command line accepts; the first job installs the extra the commands need; each
environment's jobs need only that environment's jobs (the matrix is expanded here as GitLab
expands it, matrix expressions included); apply is manual, default-branch only, serialized per
stack and never interrupted; plans are not downloadable and kept as long as the apply may use
them; the pipeline's rules give merge request, default branch and scheduled pipelines and no
duplicate branch pipelines. The job scripts themselves run in tests/test_ci_pipeline_local.py.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from platformctl import ci_preview
from platformctl.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
CI = ROOT / "ci" / "gitlab"
TEMPLATE = CI / "platform.gitlab-ci.yml"
EXAMPLE = CI / "example.gitlab-ci.yml"
DOCKERFILE = ROOT / "ci" / "image" / "Dockerfile"
ENVIRONMENTS = sorted(p.stem for p in (ROOT / "environments").glob("*.hcl"))

#: Sample values for the variables the scripts use.
SAMPLES = {
    "CI_MERGE_REQUEST_DIFF_BASE_SHA": "0123456789abcdef0123456789abcdef01234567",
    "CI_PROJECT_DIR": "/builds/team/platform",
    "CI_JOB_URL": "https://gitlab.example.com/team/platform/-/jobs/12",
    "ENVIRONMENT": "ha",
    "PART": "infra",
}
MR = {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_DEFAULT_BRANCH": "main", "CI_MERGE_REQUEST_IID": "7"}
DEFAULT_PUSH = {"CI_PIPELINE_SOURCE": "push", "CI_DEFAULT_BRANCH": "main", "CI_COMMIT_BRANCH": "main"}
SCHEDULE = {"CI_PIPELINE_SOURCE": "schedule", "CI_DEFAULT_BRANCH": "main", "CI_COMMIT_BRANCH": "main"}
BRANCH_WITH_MR = {
    "CI_PIPELINE_SOURCE": "push",
    "CI_DEFAULT_BRANCH": "main",
    "CI_COMMIT_BRANCH": "feature",
    "CI_OPEN_MERGE_REQUESTS": "team/platform!7",
}
BRANCH = {"CI_PIPELINE_SOURCE": "push", "CI_DEFAULT_BRANCH": "main", "CI_COMMIT_BRANCH": "feature"}


def load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict)
    return document


def merged() -> dict[str, Any]:
    """The example with its ``include: local`` merged in, as GitLab merges it (the including file wins)."""
    example = load(EXAMPLE)
    (include,) = example["include"]
    assert (ROOT / include["local"]) == TEMPLATE
    result = load(TEMPLATE)
    for key, value in example.items():
        if key == "include":
            continue
        result[key] = _deep_merge(result[key], value) if isinstance(result.get(key), dict) else value
    return result


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _deep_merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


@pytest.fixture(scope="module")
def jobs() -> dict[str, dict[str, Any]]:
    """Jobs of the merged configuration, ``extends`` resolved (as GitLab merges hashes)."""
    document = merged()
    raw = {k: v for k, v in document.items() if isinstance(v, dict) and k not in ("variables", "workflow", "default")}

    def resolve(name: str) -> dict[str, Any]:
        job = raw[name]
        parents = job.get("extends", [])
        result: dict[str, Any] = {}
        for parent in [parents] if isinstance(parents, str) else parents:
            assert parent in raw, f"{name} extends {parent}, which is not defined"
            result = _deep_merge(result, resolve(parent))
        return _deep_merge(result, {k: v for k, v in job.items() if k != "extends"})

    return {name: resolve(name) for name in raw}


def _real(jobs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: job for name, job in jobs.items() if not name.startswith(".") and "script" in job}


# --- GitLab's expressions, enough for the rules written here ---------------------------------


def evaluate(expression: str, variables: dict[str, str]) -> bool:
    """A CI ``if:`` expression of ``$VAR``, ``"text"``, ``==``, ``!=``, ``&&``, ``||`` and parentheses."""
    tokens = re.findall(r'\$\w+|"[^"]*"|==|!=|&&|\|\||\(|\)', expression)
    assert "".join(tokens) == re.sub(r"\s+", "", expression), f"unsupported expression: {expression}"
    python = []
    for token in tokens:
        if token.startswith("$"):
            python.append(repr(variables.get(token[1:]) or None))
        elif token.startswith('"'):
            python.append(repr(token[1:-1]))
        else:
            python.append({"&&": " and ", "||": " or "}.get(token, f" {token} "))
    return bool(eval("".join(python)))  # noqa: S307 - built from the tokens above only


def matching_rule(rules: list[dict[str, Any]], variables: dict[str, str]) -> dict[str, Any] | None:
    for rule in rules:
        if "if" not in rule or evaluate(rule["if"], variables):
            return rule
    return None


def rule_outcome(rules: list[dict[str, Any]], variables: dict[str, str]) -> str | None:
    """The ``when`` of the first matching rule (``on_success`` by default), or None: not added."""
    rule = matching_rule(rules, variables)
    when = rule.get("when", "on_success") if rule is not None else "never"
    return None if when == "never" else when


def needs_of(job: dict[str, Any], variables: dict[str, str]) -> list[Any]:
    """The job's ``needs``, or its matching rule's ``rules:needs``, which replaces them."""
    rule = matching_rule(job.get("rules", []), variables) or {}
    return rule.get("needs", job.get("needs", []))


def pipeline(jobs: dict[str, dict[str, Any]], variables: dict[str, str]) -> dict[str, str]:
    """The jobs a pipeline with ``variables`` gets, with their ``when``; empty if the workflow refuses it."""
    if rule_outcome(merged()["workflow"]["rules"], variables) is None:
        return {}
    found = {}
    for name, job in _real(jobs).items():
        when = rule_outcome(job["rules"], variables) if "rules" in job else "on_success"
        if when is not None:
            found[name] = when
    return found


# --- the matrix, expanded -----------------------------------------------------------------------


def _matrix_rows(job: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    for entry in job.get("parallel", {}).get("matrix", []):
        keys = list(entry)
        combos: list[dict[str, str]] = [{}]
        for key in keys:
            values = entry[key] if isinstance(entry[key], list) else [entry[key]]
            combos = [{**c, key: str(v)} for c in combos for v in values]
        rows += combos
    return rows


def _instance(name: str, row: dict[str, str]) -> str:
    return f"{name}: [{', '.join(row.values())}]" if row else name


def expand(
    jobs: dict[str, dict[str, Any]], present: set[str], variables: dict[str, str]
) -> dict[str, tuple[dict[str, str], set[str]]]:
    """Every job instance of a pipeline: its matrix values and the instances it needs."""
    instances: dict[str, tuple[str, dict[str, str]]] = {}
    for name in present:
        for row in _matrix_rows(jobs[name]) or [{}]:
            instances[_instance(name, row)] = (name, row)
    graph = {}
    for instance, (name, row) in instances.items():
        needed: set[str] = set()
        for need in needs_of(jobs[name], variables):
            target = need if isinstance(need, str) else need["job"]
            if target not in present:
                assert not isinstance(need, str) and need.get("optional"), f"{name} needs {target}, not in the pipeline"
                continue
            wanted = need.get("parallel", {}).get("matrix") if isinstance(need, dict) else None
            if wanted is None:
                needed |= {i for i, (n, _) in instances.items() if n == target}
                continue
            for entry in wanted:
                values = {}
                for key, value in entry.items():
                    (value,) = value if isinstance(value, list) else [value]
                    match = re.fullmatch(r"\$\[\[\s*matrix\.(\w+)\s*\]\]", str(value))
                    values[key] = row[match.group(1)] if match else str(value)
                targets = {i for i, (n, r) in instances.items() if n == target and r == values}
                assert targets, f"{instance} needs {target} {values}: no such job"
                needed |= targets
        graph[instance] = (row, needed)
    return graph


def _ancestors(graph: dict[str, tuple[dict[str, str], set[str]]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for parent in graph[todo.pop()][1]:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


# --- tests ----------------------------------------------------------------------------------------


def _check_jsonschema(*paths: Path) -> subprocess.CompletedProcess[str]:
    pytest.importorskip(
        "check_jsonschema", reason="the test extra's check-jsonschema validates against GitLab's schema"
    )
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.gitlab-ci", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_files_and_the_merged_result_validate_against_gitlabs_schema(tmp_path: Path) -> None:
    merged_file = tmp_path / "merged.gitlab-ci.yml"
    merged_file.write_text(yaml.safe_dump(merged(), sort_keys=False))
    done = _check_jsonschema(TEMPLATE, EXAMPLE, merged_file)
    assert done.returncode == 0, done.stdout + done.stderr
    # The check is real: a job with a key GitLab does not know is refused.
    broken = tmp_path / "broken.gitlab-ci.yml"
    broken.write_text(yaml.safe_dump({**merged(), "platform:synth": {"script": ["true"], "interruptable": True}}))
    assert _check_jsonschema(broken).returncode != 0


def test_the_stages_are_in_order_and_needs_point_to_the_same_or_earlier_stages(
    jobs: dict[str, dict[str, Any]],
) -> None:
    """GitLab refuses a pipeline whose job needs a job of a later stage (gitlab-ci-local said so of
    the platform plan, which needs its infra apply)."""
    stages = load(TEMPLATE)["stages"]
    assert stages == ["synth", "check", "infra", "platform", "report"]
    for name, job in _real(jobs).items():
        assert job["stage"] in stages, name
        needs = list(job.get("needs", []))
        for rule in job.get("rules", []):
            needs += rule.get("needs", [])
        for need in needs:
            target = need if isinstance(need, str) else need["job"]
            assert stages.index(jobs[target]["stage"]) <= stages.index(job["stage"]), f"{name} needs {target}"


def test_the_example_names_every_shipped_environment_once(jobs: dict[str, dict[str, Any]]) -> None:
    rows = _matrix_rows(jobs[".platform:environments"])
    assert [row["ENVIRONMENT"] for row in rows] == ENVIRONMENTS


def test_the_first_job_installs_the_extra_platformctl_needs() -> None:
    """`pip install .` alone leaves out python-hcl2: synth and diff stopped with "No module named 'hcl2'"."""
    install = load(TEMPLATE)["variables"]["PLATFORM_PIP_INSTALL"]
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    match = re.fullmatch(r"\.\[([\w,-]+)\]", install)
    assert match, install
    named = set(match.group(1).split(","))
    assert "platformctl" in named and named <= set(extras)
    assert any(r.startswith("python-hcl2") for r in _requirements(extras, named))


def _requirements(extras: dict[str, list[str]], named: set[str]) -> list[str]:
    """The requirements of the extras ``named``, the project's own extras they name included."""
    found: list[str] = []
    todo, seen = list(named), set()
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for requirement in extras[extra]:
            own = re.fullmatch(r"openstack-platform-constructs\[([\w,-]+)\]", requirement)
            if own:
                todo += own.group(1).split(",")
            else:
                found.append(requirement)
    return found


def test_the_synth_command_is_run_by_a_shell_not_word_split(jobs: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    (line,) = jobs["platform:synth"]["script"]
    command = 'OUT="two words" && printf "%s\\n" "$OUT" > synth-result'
    subprocess.run(
        ["bash", "-ec", line],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PLATFORM_SYNTH_COMMAND": command},
        check=True,
    )
    assert (tmp_path / "synth-result").read_text() == "two words\n"


def test_every_platformctl_command_line_is_accepted(jobs: dict[str, dict[str, Any]]) -> None:
    found = []
    for name, job in _real(jobs).items():
        for entry in job.get("before_script", []) + job["script"]:
            for line in entry.replace("\\\n", " ").splitlines():
                line = line.strip().removeprefix('if [ -n "${CI_MERGE_REQUEST_IID:-}" ]; then ').removesuffix("; fi")
                if line.startswith(("platformctl ", "python -m platformctl.")):
                    found.append((name, line))
    commands = {shlex.split(line)[1] if line.startswith("platformctl") else shlex.split(line)[2] for _, line in found}
    assert commands == {"comment", "diff", "platformctl.ci_preview"}
    parser = build_parser()
    for job, line in found:
        argv = shlex.split(re.sub(r"\$(\w+)", lambda m: SAMPLES.get(m.group(1), m.group(0)), line))
        if argv[0] == "python":
            try:
                ci_preview.build_parser().parse_args(argv[3:])
            except SystemExit:
                pytest.fail(f"{job}: ci_preview rejects: {line}")
            continue
        try:
            args = parser.parse_args(argv[1:])
        except SystemExit:
            pytest.fail(f"{job}: platformctl rejects: {line}")
        assert callable(args.run)
        if argv[1] == "comment":
            assert args.host == "gitlab"


def test_pipelines_run_for_merge_requests_the_default_branch_and_schedules_only(
    jobs: dict[str, dict[str, Any]],
) -> None:
    """A branch with an open merge request gets no second (branch) pipeline."""
    assert pipeline(jobs, BRANCH_WITH_MR) == {}
    assert pipeline(jobs, BRANCH) == {}
    mr, push, schedule = pipeline(jobs, MR), pipeline(jobs, DEFAULT_PUSH), pipeline(jobs, SCHEDULE)
    common = {"platform:synth", "platform:validate", "platform:policy", "platform:plan:infra", "platform:plan:platform"}
    assert common <= set(mr) and common <= set(push) and common <= set(schedule)
    assert set(mr) - common == {"platform:preview", "platform:diff"}
    assert set(push) - common == {"platform:preview", "platform:apply:infra", "platform:apply:platform"}
    assert set(schedule) - common == {"platform:drift"}
    # The preview and the drift check run when plans failed too: the note never stays stale.
    assert mr["platform:preview"] == "always" and schedule["platform:drift"] == "always"
    assert push["platform:apply:infra"] == push["platform:apply:platform"] == "manual"


def test_the_note_is_posted_only_in_merge_request_pipelines(jobs: dict[str, dict[str, Any]]) -> None:
    preview = jobs["platform:preview"]["script"]
    posting = [line for line in preview if "platformctl comment" in line]
    assert posting == [
        'if [ -n "${CI_MERGE_REQUEST_IID:-}" ]; then platformctl comment --gitlab --file preview.md --marker preview; fi'
    ]
    assert jobs["platform:preview"]["artifacts"]["when"] == "always"
    assert jobs["platform:preview"]["artifacts"]["reports"]["terraform"] == "terraform-report.json"
    assert "plan-text/" in jobs["platform:preview"]["artifacts"]["paths"]


@pytest.mark.parametrize("variables", [MR, DEFAULT_PUSH, SCHEDULE], ids=["merge-request", "default-branch", "schedule"])
def test_each_environment_needs_only_its_own_jobs(jobs: dict[str, dict[str, Any]], variables: dict[str, str]) -> None:
    """Applying ha-platform waited for simple-infra; a failed or new environment held every other back."""
    graph = expand(jobs, set(pipeline(jobs, variables)), variables)
    per_environment = {i: row["ENVIRONMENT"] for i, (row, _) in graph.items() if "ENVIRONMENT" in row}
    assert set(per_environment.values()) == set(ENVIRONMENTS)
    for instance, environment in per_environment.items():
        for ancestor in _ancestors(graph, instance):
            assert per_environment.get(ancestor, environment) == environment, f"{instance} waits for {ancestor}"
    if variables is DEFAULT_PUSH:
        for environment in ENVIRONMENTS:
            # Infra first: the platform plan reads infra's state, so it waits for infra's apply.
            platform_plan = _ancestors(graph, f"platform:plan:platform: [{environment}]")
            assert f"platform:apply:infra: [{environment}]" in platform_plan
            apply = _ancestors(graph, f"platform:apply:platform: [{environment}]")
            assert {f"platform:plan:platform: [{environment}]", f"platform:apply:infra: [{environment}]"} <= apply
        # The default branch's report is there before the manual infra applies are run.
        assert not any("apply" in job for job in _ancestors(graph, "platform:preview"))


def test_apply_is_manual_on_the_default_branch_serialized_per_stack_and_never_interrupted(
    jobs: dict[str, dict[str, Any]],
) -> None:
    applies = {name: job for name, job in _real(jobs).items() if name.startswith("platform:apply:")}
    assert set(applies) == {"platform:apply:infra", "platform:apply:platform"}
    for name, job in applies.items():
        assert rule_outcome(job["rules"], DEFAULT_PUSH) == "manual", name
        assert rule_outcome(job["rules"], MR) is None and rule_outcome(job["rules"], SCHEDULE) is None
        assert job["resource_group"] == "platform-$ENVIRONMENT-$PART"
        assert job["interruptible"] is False
        assert 'terraform apply -input=false -no-color -lock-timeout=5m "$plan"' in job["script"][0]
    for name, job in _real(jobs).items():
        if name not in applies:
            assert job["interruptible"] is True, name


def test_plans_are_not_downloadable_and_kept_while_the_apply_may_use_them(jobs: dict[str, dict[str, Any]]) -> None:
    readme = (ROOT / "README.md").read_text()
    for name in ("platform:plan:infra", "platform:plan:platform"):
        artifacts = jobs[name]["artifacts"]
        assert artifacts["access"] == "none" and artifacts["when"] == "always"
        assert "plans/" in artifacts["paths"]
        # The apply needs the synth's output and the plan: both live as long.
        assert artifacts["expire_in"] == jobs["platform:synth"]["artifacts"]["expire_in"]
        assert f"expire_in: {artifacts['expire_in']}" in readme
    # No other job keeps plans where a user could fetch them.
    for name, job in _real(jobs).items():
        if not name.startswith("platform:plan:"):
            artifacts = job.get("artifacts", {})
            assert not any(p.startswith("plans") or p.endswith(".tfplan") for p in artifacts.get("paths", [])), name
            assert artifacts.get("access", "developer") != "all", name


def test_terraform_runs_with_the_plugin_cache_no_checkpoint_and_no_colour(jobs: dict[str, dict[str, Any]]) -> None:
    variables = load(TEMPLATE)["variables"]
    assert variables["CHECKPOINT_DISABLE"] == "1"
    assert variables["NO_COLOR"] == "1" and variables["FORCE_COLOR"] == "0"
    assert variables["TF_IN_AUTOMATION"] == "true"
    cache = variables["TF_PLUGIN_CACHE_DIR"]
    assert cache.startswith("$CI_PROJECT_DIR/")
    relative = cache.removeprefix("$CI_PROJECT_DIR/")
    for name, job in _real(jobs).items():
        script = "\n".join(job["script"])
        commands = re.findall(r"terraform (init|plan|apply|validate|show(?! -json))\b[^\n]*", script)
        for line in re.findall(r"terraform (?:init|plan|apply|validate|show)[^\n]*", script):
            if "show -json" not in line:
                assert "-no-color" in line, f"{name}: {line}"
        if commands:
            assert any(relative in c["paths"] for c in job["cache"]), name
            assert '"$TF_PLUGIN_CACHE_DIR"' in " ".join(job["before_script"]), name


def test_validate_and_policy_jobs(jobs: dict[str, dict[str, Any]]) -> None:
    validate = "\n".join(jobs["platform:validate"]["script"])
    assert "terraform init -backend=false" in validate and "terraform validate -no-color" in validate
    policy = "\n".join(jobs["platform:policy"]["script"])
    assert '--external-checks-dir "$checks"' in policy and "checks=$(python -m constructs_lib.policies)" in policy
    assert "--compact" in policy and "--framework terraform_json" in policy
    assert "parsing_errors" in policy and 's.get("passed", 0)' in policy
    for name in ("platform:validate", "platform:policy"):
        assert jobs[name]["needs"] == ["platform:synth"]


def test_the_default_image_is_the_recipe_and_documented() -> None:
    image = load(TEMPLATE)["variables"]["PLATFORM_CI_IMAGE"]
    assert image == "$CI_REGISTRY_IMAGE/platform-ci:py3.11-node24-tf1.11"
    readme = (ROOT / "README.md").read_text()
    assert "platform-ci:py3.11-node24-tf1.11" in readme and "ci/image/Dockerfile" in readme
    assert DOCKERFILE.is_file()


def test_no_credentials_in_the_files() -> None:
    for path in (TEMPLATE, EXAMPLE):
        variables = load(path).get("variables", {}) or {}
        for name in variables:
            assert not re.search(r"TOKEN|SECRET|PASSWORD|KEY", name), (
                f"{path.name}: {name} belongs in masked CI/CD variables"
            )


def test_readme_documents_every_variable_of_the_template() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in load(TEMPLATE)["variables"]:
        if name.startswith("PLATFORM_"):
            assert f"`{name}`" in readme, name
    assert "include:" in readme and "project:" in readme and ".platform:environments" in readme


def test_schema_copy_is_gitlabs(tmp_path: Path) -> None:
    """The vendored schema knows the keywords the template relies on (artifacts:access, needs:optional)."""
    pytest.importorskip("check_jsonschema")
    import check_jsonschema.builtin_schemas as schemas

    schema_dir = Path(schemas.__file__).parent / "vendor"
    document = json.loads((schema_dir / "gitlab-ci.json").read_text())
    assert "none" in document["definitions"]["artifacts"]["properties"]["access"]["enum"]
