"""Terraform plan JSON (``terraform show -json <planfile>``, format 1.x) as a small model.

A plan holds sensitive values in plain text (``before``/``after``, ``output_changes``,
``resource_drift``, ``variables``, ``prior_state``); only the ``before_sensitive`` and
``after_sensitive`` masks say which. Everything a report shows goes through
:func:`masked_changes`, which hides a sensitive subtree as a whole (its map keys included)
on both sides of a change.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CommandError
from .values import ABSENT, KNOWN_AFTER_APPLY, AttributeChange, attribute_changes, format_path, join_path

#: Plan JSON major versions this module reads (terraform 1.0 and later write 1.x).
SUPPORTED_MAJOR = 1

#: The order actions are listed in: destructive first.
ACTION_ORDER = ("delete", "replace", "forget", "update", "create", "move", "import")

#: Terraform's ``action_reason`` values in words.
ACTION_REASONS: dict[str, str] = {
    "replace_because_cannot_update": "an argument that cannot be updated in place changed",
    "replace_because_tainted": "the object is tainted (a create or an earlier apply failed, or it was marked tainted)",
    "replace_by_request": "a replacement was requested (`-replace`)",
    "replace_by_triggers": "a resource in its `replace_triggered_by` changed",
    "delete_because_no_resource_config": "its block is no longer in the code (a renamed construct id does this)",
    "delete_because_wrong_repetition": "`count`/`for_each` was added or removed, so this instance key no longer exists",
    "delete_because_count_index": "its `count` index is beyond the new count",
    "delete_because_each_key": "its `for_each` key is no longer in the map",
    "delete_because_no_module": "its module is no longer in the code",
    "delete_because_no_move_target": "a `moved` block points it to an address that is not in the code",
}

_PLAN_SUFFIXES = (".json", ".plan", ".tfplan")


@dataclass(frozen=True)
class ResourceChange:
    """One entry of ``resource_changes`` (or ``resource_drift``), with its action in one word."""

    address: str
    type: str
    mode: str
    action: str  #: create, update, replace, delete, forget, read, no-op
    actions: tuple[str, ...]
    change: dict[str, Any]
    previous_address: str | None = None
    action_reason: str | None = None
    importing: bool = False
    deposed: str | None = None
    index: Any = None
    #: Sensitive strings of the whole plan: also hidden where this change does not mark them.
    secrets: frozenset[str] = frozenset()

    @property
    def moved(self) -> bool:
        return self.previous_address is not None and self.previous_address != self.address

    @property
    def dangerous(self) -> bool:
        return self.action in ("delete", "replace")

    @property
    def listed(self) -> bool:
        """Whether a report lists it: no-op and read changes are left out unless moved or imported."""
        return self.action not in ("no-op", "read") or self.moved or self.importing

    @property
    def kind(self) -> str:
        """The action a reader cares about first: a no-op move is a ``move``, a no-op import an ``import``."""
        if self.action in ("no-op", "read"):
            if self.importing:
                return "import"
            if self.moved:
                return "move"
        return self.action

    def attribute_changes(self, limit: int = 120) -> list[AttributeChange]:
        return masked_changes(
            self.change.get("before"),
            self.change.get("after"),
            after_unknown=self.change.get("after_unknown"),
            before_sensitive=self.change.get("before_sensitive"),
            after_sensitive=self.change.get("after_sensitive"),
            limit=limit,
            secrets=self.secrets,
        )

    def replace_paths(self) -> list[str]:
        """The arguments that force the replacement, as ``labels.kube_tag``.

        A path that reaches into a sensitive value stops at the sensitive attribute: map keys
        below it are part of the secret.
        """
        hidden = _union(self.change.get("before_sensitive"), self.change.get("after_sensitive"))
        paths: list[str] = []
        for steps in self.change.get("replace_paths") or []:
            if not isinstance(steps, list):
                continue
            shown = format_path(_cut_at_mask(steps, hidden))
            if shown not in paths:
                paths.append(shown)
        return paths


@dataclass(frozen=True)
class OutputChange:
    name: str
    action: str
    change: dict[str, Any]
    secrets: frozenset[str] = frozenset()

    def attribute_changes(self, limit: int = 120) -> list[AttributeChange]:
        """The changed leaves, with paths starting at the output's name."""

        def wrap(value: Any) -> Any:
            return {self.name: value}

        change = self.change
        return masked_changes(
            wrap(change.get("before")) if change.get("before") is not None else None,
            wrap(change.get("after")) if change.get("after") is not None or change.get("after_unknown") else None,
            after_unknown=wrap(change.get("after_unknown")),
            before_sensitive=wrap(change.get("before_sensitive")),
            after_sensitive=wrap(change.get("after_sensitive")),
            limit=limit,
            secrets=self.secrets,
        )


