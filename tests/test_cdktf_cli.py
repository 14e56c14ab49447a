"""`cdktf synth` through cdktf.json's app gives the same stacks as the plain Python entry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CDKTF = ROOT / "node_modules" / ".bin" / "cdktf"


def test_cdktf_synth_matches_python_entry(shipped_stacks, tmp_path: Path) -> None:
    if not CDKTF.exists():
        pytest.fail("cdktf CLI not installed: run scripts/setup (it installs package.json into node_modules)")
    venv_bin = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{venv_bin}:{os.environ['PATH']}", "CHECKPOINT_DISABLE": "1", "CI": "1"}
    out = tmp_path / "cdktf.out"
    result = subprocess.run(
        [str(CDKTF), "synth", "--output", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    for stack, doc in shipped_stacks.items():
        assert json.loads((out / "stacks" / stack / "cdk.tf.json").read_text()) == doc, stack
