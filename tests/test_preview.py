"""``platformctl preview``: real terraform plans of a small cdktf stack, an OpenStack-shaped plan
joined to the shipped synth, secrets planted everywhere a plan keeps them, the size limit, and
every bad input."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cdktf import App, LocalBackend, TerraformOutput, TerraformResource, TerraformStack, TerraformVariable
from constructs import Construct

from platformctl.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "plans"
OPENSTACK_PLAN = FIXTURES / "openstack-magnum.plan.json"
SECRET_V1 = "S3cr3t-Planted-Password-v1"
SECRET_V2 = "S3cr3t-Planted-Password-v2"
PLANTED = re.compile(r"PLANTED-[A-Z-]+-[0-9a-f]{4}|glrt-PLANTED-[A-Z-]+-[0-9a-f]{4}")


def preview(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["preview", *args])
    out, err = capsys.readouterr()
    return code, out, err


def summary_rows(markdown: str) -> dict[str, dict[str, int]]:
    """The summary table as {stack: {column: count}}."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| stack |"))
    columns = [c.strip() for c in lines[start].strip("|").split("|")][1:]
    rows = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        counts = [int(re.sub(r"[^0-9]", "", c)) for c in cells[1:]]
        rows[cells[0].strip("`*")] = dict(zip(columns, counts))
    return rows


def assert_counts(row: dict[str, int], expected: dict[str, int]) -> None:
    """The summary row shows every count; the move/import/forget columns only when not all zero."""
    assert set(row) <= set(expected) | {"import"}
    assert {k: v for k, v in expected.items() if v or k in row} == {k: v for k, v in row.items() if k in expected}


def expected_counts(plan: dict[str, Any]) -> dict[str, int]:
    """Counts computed straight from the plan JSON, independently of platformctl."""
    counts = dict.fromkeys(("add", "change", "replace", "destroy", "drift", "move", "forget"), 0)
    for entry in plan.get("resource_changes", []):
        actions = entry["change"]["actions"]
        if "delete" in actions and "create" in actions:
            counts["replace"] += 1
        elif actions == ["create"]:
            counts["add"] += 1
        elif actions == ["update"]:
            counts["change"] += 1
        elif actions == ["delete"]:
            counts["destroy"] += 1
        elif actions == ["forget"]:
            counts["forget"] += 1
        if entry.get("previous_address") not in (None, entry["address"]):
            counts["move"] += 1
    counts["drift"] = sum(1 for e in plan.get("resource_drift", []) if e["change"]["actions"] != ["no-op"])
    return counts


def gitlab_counts(plan: dict[str, Any]) -> dict[str, int]:
    """GitLab's documented counting: every action of every change, flattened."""
    actions = [a for e in plan.get("resource_changes", []) for a in e["change"]["actions"]]
    return {name: actions.count(name) for name in ("create", "update", "delete")}


# --- real terraform plans ------------------------------------------------------------------


def _data(scope: Construct, id: str, **arguments: Any) -> TerraformResource:
    """A ``terraform_data`` resource (cdktf 0.20 has no class for it): a raw resource with overrides."""
    resource = TerraformResource(scope, id, terraform_resource_type="terraform_data")
    for name, value in arguments.items():
        resource.add_override(name, value)
    return resource


def _demo_app(version: int, outdir: Path, state: Path) -> None:
    """Version 1 and 2 of a stack whose difference is every kind of change a plan can have."""
    app = App(outdir=str(outdir))
    stack = TerraformStack(app, "demo")
    LocalBackend(stack, path=str(state))
    password = TerraformVariable(stack, "db_password", type="string", sensitive=True)
    network = Construct(stack, "network")
    _data(network, "subnet", input={"cidr": "10.0.0.0/24" if version == 1 else "10.0.1.0/24"})
    cluster = Construct(stack, "cluster")
    kube_tag = "v1.30.4" if version == 1 else "v1.31.1"
    _data(cluster, "cluster", input={"name": "demo"}, triggers_replace={"labels": {"kube_tag": kube_tag}})
    _data(cluster, "credentials", input=password.string_value)
    if version == 1:
        _data(stack, "old-ip", input="203.0.113.10")
        _data(stack, "legacy", input="kept")
    else:
        _data(stack, "new-thing", input="x")
        stack.add_override("removed", [{"from": "terraform_data.legacy", "lifecycle": {"destroy": False}}])
    runner = _data(stack, "runner", input="r")
    if version == 2:
        fleet = Construct(stack, "fleet")
        _data(fleet, "runner", input="r").add_move_target("fleet-runner")
        runner.move_to("fleet-runner")
    _data(stack, "pool", input="p").add_override("count", 3 if version == 1 else 2)
    TerraformOutput(stack, "password", value=password.string_value, sensitive=True)
    TerraformOutput(stack, "subnet_cidr", value="10.0.0.0/24" if version == 1 else "10.0.1.0/24")
    app.synth()


