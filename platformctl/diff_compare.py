"""What ``platformctl diff`` found: two synths compared per stack and construct path, attribute
by attribute, with the replacements the resource kinds table knows of (judged by each stack's
cluster driver), what they carry along, and removed/added pairs that look like a renamed
construct id. No Markdown here: :mod:`platformctl.diff_report` writes it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from . import resource_kinds
from .synth_output import SynthResource, SynthStack, same_stack
from .values import SENSITIVE, AttributeChange, attribute_changes, flatten

#: A removed and an added resource of one type whose leaves agree at least this much look
#: like one resource whose construct id was renamed.
RENAME_SIMILARITY = 0.5


@dataclass(frozen=True)
class AttributeDiff:
    change: AttributeChange
    forces_replacement: bool | None  #: None: not known for this type


@dataclass
class ResourceDiff:
    stack: str
    address: str
    type: str
    construct_path: str | None
    status: str  #: ``added``, ``removed`` or ``changed``
    attributes: list[AttributeDiff] = field(default_factory=list)

    @property
    def replaced(self) -> bool:
        return any(a.forces_replacement for a in self.attributes)

    @property
    def replacement_unknown(self) -> bool:
        return not self.replaced and any(a.forces_replacement is None for a in self.attributes)

    @property
    def label(self) -> str:
        return self.construct_path or self.address


@dataclass(frozen=True)
class Rename:
    removed: ResourceDiff
    added: ResourceDiff
    similarity: float


@dataclass(frozen=True)
class Dependent:
    """A resource that refers to a replaced one (``cluster_id = ${...cluster.id}``)."""

    replaced: ResourceDiff
    address: str
    construct_path: str | None
    arguments: tuple[str, ...]
    verdict: bool | None  #: True: replaced as well; False: updated in place; None: not known
    via: str | None = None  #: the construct path or address it refers to, when not ``replaced`` itself


@dataclass
class StackDiff:
    name: str
    status: str  #: ``added``, ``removed``, ``changed`` or ``unchanged``
    resources: list[ResourceDiff] = field(default_factory=list)
    settings: list[AttributeChange] = field(default_factory=list)
    renames: list[Rename] = field(default_factory=list)
    dependents: list[Dependent] = field(default_factory=list)
    driver: str | None = None  #: the cluster driver of the stack's environment, when known

    def count(self, status: str) -> int:
        return sum(1 for r in self.resources if r.status == status)

    @property
    def replaced(self) -> list[ResourceDiff]:
        return [r for r in self.resources if r.status == "changed" and r.replaced]

    @property
    def replaced_count(self) -> int:
        """Resources replaced by their own changes, and those replaced along with them."""
        along = {d.address for d in self.dependents if d.verdict}
        return len(self.replaced) + len(along - {r.address for r in self.replaced})


@dataclass
class DiffResult:
    stacks: list[StackDiff]

    @property
    def changed(self) -> list[StackDiff]:
        return [s for s in self.stacks if s.status != "unchanged"]

    @property
    def replaced(self) -> list[ResourceDiff]:
        return [r for s in self.stacks for r in s.replaced]

    def summary_line(self) -> str:
        if not self.changed:
            return "no changes"
        parts = [f"{len(self.changed)} of {len(self.stacks)} stacks differ"]
        for status in ("added", "removed", "changed"):
            parts.append(f"{sum(s.count(status) for s in self.stacks)} resources {status}")
        parts.append(f"{sum(s.replaced_count for s in self.stacks)} replaced")
        return ", ".join(parts)


def compare(
    base: dict[str, SynthStack], work: dict[str, SynthStack], drivers: dict[str, str] | None = None
) -> DiffResult:
    """The two synths compared; ``drivers`` gives a stack's cluster driver (stack name -> driver)."""
    drivers = drivers or {}
    stacks = []
    for name in sorted(base.keys() | work.keys()):
        old, new = base.get(name), work.get(name)
        if old is None and new is not None:
            stack = StackDiff(name, "added", [_whole(name, r, "added") for r in new.resources.values()])
        elif new is None and old is not None:
            stack = StackDiff(name, "removed", [_whole(name, r, "removed") for r in old.resources.values()])
        elif old is not None and new is not None and same_stack(old, new):
            stack = StackDiff(name, "unchanged", driver=drivers.get(name))  # one content: nothing to compare
        else:
            assert old is not None and new is not None
            stack = _compare_stack(name, old, new, drivers.get(name))
        stack.resources.sort(key=lambda r: (r.label, r.address))
        stacks.append(stack)
    return DiffResult(stacks)


def _whole(stack: str, resource: SynthResource, status: str) -> ResourceDiff:
    return ResourceDiff(stack, resource.address, resource.type, resource.construct_path, status)


def _compare_stack(name: str, old: SynthStack, new: SynthStack, driver: str | None = None) -> StackDiff:
    stack = StackDiff(name, "unchanged", driver=driver)
    for address in sorted(old.resources.keys() | new.resources.keys()):
        before, after = old.resources.get(address), new.resources.get(address)
        if before is None and after is not None:
            stack.resources.append(_whole(name, after, "added"))
        elif after is None and before is not None:
            stack.resources.append(_whole(name, before, "removed"))
        elif before is not None and after is not None and before.body != after.body:
            changes = attribute_changes(before.body, after.body)
            attributes = [
                AttributeDiff(c, resource_kinds.forces_replacement(after.type, c.top_level, driver)) for c in changes
            ]
            attributes.sort(key=lambda a: (a.forces_replacement is not True, a.change.path))
            path = after.construct_path or before.construct_path
            stack.resources.append(ResourceDiff(name, address, after.type, path, "changed", attributes))
    old_settings, new_settings = _settings(old), _settings(new)
    _hide_sensitive_defaults(old_settings, new_settings)
    stack.settings = attribute_changes(old_settings, new_settings)
    stack.renames = _renames(stack.resources, old, new)
    stack.dependents = _dependents(stack.resources, new, driver)
    if stack.resources or stack.settings:
        stack.status = "changed"
    return stack


