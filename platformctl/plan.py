"""Terraform plan JSON (``terraform show -json <planfile>``, format 1.x) as a small model.

A plan holds sensitive values in plain text (``before``/``after``, ``output_changes``,
``resource_drift``, ``variables``, ``prior_state``); only the ``before_sensitive`` and
``after_sensitive`` masks say which. Everything a report shows goes through
:func:`platformctl.masking.masked_changes` and :meth:`platformctl.masking.Secrets.scrub`.

A plan's shape is checked once, when it is read (:mod:`platformctl.plan_schema`): past that
point every field has the type the model expects.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CommandError
from .masking import NO_SECRETS, Secrets, cut_at_mask, hidden_mask, masked_changes, sensitive_scalars
from .plan_schema import check_plan
from .synth_output import split_instance_keys
from .values import AttributeChange, format_path

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
    #: Sensitive values of the whole plan: also hidden where this change does not mark them.
    secrets: Secrets = NO_SECRETS

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
        return masked_changes(self.change, limit=limit, secrets=self.secrets)

    def replace_paths(self) -> list[str]:
        """The arguments that force the replacement, as ``labels.kube_tag``.

        A path that reaches into a hidden value stops at the hidden attribute: map keys below
        it are part of the secret.
        """
        change = self.change
        hidden = hidden_mask(change, self.secrets)
        paths: list[str] = []
        for steps in change.get("replace_paths") or []:
            shown = self.secrets.scrub(format_path(cut_at_mask(steps, hidden, self.secrets)))
            if shown not in paths:
                paths.append(shown)
        return paths


@dataclass(frozen=True)
class OutputChange:
    name: str
    action: str
    change: dict[str, Any]
    secrets: Secrets = NO_SECRETS

    def attribute_changes(self, limit: int = 120) -> list[AttributeChange]:
        """The changed leaves, with paths starting at the output's name."""

        def wrap(value: Any) -> Any:
            return {self.name: value}

        change = self.change
        wrapped = {
            "before": wrap(change.get("before")) if change.get("before") is not None else None,
            "after": wrap(change.get("after"))
            if change.get("after") is not None or change.get("after_unknown")
            else None,
            "after_unknown": wrap(change.get("after_unknown")),
            "before_sensitive": wrap(change.get("before_sensitive")),
            "after_sensitive": wrap(change.get("after_sensitive")),
        }
        return masked_changes(wrapped, limit=limit, secrets=self.secrets)


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
    secrets: Secrets = NO_SECRETS

    def counts(self) -> dict[str, int]:
        """Resources per action (``add``, ``change``, ``replace``, ``destroy``, ``forget``), and
        ``drift``, ``move`` and ``import``."""
        counts = dict.fromkeys(("add", "change", "replace", "destroy", "forget", "drift", "move", "import"), 0)
        names = {"create": "add", "update": "change", "replace": "replace", "delete": "destroy", "forget": "forget"}
        for action, count in Counter(change.action for change in self.changes).items():
            if action in names:
                counts[names[action]] += count
        counts["move"] = sum(1 for change in self.changes if change.moved)
        counts["import"] = sum(1 for change in self.changes if change.importing)
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


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def read_plan_document(path: Path) -> dict[str, Any]:
    """The plan JSON of ``path``, checked to be a plan of a supported format and of the expected shape."""
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
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise CommandError(f"{path}: not JSON (not UTF-8 text: byte {err.start} cannot be decoded)") from None
    try:
        document = json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as err:
        raise CommandError(f"{path}: not JSON ({err.msg} at line {err.lineno}, column {err.colno})") from None
    except RecursionError:
        raise CommandError(f"{path}: not a terraform plan (JSON nested too deeply to read)") from None
    except ValueError as err:  # NaN/Infinity, or an integer longer than Python converts
        raise CommandError(f"{path}: not JSON ({err})") from None
    if not isinstance(document, dict) or "format_version" not in document:
        raise CommandError(f"{path}: not a terraform plan (no format_version); produce it with `terraform show -json`")
    version = document["format_version"]
    match = re.fullmatch(r"([0-9]+)\.([0-9]+)", version) if isinstance(version, str) else None
    if not match or int(match.group(1)) != SUPPORTED_MAJOR:
        looks_like_a_version = isinstance(version, str) and re.fullmatch(r"[0-9]{1,4}(\.[0-9]{1,4}){0,3}", version)
        shown = version if looks_like_a_version else f"of type {type(version).__name__}"
        raise CommandError(
            f"{path}: plan format_version {shown!s} is not supported (this reads {SUPPORTED_MAJOR}.x, "
            "written by terraform 1.0 and later)"
        )
    if "planned_values" not in document and "resource_changes" not in document:
        what = "a state, not a plan" if "values" in document else "not a terraform plan"
        raise CommandError(f"{path}: {what} (no planned_values or resource_changes); show a saved plan file")
    try:
        check_plan(document, path)
    except CommandError as err:
        # The message names keys (an output's, a variable's): one of them may be a secret too.
        try:
            secrets = collect_secrets(document)
        except RecursionError:
            raise err from None
        raise CommandError(secrets.scrub(str(err))) from None
    return document


