"""The Markdown report of ``platformctl preview``, kept under a size limit.

Layout: a verdict line and a summary table per stack (never shortened), then destroys and
replacements (under a warning), then per stack the other resource changes, output changes
and drift. Every listed item has a short form (one line) and a full form (with its changed
attributes). Under a size limit, short forms are kept in priority order (destroys and
replacements first), then as many as fit are upgraded to their full form; what does not fit
is counted in an "and N more" line.
"""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from . import resource_kinds
from .errors import CommandError
from .markdown import code, plural, text
from .masking import NO_SECRETS, Secrets
from .plan import ACTION_REASONS, OutputChange, Plan, ResourceChange, instance_suffix
from .synth_output import SearchBudget, SynthStack, recover_construct_path
from .values import AttributeChange

#: GitHub refuses comments over 65,536 characters; this leaves room for a wrapper.
DEFAULT_MAX_CHARS = 65_000

#: Attribute tables longer than this are folded.
FOLD_ROWS = 8
#: A stack's list of other changes longer than this is folded.
FOLD_ITEMS = 10

_ICONS = {
    "create": "➕",
    "update": "🔧",
    "replace": "🔁",
    "delete": "🗑️",
    "forget": "👋",
    "move": "🚚",
    "import": "📥",
}
_WORDS = {
    "create": "add",
    "update": "change",
    "replace": "replace",
    "delete": "destroy",
    "forget": "forget",
    "move": "move",
    "import": "import",
}
_OTHER_ORDER = {"forget": 0, "update": 1, "create": 2, "import": 3, "move": 4}

# Priorities: lower is kept first. Short forms of destroys/replacements come before anything.
_P_DANGER, _P_OTHER, _P_DANGER_FULL, _P_OTHER_FULL, _P_OUTPUT, _P_DRIFT, _P_DRIFT_FULL = range(7)
#: Room kept per group for its "and N more" line, and for the closing note.
_NOTE_RESERVE = 160
#: Upgrades tried in a row that do not fit before giving up (bounds the work on huge plans).
_MAX_MISSES = 40


@dataclass(frozen=True)
class Ink:
    """Writes untrusted text into the report: secrets of the plans scrubbed, then escaped.

    It also carries the report's budget for rebuilding construct paths from made-up names.
    """

    secrets: Secrets = NO_SECRETS
    search: SearchBudget = field(default_factory=SearchBudget)

    def code(self, value: str) -> str:
        return code(self.secrets.scrub(value))

    def text(self, value: str) -> str:
        return text(self.secrets.scrub(value))


@dataclass(frozen=True)
class StackPlan:
    """A plan with the synthesized stack it belongs to (None when there is no synth dir)."""

    plan: Plan
    synth: SynthStack | None
    #: The cluster driver of the stack's environment (read from its environment file), when known:
    #: where a plan gives no replace_paths, the arguments that force a replacement are its own.
    driver: str | None = None

    @property
    def name(self) -> str:
        return self.plan.stack

    def construct_path(self, address: str) -> str | None:
        if self.synth is None:
            return None
        path = self.synth.construct_path(address)
        return f"{path}{instance_suffix(address)}" if path else None


# --- Markdown helpers --------------------------------------------------------------------


def _attribute_table(
    changes: Sequence[AttributeChange], forced: Callable[[AttributeChange], bool], indent: str, ink: Ink
) -> str:
    rows = [
        f"{indent}| {ink.code(c.path)}{' ⚠️ forces replacement' if forced(c) else ''} "
        f"| {ink.code(c.before)} | {ink.code(c.after)} |"
        for c in changes
    ]
    table = "\n".join([f"{indent}| attribute | before | after |", f"{indent}|---|---|---|", *rows]) + "\n"
    if len(changes) > FOLD_ROWS:
        summary = html.escape(f"{len(changes)} changed attributes")
        return f"\n{indent}<details><summary>{summary}</summary>\n\n{table}\n{indent}</details>\n"
    return f"\n{table}"


# --- units and groups --------------------------------------------------------------------


@dataclass
class _Unit:
    """An item of the report. Its forms are written only when the fit reaches it: of 10,000
    changes a report under the size limit shows a few hundred."""

    order: int
    priority: int
    render_short: Callable[[], str]
    full_priority: int | None = None
    full: Callable[[str], str] | None = None  #: the full form, given the short one
    chosen: str | None = None
    _short: str | None = None

    @property
    def short(self) -> str:
        if self._short is None:
            self._short = self.render_short()
        return self._short


@dataclass
class _Group:
    head: str
    tail: str
    noun: str  #: what the "and N more" line counts
    units: list[_Unit] = field(default_factory=list)


