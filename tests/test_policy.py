"""Security policy: checkov with the project's pack (``constructs_lib/policies``) over every
shipped stack, and each check of the pack against its own passing and failing fixtures.

Checkov can parse nothing and still exit 0 (checkov#7454), so the gate proves what it saw:
no parsing errors, every resource of every stack read, and every check reported on every
block it targets. Expectations come from the synthesized JSON, not from a list of today's
resources.

Fixtures (``tests/fixtures/policies/<check>/{pass,fail}/<case>/cdk.tf.json``) are scanned in
one checkov run. In a ``fail`` case only the check named by the directory fails, and every
block named ``bad_*`` fails it; in a ``pass`` case nothing fails and the check passes every
block named ``good_*``.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "constructs_lib" / "policies"
FIXTURES = ROOT / "tests" / "fixtures" / "policies"

# What each check of the pack reads: a block kind and the types of that kind (None: all).
TARGETS: dict[str, tuple[str, frozenset[str] | None]] = {
    "ingress_from_anywhere": ("resource", frozenset({"openstack_networking_secgroup_rule_v2"})),
    "floating_ip_outside_bastion": (
        "resource",
        frozenset(
            {
                "openstack_networking_floatingip_associate_v2",
                "openstack_networking_floatingip_v2",
                "openstack_compute_floatingip_associate_v2",
            }
        ),
    ),
    "cluster_floating_ips": (
        "resource",
        frozenset({"openstack_containerinfra_clustertemplate_v1", "openstack_containerinfra_cluster_v1"}),
    ),
    "user_data_secrets": ("resource", frozenset({"openstack_compute_instance_v2", "selectel_mks_nodegroup_v1"})),
    "literal_secrets": ("resource", None),
    "sensitive_outputs": ("output", None),
    "helm_chart_version": ("resource", frozenset({"helm_release"})),
    "helm_values_expressions": ("resource", frozenset({"helm_release"})),
    "helm_set_sensitive": ("resource", frozenset({"helm_release"})),
    "provider_from_managed_resource": ("provider", frozenset({"helm", "kubernetes"})),
}
# checkov's own OpenStack checks and what each must have read.
BUILT_IN_TARGETS: dict[str, tuple[str, frozenset[str]]] = {
    "CKV_OPENSTACK_1": ("provider", frozenset({"openstack"})),
    "CKV_OPENSTACK_4": ("resource", frozenset({"openstack_compute_instance_v2"})),
}
CASES = sorted(FIXTURES.glob("*/*/*/cdk.tf.json"))

Block = tuple[str, str, str]  # kind, type, name


def _checkov() -> str:
    for candidate in (
        os.environ.get("CHECKOV"),
        str(ROOT / ".venv-checkov" / "bin" / "checkov"),
        shutil.which("checkov"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail("checkov not found: run scripts/setup (it installs checkov into .venv-checkov) or set CHECKOV")


def _checks_dir() -> str:
    """The directory as users get it: ``python -m constructs_lib.policies``."""
    result = subprocess.run(
        [sys.executable, "-m", "constructs_lib.policies"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=60,
    )
    return result.stdout.strip()


def _scan(*directories: Path) -> dict[str, Any]:
    """One checkov run over ``directories`` (its start-up is most of a small scan's time).

    With ``-d`` given more than once checkov writes one report after each directory, each
    holding what was scanned so far: the records are the union of all, each once.
    """
    argv = [_checkov()]
    for directory in directories:
        argv += ["-d", str(directory)]
    argv += ["--framework", "terraform_json", "--skip-download", "--external-checks-dir", _checks_dir()]
    result = subprocess.run([*argv, "-o", "json", "--compact"], capture_output=True, text=True, timeout=600)
    assert result.returncode in (0, 1) and result.stdout.lstrip().startswith("{"), (
        f"checkov did not produce a report: {result.stderr[-2000:]}"
    )
    reports = _documents(result.stdout)
    assert reports and all(r.get("check_type") == "terraform_json" for r in reports), result.stdout[:500]
    # A check file that cannot be imported, or a check that raises, is only logged by checkov.
    assert "[ERROR]" not in result.stderr, result.stderr[-2000:]
    records: dict[tuple[Any, ...], dict[str, Any]] = {}
    errors: list[str] = []
    for report in reports:
        for record in _records(report):
            records.setdefault(_identity(record), record)
        errors += [e for e in report["results"].get("parsing_errors", []) if e not in errors]
    return _report(list(records.values()), errors)


def _documents(text: str) -> list[dict[str, Any]]:
    """The JSON documents written one after another in ``text``."""
    decoder, documents, at = json.JSONDecoder(), [], 0
    while text[at:].strip():
        at += len(text[at:]) - len(text[at:].lstrip())
        document, at = decoder.raw_decode(text, at)
        documents.append(document)
    return documents


def _identity(record: dict[str, Any]) -> tuple[Any, ...]:
    return (
        record["check_id"],
        record["check_class"],
        record["resource"],
        record["file_abs_path"],
        tuple(record["file_line_range"]),
        record["check_result"]["result"],
    )


def _report(records: list[dict[str, Any]], errors: list[str]) -> dict[str, Any]:
    """A report as checkov writes it, of these records and parsing errors."""
    passed = [r for r in records if r["check_result"]["result"] == "PASSED"]
    failed = [r for r in records if r["check_result"]["result"] == "FAILED"]
    return {
        "check_type": "terraform_json",
        "results": {"passed_checks": passed, "failed_checks": failed, "parsing_errors": errors},
        "summary": {"passed": len(passed), "failed": len(failed), "parsing_errors": len(errors)},
    }


def _part(report: dict[str, Any], root: Path) -> dict[str, Any]:
    """What ``report`` says of the files below ``root``."""
    root = root.resolve()
    records = [r for r in _records(report) if Path(r["file_abs_path"]).resolve().is_relative_to(root)]
    errors = [e for e in report["results"]["parsing_errors"] if Path(e).resolve().is_relative_to(root)]
    return _report(records, errors)


def _records(report: dict[str, Any]) -> list[dict[str, Any]]:
    results = report["results"]
    return results.get("passed_checks", []) + results.get("failed_checks", [])


def _check_of(record: dict[str, Any]) -> str:
    """The pack's check file for our checks (checkov loads each file as a module of that
    name), else checkov's id."""
    module = record["check_class"]
    return module if module in TARGETS else record["check_id"]