@dataclass
class Plan:
    """One stack's plan."""

    path: Path
    stack: str
    terraform_version: str
    changes: list[ResourceChange] = field(default_factory=list)
    drift: list[ResourceChange] = field(default_factory=list)
    outputs: list[OutputChange] = field(default_factory=list)
    config_addresses: frozenset[str] = frozenset()
    errored: bool = False

    def counts(self) -> dict[str, int]:
        """Resources per action (``add``, ``change``, ``replace``, ``destroy``, ``forget``), and
        ``drift``, ``move`` and ``import``."""
        counts = dict.fromkeys(("add", "change", "replace", "destroy", "forget", "drift", "move", "import"), 0)
        names = {"create": "add", "update": "change", "replace": "replace", "delete": "destroy", "forget": "forget"}
        for change in self.changes:
            if change.action in names:
                counts[names[change.action]] += 1
            if change.moved:
                counts["move"] += 1
            if change.importing:
                counts["import"] += 1
        counts["drift"] = len(self.drift)
        return counts

    def gitlab_counts(self) -> dict[str, int]:
        """GitLab's terraform report: every ``create``/``update``/``delete`` in every change's
        ``actions``, so a replacement counts once as a create and once as a delete."""
        counts = {"create": 0, "update": 0, "delete": 0}
        for change in self.changes:
            for action in change.actions:
                if action in counts:
                    counts[action] += 1
        return counts


# --- reading -------------------------------------------------------------------------------