class _Report:
    def __init__(self, stacks: Sequence[StackPlan], ink: Ink) -> None:
        self.stacks = stacks
        self.ink = ink
        self.groups: list[_Group] = []
        self._order = 0

    def unit(
        self,
        group: _Group,
        priority: int,
        short: Callable[[], str],
        full_priority: int | None = None,
        full: Callable[[str], str] | None = None,
    ) -> None:
        self._order += 1
        group.units.append(_Unit(self._order, priority, short, full_priority, full))

    def resource(
        self,
        group: _Group,
        priority: int,
        full_priority: int,
        short: Callable[[StackPlan, ResourceChange, Ink], str],
        stack: StackPlan,
        change: ResourceChange,
    ) -> None:
        """A resource change: its one line, and in full with its changed attributes."""
        full = _resource_full(change, self.ink, driver=stack.driver)
        self.unit(group, priority, functools.partial(short, stack, change, self.ink), full_priority, full)


def _label(stack: StackPlan, change: ResourceChange, ink: Ink) -> str:
    """``demo/cluster/cluster`` (``terraform_data.cluster_A4C38409``): kind."""
    path = stack.construct_path(change.address)
    gone = ""
    if path is None:
        # Not in the synth (removed from the code, or no synth dir): cdktf's name tells it.
        recovered = recover_construct_path(stack.name, change.address, ink.search)
        if recovered:
            path = f"{recovered}{instance_suffix(change.address)}"
            gone = " (no longer in the code)" if stack.synth is not None else ""
    kind = resource_kinds.describe(change.type) or f"a {ink.code(change.type)}"
    if change.mode == "data":
        kind = f"data source {ink.code(change.type)}"
    deposed = f" (deposed object {ink.code(change.deposed)})" if change.deposed else ""
    if path:
        return f"{ink.code(path)}{gone}: {kind} ({ink.code(change.address)}{deposed})"
    where = f" in {ink.code(stack.name)}" if len(stack.name) else ""
    return f"{ink.code(change.address)}{deposed}{where}: {kind}"


def _forced_checker(change: ResourceChange, driver: str | None = None) -> Callable[[AttributeChange], bool]:
    """Whether an attribute is one of those that force the replacement."""
    if change.action != "replace":
        return lambda _c: False
    paths = change.replace_paths()
    if paths:

        def forced(c: AttributeChange) -> bool:
            return any(c.path == p or c.path.startswith((p + ".", p + "[")) for p in paths)

        return forced
    return lambda c: bool(resource_kinds.forces_replacement(change.type, c.top_level, driver))


def _reason(change: ResourceChange, ink: Ink) -> str:
    """Terraform's reason in words; one this module does not know, as code."""
    reason = change.action_reason or ""
    return ACTION_REASONS.get(reason) or f"{ink.code(reason)} (terraform's reason)"


def _danger_short(stack: StackPlan, change: ResourceChange, ink: Ink) -> str:
    icon, word = _ICONS[change.action], _WORDS[change.action]
    lines = [f"- {icon} **{word}** {_label(stack, change, ink)}"]
    if change.action == "replace":
        paths = change.replace_paths()
        if paths:
            lines.append(f"  - forced by: {', '.join(ink.code(p) for p in paths)}")
        else:
            tops = {c.top_level for c in change.attribute_changes()}
            known = sorted(t for t in tops if resource_kinds.forces_replacement(change.type, t, stack.driver))
            if known:
                lines.append(f"  - forced by (per the provider's docs): {', '.join(ink.code(p) for p in known)}")
        order = "new one created first" if change.actions[:1] == ("create",) else "destroyed first, then created"
        lines.append(f"  - order: {order}")
    if change.action_reason:
        lines.append(f"  - why: {_reason(change, ink)}")
    if change.moved:
        lines.append(f"  - moved from {ink.code(change.previous_address or '')}")
    return "\n".join(lines) + "\n"


def _resource_full(
    change: ResourceChange, ink: Ink, indent: str = "  ", driver: str | None = None
) -> Callable[[str], str]:
    def full(short: str) -> str:
        if change.action == "delete":
            return short
        changes = change.attribute_changes()
        if not changes:
            return short
        return short + _attribute_table(changes, _forced_checker(change, driver), indent, ink)

    return full


def _other_short(stack: StackPlan, change: ResourceChange, ink: Ink) -> str:
    kind = change.kind
    line = f"- {_ICONS[kind]} **{_WORDS[kind]}** {_label(stack, change, ink)}"
    if change.moved:
        line += f", moved from {ink.code(change.previous_address or '')}"
    if change.importing and kind != "import":
        line += ", imported"
    if kind == "forget":
        line += " — leaves the state; the object itself is kept"
    return line + "\n"


def _drift_short(stack: StackPlan, change: ResourceChange, ink: Ink) -> str:
    what = "deleted outside Terraform" if change.action == "delete" else "changed outside Terraform"
    return f"- 🌀 {_label(stack, change, ink)}: {what}\n"


