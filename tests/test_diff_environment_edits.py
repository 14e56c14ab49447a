"""``platformctl diff`` when only environment files differ from the base: one app, one synth
of each unchanged environment, and the report of the full way (base in a process of its own).

The base's code is the working tree's when git finds no other difference (uncommitted changes
and untracked files included), so this process's app also synthesizes the base's changed
environments, and an unchanged environment's stacks stand for both sides.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from platformctl import diff, diff_synth
from platformctl.diff_compare import compare
from platformctl.synth_output import read_stack, same_stack
from tests.test_diff import MAGNUM, _commit, _copy_app, _edit, _git, run_diff

SECOND = _edit(MAGNUM, "master_count       = 3", "master_count       = 5")


def _repo(path: Path) -> Path:
    _git(path, "init", "-q", "-b", "main")
    _copy_app(path)
    (path / "environments").mkdir()
    for name in ("one", "two"):
        (path / "environments" / f"{name}.hcl").write_text(MAGNUM)
    _commit(path, "two environments")
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "repo").mkdir()
    return _repo(tmp_path / "repo")


def _changed(repo: Path) -> set[str] | None:
    commit = _git(repo, "rev-parse", "HEAD")
    archive = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", commit], capture_output=True)
    tree = repo.parent / "base-tree"
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir()
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return diff._changed_environments(repo, commit, Path("environments"), tree / "environments")


def test_which_environments_changed_when_only_their_files_did(repo: Path) -> None:
    assert _changed(repo) == set()
    (repo / "environments" / "two.hcl").write_text(SECOND)  # an uncommitted edit
    (repo / "environments" / "three.hcl").write_text(MAGNUM)  # untracked: on one side only
    assert _changed(repo) == {"two", "three"}
    (repo / "environments" / "one.hcl").unlink()  # removed in the working tree
    assert _changed(repo) == {"one", "two", "three"}


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(
            lambda r: (r / "stacks" / "app.py").write_text((r / "stacks" / "app.py").read_text() + "\n"), id="code"
        ),
        pytest.param(lambda r: (r / "notes.txt").write_text("x"), id="an untracked file"),
        pytest.param(lambda r: (r / "environments" / "shared.txt").write_text("x"), id="another file of the directory"),
        pytest.param(
            lambda r: (r / "environments" / "sub").mkdir() or (r / "environments" / "sub" / "a.hcl").write_text("x"),
            id="a file below it",
        ),
    ],
)
def test_anything_else_that_differs_means_the_full_way(repo: Path, edit: Any) -> None:
    (repo / "environments" / "two.hcl").write_text(SECOND)
    edit(repo)
    assert _changed(repo) is None


class _Recorder:
    """Records the in-process synths; refuses to start a process."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, list[str] | None]] = []
        real = diff_synth.synth_in_process

        def synth_in_process(
            tree: Path, env_dir: Path, out: Path, names: Any, label: str, *args: Any, **kw: Any
        ) -> Any:
            self.calls.append((label.split(" ")[0], names))
            return real(tree, env_dir, out, names, label, *args, **kw)

        def no_process(*args: object) -> None:
            raise AssertionError("started a process although the code is the same")

        # A copy of this checkout's app: this process's code is the tree's.
        monkeypatch.setattr(diff_synth, "runs_in_process", lambda tree: True)
        monkeypatch.setattr(diff_synth, "synth_in_process", synth_in_process)
        monkeypatch.setattr(diff_synth, "_start", no_process)