def _name_of(record: dict[str, Any]) -> str:
    """The block name: checkov writes ``resource.<name>`` for Python checks, ``<type>.<name>``
    for graph checks, ``output.<name>`` and ``provider.<name>``."""
    return record["resource"].split(".", 1)[1]


def _blocks(doc: dict[str, Any]) -> set[Block]:
    blocks = {
        ("resource", type_, name) for type_, items in doc.get("resource", {}).items() for name in items if name != "//"
    }
    blocks |= {("output", "output", name) for name in doc.get("output", {})}
    blocks |= {("provider", name, name) for name in doc.get("provider", {})}
    return blocks


def _targeted(blocks: set[Block], kind: str, types: frozenset[str] | None) -> set[str]:
    return {name for block_kind, type_, name in blocks if block_kind == kind and (types is None or type_ in types)}


def _by_file(report: dict[str, Any]) -> dict[Path, list[dict[str, Any]]]:
    files: dict[Path, list[dict[str, Any]]] = defaultdict(list)
    for record in _records(report):
        files[Path(record["file_abs_path"]).resolve()].append(record)
    return files


@pytest.fixture(scope="module")
def both_reports(shipped_out: Path) -> dict[str, Any]:
    """The shipped stacks and the fixtures in one checkov run."""
    return _scan(shipped_out / "stacks", FIXTURES)