def read_plan_document(path: Path) -> dict[str, Any]:
    """The plan JSON of ``path``, checked to be a plan of a supported format."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CommandError(f"{path}: no such plan file") from None
    except IsADirectoryError:
        raise CommandError(f"{path}: is a directory, not a plan JSON file") from None
    except OSError as err:
        raise CommandError(f"{path}: cannot be read: {err.strerror}") from None
    if raw[:2] == b"PK":
        raise CommandError(
            f"{path}: a binary plan file, not plan JSON; convert it with `terraform show -json {path.name} > plan.json`"
        )
    try:
        document = json.loads(raw)
    except UnicodeDecodeError:
        raise CommandError(f"{path}: not JSON (not UTF-8 text)") from None
    except json.JSONDecodeError as err:
        raise CommandError(f"{path}: not JSON ({err.msg} at line {err.lineno}, column {err.colno})") from None
    if not isinstance(document, dict) or "format_version" not in document:
        raise CommandError(f"{path}: not a terraform plan (no format_version); produce it with `terraform show -json`")
    version = str(document["format_version"])
    match = re.fullmatch(r"(\d+)\.(\d+)", version)
    if not match or int(match.group(1)) != SUPPORTED_MAJOR:
        raise CommandError(
            f"{path}: plan format_version {version} is not supported (this reads {SUPPORTED_MAJOR}.x, "
            "written by terraform 1.0 and later)"
        )
    if "planned_values" not in document and "resource_changes" not in document:
        what = "a state, not a plan" if "values" in document else "not a terraform plan"
        raise CommandError(f"{path}: {what} (no planned_values or resource_changes); show a saved plan file")
    for key, kind in (("resource_changes", list), ("resource_drift", list), ("output_changes", dict)):
        if document.get(key) is not None and not isinstance(document[key], kind):
            raise CommandError(f"{path}: not a terraform plan ({key} is not a {kind.__name__})")
    return document


def _resource_change(entry: Any, path: Path, key: str, secrets: frozenset[str]) -> ResourceChange:
    if not isinstance(entry, dict) or not isinstance(entry.get("change"), dict) or "address" not in entry:
        raise CommandError(f"{path}: not a terraform plan ({key} has an entry without address or change)")
    change = entry["change"]
    actions = tuple(str(a) for a in change.get("actions") or ())
    if "delete" in actions and "create" in actions:
        action = "replace"
    elif len(actions) == 1:
        action = actions[0]
    elif "create" in actions:
        action = "create"
    else:
        action = actions[0] if actions else "no-op"
    return ResourceChange(
        address=str(entry["address"]),
        type=str(entry.get("type", "")),
        mode=str(entry.get("mode", "managed")),
        action=action,
        actions=actions,
        change=change,
        previous_address=entry.get("previous_address"),
        action_reason=entry.get("action_reason"),
        importing=bool(change.get("importing")),
        deposed=entry.get("deposed"),
        index=entry.get("index"),
        secrets=secrets,
    )


def parse_plan(document: dict[str, Any], path: Path, stack: str) -> Plan:
    plan = Plan(
        path=path,
        stack=stack,
        terraform_version=str(document.get("terraform_version", "")),
        errored=bool(document.get("errored")),
        config_addresses=config_addresses(document),
    )
    secrets = collect_secrets(document)
    for entry in document.get("resource_changes") or []:
        plan.changes.append(_resource_change(entry, path, "resource_changes", secrets))
    for entry in document.get("resource_drift") or []:
        drift = _resource_change(entry, path, "resource_drift", secrets)
        if drift.action not in ("no-op", "read"):
            plan.drift.append(drift)
    for name, change in sorted((document.get("output_changes") or {}).items()):
        if not isinstance(change, dict):
            raise CommandError(f"{path}: not a terraform plan (output_changes.{name} is not an object)")
        actions = tuple(change.get("actions") or ())
        action = "replace" if "delete" in actions and "create" in actions else (actions[0] if actions else "no-op")
        if action != "no-op":
            plan.outputs.append(OutputChange(name, action, change, secrets))
    return plan


def config_addresses(document: dict[str, Any]) -> frozenset[str]:
    """Resource addresses (``type.name``, ``data.type.name``) declared in the plan's root module."""
    module = (document.get("configuration") or {}).get("root_module") or {}
    addresses = set()
    for resource in module.get("resources") or []:
        if isinstance(resource, dict) and resource.get("address"):
            addresses.add(str(resource["address"]))
    return frozenset(addresses)


def stack_from_file_name(path: Path) -> str:
    """``ha-infra.plan.json`` -> ``ha-infra``; ``ha-infra.json`` -> ``ha-infra``."""
    name = path.name
    changed = True
    while changed:
        changed = False
        for suffix in _PLAN_SUFFIXES:
            if name.lower().endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                changed = True
    return name


# --- masking -------------------------------------------------------------------------------

#: Sensitive strings shorter than this are not searched for elsewhere in the plan (a
#: sensitive ``"on"`` would hide every value containing it).
MIN_SECRET_LENGTH = 4


