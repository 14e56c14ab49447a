"""Synth cost against the cdktf runtime's own cost.

Each measurement is a fresh interpreter (import cost is most of the cost), repeated, median:

- runtime:  import cdktf and exactly the provider binding modules the library loads, and
            synthesize an app with one empty stack;
- shipped:  ``python -m stacks`` on the shipped environments;
- 50 groups: the same on a generated environment with 50 node groups.

Usage: ``.venv/bin/python scripts/benchmark.py [--runs N]``. Figures depend on the machine;
they are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_LIST_MODULES = """
import json, sys
import stacks.app  # everything the app imports
bindings = [m for m in sys.modules if m.startswith(("cdktf", "constructs")) and not m.startswith("constructs_lib")]
print(json.dumps(sorted(bindings)))
"""

_RUNTIME = """
import os, sys, json, importlib, tempfile
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")
for name in json.loads(sys.argv[1]):
    importlib.import_module(name)
from cdktf import App, TerraformStack
app = App(outdir=tempfile.mkdtemp())
TerraformStack(app, "empty")
app.synth()
"""


def _timed(cmd: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _generated_environment(directory: Path, groups: int) -> None:
    text = (ROOT / "environments" / "ha.hcl").read_text()
    roles = ("system", "frontend", "worker", "gpu")
    for i in range(groups):
        text += (
            f'\nnode_group "pool-{i:02d}" {{\n  role = "{roles[i % len(roles)]}"\n  flavor = "SL1.4-16384"\n'
            f"  count = 2\n  min_count = 1\n  max_count = 5\n}}\n"
        )
    (directory / "bench50.hcl").write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    py = sys.executable
    modules = subprocess.run([py, "-c", _LIST_MODULES], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        runtime = _timed([py, "-c", _RUNTIME, modules], args.runs)
        shipped = _timed([py, "-m", "stacks", "--out", str(tmp_path / "shipped")], args.runs)
        envs = tmp_path / "envs"
        envs.mkdir()
        _generated_environment(envs, 50)
        large = _timed(
            [py, "-m", "stacks", "--environments-dir", str(envs), "--out", str(tmp_path / "large")], args.runs
        )
    result = {
        "runs": args.runs,
        "cdktf_runtime_s": round(runtime, 2),
        "shipped_environments_s": round(shipped, 2),
        "ratio": round(shipped / runtime, 2),
        "environment_with_50_node_groups_s": round(large, 2),
    }
    print(f"cdktf runtime (imports + empty app synth): {runtime:6.2f} s")
    print(f"shipped environments (4 stacks):            {shipped:6.2f} s   ratio {shipped / runtime:.2f}")
    print(f"generated environment with 50 node groups:  {large:6.2f} s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