def _settings(stack: SynthStack) -> dict[str, Any]:
    """Everything of a stack but its resources: backend, providers, variables, outputs (as read
    with the stack; from its file for a stack made otherwise)."""
    document: Any = stack.settings
    if document is None:
        try:
            document = json.loads((stack.directory / "cdk.tf.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return {}
    if not isinstance(document, dict):
        return {}
    return _without_metadata({k: v for k, v in document.items() if k not in ("//", "resource", "data")})


def _hide_sensitive_defaults(old: dict[str, Any], new: dict[str, Any]) -> None:
    """A sensitive variable's default is a secret written into the code: say only whether it changed."""
    before, after = old.get("variable"), new.get("variable")
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    for name in before.keys() | after.keys():
        b, a = before.get(name), after.get(name)
        sensitive = any(isinstance(v, dict) and v.get("sensitive") for v in (b, a))
        if not sensitive:
            continue
        changed = not (isinstance(b, dict) and isinstance(a, dict) and b.get("default") == a.get("default"))
        if isinstance(b, dict) and "default" in b:
            b["default"] = SENSITIVE
        if isinstance(a, dict) and "default" in a:
            a["default"] = f"{SENSITIVE}, changed" if changed else SENSITIVE


def _without_metadata(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_metadata(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [_without_metadata(v) for v in value]
    return value


def _renames(resources: list[ResourceDiff], old: SynthStack, new: SynthStack) -> list[Rename]:
    """Removed/added pairs of one type whose bodies mostly agree: likely a renamed construct id."""
    removed = [r for r in resources if r.status == "removed"]
    added = [r for r in resources if r.status == "added"]
    candidates = []
    for gone in removed:
        for came in added:
            if gone.type == came.type:
                score = _similarity(old.resources[gone.address].body, new.resources[came.address].body)
                if score >= RENAME_SIMILARITY:
                    candidates.append(Rename(gone, came, score))
    candidates.sort(key=lambda c: (-c.similarity, c.removed.address, c.added.address))
    paired: set[str] = set()
    found = []
    for candidate in candidates:
        if candidate.removed.address not in paired and candidate.added.address not in paired:
            paired |= {candidate.removed.address, candidate.added.address}
            found.append(candidate)
    return sorted(found, key=lambda c: c.removed.label)


def _similarity(a: dict[str, Any], b: dict[str, Any]) -> float:
    left, right = flatten(a), flatten(b)
    keys = left.keys() | right.keys()
    if not keys:
        return 1.0
    return sum(1 for k in keys if k in left and k in right and left[k] == right[k]) / len(keys)


def _dependents(resources: list[ResourceDiff], new: SynthStack, driver: str | None = None) -> list[Dependent]:
    """Resources that refer to a replaced one, and so on: a replaced cluster takes its node groups along.

    A reference is an interpolation (``cluster_id = "${...cluster.id}"``), whose argument may or
    may not force a replacement, or an entry of ``lifecycle.replace_triggered_by``, which always
    replaces (the library's revision digests reach clusters and templates that way).
    """
    found: list[Dependent] = []
    added = {r.address for r in resources if r.status == "added"}
    roots = [r for r in resources if r.status == "changed" and r.replaced]
    for root in roots:
        # (address, what to show) of everything replaced so far through this root.
        queue: list[tuple[str, str | None]] = [(root.address, None)]
        seen = {root.address}
        while queue:
            target, shown = queue.pop(0)
            reference = re.compile(r"(?<![\w.-])" + re.escape(target) + r"(?![\w-])", re.ASCII)
            for address, resource in sorted(new.resources.items()):
                if address in seen or address in added:
                    continue
                arguments: set[str] = set()
                triggered = False
                for path, value in flatten(resource.body).items():
                    if not isinstance(value, str):
                        continue
                    if path.startswith("lifecycle.replace_triggered_by") and reference.search(value):
                        triggered = True
                        arguments.add("lifecycle.replace_triggered_by")
                    elif _refers(value, reference) and not path.startswith("lifecycle."):
                        arguments.add(_top(path))
                if not arguments:
                    continue
                verdicts = {
                    resource_kinds.forces_replacement(resource.type, a, driver)
                    for a in arguments
                    if a != "lifecycle.replace_triggered_by"
                }
                verdict = True if triggered or True in verdicts else (False if verdicts == {False} else None)
                seen.add(address)
                found.append(
                    Dependent(root, address, resource.construct_path, tuple(sorted(arguments)), verdict, shown)
                )
                if verdict:
                    queue.append((address, resource.construct_path or address))
    # A resource replaced along with one change is not also "updated in place" through another.
    replaced_along = {d.address for d in found if d.verdict}
    return [d for d in found if d.verdict or d.address not in replaced_along]


def _refers(value: Any, reference: re.Pattern[str]) -> bool:
    return isinstance(value, str) and "${" in value and reference.search(value) is not None


def _top(path: str) -> str:
    return re.split(r"[.\[]", path, maxsplit=1)[0]