def collect_secrets(document: dict[str, Any]) -> frozenset[str]:
    """Every string the plan marks sensitive somewhere.

    Terraform marks a value where it flows from a sensitive source, not everywhere it ends up
    (``terraform_data.output`` repeats a sensitive ``input`` unmarked, and so does ``terraform
    show``). The report hides any value containing one of these strings as well.
    """
    found: set[str] = set()
    for key in ("resource_changes", "resource_drift"):
        for entry in document.get(key) or []:
            change = entry.get("change") if isinstance(entry, dict) else None
            if isinstance(change, dict):
                _sensitive_strings(change.get("before"), change.get("before_sensitive"), found)
                _sensitive_strings(change.get("after"), change.get("after_sensitive"), found)
    for change in (document.get("output_changes") or {}).values():
        if isinstance(change, dict):
            _sensitive_strings(change.get("before"), change.get("before_sensitive"), found)
            _sensitive_strings(change.get("after"), change.get("after_sensitive"), found)
    config_variables = ((document.get("configuration") or {}).get("root_module") or {}).get("variables") or {}
    for name, variable in (document.get("variables") or {}).items():
        declared = config_variables.get(name)
        if isinstance(declared, dict) and declared.get("sensitive") and isinstance(variable, dict):
            _sensitive_strings(variable.get("value"), True, found)
    prior = ((document.get("prior_state") or {}).get("values")) or {}
    for output in (prior.get("outputs") or {}).values():
        if isinstance(output, dict) and output.get("sensitive"):
            _sensitive_strings(output.get("value"), True, found)
    modules = [prior.get("root_module") or {}]
    while modules:
        module = modules.pop()
        if not isinstance(module, dict):
            continue
        for resource in module.get("resources") or []:
            if isinstance(resource, dict):
                _sensitive_strings(resource.get("values"), resource.get("sensitive_values"), found)
        modules.extend(module.get("child_modules") or [])
    return frozenset(found)


def _sensitive_strings(value: Any, mask: Any, found: set[str]) -> None:
    if mask is True:
        _strings(value, found)
    elif isinstance(mask, dict) and isinstance(value, dict):
        for key, item in mask.items():
            if item:
                _sensitive_strings(value.get(key), item, found)
    elif isinstance(mask, list) and isinstance(value, list):
        for item_mask, item in zip(mask, value):
            if item_mask:
                _sensitive_strings(item, item_mask, found)


def _strings(value: Any, found: set[str]) -> None:
    if isinstance(value, str):
        if len(value) >= MIN_SECRET_LENGTH:
            found.add(value)
    elif isinstance(value, dict):
        for item in value.values():
            _strings(item, found)
    elif isinstance(value, list):
        for item in value:
            _strings(item, found)


def _secret_mask(value: Any, secrets: frozenset[str]) -> Any:
    """A mask true at every string leaf that contains one of ``secrets``."""
    if isinstance(value, str):
        return any(secret in value for secret in secrets)
    if isinstance(value, dict):
        masks = {key: _secret_mask(item, secrets) for key, item in value.items()}
        return masks if any(m is not False for m in masks.values()) else False
    if isinstance(value, list):
        items = [_secret_mask(item, secrets) for item in value]
        return items if any(m is not False for m in items) else False
    return False


def _child(container: Any, key: str | int) -> Any:
    if isinstance(container, dict) and isinstance(key, str):
        return container.get(key)
    if isinstance(container, list) and isinstance(key, int) and 0 <= key < len(container):
        return container[key]
    return None


def _any_true(mask: Any) -> bool:
    if mask is True:
        return True
    if isinstance(mask, dict):
        return any(_any_true(v) for v in mask.values())
    if isinstance(mask, list):
        return any(_any_true(v) for v in mask)
    return False


def _union(a: Any, b: Any) -> Any:
    """A mask true wherever ``a`` or ``b`` is."""
    if a is True or b is True:
        return True
    if isinstance(a, dict) or isinstance(b, dict):
        a_map = a if isinstance(a, dict) else {}
        b_map = b if isinstance(b, dict) else {}
        return {k: _union(a_map.get(k), b_map.get(k)) for k in a_map.keys() | b_map.keys()}
    if isinstance(a, list) or isinstance(b, list):
        a_list = a if isinstance(a, list) else []
        b_list = b if isinstance(b, list) else []
        return [_union(_child(a_list, i), _child(b_list, i)) for i in range(max(len(a_list), len(b_list)))]
    return False


def _cut_at_mask(steps: list[Any], mask: Any) -> list[str | int]:
    """The steps of a path up to and including the first one a mask covers."""
    kept: list[str | int] = []
    node = mask
    for step in steps:
        if node is True:
            break
        kept.append(step if isinstance(step, int) else str(step))
        node = _child(node, step)
    return kept


