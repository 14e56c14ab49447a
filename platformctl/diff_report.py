"""The Markdown report of ``platformctl diff``: the summary table first, then the
replacements, loudly, rename hints, each changed stack's resources and settings, and the
stacks added or removed; long tables and lists folded into ``<details>``.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import resource_kinds
from .diff_compare import AttributeDiff, DiffResult, ResourceDiff
from .markdown import code, html_code, plural

#: Attribute tables and resource lists longer than this are folded into ``<details>``.
FOLD_AFTER = 8


def _details(summary: str, lines: list[str]) -> list[str]:
    return ["<details>", f"<summary>{summary}</summary>", "", *lines, "", "</details>", ""]


def _fold(summary: str, lines: list[str], items: int) -> list[str]:
    return _details(summary, lines) if items > FOLD_AFTER else [*lines, ""]


def _kind(resource_type: str, address: str = "") -> str:
    if address.startswith("data."):
        return " (data source: read only)"
    description = resource_kinds.describe(resource_type)
    return f" ({description})" if description else ""


def _names(resource: ResourceDiff) -> str:
    """The construct path and the address, or the address alone for blocks cdktf adds itself."""
    if resource.construct_path:
        return f"{code(resource.construct_path)} {code(resource.address)}{_kind(resource.type, resource.address)}"
    return f"{code(resource.address)}{_kind(resource.type, resource.address)}"


def _attribute_table(attributes: Iterable[AttributeDiff], with_effect: bool) -> list[str]:
    header = (
        ["| attribute | before | after | effect |", "|---|---|---|---|"]
        if with_effect
        else [
            "| attribute | before | after |",
            "|---|---|---|",
        ]
    )
    rows = []
    for item in attributes:
        cells = [code(item.change.path), code(item.change.before), code(item.change.after)]
        if with_effect:
            cells.append(
                {True: "**forces replacement**", False: "in place", None: "not known"}[item.forces_replacement]
            )
        rows.append("| " + " | ".join(cells) + " |")
    return header + rows


def render_markdown(result: DiffResult, base_label: str) -> str:
    lines = [f"## Synth diff: {code(base_label)} → working tree", ""]
    if not result.changed:
        lines += [
            f"**No changes**: the working tree synthesizes the same {plural(len(result.stacks), 'stack')} "
            "as the base (every resource, backend, provider, variable and output).",
            "",
        ]
        return "\n".join(lines) + "\n"
    lines += _summary(result)
    lines += _replacements(result)
    lines += _rename_hints(result)
    lines += _stack_changes(result)
    lines += _stacks_added_removed(result)
    lines += [
        "---",
        "_From the code and environment files alone: no state, no plan. Replacement is known only for "
        f"{', '.join(f'`{t}`' for t in sorted(resource_kinds.IN_PLACE_ARGUMENTS))}; for every other type "
        "a real plan (`platformctl preview`) is the authority._",
    ]
    return "\n".join(lines) + "\n"


def _summary(result: DiffResult) -> list[str]:
    lines = ["| stack | stack status | added | removed | changed | replaced |", "|---|---|---|---|---|---|"]
    for stack in result.changed:
        replaced = stack.replaced_count
        status = stack.status if not stack.settings or stack.status != "changed" else "changed (incl. settings)"
        lines.append(
            f"| {code(stack.name)} | {status} | {stack.count('added')} | {stack.count('removed')} | "
            f"{stack.count('changed')} | {f'**{replaced}** ⚠️' if replaced else 0} |"
        )
    unchanged = [s.name for s in result.stacks if s.status == "unchanged"]
    lines.append("")
    if unchanged:
        lines += [f"Unchanged: {', '.join(code(n) for n in unchanged)}.", ""]
    return lines


def _replacements(result: DiffResult) -> list[str]:
    replaced = result.replaced
    if not replaced:
        return []
    total = sum(s.replaced_count for s in result.stacks)
    lines = [
        f"> [!WARNING]\n> **⚠️ {plural(total, 'resource')} would be destroyed and created again.** "
        "A replaced cluster loses every workload running on it; a replaced node group loses its nodes.",
        "",
        "### ⚠️ Replacements",
        "",
    ]
    stacks = {s.name: s for s in result.stacks}
    for resource in replaced:
        lines += [
            f"#### {code(resource.stack)} · {code(resource.label)}{_kind(resource.type)}",
            "",
            f"Address {code(resource.address)}; forced by "
            + ", ".join(code(a.change.path) for a in resource.attributes if a.forces_replacement)
            + ".",
            "",
        ]
        lines += _attribute_table(resource.attributes, with_effect=True)
        lines.append("")
        dependents = [d for d in stacks[resource.stack].dependents if d.replaced is resource]
        if dependents:
            lines.append("Resources that refer to it:")
            lines.append("")
            for dep in dependents:
                verdict = {
                    True: "**replaced as well**",
                    False: "updated in place",
                    None: "may change (not known without a plan)",
                }[dep.verdict]
                arguments = ", ".join(code(a) for a in dep.arguments)
                via = f", which refers to {code(dep.via)}" if dep.via else ""
                lines.append(f"- {code(dep.construct_path or dep.address)}: {verdict} (through {arguments}{via})")
            lines.append("")
    return lines


def _rename_hints(result: DiffResult) -> list[str]:
    renames = [r for s in result.stacks for r in s.renames]
    if not renames:
        return []
    lines = [
        "### Renamed construct ids?",
        "",
        "These look like one resource whose construct id was renamed. The id is part of the Terraform "
        "address, so a rename **destroys the old resource and creates a new one**. Keep the old id, or move "
        "the state to the new address (`terraform state mv` or a `moved` block) before applying.",
        "",
    ]
    for rename in renames:
        lines.append(
            f"- {code(rename.removed.stack)}: {code(rename.removed.label)} → {code(rename.added.label)}"
            f"{_kind(rename.added.type)}, {round(rename.similarity * 100)}% of the arguments equal"
        )
    return [*lines, ""]


def _resource_list(resources: list[ResourceDiff]) -> list[str]:
    return [f"- {_names(r)}" for r in resources]


def _stack_changes(result: DiffResult) -> list[str]:
    lines: list[str] = []
    for stack in (s for s in result.stacks if s.status == "changed"):
        lines += [f"### {code(stack.name)}", ""]
        in_place = [r for r in stack.resources if r.status == "changed" and not r.replaced]
        if stack.replaced:
            lines += [f"{plural(stack.replaced_count, 'replaced resource')}: see Replacements above.", ""]
        for resource in in_place:
            effect = (
                "in place or replaced: not known without a plan" if resource.replacement_unknown else "updated in place"
            )
            table = _attribute_table(resource.attributes, with_effect=False)
            if len(resource.attributes) > FOLD_AFTER:
                summary = (
                    f"Changed {html_code(resource.label)}{_kind(resource.type, resource.address)}: {effect}, "
                    f"{plural(len(resource.attributes), 'attribute')}"
                )
                lines += _details(summary, [f"Address {code(resource.address)}", "", *table])
            else:
                lines += [f"**Changed** {_names(resource)}: {effect}", "", *table, ""]
        for status in ("added", "removed"):
            items = [r for r in stack.resources if r.status == status]
            if items:
                summary = f"{status.capitalize()}: {plural(len(items), 'resource')}"
                lines += _fold(summary, [f"**{summary}**", "", *_resource_list(items)], len(items))
        if stack.settings:
            table = ["| setting | before | after |", "|---|---|---|"] + [
                f"| {code(c.path)} | {code(c.before)} | {code(c.after)} |" for c in stack.settings
            ]
            summary = "Stack settings (backend, providers, variables, outputs)"
            lines += _fold(summary, [f"**{summary}**", "", *table], len(stack.settings))
    return lines


def _stacks_added_removed(result: DiffResult) -> list[str]:
    lines: list[str] = []
    for status, heading in (("added", "Stacks added"), ("removed", "Stacks removed")):
        stacks = [s for s in result.stacks if s.status == status]
        if not stacks:
            continue
        lines += [f"### {heading}", ""]
        for stack in stacks:
            verb = "created" if status == "added" else "destroyed"
            summary = f"{html_code(stack.name)}: {plural(len(stack.resources), 'resource')} {verb}"
            lines += _details(summary, _resource_list(stack.resources))
    return lines
