"""What users wait for in ``platformctl``, as ratios of paired whole-process runs.

Used by ``scripts/benchmark.py``. Each figure runs a command A and its yardstick B in turn
(A B A B ..., after one warm-up of each) and reports the median of the pairs' ratios A/B, of
wall time and of CPU time (user + system, the child's and what it waited for): on a machine
other work shares, a pair slows down together, so the ratio holds where times drift.

- ``preview``: ``platformctl preview`` of a plan against ``terraform show`` (text) of the same
  binary plan file.
- ``diff``: ``platformctl diff --base HEAD`` against one synth (``python -m stacks``) of the
  same environments, in a clone of this repository's HEAD (its working tree clean but for the
  edit a scenario makes; run as ``python -m platformctl`` from it, as from a clone with its
  editable install):

  - ``clean``: nothing changed;
  - ``ha.hcl edited``: a comment appended to ``environments/ha.hcl`` (its stacks are the same,
    but only a synth can tell);
  - ``code edited``: a comment appended to ``stacks/app.py`` (the base runs its own code);

  each over every environment and over ``ha`` alone, with ``--no-cache`` (the base synthesized
  every time) and with the base's synth kept from the warm-up (a second diff against the same
  commit).

Figures depend on the machine; they are reported, never asserted.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one whole-process run; a failure stops the benchmark."""
    start = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    said = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"benchmark command failed (exit {code}): {' '.join(cmd)}\n{said.decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime


def paired(
    a: list[str],
    b: list[str],
    runs: int,
    cwd: Path,
    env: dict[str, str] | None = None,
    b_cwd: Path | None = None,
    b_env: dict[str, str] | None = None,
) -> dict[str, float]:
    """A and B in turn, ``runs`` pairs after a warm-up of each: medians and the pairs' ratios."""
    _run(a, cwd, env)
    _run(b, b_cwd or cwd, b_env or env)
    pairs = [(_run(a, cwd, env), _run(b, b_cwd or cwd, b_env or env)) for _ in range(runs)]
    return {
        "a_s": round(statistics.median(x[0] for x, _ in pairs), 2),
        "b_s": round(statistics.median(y[0] for _, y in pairs), 2),
        "wall_ratio": round(statistics.median(x[0] / y[0] for x, y in pairs), 2),
        "wall_ratio_min": round(min(x[0] / y[0] for x, y in pairs), 2),
        "wall_ratio_max": round(max(x[0] / y[0] for x, y in pairs), 2),
        "cpu_ratio": round(statistics.median(x[1] / y[1] for x, y in pairs), 2),
    }


def _line(label: str, figures: dict[str, float], a: str, b: str) -> str:
    return (
        f"{label:<44} {a} {figures['a_s']:6.2f} s  {b} {figures['b_s']:6.2f} s  "
        f"ratio {figures['wall_ratio']:.2f} ({figures['wall_ratio_min']:.2f}-{figures['wall_ratio_max']:.2f}), "
        f"CPU {figures['cpu_ratio']:.2f}"
    )


def preview_ratio(
    plan_json: Path, plan_bin: Path, synth: Path, out: Path, runs: int, terraform_env: dict[str, str]
) -> dict[str, float]:
    """``platformctl preview`` of ``plan_json`` (report to ``out``) against ``terraform show`` of ``plan_bin``."""
    platformctl = str(Path(sys.executable).with_name("platformctl"))
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the warm-up leaves bytecode, as an installation has
    figures = paired(
        [platformctl, "preview", "--plan", str(plan_json), "--synth-dir", str(synth), "--out", str(out)],
        ["terraform", "show", "-no-color", plan_bin.name],
        runs,
        cwd=ROOT,
        env=env,
        b_cwd=plan_bin.parent,
        b_env=terraform_env,
    )
    print(_line("preview / terraform show", figures, "preview", "show"))
    return figures


#: Scenarios of the diff benchmark: a name and the edit it makes to the clone's working tree.
_EDITS: dict[str, Callable[[Path], None]] = {
    "clean": lambda repo: None,
    "ha.hcl edited": lambda repo: _append(repo / "environments" / "ha.hcl", "\n# edited\n"),
    "code edited": lambda repo: _append(repo / "stacks" / "app.py", "\n# edited\n"),
}


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def diff_ratios(runs: int) -> dict[str, Any]:
    """``platformctl diff --base HEAD`` against one synth of the same environments (see above)."""
    env = dict(os.environ)
    venv_node = Path(sys.executable).parent.parent / "jsii" / "node"
    if "JSII_NODE" not in env and venv_node.exists():
        env["JSII_NODE"] = str(venv_node)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the warm-up leaves bytecode, as an installed clone has
    results: dict[str, Any] = {}
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        for scenario, edit in _EDITS.items():
            repo = tmp_path / scenario.replace(" ", "-").replace(".", "-")
            subprocess.run(["git", "clone", "--quiet", str(ROOT), str(repo)], check=True)
            edit(repo)
            for names in ([], ["ha"]):
                synth = [py, "-m", "stacks", "--out", str(tmp_path / "synth"), *names]
                for cached in (False, True):
                    diff = [py, "-m", "platformctl", "diff", "--base", "HEAD", "--out", str(tmp_path / "d.md"), *names]
                    if not cached:
                        diff.append("--no-cache")
                    label = f"diff {' '.join(names) or 'every environment'}, {scenario}" + (
                        ", base kept" if cached else ""
                    )
                    if cached and scenario == "clean":
                        continue  # nothing of the base is synthesized: nothing to keep
                    figures = paired(diff, synth, runs, cwd=repo, env=env)
                    results[label] = figures
                    print(_line(label, figures, "diff", "synth"))
    return results