def _output_rows(output: OutputChange, ink: Ink) -> str:
    changes = output.attribute_changes()
    name, action = ink.code(output.name), output.action  # one of the actions the plan's check allows
    if not changes:
        return f"| {name} | {action} | | |\n"
    if len(changes) > FOLD_ROWS:
        return f"| {name} | {action} | {len(changes)} changed values | |\n"
    return "".join(f"| {ink.code(c.path)} | {action} | {ink.code(c.before)} | {ink.code(c.after)} |\n" for c in changes)


# --- summary -----------------------------------------------------------------------------


def _totals(stacks: Sequence[StackPlan]) -> dict[str, int]:
    total: dict[str, int] = {}
    for stack in stacks:
        for key, value in stack.plan.counts().items():
            total[key] = total.get(key, 0) + value
    total["outputs"] = sum(len(s.plan.outputs) for s in stacks)
    return total


def terraform_counts(totals: dict[str, int]) -> tuple[int, int, int]:
    """``to add``, ``to change``, ``to destroy`` as Terraform's plan line counts them: a
    replacement is one add and one destroy (so is it in GitLab's merge request widget)."""
    return totals["add"] + totals["replace"], totals["change"], totals["destroy"] + totals["replace"]


def verdict(stacks: Sequence[StackPlan]) -> str:
    """One line: Terraform's own counts, then the replacements and destroys split out."""
    t = _totals(stacks)
    add, change, destroy = terraform_counts(t)
    other = [
        text
        for count, text in (
            (t["move"], f"{t['move']} moved"),
            (t["import"], f"{t['import']} imported"),
            (t["forget"], f"{t['forget']} removed from state"),
            (t["outputs"], plural(t["outputs"], "output") + " changed"),
            (t["drift"], f"{t['drift']} changed outside Terraform"),
        )
        if count
    ]
    if not (add or change or destroy or other):
        return "✅ No changes"
    line = f"Plan: {add} to add, {change} to change, {destroy} to destroy"
    danger = [
        text
        for count, text in ((t["replace"], f"{t['replace']} replaced"), (t["destroy"], f"{t['destroy']} destroyed"))
        if count
    ]
    if danger:
        return f"⚠️ **{line}** · {', '.join(danger)}" + (f" · {', '.join(other)}" if other else "")
    return f"✅ {line}; nothing destroyed or replaced" + (f" · {', '.join(other)}" if other else "")


def counts_note(stacks: Sequence[StackPlan]) -> str | None:
    """How Terraform's counts relate to the table's, when replacements make them differ."""
    t = _totals(stacks)
    if not t["replace"]:
        return None
    add, _, destroy = terraform_counts(t)
    replaced = plural(t["replace"], "replacement")
    return (
        f"Terraform (and the merge request widget: create {add}, update {t['change']}, delete {destroy}) counts "
        f"a replacement as one add and one destroy: {add} to add is {t['add']} new + {replaced}, {destroy} to "
        f"destroy is {t['destroy']} destroyed + {replaced}. The table counts each resource once, under one action."
    )


def _summary(stacks: Sequence[StackPlan], notes: Sequence[str], ink: Ink) -> str:
    columns = ["add", "change", "replace", "destroy", "drift"]
    totals = _totals(stacks)
    columns += [c for c in ("move", "import", "forget") if totals[c]]
    lines = ["## Plan preview", "", verdict(stacks), ""]
    explained = counts_note(stacks)
    if explained:
        lines += [f"_{explained}_", ""]
    lines.append("| stack | " + " | ".join(columns) + " |")
    lines.append("|---|" + "---:|" * len(columns))
    for stack in stacks:
        counts = stack.plan.counts()
        cells = [_count_cell(c, counts[c]) for c in columns]
        lines.append(f"| {ink.code(stack.name)} | " + " | ".join(cells) + " |")
    if len(stacks) > 1:
        cells = [_count_cell(c, totals[c]) for c in columns]
        lines.append("| **total** | " + " | ".join(cells) + " |")
    lines.append("")
    for note in notes:
        lines += [f"> {note}", ""]
    return "\n".join(lines) + "\n"


def _count_cell(column: str, count: int) -> str:
    if count and column in ("replace", "destroy"):
        return f"**{count}** ⚠️"
    return str(count)


# --- assembly ----------------------------------------------------------------------------