def _resource_change(entry: dict[str, Any], secrets: Secrets) -> ResourceChange:
    change = entry["change"]
    actions = tuple(change.get("actions") or ())
    if "delete" in actions and "create" in actions:
        action = "replace"
    elif len(actions) == 1:
        action = actions[0]
    elif "create" in actions:
        action = "create"
    else:
        action = actions[0] if actions else "no-op"
    return ResourceChange(
        address=entry["address"],
        type=entry.get("type") or "",
        mode=entry.get("mode") or "managed",
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
    """The model of a document :func:`read_plan_document` returned."""
    secrets = collect_secrets(document)
    plan = Plan(
        path=path,
        stack=stack,
        terraform_version=str(document.get("terraform_version") or ""),
        errored=document.get("errored") is True,
        config_addresses=config_addresses(document),
        secrets=secrets,
    )
    for entry in document.get("resource_changes") or []:
        plan.changes.append(_resource_change(entry, secrets))
    for entry in document.get("resource_drift") or []:
        drift = _resource_change(entry, secrets)
        if drift.action not in ("no-op", "read"):
            plan.drift.append(drift)
    for name, change in sorted((document.get("output_changes") or {}).items()):
        actions = tuple(change.get("actions") or ())
        action = "replace" if "delete" in actions and "create" in actions else (actions[0] if actions else "no-op")
        if action != "no-op":
            plan.outputs.append(OutputChange(name, action, change, secrets))
    return plan


def config_addresses(document: dict[str, Any]) -> frozenset[str]:
    """Resource addresses (``type.name``, ``data.type.name``) declared in the plan's root module."""
    module = _dict(_dict(document.get("configuration")).get("root_module"))
    addresses = set()
    for resource in _list(module.get("resources")):
        if isinstance(resource, dict) and isinstance(resource.get("address"), str) and resource["address"]:
            addresses.add(resource["address"])
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


# --- secrets -------------------------------------------------------------------------------


def collect_secrets(document: dict[str, Any]) -> Secrets:
    """Every scalar the plan marks sensitive somewhere (see :mod:`platformctl.masking`).

    Read from the changes, drift and outputs (their masks), the variables declared sensitive
    (their values and defaults), and the prior state and planned values (their
    ``sensitive_values`` and sensitive outputs).
    """
    found: set[str] = set()
    for key in ("resource_changes", "resource_drift"):
        for entry in _list(document.get(key)):
            change = entry.get("change") if isinstance(entry, dict) else None
            if isinstance(change, dict):
                sensitive_scalars(change.get("before"), change.get("before_sensitive"), found)
                sensitive_scalars(change.get("after"), change.get("after_sensitive"), found)
    for change in _dict(document.get("output_changes")).values():
        if isinstance(change, dict):
            sensitive_scalars(change.get("before"), change.get("before_sensitive"), found)
            sensitive_scalars(change.get("after"), change.get("after_sensitive"), found)
    declared = _dict(_dict(_dict(document.get("configuration")).get("root_module")).get("variables"))
    for name, variable in declared.items():
        if isinstance(variable, dict) and variable.get("sensitive"):
            sensitive_scalars(variable.get("default"), True, found)
            value = _dict(document.get("variables")).get(name)
            if isinstance(value, dict):
                sensitive_scalars(value.get("value"), True, found)
    for values in (
        _dict(_dict(document.get("prior_state")).get("values")),
        _dict(document.get("planned_values")),
    ):
        for output in _dict(values.get("outputs")).values():
            if isinstance(output, dict) and output.get("sensitive") not in (None, False):
                sensitive_scalars(output.get("value"), True, found)
        modules = [values.get("root_module")]
        while modules:
            module = modules.pop()
            if not isinstance(module, dict):
                continue
            for resource in _list(module.get("resources")):
                if isinstance(resource, dict):
                    sensitive_scalars(resource.get("values"), resource.get("sensitive_values"), found)
            modules.extend(_list(module.get("child_modules")))
    return Secrets.of(found)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def instance_suffix(address: str) -> str:
    """``["a"]`` of ``type.name["a"]``; empty without an instance key."""
    return split_instance_keys(address)[1]


__all__ = [
    "ACTION_ORDER",
    "ACTION_REASONS",
    "OutputChange",
    "Plan",
    "ResourceChange",
    "Secrets",
    "collect_secrets",
    "config_addresses",
    "instance_suffix",
    "masked_changes",
    "parse_plan",
    "read_plan_document",
    "stack_from_file_name",
]