def test_an_environment_edit_synthesizes_the_unchanged_environments_once(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stacks.app  # noqa: F401  (this checkout's app, as platformctl run from its clone imports it)

    asked: list[Any] = []
    real_drivers = diff.environment_drivers

    def drivers(directory: Path, only: Any = None) -> dict[str, str]:
        asked.append(only)
        return real_drivers(directory, only)

    monkeypatch.setattr(diff, "environment_drivers", drivers)
    (repo / "environments" / "two.hcl").write_text(SECOND)

    recorder = _Recorder(monkeypatch)
    code, fast, err = run_diff(repo, "--base", "main")
    assert code == 0, err
    # The working tree's environments once, then the base's one changed environment.
    assert recorder.calls == [("working", None), ("base", ["two"])]
    # Only the changed environment's files were read for drivers, on each side.
    assert asked == [{"two"}, {"two"}]
    assert "| `two-infra` | changed |" in fast and "Unchanged: `one-infra`, `one-platform`" in fast
    monkeypatch.undo()

    # The full way (a process for the base) writes the same report.
    (repo / "notes.txt").write_text("an untracked file: the code may differ")
    code, full, err = run_diff(repo, "--base", "main")
    assert code == 0, err
    assert full == fast


def test_a_failure_on_the_shortcut_is_reported_the_full_way(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import stacks.app  # noqa: F401

    (repo / "environments" / "two.hcl").write_text(_edit(MAGNUM, "master_count       = 3", "master_count       = 2"))
    monkeypatch.setattr(diff_synth, "runs_in_process", lambda tree: True)
    code, _, err = run_diff(repo, "--base", "main")
    # The working tree's error, named as the full way names it (its process, its message).
    assert code == 1
    assert err.startswith("error: working tree synth failed: environments/two.hcl:")


# --- comparing ---------------------------------------------------------------------------------


def _stack_file(directory: Path, document: dict[str, Any]) -> Path:
    directory.mkdir(parents=True)
    path = directory / "cdk.tf.json"
    path.write_text(json.dumps(document))
    return path


def test_a_stack_of_one_content_is_unchanged_without_comparing(tmp_path: Path) -> None:
    document = {"resource": {"t": {"a": {"x": 1}}}, "variable": {"v": {"default": 1}}}
    old = read_stack("s", _stack_file(tmp_path / "a", document))
    new = read_stack("s", _stack_file(tmp_path / "b", document))
    other = read_stack("s", _stack_file(tmp_path / "c", {**document, "variable": {"v": {"default": 2}}}))
    assert same_stack(old, old) and same_stack(old, new) and not same_stack(old, other)
    assert compare({"s": old}, {"s": new}).stacks[0].status == "unchanged"
    assert [c.path for c in compare({"s": old}, {"s": other}).stacks[0].settings] == ["variable.v.default"]


def test_a_stacks_settings_are_read_with_it_not_again(tmp_path: Path) -> None:
    old = read_stack("s", _stack_file(tmp_path / "a", {"variable": {"v": {"default": 1}}}))
    new = read_stack("s", _stack_file(tmp_path / "b", {"variable": {"v": {"default": 2}}}))
    (old.directory / "cdk.tf.json").unlink()
    (new.directory / "cdk.tf.json").unlink()
    assert [c.path for c in compare({"s": old}, {"s": new}).stacks[0].settings] == ["variable.v.default"]


def test_the_stack_names_of_environments_whose_names_begin_alike() -> None:
    assert diff_synth.environment_of("ha-b-infra", {"ha", "ha-b"}) == "ha-b"
    assert diff_synth.environment_of("ha-infra", {"ha", "ha-b"}) == "ha"
    assert diff_synth.environment_of("other", {"ha"}) is None


def test_the_base_code_is_extracted_only_for_a_synth_of_the_base(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import stacks.app  # noqa: F401

    extracted: list[list[str] | None] = []
    real = diff._extract

    def extract(repo: Path, commit: str, dest: Path, paths: list[str] | None = None) -> None:
        extracted.append(paths)
        real(repo, commit, dest, paths)

    monkeypatch.setattr(diff, "_extract", extract)
    monkeypatch.setattr(diff_synth, "runs_in_process", lambda tree: True)
    # A new environment: nothing of the base to synthesize, so only what diff reads of it.
    (repo / "environments" / "three.hcl").write_text(MAGNUM)
    code, report, err = run_diff(repo, "--base", "main")
    assert code == 0, err
    assert extracted == [["cdktf.json", "environments"]]
    assert "| `three-infra` | added |" in report
    # An edited environment is synthesized at the base: its whole tree then.
    extracted.clear()
    (repo / "environments" / "two.hcl").write_text(SECOND)
    code, _, err = run_diff(repo, "--base", "main", "--no-cache")
    assert code == 0, err
    assert extracted == [["cdktf.json", "environments"], None]
