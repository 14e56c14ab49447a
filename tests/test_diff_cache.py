"""The base side's synth of ``platformctl diff``, kept for the next diff against the same commit
(:mod:`platformctl.diff_cache`): what is kept, under which key, and that a kept synth gives the
report a fresh one gives.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from platformctl import diff_cache, diff_synth
from platformctl.diff_cache import BaseSynthCache
from tests.test_diff import MAGNUM, _commit, _copy_app, _edit, _git, run_diff

SECOND = _edit(MAGNUM, "master_count       = 3", "master_count       = 5")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One environment, edited in the working tree, and an untracked file: the code may differ,
    so the base runs in a process of its own."""
    repo = tmp_path_factory.mktemp("diff-cache-repo")
    _git(repo, "init", "-q", "-b", "main")
    _copy_app(repo)
    (repo / "environments").mkdir()
    (repo / "environments" / "one.hcl").write_text(MAGNUM)
    _commit(repo, "one environment")
    (repo / "environments" / "one.hcl").write_text(SECOND)
    (repo / "notes.txt").write_text("untracked")
    return repo


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The labels of the synth processes started."""
    labels: list[str] = []
    real = diff_synth._start

    def start(side: diff_synth.Side, *args: Any) -> Any:
        labels.append(side.label.split(" ")[0])
        return real(side, *args)

    monkeypatch.setattr(diff_synth, "_start", start)
    return labels


def _entries(repo: Path) -> list[Path]:
    directory = repo / ".git" / "platformctl" / "diff-cache"
    return sorted(p for p in directory.iterdir() if not p.name.startswith(".")) if directory.is_dir() else []


def test_a_second_diff_against_the_same_commit_synthesizes_only_the_working_tree(
    repo: Path, started: list[str]
) -> None:
    code, first, err = run_diff(repo, "--base", "main", "--no-cache")
    assert code == 0, err
    assert sorted(started) == ["base", "working"] and _entries(repo) == []  # --no-cache keeps nothing

    started.clear()
    code, kept, err = run_diff(repo, "--base", "main")
    assert code == 0, err
    assert sorted(started) == ["base", "working"]
    [entry] = _entries(repo)
    assert (entry / "manifest.json").is_file() and (entry / "stacks" / "one-infra" / "cdk.tf.json").is_file()

    started.clear()
    code, again, err = run_diff(repo, "--base", "main")
    assert code == 0, err
    assert started == ["working"]
    assert first == kept == again
    assert "| `one-infra` | changed" in again

    started.clear()
    code, _, err = run_diff(repo, "--base", "main", "--no-cache")
    assert code == 0, err
    assert sorted(started) == ["base", "working"]


def test_a_damaged_entry_is_synthesized_again_and_replaced(repo: Path, started: list[str]) -> None:
    code, report, err = run_diff(repo, "--base", "main")
    assert code == 0, err
    [entry] = _entries(repo)
    (entry / "stacks" / "one-infra" / "cdk.tf.json").write_text("{ not json")
    started.clear()
    code, again, err = run_diff(repo, "--base", "main")
    assert code == 0, err
    assert sorted(started) == ["base", "working"] and again == report
    [entry] = _entries(repo)
    assert (entry / "stacks" / "one-infra" / "cdk.tf.json").read_text().startswith("{")
    assert "not json" not in (entry / "stacks" / "one-infra" / "cdk.tf.json").read_text()


def test_a_failed_base_synth_is_not_kept(tmp_path: Path) -> None:
    repo = tmp_path / "broken"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _copy_app(repo)
    (repo / "environments").mkdir()
    (repo / "environments" / "one.hcl").write_text(_edit(MAGNUM, "master_count       = 3", "master_count       = 2"))
    _commit(repo, "broken")
    (repo / "environments" / "one.hcl").write_text(MAGNUM)
    code, _, err = run_diff(repo, "--base", "main", "--cache-dir", str(tmp_path / "cache"))
    assert code == 1 and "base (main) synth failed" in err
    assert not (tmp_path / "cache").exists() or not [p for p in (tmp_path / "cache").iterdir() if p.is_dir()]


def test_the_key_changes_with_each_of_its_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = BaseSynthCache(tmp_path)
    args: dict[str, Any] = {
        "commit": "a" * 40,
        "env_dir": Path("environments"),
        "names": ["ha", "simple"],
        "explicit": False,
        "app": "python -m stacks",
    }
    key = cache.key(**args)
    assert cache.key(**{**args, "names": ["simple", "ha"]}) == key  # the order of names does not matter
    for part, other in (
        ("commit", "b" * 40),
        ("env_dir", Path("envs")),
        ("names", ["ha"]),
        ("explicit", True),
        ("app", "python3 -m stacks"),
    ):
        assert cache.key(**{**args, part: other}) != key, part
    monkeypatch.setattr(diff_cache, "_distributions", lambda: ["cdktf-0.20.99.dist-info"])
    assert cache.key(**args) != key  # another version of a package
    monkeypatch.undo()
    monkeypatch.setattr(sys, "version", sys.version + " (another build)")
    assert cache.key(**args) != key


def test_only_the_most_recently_used_entries_are_kept(tmp_path: Path) -> None:
    synth = tmp_path / "out"
    (synth / "stacks" / "s").mkdir(parents=True)
    (synth / "manifest.json").write_text("{}")
    (synth / "stacks" / "s" / "cdk.tf.json").write_text("{}")
    cache = BaseSynthCache(tmp_path / "cache")
    for i in range(diff_cache.KEEP + 3):
        cache.store(f"key{i:02d}", synth)
    kept = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert len(kept) == diff_cache.KEEP and "key00" not in kept and f"key{diff_cache.KEEP + 2:02d}" in kept