@pytest.fixture(scope="module")
def shipped_report(both_reports: dict[str, Any], shipped_out: Path) -> dict[str, Any]:
    return _part(both_reports, shipped_out / "stacks")


@pytest.fixture(scope="module")
def fixtures_report(both_reports: dict[str, Any]) -> dict[str, Any]:
    return _part(both_reports, FIXTURES)


def test_every_check_has_passing_and_failing_fixtures() -> None:
    checks = {path.stem for path in POLICIES.glob("*.py") if not path.name.startswith("_")}
    assert checks == set(TARGETS)
    assert {path.name for path in FIXTURES.iterdir() if path.is_dir()} == checks
    for check in checks:
        for outcome in ("pass", "fail"):
            assert list((FIXTURES / check / outcome).glob("*/cdk.tf.json")), f"no {outcome} fixture for {check}"


def test_checks_dir_is_printed_without_loading_cdktf() -> None:
    assert Path(_checks_dir()) == POLICIES
    probe = (
        "import sys, constructs_lib.policies; print(sorted(m for m in sys.modules if m.startswith(('cdktf', 'jsii'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT, timeout=60
    )
    assert result.stdout.strip() == "[]"


def test_check_files_use_only_checkov_and_the_standard_library() -> None:
    # Checkov loads the files in its own virtualenv, where this library is not installed.
    allowed = set(sys.stdlib_module_names) | {"checkov", "_policy_support"}
    for path in POLICIES.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                assert module.split(".")[0] in allowed, f"{path.name} imports {module}"


def test_checkov_parsed_every_stack_without_errors(shipped_report, shipped_out: Path) -> None:
    assert shipped_report["summary"]["parsing_errors"] == 0, shipped_report["results"].get("parsing_errors")
    assert not shipped_report["results"].get("parsing_errors")
    stacks = {path.resolve() for path in (shipped_out / "stacks").glob("*/cdk.tf.json")}
    assert stacks and set(_by_file(shipped_report)) == stacks


def test_checkov_read_every_resource_of_every_stack(shipped_report, shipped_out: Path, shipped_stacks) -> None:
    # literal_secrets runs on every resource, so its records count the resources checkov read.
    files = _by_file(shipped_report)
    for stack, doc in shipped_stacks.items():
        read = [
            _name_of(r)
            for r in files[(shipped_out / "stacks" / stack / "cdk.tf.json").resolve()]
            if _check_of(r) == "literal_secrets"
        ]
        written = _targeted(_blocks(doc), "resource", None)
        assert len(read) == len(written) and set(read) == written, (
            f"{stack}: checkov read {len(read)} of {len(written)} resources"
        )


def test_every_check_ran_on_every_block_it_targets(shipped_report, shipped_out: Path, shipped_stacks) -> None:
    files = _by_file(shipped_report)
    ran_anywhere: set[str] = set()
    for stack, doc in shipped_stacks.items():
        ran: dict[str, set[str]] = defaultdict(set)
        for record in files[(shipped_out / "stacks" / stack / "cdk.tf.json").resolve()]:
            ran[_check_of(record)].add(_name_of(record))
        blocks = _blocks(doc)
        for check, (kind, types) in {**TARGETS, **BUILT_IN_TARGETS}.items():
            expected = _targeted(blocks, kind, types)
            assert expected <= ran[check], f"{stack}: {check} did not check {sorted(expected - ran[check])}"
            if expected:
                ran_anywhere.add(check)
        # checkov's 22/3389 checks report on ingress rules only.
        ingress = {
            name
            for name, rule in doc.get("resource", {}).get("openstack_networking_secgroup_rule_v2", {}).items()
            if name != "//" and rule["direction"] == "ingress"
        }
        for check in ("CKV_OPENSTACK_2", "CKV_OPENSTACK_3"):
            assert ingress <= ran[check], f"{stack}: {check} did not check {sorted(ingress - ran[check])}"
    # The shipped stacks hold security groups, instances, Helm releases, outputs and providers.
    assert {"ingress_from_anywhere", "literal_secrets", "sensitive_outputs", "helm_chart_version"} <= ran_anywhere