def _build(stacks: Sequence[StackPlan], ink: Ink) -> _Report:
    report = _Report(stacks, ink)
    danger = [(s, c) for s in stacks for c in s.plan.changes if c.dangerous]
    if danger:
        group = _Group("### ⚠️ Destroyed or replaced\n\n", "\n", "destroys and replacements")
        report.groups.append(group)
        danger.sort(key=lambda sc: (stacks.index(sc[0]), 0 if sc[1].action == "replace" else 1))
        for stack, change in danger:
            report.resource(group, _P_DANGER, _P_DANGER_FULL, _danger_short, stack, change)
    for stack in stacks:
        others = [c for c in stack.plan.changes if c.listed and not c.dangerous]
        outputs, drift = stack.plan.outputs, stack.plan.drift
        if not (others or outputs or drift):
            continue
        title = f"### {ink.code(stack.name)}\n\n"
        if others:
            others.sort(key=lambda c: _OTHER_ORDER.get(c.kind, 9))
            noun = "resource changes"
            if len(others) > FOLD_ITEMS:
                summary = html.escape(plural(len(others), "other resource change"))
                head = f"{title}<details><summary>{summary}</summary>\n\n"
                group = _Group(head, "\n</details>\n\n", noun)
            else:
                group = _Group(f"{title}Other resource changes:\n\n", "\n", noun)
            title = ""
            report.groups.append(group)
            for change in others:
                report.resource(group, _P_OTHER, _P_OTHER_FULL, _other_short, stack, change)
        if outputs:
            head = f"{title}Output changes:\n\n| output | action | before | after |\n|---|---|---|---|\n"
            title = ""
            group = _Group(head, "\n", "output changes")
            report.groups.append(group)
            for output in outputs:
                report.unit(group, _P_OUTPUT, functools.partial(_output_rows, output, ink))
        if drift:
            summary = html.escape(f"🌀 {plural(len(drift), 'resource')} changed outside Terraform (drift)")
            group = _Group(f"{title}<details><summary>{summary}</summary>\n\n", "\n</details>\n\n", "drifted resources")
            title = ""
            report.groups.append(group)
            for change in drift:
                report.resource(group, _P_DRIFT, _P_DRIFT_FULL, _drift_short, stack, change)
    return report


def _fit(report: _Report, budget: float) -> bool:
    """Choose each unit's form within ``budget`` characters; True when everything is in full."""
    units = [u for g in report.groups for u in g.units]
    remaining = budget
    complete = True
    for unit in sorted(units, key=lambda u: (u.priority, u.order)):
        if len(unit.short) > remaining:
            complete = False
            break
        unit.chosen = unit.short
        remaining -= len(unit.short)
    misses = 0
    for unit in sorted((u for u in units if u.chosen and u.full), key=lambda u: (u.full_priority, u.order)):
        assert unit.full is not None
        text = unit.full(unit.short)
        extra = len(text) - len(unit.short)
        if extra <= remaining:
            unit.chosen = text
            remaining -= extra
            misses = 0
        else:
            complete = False
            misses += 1
            if misses >= _MAX_MISSES:
                break
    return complete


def render_markdown(
    stacks: Sequence[StackPlan], *, notes: Sequence[str] = (), max_chars: int | None = DEFAULT_MAX_CHARS
) -> str:
    """The report; at most ``max_chars`` characters (None or 0: no limit).

    The verdict and the summary table are always whole; if they alone exceed the limit, they
    are returned anyway (the caller decides whether that is an error).
    """
    secrets = NO_SECRETS
    for stack in stacks:
        secrets = secrets.union(stack.plan.secrets)
    ink = Ink(secrets)
    report = _build(stacks, ink)
    header = _summary(stacks, notes, ink)
    limit = float(max_chars) if max_chars else float("inf")
    fixed = len(header) + sum(len(g.head) + len(g.tail) + _NOTE_RESERVE for g in report.groups) + _NOTE_RESERVE
    if fixed > limit:
        raise CommandError(f"--max-chars {max_chars} is too small: the summary alone needs {fixed} characters")
    complete = _fit(report, limit - fixed)
    parts = [header]
    for group in report.groups:
        shown = [u.chosen for u in group.units if u.chosen is not None]
        missing = len(group.units) - len(shown)
        if not shown and not missing:
            continue
        parts.append(group.head)
        parts.extend(shown)
        if missing:
            parts.append(f"- … and {missing:,} more {group.noun} not shown (size limit); see the plan in the job log\n")
        parts.append(group.tail)
    if not complete:
        parts.append(
            f"_Details were shortened to keep this report under {int(limit):,} characters; "
            "`terraform show <planfile>` has all of them._\n"
        )
    return secrets.net("".join(parts).rstrip("\n") + "\n")


def render_gitlab_report(plans: Sequence[Plan]) -> str:
    """GitLab's terraform report (``artifacts:reports:terraform``), summed over ``plans``."""
    total = {"create": 0, "update": 0, "delete": 0}
    for plan in plans:
        for key, value in plan.gitlab_counts().items():
            total[key] += value
    return json.dumps(total) + "\n"
