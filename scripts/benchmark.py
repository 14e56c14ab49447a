"""Synth cost against the cdktf runtime's own cost.

Each measurement is a fresh interpreter (import cost is most of the cost), repeated, median:

- runtime:  import cdktf and exactly the provider binding modules the library loads, and
            synthesize an app with one empty stack;
- shipped:  ``python -m stacks`` on the shipped environments;
- 50 groups: the same on a generated environment with 50 node groups;
- preview:  ``platformctl preview`` on a real terraform plan with 10,000 resource changes
            (4,000 updates, 2,000 replacements, 3,000 creates, 1,000 destroys of
            ``terraform_data``: version 1's state written as apply leaves it, version 2 planned
            by terraform), against ``terraform show`` (text) of the same binary plan file.
            Needs terraform on PATH; building the plan is not timed.

Usage: ``.venv/bin/python scripts/benchmark.py [--runs N] [--only synth|preview]``. Figures
depend on the machine; they are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

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


def _timed(cmd: list[str], runs: int, cwd: Path = ROOT, env: dict[str, str] | None = None) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


#: Resources per block of the preview benchmark: (count in version 1, count in version 2).
_PREVIEW_POOLS = {"updated": (4000, 4000), "replaced": (2000, 2000), "created": (0, 3000), "destroyed": (1000, 0)}


def _preview_stack(version: int, state: Path) -> dict[str, Any]:
    """A cdk.tf.json (with cdktf's ``"//"`` metadata) of ``terraform_data`` pools."""
    resources: dict[str, Any] = {}
    for name, counts in _PREVIEW_POOLS.items():
        count = counts[version - 1]
        if not count:
            continue
        resources[f"pools_{name}"] = {
            "//": {"metadata": {"path": f"bench/pools/{name}", "uniqueId": f"pools_{name}"}},
            "count": count,
            "input": f"{name}-${{count.index}}-" + (f"v{version}" if name == "updated" else "v1"),
            "triggers_replace": f"v{version}" if name == "replaced" else "v1",
        }
    return {
        "//": {"metadata": {"backend": "local", "stackName": "bench", "version": "0.20.12"}},
        "terraform": {"backend": {"local": {"path": str(state)}}},
        "resource": {"terraform_data": resources},
    }


def _preview_state(state: Path) -> None:
    """The state version 1 leaves after apply, written directly: applying 7,000 resources takes
    minutes, and the plan of version 2 against this state is the same real plan."""
    resources = []
    for name, (count, _) in _PREVIEW_POOLS.items():
        if not count:
            continue
        instances = []
        for index in range(count):
            value = {"value": f"{name}-{index}-v1", "type": "string"}
            attributes = {
                "id": str(uuid.UUID(int=len(resources) << 64 | index)),
                "input": value,
                "output": value,
                "triggers_replace": {"value": "v1", "type": "string"},
            }
            instances.append(
                {"index_key": index, "schema_version": 0, "attributes": attributes, "sensitive_attributes": []}
            )
        resources.append(
            {
                "mode": "managed",
                "type": "terraform_data",
                "name": f"pools_{name}",
                "provider": 'provider["terraform.io/builtin/terraform"]',
                "instances": instances,
            }
        )
    document = {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 1,
        "lineage": "5f0b7a4e-0000-4000-8000-00000000be9c",
        "outputs": {},
        "resources": resources,
        "check_results": None,
    }
    state.write_text(json.dumps(document))


def _terraform_env() -> dict[str, str]:
    env = dict(os.environ, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    # A CLI configuration variable naming a missing file makes terraform warn on every run.
    if not Path(env.get("TF_CLI_CONFIG_FILE", "") or "/").is_file():
        env.pop("TF_CLI_CONFIG_FILE", None)
    return env


def _preview_plan(tmp: Path) -> tuple[Path, Path, Path]:
    """Version 1's state, then a plan of version 2: (plan JSON, binary plan, synth dir)."""
    env = _terraform_env()
    state = tmp / "bench.tfstate"
    _preview_state(state)
    synth = tmp / "cdktf.out"
    stack_dir = synth / "stacks" / "bench"
    stack_dir.mkdir(parents=True)
    (stack_dir / "cdk.tf.json").write_text(json.dumps(_preview_stack(2, state), indent=2))
    quiet: dict[str, Any] = {"cwd": stack_dir, "env": env, "check": True, "stdout": subprocess.DEVNULL}
    subprocess.run(["terraform", "init", "-input=false"], **quiet)
    subprocess.run(["terraform", "plan", "-input=false", "-parallelism=50", "-out=bench.tfplan"], **quiet)
    plan_json = stack_dir / "bench.plan.json"
    with plan_json.open("w") as out:
        show = ["terraform", "show", "-json", "bench.tfplan"]
        subprocess.run(show, cwd=stack_dir, env=env, check=True, stdout=out)
    return plan_json, stack_dir / "bench.tfplan", synth


def _preview_benchmark(runs: int) -> dict[str, Any]:
    if shutil.which("terraform") is None:
        raise SystemExit("the preview benchmark needs terraform on PATH")
    platformctl = str(Path(sys.executable).with_name("platformctl"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        start = time.perf_counter()
        plan_json, plan_bin, synth = _preview_plan(tmp_path)
        build = time.perf_counter() - start
        entries = json.loads(plan_json.read_text())["resource_changes"]
        changes = sum(1 for c in entries if c["change"]["actions"] != ["no-op"])
        mix: dict[str, int] = {}
        for entry in entries:
            key = "-".join(entry["change"]["actions"])
            mix[key] = mix.get(key, 0) + 1
        size_mb = plan_json.stat().st_size / 1e6
        out = tmp_path / "preview.md"
        preview = _timed(
            [platformctl, "preview", "--plan", str(plan_json), "--synth-dir", str(synth), "--out", str(out)], runs
        )
        show_cmd = ["terraform", "show", "-no-color", plan_bin.name]
        show = _timed(show_cmd, runs, cwd=plan_bin.parent, env=_terraform_env())
        report_chars = len(out.read_text())
    return {
        "changes": changes,
        "actions": mix,
        "plan_json_mb": round(size_mb, 1),
        "build_s": round(build, 1),
        "preview_s": round(preview, 2),
        "terraform_show_s": round(show, 2),
        "report_chars": report_chars,
    }


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
    parser.add_argument("--only", choices=("synth", "preview"), help="run one part only (default: both)")
    args = parser.parse_args()
    result: dict[str, Any] = {"runs": args.runs}
    if args.only != "preview":
        result.update(_synth_benchmark(args.runs))
    if args.only != "synth":
        bench = _preview_benchmark(args.runs)
        result["preview"] = bench
        print(
            f"preview of a {bench['changes']:,}-change plan ({bench['plan_json_mb']} MB JSON): "
            f"{bench['preview_s']:6.2f} s   terraform show (text): {bench['terraform_show_s']:.2f} s   "
            f"report {bench['report_chars']:,} chars"
        )
    print(json.dumps(result))


def _synth_benchmark(runs: int) -> dict[str, Any]:
    py = sys.executable
    modules = subprocess.run([py, "-c", _LIST_MODULES], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        runtime = _timed([py, "-c", _RUNTIME, modules], runs)
        shipped = _timed([py, "-m", "stacks", "--out", str(tmp_path / "shipped")], runs)
        envs = tmp_path / "envs"
        envs.mkdir()
        _generated_environment(envs, 50)
        large = _timed([py, "-m", "stacks", "--environments-dir", str(envs), "--out", str(tmp_path / "large")], runs)
    result = {
        "cdktf_runtime_s": round(runtime, 2),
        "shipped_environments_s": round(shipped, 2),
        "ratio": round(shipped / runtime, 2),
        "environment_with_50_node_groups_s": round(large, 2),
    }
    print(f"cdktf runtime (imports + empty app synth): {runtime:6.2f} s")
    print(f"shipped environments (4 stacks):            {shipped:6.2f} s   ratio {shipped / runtime:.2f}")
    print(f"generated environment with 50 node groups:  {large:6.2f} s")
    return result


if __name__ == "__main__":
    main()
