"""Synthesizing some environments by name: a broken file of another environment does not
matter, and the other stacks' previous output stays as it was. Synthesizing all is all or
nothing, and the error names the broken file and how to synthesize the others."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from stacks.__main__ import main
from stacks.app import ENVIRONMENTS_DIR, synth

ROOT = Path(__file__).resolve().parent.parent
CDKTF = ROOT / "node_modules" / ".bin" / "cdktf"
#: A file saved half-way through an edit.
HALF_WRITTEN = 'description = "new"\n\nopenstack {\n  region = "ru-9"\n'


def _with_broken(env_dir: Callable[..., Path], *names: str) -> Path:
    directory = env_dir(names[0])
    for name in names[1:]:
        shutil.copy(ENVIRONMENTS_DIR / f"{name}.hcl", directory / f"{name}.hcl")
    (directory / "draft.hcl").write_text(HALF_WRITTEN)
    return directory


def _manifest(out: Path) -> dict[str, dict[str, object]]:
    stacks: dict[str, dict[str, object]] = json.loads((out / "manifest.json").read_text())["stacks"]
    return stacks


def test_a_broken_file_does_not_stop_another_environment_by_name(
    env_dir: Callable[..., Path], tmp_path: Path, shipped_stacks: dict[str, dict[str, object]]
) -> None:
    directory = _with_broken(env_dir, "simple")
    out = tmp_path / "out"
    assert synth(directory, out, ["simple"]) == ["simple-infra", "simple-platform"]
    for stack in ("simple-infra", "simple-platform"):
        assert json.loads((out / "stacks" / stack / "cdk.tf.json").read_text()) == shipped_stacks[stack]


def test_all_or_nothing_names_the_broken_file_and_the_way_out(
    env_dir: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = _with_broken(env_dir, "simple", "ha")
    out = tmp_path / "out"
    code = main(["--environments-dir", str(directory), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(f"error: {directory / 'draft.hcl'}:3: not valid HCL: the block openstack opened at line 3")
    assert "python -m stacks ha simple" in err
    assert not out.exists()


def test_one_environment_keeps_the_other_environments_output(tmp_path: Path) -> None:
    out = tmp_path / "cdktf.out"
    synth(ENVIRONMENTS_DIR, out, ["ha", "simple"])
    before = {p.relative_to(out): p.read_bytes() for p in (out / "stacks").rglob("*") if p.is_file()}
    ha_entries = {k: v for k, v in _manifest(out).items() if k.startswith("ha-")}
    # What a deploy leaves in a stack's working directory stays too.
    (out / "stacks" / "ha-infra" / ".terraform.lock.hcl").write_text("# lock\n")
    (out / "stacks" / "simple-infra" / "stale.txt").write_text("from an older synth\n")

    assert synth(ENVIRONMENTS_DIR, out, ["simple"]) == ["simple-infra", "simple-platform"]

    after = {p.relative_to(out): p.read_bytes() for p in (out / "stacks").rglob("*") if p.is_file()}
    assert sorted(_manifest(out)) == ["ha-infra", "ha-platform", "simple-infra", "simple-platform"]
    assert {k: v for k, v in _manifest(out).items() if k.startswith("ha-")} == ha_entries
    assert after.pop(Path("stacks/ha-infra/.terraform.lock.hcl")) == b"# lock\n"
    assert Path("stacks/simple-infra/stale.txt") not in after  # the named stacks are replaced whole
    assert after == before
    assert [p.name for p in tmp_path.iterdir() if p.name != "cdktf.out"] == []


def test_all_environments_replace_the_whole_output(tmp_path: Path) -> None:
    out = tmp_path / "cdktf.out"
    (out / "stacks" / "gone-infra").mkdir(parents=True)
    (out / "manifest.json").write_text(
        json.dumps({"stacks": {"gone-infra": {"workingDirectory": "stacks/gone-infra"}}})
    )
    synth(ENVIRONMENTS_DIR, out)
    assert "gone-infra" not in _manifest(out)
    assert not (out / "stacks" / "gone-infra").exists()


def test_a_foreign_manifest_entry_is_not_followed(tmp_path: Path) -> None:
    """An entry pointing outside ``stacks/<name>`` is dropped, never copied from."""
    out = tmp_path / "cdktf.out"
    secret = tmp_path / "elsewhere"
    secret.mkdir()
    (secret / "key").write_text("private")
    (out / "stacks").mkdir(parents=True)
    (out / "manifest.json").write_text(
        json.dumps({"stacks": {"x": {"workingDirectory": "../elsewhere"}, "y": {"workingDirectory": "stacks/x"}}})
    )
    synth(ENVIRONMENTS_DIR, out, ["simple"])
    assert sorted(_manifest(out)) == ["simple-infra", "simple-platform"]
    assert not any(p.name == "key" for p in out.rglob("*"))


def test_cdktf_cli_synthesizes_one_environment_beside_a_broken_one(
    tmp_path: Path, shipped_stacks: dict[str, dict[str, object]]
) -> None:
    """The README's way for the cdktf CLI: ``--app "python -m stacks <env>"``."""
    if not CDKTF.exists():
        pytest.fail("cdktf CLI not installed: run scripts/setup (it installs package.json into node_modules)")
    project = tmp_path / "project"
    (project / "environments").mkdir(parents=True)
    shutil.copy(ROOT / "cdktf.json", project / "cdktf.json")
    shutil.copy(ENVIRONMENTS_DIR / "simple.hcl", project / "environments" / "simple.hcl")
    (project / "environments" / "draft.hcl").write_text(HALF_WRITTEN)
    venv_bin = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": f"{venv_bin}:{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
        "CHECKPOINT_DISABLE": "1",
        "CI": "1",
    }
    command = [str(CDKTF), "synth"]
    broken = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert broken.returncode != 0
    assert "draft.hcl:3" in broken.stdout + broken.stderr
    result = subprocess.run(
        [*command, "--app", "python -m stacks simple"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    for stack in ("simple-infra", "simple-platform"):
        document = json.loads((project / "cdktf.out" / "stacks" / stack / "cdk.tf.json").read_text())
        assert document == shipped_stacks[stack]


def test_an_editor_s_hidden_files_are_no_environments(env_dir: Callable[..., Path], tmp_path: Path) -> None:
    """Emacs's lock file ``.#simple.hcl`` (a dangling link) and other hidden files are skipped."""
    directory = env_dir("simple")
    (directory / ".#simple.hcl").symlink_to("root@host.1234:1700000000")
    (directory / ".simple.hcl").write_text(HALF_WRITTEN)
    assert synth(directory, tmp_path / "out") == ["simple-infra", "simple-platform"]
