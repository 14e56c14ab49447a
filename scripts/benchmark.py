"""Synth cost against the cdktf runtime's own cost, and the preview against terraform show.

Each measurement is a fresh interpreter (import cost is most of the cost), repeated, median:

- floor:    "floor A": a plain process that imports cdktf and the OpenStack bindings (as any
            app on them does, every submodule) and synthesizes an app with one stack holding
            one resource (an OpenStack network, with the provider it needs): what no synth on
            this runtime can go below. (It was an empty stack before; a stack with nothing in
            it never loads a binding's class nor makes a resource's round trips);
- shipped:  ``python -m stacks`` on the shipped environments, run in turn with the floor
            (floor, shipped, floor, shipped, ...) so a machine that slows down slows both;
            the ratio is shipped's median over the floor's;
- 1,000 and 5,000 groups: ``python -m stacks`` on environments/simple.hcl with 1,000 (5,000)
            more node groups (copies of its first node group, role ``worker``, count 1, read
            from the file at run time so the figures follow the file's schema), each run in
            turn with the floor; the ratio is the median of the pairs';
- 200 charts: ``python -m stacks`` on environments/simple.hcl with 200 ``helm_release`` blocks
            (each its own chart and version, placed on the ``worker`` nodes, after traefik,
            with a few values), run in turn with the floor as ``shipped`` is;
- peak memory: the largest resident set of each measured process (jsii's node process included);
- preview:  ``platformctl preview`` on a real terraform plan with 10,000 resource changes
            (4,000 updates, 2,000 replacements, 3,000 creates, 1,000 destroys of
            ``terraform_data``: version 1's state written as apply leaves it, version 2 planned
            by terraform), against ``terraform show`` (text) of the same binary plan file,
            run in turn; the ratio is the median of the pairs'. Needs terraform on PATH;
            building the plan is not timed;
- diff:     ``platformctl diff --base HEAD`` against one synth of the same environments, in a
            clone of HEAD: nothing changed, ``ha.hcl`` edited, code edited; every environment
            and ``ha`` alone; the base synthesized each time and kept from a first diff
            (``scripts/benchmark_commands.py`` says how).

jsii runs on the Node.js of ``JSII_NODE`` when set (``scripts/setup`` provides Node 24 as
``.venv/jsii/node``), else on ``node`` from PATH.

Usage: ``.venv/bin/python scripts/benchmark.py [--runs N] [--only synth|preview|diff]``. Figures
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

import benchmark_commands

ROOT = Path(__file__).resolve().parent.parent

#: Floor A: cdktf and the OpenStack bindings imported whole, one resource, synth.
_FLOOR = """
import sys
import cdktf_cdktf_provider_openstack
from cdktf import App, TerraformStack
from cdktf_cdktf_provider_openstack.networking_network_v2 import NetworkingNetworkV2
from cdktf_cdktf_provider_openstack.provider import OpenstackProvider
app = App(outdir=sys.argv[1])
stack = TerraformStack(app, "floor")
OpenstackProvider(stack, "openstack")
NetworkingNetworkV2(stack, "network", name="floor")
app.synth()
"""


def _run_once(cmd: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, peak resident MiB) of one run; the peak is the largest process's, the
    child's own or that of a process it waited for (jsii's node)."""
    start = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"benchmark command failed (exit {process.returncode}): {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss / 1024


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
    resources: list[dict[str, Any]] = []
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
        figures = benchmark_commands.preview_ratio(plan_json, plan_bin, synth, out, runs, _terraform_env())
        report_chars = len(out.read_text())
    return {
        "changes": changes,
        "actions": mix,
        "plan_json_mb": round(size_mb, 1),
        "build_s": round(build, 1),
        "preview_s": figures["a_s"],
        "terraform_show_s": figures["b_s"],
        "ratio_of_pairs": figures["wall_ratio"],
        "cpu_ratio_of_pairs": figures["cpu_ratio"],
        "report_chars": report_chars,
    }


def _hcl_value(value: Any) -> str:
    # HCL2 accepts JSON's strings, numbers, lists and objects; booleans are spelled alike.
    return json.dumps(value)


def _generated_environment(directory: Path, groups: int) -> str:
    """environments/simple.hcl plus ``groups`` node groups like its first one; returns the name."""
    import hcl2

    text = (ROOT / "environments" / "simple.hcl").read_text()
    parsed = hcl2.loads(text)
    templates = [body for block in parsed.get("node_group", []) for body in block.values()]
    if templates:
        template = {k: v for k, v in templates[0].items() if not k.startswith("__")}
    else:
        cluster = parsed.get("cluster", [{}])[0]
        flavor = cluster.get("worker_flavor") or cluster.get("flavor")
        if flavor is None:
            raise SystemExit("environments/simple.hcl has no node_group and no cluster flavor to copy")
        template = {"flavor": flavor}
    template.update(role="worker", count=1)
    for limit in ("min_count", "max_count"):
        template.pop(limit, None)
    for i in range(groups):
        body = "".join(f"  {key} = {_hcl_value(value)}\n" for key, value in template.items())
        text += f'\nnode_group "g{i}" {{\n{body}}}\n'
    name = f"groups{groups}"
    (directory / f"{name}.hcl").write_text(text)
    return name