def test_checkov_finds_no_failure(shipped_report) -> None:
    failed = shipped_report["results"].get("failed_checks", [])
    assert [(f["check_id"], f["resource"], f["file_path"], f.get("details")) for f in failed] == []
    assert shipped_report["summary"]["passed"] > 0


def test_checks_report_only_on_the_blocks_they_target(shipped_report, fixtures_report) -> None:
    for report in (shipped_report, fixtures_report):
        for path, records in _by_file(report).items():
            blocks = _blocks(json.loads(path.read_text()))
            for record in records:
                check = _check_of(record)
                if check in TARGETS:
                    assert _name_of(record) in _targeted(blocks, *TARGETS[check]), (check, record["resource"], path)


@pytest.mark.parametrize("case", CASES, ids=[str(case.parent.relative_to(FIXTURES)) for case in CASES])
def test_fixture(case: Path, fixtures_report) -> None:
    check, outcome = case.relative_to(FIXTURES).parts[:2]
    records = _by_file(fixtures_report).get(case.resolve(), [])
    names = {name for _, _, name in _blocks(json.loads(case.read_text()))}
    failed = [r for r in records if r["check_result"]["result"] == "FAILED"]
    passed_by_check = {
        _name_of(r) for r in records if r["check_result"]["result"] == "PASSED" and _check_of(r) == check
    }
    failed_names = {_name_of(r) for r in failed}
    good = {name for name in names if name.startswith("good_")}
    bad = {name for name in names if name.startswith("bad_")}
    if outcome == "fail":
        assert failed, f"{check} did not fail"
        assert {_check_of(r) for r in failed} == {check}, [(r["check_id"], r["resource"]) for r in failed]
        assert bad <= failed_names, f"not failed: {sorted(bad - failed_names)}"
        assert not good & failed_names
    else:
        assert outcome == "pass" and not bad
        assert failed == [], [(r["check_id"], r["resource"], r.get("details")) for r in failed]
        assert passed_by_check, f"{check} did not run"
        assert good <= passed_by_check, f"not passed by {check}: {sorted(good - passed_by_check)}"


def test_platform_stacks_read_the_cluster_from_their_infra_stack(shipped_stacks) -> None:
    # The generic rule (no provider configured from a resource of its own stack) is
    # CKV_OSPLAT_10; this is the app's wiring: the platform stack reads its own infra stack.
    for stack, doc in shipped_stacks.items():
        if not stack.endswith("-platform"):
            continue
        remote_state = f"cross-stack-reference-input-{stack.removesuffix('-platform')}-infra"
        assert list(doc.get("data", {}).get("terraform_remote_state", {})) == [remote_state]
        # The connection settings (a registry login of helm's comes from sensitive variables).
        providers = {
            "helm": [block["kubernetes"] for block in doc["provider"]["helm"]],
            "kubernetes": doc["provider"]["kubernetes"],
        }
        expressions = [part.split("}", 1)[0] for part in json.dumps(providers).split("${")[1:]]
        assert providers and expressions, f"{stack}: providers read nothing from the cluster"
        for expression in expressions:
            assert f"data.terraform_remote_state.{remote_state}." in expression, f"{stack}: {expression}"


def test_one_checkov_run_serves_both_directories(both_reports, shipped_report, fixtures_report) -> None:
    # Every record belongs to the stacks or to the fixtures, and each directory was read.
    assert len(_records(shipped_report)) + len(_records(fixtures_report)) == len(_records(both_reports))
    assert _records(shipped_report) and _records(fixtures_report)
    # checkov's report after each directory repeats the earlier ones': each record is kept once.
    assert len({_identity(r) for r in _records(both_reports)}) == len(_records(both_reports))
    assert _documents('{"a": 1}\n{"b": [2]}\n') == [{"a": 1}, {"b": [2]}]