def _redact(before: Any, after: Any, hidden: Any, unknown: Any) -> tuple[Any, Any, Any]:
    """Replace every sensitive subtree by a token that says only whether it changed.

    Returns the new ``before``, ``after`` and ``after_unknown``: an unknown value anywhere
    inside a sensitive subtree makes the whole subtree unknown, so no path below it is shown.
    """
    if hidden is True:
        token_before = None if before is None else 0
        token_after = None if after is None else (0 if after == before else 1)
        return token_before, token_after, True if _any_true(unknown) else False
    if not _any_true(hidden):
        return before, after, unknown
    if isinstance(hidden, dict):
        keys = list(hidden)
        new_before = dict(before) if isinstance(before, dict) else before
        new_after = dict(after) if isinstance(after, dict) else after
        new_unknown = dict(unknown) if isinstance(unknown, dict) else unknown
        for key in keys:
            b, a, u = _redact(_child(before, key), _child(after, key), hidden[key], _child(unknown, key))
            if isinstance(new_before, dict) and key in new_before:
                new_before[key] = b
            if isinstance(new_after, dict) and key in new_after:
                new_after[key] = a
            if isinstance(new_unknown, dict) and (key in new_unknown or u is True):
                new_unknown[key] = u
        return new_before, new_after, new_unknown
    if isinstance(hidden, list):
        new_before = list(before) if isinstance(before, list) else before
        new_after = list(after) if isinstance(after, list) else after
        new_unknown = list(unknown) if isinstance(unknown, list) else unknown
        for index, mask in enumerate(hidden):
            b, a, u = _redact(_child(before, index), _child(after, index), mask, _child(unknown, index))
            if isinstance(new_before, list) and index < len(new_before):
                new_before[index] = b
            if isinstance(new_after, list) and index < len(new_after):
                new_after[index] = a
            if isinstance(new_unknown, list) and index < len(new_unknown):
                new_unknown[index] = u
        return new_before, new_after, new_unknown
    return before, after, unknown


def masked_changes(
    before: Any,
    after: Any,
    *,
    after_unknown: Any = None,
    before_sensitive: Any = None,
    after_sensitive: Any = None,
    limit: int = 120,
    secrets: frozenset[str] = frozenset(),
) -> list[AttributeChange]:
    """:func:`platformctl.values.attribute_changes` for plan values, safe to print.

    A value sensitive on either side is hidden on both sides, and as a whole: the change is
    shown at the sensitive attribute (``kubeconfig``), never at paths below it, whose map keys
    may themselves be secret. A string containing one of ``secrets`` is hidden the same way.
    Unset attributes (``null`` before and after) are left out.
    """
    hidden = _union(before_sensitive, after_sensitive)
    if secrets:
        hidden = _union(hidden, _union(_secret_mask(before, secrets), _secret_mask(after, secrets)))
    before, after, after_unknown = _redact(before, after, hidden, after_unknown)
    changes = attribute_changes(
        before,
        after,
        after_unknown=after_unknown,
        before_sensitive=hidden,
        after_sensitive=hidden,
        limit=limit,
    )
    shown = [c for c in changes if not (c.before == ABSENT and c.after == ABSENT)]
    # `output: (none) -> (known after apply)` says nothing `output.name: "c" -> (known after apply)` does not.
    kept = []
    for i, c in enumerate(shown):
        if c.before == ABSENT and c.after == KNOWN_AFTER_APPLY and i + 1 < len(shown):
            following = shown[i + 1].path
            if following.startswith(c.path) and following[len(c.path) : len(c.path) + 1] in (".", "["):
                continue
        kept.append(c)
    return kept


def instance_suffix(address: str) -> str:
    """``["a"]`` of ``type.name["a"]``; empty without an instance key."""
    match = re.search(r"(\[[^\]]*\])+$", address)
    return match.group(0) if match else ""


__all__ = [
    "ACTION_ORDER",
    "ACTION_REASONS",
    "OutputChange",
    "Plan",
    "ResourceChange",
    "collect_secrets",
    "config_addresses",
    "instance_suffix",
    "join_path",
    "masked_changes",
    "parse_plan",
    "read_plan_document",
    "stack_from_file_name",
]
