"""The README's sample `platformctl preview` command runs as written, with and without a synth."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _sample_command() -> list[str]:
    """The README's one shell line that runs preview on a plan shipped in the repository."""
    lines = [
        line
        for block in re.findall(r"```sh\n(.*?)```", README, re.S)
        for line in block.splitlines()
        if line.startswith("platformctl preview ") and "tests/fixtures/plans/" in line
    ]
    assert len(lines) == 1, lines
    argv = shlex.split(lines[0])
    assert argv[0] == "platformctl"
    return argv[1:]


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "platformctl", *argv], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_the_sample_plan_exists_and_previews_from_a_fresh_clone(tmp_path: Path) -> None:
    argv = _sample_command()
    plans = [a.partition("=")[2] or a for a in argv if "tests/fixtures/plans/" in a]
    assert plans and all((ROOT / p).is_file() for p in plans)
    # A fresh clone: the fixture where the command names it, no cdktf.out yet.
    shutil.copytree(ROOT / "tests" / "fixtures" / "plans", tmp_path / "tests" / "fixtures" / "plans")

    result = _run(argv, tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    report = result.stdout
    assert "**Note:** no synth directory" in report
    assert "openstack_containerinfra_cluster_v1.cluster_A4C38409" in report
    assert "PLANTED" not in report  # the sample's planted secrets stay hidden


def test_after_a_synth_the_sample_names_construct_paths(tmp_path: Path, shipped_out: Path) -> None:
    argv = _sample_command()
    shutil.copytree(ROOT / "tests" / "fixtures" / "plans", tmp_path / "tests" / "fixtures" / "plans")
    (tmp_path / "cdktf.out").symlink_to(shipped_out, target_is_directory=True)

    result = _run(argv, tmp_path)

    assert result.returncode == 0, result.stderr
    assert "`magnum-infra/cluster/cluster`" in result.stdout
    assert "no synth directory" not in result.stdout