def _terraform(cwd: Path, *args: str, secret: str, capture: bool = False) -> str:
    env = dict(os.environ, TF_VAR_db_password=secret, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    done = subprocess.run(
        ["terraform", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True, timeout=300
    )
    return done.stdout if capture else ""


@pytest.fixture(scope="module")
def real_plan(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Apply version 1 of the demo stack, plan version 2, and show the plan as JSON."""
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not on PATH: the real-plan tests need it (providers are not needed)")
    base = tmp_path_factory.mktemp("real-plan")
    state = base / "demo.tfstate"
    _demo_app(1, base / "v1", state)
    _demo_app(2, base / "v2", state)
    v1, v2 = base / "v1" / "stacks" / "demo", base / "v2" / "stacks" / "demo"
    _terraform(v1, "init", "-input=false", secret=SECRET_V1)
    _terraform(v1, "apply", "-auto-approve", "-input=false", secret=SECRET_V1)
    _terraform(v2, "init", "-input=false", secret=SECRET_V2)
    _terraform(v2, "plan", "-input=false", "-out=plan.bin", secret=SECRET_V2)
    plan_json = v2 / "plan.json"
    plan_json.write_text(_terraform(v2, "show", "-json", "plan.bin", secret=SECRET_V2, capture=True))
    return {"plan": plan_json, "synth": base / "v2"}


def test_real_plan_counts_construct_paths_and_reasons(real_plan: dict[str, Path], capsys) -> None:
    document = json.loads(real_plan["plan"].read_text())
    code, out, err = preview(capsys, "--plan", str(real_plan["plan"]), "--synth-dir", str(real_plan["synth"]))
    assert (code, err) == (0, "")
    # The plan sits in cdktf.out/stacks/demo/: its stack comes from the directory.
    assert_counts(summary_rows(out)["demo"], expected_counts(document))
    assert expected_counts(document) == {
        "add": 1,
        "change": 2,
        "replace": 1,
        "destroy": 2,
        "drift": 0,
        "move": 1,
        "forget": 1,
    }
    # Terraform's own counts (a replacement is one add and one destroy), then the split.
    shown = _terraform(real_plan["plan"].parent, "show", "-no-color", "plan.bin", secret=SECRET_V2, capture=True)
    terraform_line = re.search(r"Plan: \d+ to add, \d+ to change, \d+ to destroy", shown)
    assert terraform_line is not None
    assert out.splitlines()[2].startswith(f"⚠️ **{terraform_line.group(0)}** · 1 replaced, 2 destroyed")
    assert "2 to add is 1 new + 1 replacement, 3 to destroy is 2 destroyed + 1 replacement" in out
    danger, rest = out.split("### `demo`")
    # Destroys and replacements come first, by construct path, with what forces them and why.
    assert "🔁 **replace** `demo/cluster/cluster`: a terraform_data value (`terraform_data.cluster_A4C38409`)" in danger
    assert "forced by: `triggers_replace`" in danger
    assert '| `triggers_replace.labels.kube_tag` ⚠️ forces replacement | `"v1.30.4"` | `"v1.31.1"` |' in danger
    assert "why: an argument that cannot be updated in place changed" in danger
    assert "🗑️ **destroy** `demo/pool[2]`" in danger and "its `count` index is beyond the new count" in danger
    assert "🗑️ **destroy** `terraform_data.old-ip` in `demo`" in danger  # no longer in the code: no construct path
    # Other changes, by construct path; the move names where it came from; the no-op pool[0..1] are not listed.
    assert "🚚 **move** `demo/fleet/runner`" in rest and "moved from `terraform_data.runner`" in rest
    assert '| `input.cidr` | `"10.0.0.0/24"` | `"10.0.1.0/24"` |' in rest
    assert "➕ **add** `demo/new-thing`" in rest
    assert (
        "👋 **forget** `terraform_data.legacy` in `demo`: a terraform_data value — leaves the state; the object itself is kept"
        in rest
    )
    assert "`demo/pool[0]`" not in out and "`demo/pool[1]`" not in out
    assert '| `subnet_cidr` | update | `"10.0.0.0/24"` | `"10.0.1.0/24"` |' in rest


def test_real_plan_never_prints_the_sensitive_variable(real_plan: dict[str, Path], capsys, tmp_path: Path) -> None:
    text = real_plan["plan"].read_text()
    # The plan holds both values in plain text, including where terraform does not mark them
    # (terraform_data.output repeats the sensitive input unmarked).
    assert SECRET_V1 in text and SECRET_V2 in text
    for extra in ([], ["--max-chars", "2000"], ["--format", "gitlab-report"]):
        code, out, _ = preview(capsys, "--plan", str(real_plan["plan"]), "--synth-dir", str(real_plan["synth"]), *extra)
        assert code == 0
        assert SECRET_V1 not in out and SECRET_V2 not in out
    code, out, _ = preview(capsys, "--plan", str(real_plan["plan"]), "--synth-dir", str(real_plan["synth"]))
    assert "| `input` | `(sensitive)` | `(sensitive)` |" in out
    assert "| `output` | `(sensitive)` | `(known after apply)` |" in out
    assert "| `password` | update | `(sensitive)` | `(sensitive)` |" in out


def test_real_plan_gitlab_report_counts_like_gitlab(real_plan: dict[str, Path], capsys, tmp_path: Path) -> None:
    out_file = tmp_path / "report.json"
    code, out, _ = preview(
        capsys, "--plan", str(real_plan["plan"]), "--synth-dir", str(real_plan["synth"]),
        "--format", "gitlab-report", "--out", str(out_file),
    )  # fmt: skip
    assert (code, out) == (0, "")
    report = json.loads(out_file.read_text())
    assert report == gitlab_counts(json.loads(real_plan["plan"].read_text()))
    assert report == {"create": 2, "update": 2, "delete": 3}  # the replacement counts as a create and a delete


def test_real_plan_stack_found_by_its_resources(real_plan: dict[str, Path], capsys, tmp_path: Path) -> None:
    renamed = tmp_path / "tfplan-output.json"
    shutil.copy(real_plan["plan"], renamed)
    code, out, err = preview(capsys, "--plan", str(renamed), "--synth-dir", str(real_plan["synth"]))
    assert (code, err) == (0, "")
    assert "demo" in summary_rows(out)
    assert "`demo/cluster/cluster`" in out


# --- an OpenStack-shaped plan joined to the shipped synth -----------------------------------


@pytest.fixture(scope="module")
def openstack_document() -> dict[str, Any]:
    return json.loads(OPENSTACK_PLAN.read_text())


def test_openstack_plan_addresses_are_those_of_the_shipped_synth(openstack_document, shipped_stacks) -> None:
    """The fixture must stay a plan of the shipped magnum-infra stack, or the join is not tested."""
    synth = shipped_stacks["magnum-infra"]
    for entry in openstack_document["resource_changes"] + openstack_document["resource_drift"]:
        type_, name = entry["type"], entry["name"]
        section = "data" if entry["mode"] == "data" else "resource"
        assert name in synth[section][type_], entry["address"]


def test_openstack_plan_report(shipped_out: Path, openstack_document, capsys, snapshot) -> None:
    code, out, err = preview(capsys, "--plan", str(OPENSTACK_PLAN), "--synth-dir", str(shipped_out))
    assert (code, err) == (0, "")
    # "openstack-magnum" names no stack: the plan's declared resources identify magnum-infra.
    assert list(summary_rows(out)) == ["magnum-infra"]
    assert_counts(summary_rows(out)["magnum-infra"], expected_counts(openstack_document))
    assert out.splitlines()[2].startswith("⚠️ **Plan: 2 to add, 1 to change, 2 to destroy** · 1 replaced, 1 destroyed")
    danger, rest = out.split("### `magnum-infra`")
    assert (
        "🔁 **replace** `magnum-infra/cluster/cluster`: a whole Kubernetes cluster (Magnum) "
        "(`openstack_containerinfra_cluster_v1.cluster_A4C38409`)"
    ) in danger
    assert "forced by: `labels`" in danger
    assert '| `labels.kube_tag` ⚠️ forces replacement | `"v1.30.4"` | `"v1.31.1"` |' in danger
    assert "| `kubeconfig` | `(sensitive)` | `(known after apply)` |" in danger
    assert "🗑️ **destroy** `magnum-infra/bastion/floating-ip`: a floating IP (the public address changes)" in danger
    assert "🔧 **change** `magnum-infra/node-group-system/nodegroup`: a node group of the cluster" in rest
    assert "| `node_count` | `2` | `4` |" in rest
    # No-op and read changes are not listed.
    assert "keypair" not in out and "network/external" not in out
    drift = rest.split("changed outside Terraform (drift)</summary>")[1]
    assert "`magnum-infra/bastion/security-group/ingress-tcp-22-from-198-51-100-0-24`" in drift
    assert "deleted outside Terraform" in drift
    assert "| `kubeconfig` | update | `(sensitive)` | `(known after apply)` |" in rest
    assert out == snapshot


def test_openstack_plan_secrets_never_printed(shipped_out: Path, capsys, tmp_path: Path) -> None:
    text = OPENSTACK_PLAN.read_text()
    planted = set(PLANTED.findall(text))
    # kubeconfig (changes, drift, prior state, output), a sensitive variable, a rotated key in drift.
    assert len(planted) >= 6
    for extra in ([], ["--max-chars", "3000"], ["--max-chars", "0"], ["--format", "gitlab-report"]):
        code, out, _ = preview(capsys, "--plan", str(OPENSTACK_PLAN), "--synth-dir", str(shipped_out), *extra)
        assert code == 0
        assert not [secret for secret in planted if secret in out]
        assert "PLANTED" not in out
    # Without a synth dir too.
    code, out, _ = preview(capsys, "--plan", f"magnum-infra={OPENSTACK_PLAN}", "--synth-dir", str(shipped_out))
    assert code == 0 and "PLANTED" not in out


def test_sensitive_map_keys_and_nested_unknowns_stay_hidden(tmp_path: Path, capsys, monkeypatch) -> None:
    """A sensitive map is hidden whole: its keys may be secret too, and unknown leaves inside it
    must not reveal paths below it."""
    plan = _plan(
        [
            _change(
                "helm_release.app",
                ["update"],
                {"set_sensitive": {"KEY-PLANTED-NAME-aaaa": "v"}, "values": ["a"]},
                {"set_sensitive": {"KEY-PLANTED-NAME-aaaa": "w", "other": None}, "values": ["b"]},
                after_unknown={"set_sensitive": {"other": True}},
                before_sensitive={"set_sensitive": True},
                after_sensitive={"set_sensitive": True},
            )
        ]
    )
    path = tmp_path / "app.plan.json"
    path.write_text(json.dumps(plan))
    monkeypatch.chdir(tmp_path)
    code, out, _ = preview(capsys, "--plan", str(path))
    assert code == 0
    assert "PLANTED" not in out
    assert "| `set_sensitive` | `(sensitive)` | `(known after apply)` |" in out
    assert '| `values[0]` | `"a"` | `"b"` |' in out


# --- without a synth dir --------------------------------------------------------------------


def test_without_synth_dir_shows_addresses_and_says_so(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # no cdktf.out here
    code, out, err = preview(capsys, "--plan", str(OPENSTACK_PLAN))
    assert (code, err) == (0, "")
    assert "no synth directory (`cdktf.out` not found)" in out
    assert "openstack-magnum" in summary_rows(out)  # the stack is named after the file
    # The path is read back from cdktf's name (its hash checked); the stack is the file's name.
    assert (
        "`openstack-magnum/cluster/cluster`: a whole Kubernetes cluster (Magnum) (`openstack_containerinfra_cluster_v1.cluster_A4C38409`)"
        in out
    )
    assert "`openstack-magnum/node-group-system/nodegroup`: a node group" in out
    assert "magnum-infra/" not in out


def test_two_plans_are_summed(shipped_out: Path, capsys, tmp_path: Path, openstack_document) -> None:
    second = tmp_path / "simple-infra.plan.json"
    second.write_text(
        json.dumps(_plan([_change("openstack_compute_keypair_v2.keypair_6D1E7392", ["create"], None, {})]))
    )
    args = ["--plan", str(OPENSTACK_PLAN), str(second), "--synth-dir", str(shipped_out)]
    code, out, _ = preview(capsys, *args)
    assert code == 0
    rows = summary_rows(out)
    assert list(rows) == ["magnum-infra", "simple-infra", "total"]
    assert rows["simple-infra"]["add"] == 1
    assert rows["total"]["add"] == rows["magnum-infra"]["add"] + 1
    code, out, _ = preview(capsys, *args, "--format", "gitlab-report")
    summed = gitlab_counts(openstack_document)
    summed["create"] += 1
    assert json.loads(out) == summed


# --- size limit ------------------------------------------------------------------------------


def _change(address: str, actions: list[str], before: Any, after: Any, **change: Any) -> dict[str, Any]:
    type_, name = address.split(".")[:2]
    entry: dict[str, Any] = {"address": address, "mode": "managed", "type": type_, "name": name.split("[")[0]}
    entry["change"] = {
        "actions": actions,
        "before": before,
        "after": after,
        "after_unknown": change.pop("after_unknown", {}),
        "before_sensitive": change.pop("before_sensitive", {} if before is not None else False),
        "after_sensitive": change.pop("after_sensitive", {} if after is not None else False),
        **{k: v for k, v in change.items() if k == "replace_paths"},
    }
    entry.update({k: v for k, v in change.items() if k != "replace_paths"})
    return entry


def _plan(changes: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "planned_values": {"root_module": {}},
        "resource_changes": changes,
        "configuration": {"root_module": {"resources": [{"address": c["address"].split("[")[0]} for c in changes]}},
        **extra,
    }


def _huge_plan(replaced: int, updated: int) -> dict[str, Any]:
    changes = []
    for i in range(replaced):
        before = {"name": f"vm-{i}", "flavor": "SL1.2-8192", "admin_pass": f"PLANTED-HUGE-SECRET-{i:04x}"}
        after = dict(before, flavor="SL1.4-16384")
        changes.append(
            _change(
                f"openstack_compute_instance_v2.vm[{i}]", ["delete", "create"], before, after,
                before_sensitive={"admin_pass": True}, after_sensitive={"admin_pass": True},
                replace_paths=[["flavor"]], action_reason="replace_because_cannot_update",
            )
        )  # fmt: skip
    for i in range(updated):
        before = {"name": f"port-{i}", "tags": [f"t{j}" for j in range(30)]}
        after = {"name": f"port-{i}", "tags": [f"u{j}" for j in range(30)]}
        changes.append(_change(f"openstack_networking_port_v2.port[{i}]", ["update"], before, after))
    return _plan(changes)


def test_huge_plan_stays_under_the_limit_and_keeps_the_summary(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "big.plan.json"
    path.write_text(json.dumps(_huge_plan(replaced=200, updated=3000)))
    code, unlimited, _ = preview(capsys, "--plan", str(path), "--max-chars", "0")
    assert code == 0 and len(unlimited) > 1_000_000  # the limit has work to do
    code, out, _ = preview(capsys, "--plan", str(path))
    assert code == 0
    assert len(out) <= 65_000
    assert summary_rows(out) == {"big": {"add": 0, "change": 3000, "replace": 200, "destroy": 0, "drift": 0}}
    assert "⚠️ **Plan: 200 to add, 3000 to change, 200 to destroy** · 200 replaced" in out
    # Every replacement is still listed; the in-place changes are cut and counted.
    assert all(f"`openstack_compute_instance_v2.vm[{i}]`" in out for i in range(200))
    assert re.search(r"- … and [\d,]+ more resource changes not shown", out)
    assert "Details were shortened to keep this report under 65,000 characters" in out
    assert "PLANTED" not in out

    code, small, _ = preview(capsys, "--plan", str(path), "--max-chars", "8000")
    assert code == 0 and len(small) <= 8000
    assert summary_rows(small) == summary_rows(out)
    # Even the destroy/replace list is cut now, but it comes first and keeps as much as fits.
    shown = len(re.findall(r"🔁 \*\*replace\*\*", small))
    assert shown > 10
    assert f"- … and {200 - shown} more destroys and replacements not shown" in small
    assert "🔧 **change**" not in small


def test_only_the_items_kept_are_written(tmp_path: Path, capsys, monkeypatch) -> None:
    """Of thousands of changes a report under the limit shows a few hundred: only those are written."""
    from platformctl import report

    monkeypatch.chdir(tmp_path)
    path = tmp_path / "big.plan.json"
    path.write_text(json.dumps(_huge_plan(replaced=200, updated=3000)))
    written = {"danger": 0, "other": 0}
    for kind in written:
        original = getattr(report, f"_{kind}_short")

        def counted(*args: Any, _original: Any = original, _kind: str = kind) -> str:
            written[_kind] += 1
            return _original(*args)

        monkeypatch.setattr(report, f"_{kind}_short", counted)
    code, small, _ = preview(capsys, "--plan", str(path), "--max-chars", "8000")
    assert code == 0
    shown = len(re.findall(r"🔁 \*\*replace\*\*", small))
    # The replacements that fit, and the one that did not; no in-place change is reached.
    assert 10 < shown < 200
    assert written == {"danger": shown + 1, "other": 0}


def test_max_chars_too_small_for_the_summary(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "big.plan.json"
    path.write_text(json.dumps(_huge_plan(replaced=3, updated=3)))
    out_file = tmp_path / "preview.md"
    code, out, err = preview(capsys, "--plan", str(path), "--max-chars", "300", "--out", str(out_file))
    assert code == 1 and out == ""
    assert err.startswith("error: --max-chars 300 is too small: the summary alone needs ")
    assert not out_file.exists()


def test_no_changes(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "quiet.plan.json"
    path.write_text(json.dumps(_plan([_change("openstack_compute_keypair_v2.k", ["no-op"], {}, {})])))
    code, out, _ = preview(capsys, "--plan", str(path))
    assert code == 0
    assert out.splitlines()[2] == "✅ No changes"
    assert summary_rows(out) == {"quiet": {"add": 0, "change": 0, "replace": 0, "destroy": 0, "drift": 0}}
    assert "###" not in out


# --- bad input ------------------------------------------------------------------------------


def _bad_inputs(tmp: Path) -> list[tuple[list[str], str]]:
    (tmp / "not-json.json").write_text("{ this is not json")
    (tmp / "binary.plan").write_bytes(b"PK\x03\x04tfplan")
    (tmp / "state.json").write_text(json.dumps({"format_version": "1.0", "values": {"root_module": {}}}))
    (tmp / "future.json").write_text(json.dumps({"format_version": "2.0", "resource_changes": []}))
    (tmp / "list.json").write_text("[1, 2]")
    (tmp / "broken.json").write_text(json.dumps({"format_version": "1.2", "resource_changes": [{"change": {}}]}))
    (tmp / "nameless.json").write_text(json.dumps(_plan([])))
    (tmp / "ha-infra.plan.json").write_text(json.dumps(_plan([])))
    return [
        (["--plan", str(tmp / "missing.json")], f"{tmp / 'missing.json'}: no such plan file"),
        (["--plan", str(tmp / "not-json.json")], f"{tmp / 'not-json.json'}: not JSON (Expecting property name"),
        (["--plan", str(tmp / "binary.plan")], f"{tmp / 'binary.plan'}: a binary plan file, not plan JSON"),
        (["--plan", str(tmp / "state.json")], f"{tmp / 'state.json'}: a state, not a plan"),
        (["--plan", str(tmp / "future.json")], f"{tmp / 'future.json'}: plan format_version 2.0 is not supported"),
        (["--plan", str(tmp / "list.json")], f"{tmp / 'list.json'}: not a terraform plan (no format_version)"),
        (
            ["--plan", str(tmp / "broken.json")],
            f"{tmp / 'broken.json'}: not a terraform plan: resource_changes[0].address is null; expected ",
        ),
        (
            ["--plan", f"nope={tmp / 'ha-infra.plan.json'}", "--synth-dir", "SYNTH"],
            f"{tmp / 'ha-infra.plan.json'}: unknown stack 'nope'; the stacks of SYNTH are: ",
        ),
        (
            ["--plan", str(tmp / "nameless.json"), "--synth-dir", "SYNTH"],
            f"{tmp / 'nameless.json'}: cannot tell which stack this plan is for",
        ),
        (
            [
                "--plan",
                str(tmp / "ha-infra.plan.json"),
                f"ha-infra={tmp / 'ha-infra.plan.json'}",
                "--synth-dir",
                "SYNTH",
            ],
            f"{tmp / 'ha-infra.plan.json'}: a second plan for stack 'ha-infra'",
        ),
        (
            ["--plan", str(tmp / "ha-infra.plan.json"), "--synth-dir", str(tmp / "no-synth")],
            f"{tmp / 'no-synth'}: no such synth directory",
        ),
        (["--plan", str(tmp / "ha-infra.plan.json"), "--max-chars", "-1"], "--max-chars -1: must be 0"),
    ]


def test_bad_input_is_one_error_line_and_nothing_written(
    shipped_out: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no cdktf.out: only the cases that name one use a synth dir
    errors = []
    for args, message in _bad_inputs(tmp_path):
        args = [a.replace("SYNTH", str(shipped_out)) for a in args]
        message = message.replace("SYNTH", str(shipped_out))
        for fmt in ("markdown", "gitlab-report"):
            out_file = tmp_path / f"out-{fmt}.md"
            code, out, err = preview(capsys, *args, "--format", fmt, "--out", str(out_file))
            assert code == 1, args
            assert out == ""
            assert err.startswith(f"error: {message}"), (args, err)
            assert err.count("\n") == 1 and "Traceback" not in err
            assert not out_file.exists()
            errors.append(err)
    # An unknown stack is answered with every stack the synth dir holds, read here from the directory.
    (unknown_stack,) = {e for e in errors if "unknown stack 'nope'" in e}
    stacks = sorted(p.name for p in (shipped_out / "stacks").iterdir() if (p / "cdk.tf.json").is_file())
    assert len(stacks) >= 2
    assert unknown_stack.rstrip("\n").endswith(f"the stacks of {shipped_out} are: {', '.join(stacks)}")


def test_out_file_is_written_whole(shipped_out: Path, tmp_path: Path, capsys) -> None:
    out_file = tmp_path / "preview.md"
    code, out, _ = preview(
        capsys, "--plan", str(OPENSTACK_PLAN), "--synth-dir", str(shipped_out), "--out", str(out_file)
    )
    assert (code, out) == (0, "")
    assert out_file.read_text().startswith("## Plan preview\n")
    assert [p.name for p in tmp_path.iterdir()] == ["preview.md"]  # no temporary file left behind


def test_preview_imports_nothing_heavy() -> None:
    code = "import sys, platformctl.cli, platformctl.preview; print(sorted(m for m in sys.modules if m.split('.')[0] in ('cdktf', 'jsii', 'boto3', 'constructs')))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True)
    assert done.stdout.strip() == "[]"


def test_imports_and_sensitive_replace_paths(tmp_path: Path, capsys, monkeypatch) -> None:
    """An import is listed and counted; a replace path into a sensitive map stops at the map."""
    monkeypatch.chdir(tmp_path)
    plan = _plan(
        [
            _change("openstack_compute_keypair_v2.k", ["no-op"], {"name": "k"}, {"name": "k"}, importing={"id": "k"}),
            _change(
                "helm_release.app",
                ["delete", "create"],
                {"set_sensitive": {"PLANTED-KEY-NAME-bbbb": "1"}},
                {"set_sensitive": {"PLANTED-KEY-NAME-bbbb": "2"}},
                before_sensitive={"set_sensitive": True},
                after_sensitive={"set_sensitive": True},
                replace_paths=[["set_sensitive", "PLANTED-KEY-NAME-bbbb"]],
                action_reason="replace_because_cannot_update",
            ),
        ]
    )
    for entry in plan["resource_changes"]:
        if "importing" in entry:
            entry["change"]["importing"] = entry.pop("importing")
    path = tmp_path / "imports.plan.json"
    path.write_text(json.dumps(plan))
    code, out, _ = preview(capsys, "--plan", str(path))
    assert code == 0
    assert summary_rows(out)["imports"]["import"] == 1
    assert "📥 **import** `openstack_compute_keypair_v2.k` in `imports`" in out
    assert "forced by: `set_sensitive`" in out
    assert "PLANTED" not in out


def test_a_resource_removed_from_the_code_keeps_its_construct_path(shipped_out: Path, capsys, tmp_path: Path) -> None:
    # simple-infra has no bastion: its floating IP is not in that synth, only in the plan.
    address = "openstack_networking_floatingip_v2.bastion_floating-ip_0EF232ED"
    path = tmp_path / "simple-infra.plan.json"
    path.write_text(json.dumps(_plan([_change(address, ["delete"], {"address": "198.51.100.7"}, None)])))
    code, out, _ = preview(capsys, "--plan", str(path), "--synth-dir", str(shipped_out))
    assert code == 0
    assert "`simple-infra/bastion/floating-ip` (no longer in the code): a floating IP" in out
    assert f"(`{address}`)" in out
