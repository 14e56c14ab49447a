"""``platformctl preview``: a Markdown report of ``terraform show -json`` plans for a merge request.

One plan per stack. The report names resources by construct path (joined through the synth
directory's ``cdk.tf.json``), puts destroys and replacements first with the arguments that
force them, never prints a sensitive value, and stays under a comment size limit. With
``--format gitlab-report`` it writes GitLab's terraform report instead.

Imports only the standard library and platformctl's own light modules: no cdktf.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constructs_lib._collector import collector_paused

from .drivers import environment_drivers, stack_driver
from .errors import CommandError
from .markdown import code, text, write_output
from .plan import Plan, config_addresses, parse_plan, read_plan_document, stack_from_file_name
from .report import DEFAULT_MAX_CHARS, StackPlan, render_gitlab_report, render_markdown
from .synth_output import SynthStack, read_synth_dir

DEFAULT_SYNTH_DIR = Path("cdktf.out")
_STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "preview",
        help="a Markdown report of terraform plans (JSON) for a merge request",
        description=(
            "Read `terraform show -json` plans, one per stack, and write a Markdown report: a summary per stack, "
            "destroys and replacements first (with the arguments that force them), changed attributes by construct "
            "path, output changes and drift. Sensitive values are never printed."
        ),
    )
    parser.add_argument(
        "--plan",
        dest="plans",
        metavar="[STACK=]PATH",
        action="extend",
        nargs="+",
        required=True,
        help="a plan JSON file; the stack is STACK, else the file name (ha-infra.plan.json), "
        "else the stack of the synth dir whose resources the plan declares",
    )
    parser.add_argument(
        "--synth-dir",
        type=Path,
        default=None,
        help="the cdktf output the plans were made from "
        f"(default: {DEFAULT_SYNTH_DIR}, left out with a note if missing)",
    )
    parser.add_argument(
        "--environments-dir",
        type=Path,
        default=Path("environments"),
        metavar="DIR",
        help="where the environment files are: a stack's cluster driver is read from <ENV>.hcl, for what forces "
        "a replacement where a plan does not say (default: environments; none if missing)",
    )
    parser.add_argument("--format", choices=("markdown", "gitlab-report"), default="markdown")
    parser.add_argument("--out", type=Path, help="write here instead of standard output")
    parser.add_argument(
        "--max-chars",
        type=int,
        default=DEFAULT_MAX_CHARS,
        help=f"keep the Markdown under this many characters (default {DEFAULT_MAX_CHARS:,}; 0: no limit)",
    )
    parser.set_defaults(run=run)


@dataclass(frozen=True)
class PlanSpec:
    path: Path
    stack: str | None  #: given as STACK=PATH


def parse_spec(value: str) -> PlanSpec:
    """``ha-infra=plans/a.json`` or ``plans/ha-infra.plan.json``."""
    name, sep, rest = value.partition("=")
    if sep and rest and _STACK_NAME.fullmatch(name) and not Path(value).exists():
        return PlanSpec(Path(rest), name)
    return PlanSpec(Path(value), None)


def _stack_list(synth: dict[str, SynthStack], synth_dir: Path) -> str:
    return f"the stacks of {synth_dir} are: {', '.join(sorted(synth))}"


def assign_stack(spec: PlanSpec, document: dict[str, Any], synth: dict[str, SynthStack] | None, synth_dir: Path) -> str:
    """The stack a plan belongs to: given, named by the file, or found by its resource addresses."""
    if synth is None:
        return spec.stack or stack_from_file_name(spec.path)
    if spec.stack is not None:
        if spec.stack not in synth:
            raise CommandError(f"{spec.path}: unknown stack {spec.stack!r}; {_stack_list(synth, synth_dir)}")
        return spec.stack
    for candidate in (stack_from_file_name(spec.path), spec.path.resolve().parent.name):
        if candidate in synth:
            return candidate
    declared = config_addresses(document)
    if declared:
        exact = [name for name, stack in synth.items() if set(stack.resources) == declared]
        if len(exact) == 1:
            return exact[0]
        scores = {name: _similarity(declared, set(stack.resources)) for name, stack in synth.items()}
        best = max(scores.values())
        matches = exact or [name for name, score in scores.items() if score == best and score >= 0.5]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise CommandError(
                f"{spec.path}: cannot tell which stack this plan is for: its resources match "
                f"{', '.join(sorted(matches))} equally; name it with --plan STACK={spec.path}"
            )
    raise CommandError(
        f"{spec.path}: cannot tell which stack this plan is for: the file name names no stack and its resources "
        f"match none; name it with --plan STACK={spec.path} ({_stack_list(synth, synth_dir)})"
    )


def _similarity(a: frozenset[str] | set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def _load_synth(explicit: Path | None) -> tuple[dict[str, SynthStack] | None, Path, list[str]]:
    if explicit is not None:
        if not explicit.is_dir():
            raise CommandError(f"{explicit}: no such synth directory; run `scripts/synth` or `cdktf synth` first")
        return read_synth_dir(explicit), explicit, []
    if not DEFAULT_SYNTH_DIR.is_dir():
        return None, DEFAULT_SYNTH_DIR, [_no_synth_note(f"{code(str(DEFAULT_SYNTH_DIR))} not found")]
    try:
        return read_synth_dir(DEFAULT_SYNTH_DIR), DEFAULT_SYNTH_DIR, []
    except CommandError as err:
        return None, DEFAULT_SYNTH_DIR, [_no_synth_note(text(str(err)))]


def _no_synth_note(reason: str) -> str:
    return (
        f"**Note:** no synth directory ({reason}): construct paths are read from cdktf's resource names "
        "where they can be, stacks are named after the plan files. Pass `--synth-dir cdktf.out` after `cdktf synth`."
    )


def load(
    plan_args: list[str], synth_dir: Path | None, environments_dir: Path | None = None
) -> tuple[list[StackPlan], list[str]]:
    """Read and check every plan, and find its stack; raise on the first bad input."""
    synth, synth_path, notes = _load_synth(synth_dir)
    plans: list[Plan] = []
    seen: dict[str, Path] = {}
    for value in plan_args:
        spec = parse_spec(value)
        document = read_plan_document(spec.path)
        plan = parse_plan(document, spec.path, stack="")
        name = assign_stack(spec, document, synth, synth_path)
        if name in seen:
            raise CommandError(f"{spec.path}: a second plan for stack {name!r} (the first is {seen[name]})")
        seen[name] = spec.path
        plan.stack = name
        plans.append(plan)
    drivers = _stack_drivers(environments_dir, [plan.stack for plan in plans])
    stacks = [
        StackPlan(plan, synth.get(plan.stack) if synth else None, stack_driver(plan.stack, drivers)) for plan in plans
    ]
    _share_secrets(stacks)
    for stack in stacks:
        notes.extend(_plan_notes(stack))
    return stacks, notes


def _stack_drivers(environments_dir: Path | None, stacks: list[str]) -> dict[str, str]:
    """The drivers of the environments the plans' stacks belong to (stack ``<env>-<part>``):
    only those files are read, and none (nor the HCL reader loaded) when no stack has one."""
    if environments_dir is None or not environments_dir.is_dir():
        return {}
    names = {path.stem for path in environments_dir.glob("*.hcl")}
    wanted = {env for env in names if any(stack.startswith(f"{env}-") for stack in stacks)}
    return environment_drivers(environments_dir, wanted) if wanted else {}


def _share_secrets(stacks: list[StackPlan]) -> None:
    """Give every change the secrets of all plans: one stack's secret may appear unmarked in another's plan."""
    everything = stacks[0].plan.secrets if stacks else None
    for stack in stacks[1:]:
        everything = everything.union(stack.plan.secrets) if everything is not None else stack.plan.secrets
    if everything is None:
        return
    for stack in stacks:
        plan = stack.plan
        if plan.secrets.exact == everything.exact:
            continue
        plan.secrets = everything
        plan.changes = [dataclasses.replace(c, secrets=everything) for c in plan.changes]
        plan.drift = [dataclasses.replace(c, secrets=everything) for c in plan.drift]
        plan.outputs = [dataclasses.replace(o, secrets=everything) for o in plan.outputs]


def _plan_notes(stack: StackPlan) -> list[str]:
    notes = []
    plan: Plan = stack.plan
    if plan.errored:
        notes.append(f"**Warning:** the plan of {code(plan.stack)} errored: it is incomplete.")
    if stack.synth is not None:
        unknown = [
            c.address
            for c in plan.changes
            if c.listed and c.action not in ("delete", "forget") and stack.construct_path(c.address) is None
        ]
        if unknown:
            notes.append(
                f"**Note:** {len(unknown)} changed address(es) of {code(plan.stack)} are not in its synthesized stack "
                "(was the plan made from other code?); they are shown by address."
            )
    return notes


def run(args: argparse.Namespace) -> int:
    if args.max_chars < 0:
        raise CommandError(f"--max-chars {args.max_chars}: must be 0 (no limit) or more")
    # A plan's JSON is hundreds of thousands of containers that live until the report is
    # written: the collector rests meanwhile (it took a quarter of a 10,000-change preview).
    with collector_paused():
        stacks, notes = load(args.plans, args.synth_dir, args.environments_dir)
        if args.format == "gitlab-report":
            text = render_gitlab_report([s.plan for s in stacks])
        else:
            text = render_markdown(stacks, notes=notes, max_chars=args.max_chars or None)
    write_output(text, args.out)
    return 0