def _charts_environment(directory: Path, charts: int) -> str:
    """environments/simple.hcl plus ``charts`` extra releases; returns the name."""
    text = (ROOT / "environments" / "simple.hcl").read_text()
    for i in range(charts):
        text += (
            f'\nhelm_release "chart{i}" {{\n'
            '  repository = "https://charts.example.com"\n'
            f'  chart      = "app{i}"\n'
            f'  version    = "1.0.{i}"\n'
            f'  namespace  = "apps{i % 7}"\n'
            '  role       = "worker"\n'
            '  depends_on = ["traefik"]\n'
            f'  values     = {{ replicaCount = 2, image = {{ tag = "v{i}" }} }}\n'
            "}\n"
        )
    name = f"charts{charts}"
    (directory / f"{name}.hcl").write_text(text)
    return name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=("synth", "preview", "diff"), help="run one part only (default: all)")
    args = parser.parse_args()
    result: dict[str, Any] = {"runs": args.runs}
    if args.only in (None, "synth"):
        result.update(_synth_benchmark(args.runs))
    if args.only in (None, "preview"):
        bench = _preview_benchmark(args.runs)
        result["preview"] = bench
        print(
            f"preview of a {bench['changes']:,}-change plan ({bench['plan_json_mb']} MB JSON): "
            f"{bench['preview_s']:6.2f} s   terraform show (text): {bench['terraform_show_s']:.2f} s   "
            f"report {bench['report_chars']:,} chars"
        )
    if args.only in (None, "diff"):
        result["diff"] = benchmark_commands.diff_ratios(args.runs)
    print(json.dumps(result))


def _synth_benchmark(runs: int) -> dict[str, Any]:
    py = sys.executable
    venv_node = Path(py).parent.parent / "jsii" / "node"
    if "JSII_NODE" not in os.environ and venv_node.exists():
        os.environ["JSII_NODE"] = str(venv_node)  # the supported Node of scripts/setup
    # The warm-up leaves bytecode, as an installation has: without it every run compiles the app.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        floor_cmd = [py, "-c", _FLOOR, str(tmp_path / "floor")]
        shipped_cmd = [py, "-m", "stacks", "--out", str(tmp_path / "shipped")]
        for cmd in (floor_cmd, shipped_cmd):  # warm-up: disk caches, jsii's package cache
            _run_once(cmd)
        floor: list[float] = []
        shipped: list[float] = []
        shipped_mib: list[float] = []
        for _ in range(runs):
            floor.append(_run_once(floor_cmd)[0])
            seconds, mib = _run_once(shipped_cmd)
            shipped.append(seconds)
            shipped_mib.append(mib)
        envs = tmp_path / "envs"
        envs.mkdir()
        groups: dict[int, list[tuple[float, float, float]]] = {}
        for count in (1000, 5000):
            name = _generated_environment(envs, count)
            out = str(tmp_path / f"groups{count}")
            groups_cmd = [py, "-m", "stacks", name, "--environments-dir", str(envs), "--out", out]
            # In turn with the floor: (seconds, peak MiB, the floor's seconds just before).
            groups[count] = [(_run_once(floor_cmd)[0], *_run_once(groups_cmd)) for _ in range(runs)]
        large = [(seconds, mib) for _, seconds, mib in groups[1000]]
        charts_name = _charts_environment(envs, 200)
        charts_cmd = [py, "-m", "stacks", charts_name, "--environments-dir", str(envs), "--out", str(tmp_path / "c")]
        _run_once(charts_cmd)  # warm-up
        charts: list[float] = []
        charts_floor: list[float] = []
        for _ in range(runs):
            charts_floor.append(_run_once(floor_cmd)[0])
            charts.append(_run_once(charts_cmd)[0])
    floor_s, shipped_s = statistics.median(floor), statistics.median(shipped)
    large_s = statistics.median(r[0] for r in large)
    large_mib = max(r[1] for r in large)
    result = {
        "floor_s": round(floor_s, 2),
        "shipped_environments_s": round(shipped_s, 2),
        "ratio": round(shipped_s / floor_s, 2),
        "ratio_of_pairs": round(statistics.median(s / f for s, f in zip(shipped, floor, strict=True)), 2),
        "shipped_peak_mib": round(max(shipped_mib)),
        "environment_with_1000_node_groups_s": round(large_s, 2),
        "environment_with_1000_node_groups_peak_mib": round(large_mib),
        **{
            f"node_groups_{count}_ratio_of_pairs": round(statistics.median(s / f for f, s, _ in pairs), 2)
            for count, pairs in groups.items()
        },
        "environment_with_5000_node_groups_s": round(statistics.median(s for _, s, _ in groups[5000]), 2),
        "environment_with_200_extra_charts_s": round(statistics.median(charts), 2),
        "extra_charts_ratio_of_pairs": round(
            statistics.median(c / f for c, f in zip(charts, charts_floor, strict=True)), 2
        ),
    }
    print(f"floor A (cdktf, OpenStack bindings, 1 resource): {floor_s:6.2f} s")
    print(
        f"shipped environments:                            {shipped_s:6.2f} s   ratio {shipped_s / floor_s:.2f}"
        f" (median of pairs {result['ratio_of_pairs']:.2f}), peak {result['shipped_peak_mib']} MiB"
    )
    print(
        f"simple + 1,000 node groups:                      {large_s:6.2f} s   peak {round(large_mib)} MiB"
        f"   median of pairs with the floor {result['node_groups_1000_ratio_of_pairs']:.2f}"
    )
    print(
        f"simple + 5,000 node groups:                      {result['environment_with_5000_node_groups_s']:6.2f} s"
        f"   median of pairs with the floor {result['node_groups_5000_ratio_of_pairs']:.2f}"
    )
    print(
        f"simple + 200 extra charts:                       {statistics.median(charts):6.2f} s"
        f"   median of pairs with the floor {result['extra_charts_ratio_of_pairs']:.2f}"
    )
    return result


if __name__ == "__main__":
    main()
