"""The shape of a plan JSON document, checked once when it is read.

Past this check, every field the report reads has the type it expects, so a hand-made or
damaged plan is one error line naming the file, the JSON path, the type found and what is
allowed, never a traceback. Values under ``before``/``after`` and the masks may be any JSON
(masks that do not fit their value are handled by :mod:`platformctl.masking`), but no deeper
than :data:`MAX_DEPTH`.

Values are not echoed in the messages: any of them may be a secret.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import CommandError

#: Nesting deeper than this is refused: terraform values nest a few levels, and the report
#: walks values recursively.
MAX_DEPTH = 200

#: Every ``actions`` list terraform writes (plan JSON format 1.x).
ACTION_LISTS: frozenset[tuple[str, ...]] = frozenset(
    {
        ("no-op",),
        ("create",),
        ("read",),
        ("update",),
        ("delete",),
        ("delete", "create"),
        ("create", "delete"),
        ("forget",),
        ("create", "forget"),
    }
)
_ACTIONS_ALLOWED = "a list of actions: " + ", ".join(sorted(str(list(a)).replace("'", '"') for a in ACTION_LISTS))


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a bool"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _key(name: str) -> str:
    """A JSON object key as a path step: ``.name`` or ``["odd key"]`` (never the key's control characters)."""
    if name.isidentifier() and name.isascii():
        return f".{name}"
    shown = name if len(name) <= 40 else name[:39] + "…"
    return "[" + repr(shown) + "]"


def _deeper_than(value: Any, levels: int) -> bool:
    """Whether containers nest below ``value`` more than ``levels`` deep.

    Walked level by level (no recursion, at most ``levels + 1`` levels visited), each level's
    containers gathered in one comprehension: a plan of 10,000 changes is mostly this walk.
    """
    if levels < 0:
        return True
    if type(value) is not dict and type(value) is not list:
        return False
    frontier = [value]
    for _ in range(levels + 1):
        frontier = [
            item
            for container in frontier
            for item in (container.values() if type(container) is dict else container)
            if type(item) is dict or type(item) is list
        ]
        if not frontier:
            return False
    return True


#: The fields of a resource change that are a string or null.
_OPTIONAL_STRINGS = ("type", "mode", "name", "previous_address", "action_reason", "deposed", "provider_name")


class _Checker:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, value: Any, allowed: str) -> CommandError:
        return CommandError(f"{self.path}: not a terraform plan: {where} is {type_name(value)}; expected {allowed}")

    def optional(self, container: dict[str, Any], key: str, where: str, kind: type, allowed: str) -> Any:
        value = container.get(key)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool) and kind is not bool):
            raise self.fail(f"{where}{_key(key)}".lstrip("."), value, allowed)
        return value

    def depth(self, value: Any, where: str) -> None:
        if _deeper_than(value, MAX_DEPTH):
            raise CommandError(
                f"{self.path}: not a terraform plan: {where} is nested more than {MAX_DEPTH} levels deep"
            )

    def depth_each(self, values: list[Any], where: Callable[[int], str]) -> None:
        """:meth:`depth` of every item of ``values``, walked together (they are one level below
        the list); only when one is too deep are they walked one by one, to name the first."""
        if _deeper_than(values, MAX_DEPTH + 1):
            for i, value in enumerate(values):
                self.depth(value, where(i))

    def resource_changes(self, entries: list[Any], key: str) -> None:
        """Each entry's fields, then the nesting of every change (an entry whose fields are wrong
        comes after the changes before it that are nested too deep, as in a walk entry by entry)."""
        checked = 0
        try:
            for i, entry in enumerate(entries):
                self.resource_change(entry, f"{key}[{i}]")
                checked = i + 1
        except CommandError:
            self.depth_each([entry["change"] for entry in entries[:checked]], f"{key}[{{}}].change".format)
            raise
        self.depth_each([entry["change"] for entry in entries], f"{key}[{{}}].change".format)

    def actions(self, change: dict[str, Any], where: str) -> None:
        actions = change.get("actions")
        try:  # every known list is of strings; an item that cannot be hashed is no action
            known = isinstance(actions, list) and tuple(actions) in ACTION_LISTS
        except TypeError:
            known = False
        if not known:
            kind = "an unknown list of actions" if isinstance(actions, list) else type_name(actions)
            raise CommandError(
                f"{self.path}: not a terraform plan: {where}.actions is {kind}; expected {_ACTIONS_ALLOWED}"
            )

    def resource_change(self, entry: Any, where: str) -> None:
        """One entry's fields; the nesting of its change is left to :meth:`resource_changes`."""
        if not isinstance(entry, dict):
            raise self.fail(where, entry, "an object with address and change")
        address = entry.get("address")
        if not isinstance(address, str) or not address:
            raise self.fail(f"{where}.address", address, "the resource's address, a non-empty string")
        for key in _OPTIONAL_STRINGS:
            value = entry.get(key)
            if value is not None and not isinstance(value, str):
                self.optional(entry, key, where, str, "a string or null")
        change = entry.get("change")
        if not isinstance(change, dict):
            raise self.fail(f"{where}.change", change, "an object with actions, before and after")
        self.actions(change, f"{where}.change")
        replace_paths = self.optional(change, "replace_paths", f"{where}.change", list, "a list of paths")
        for i, steps in enumerate(replace_paths or []):
            step_where = f"{where}.change.replace_paths[{i}]"
            if not isinstance(steps, list):
                raise self.fail(step_where, steps, "a path: a list of attribute names and indexes")
            for j, step in enumerate(steps):
                if isinstance(step, bool) or not isinstance(step, str | int):
                    raise self.fail(f"{step_where}[{j}]", step, "an attribute name (string) or an index (integer)")

    def output_change(self, change: Any, where: str) -> None:
        if not isinstance(change, dict):
            raise self.fail(where, change, "an object with actions, before and after")
        self.actions(change, where)
        self.depth(change, where)

    def module(self, module: Any, where: str) -> None:
        """A module of ``prior_state.values`` or ``planned_values`` (``resources``, ``child_modules``)."""
        pending = [(module, where)]
        while pending:
            module, where = pending.pop()
            if not isinstance(module, dict):
                raise self.fail(where, module, "an object (a module)")
            resources = self.optional(module, "resources", where, list, "a list of resources") or []
            bad = next((i for i, resource in enumerate(resources) if not isinstance(resource, dict)), None)
            self.depth_each(resources[:bad], f"{where}.resources[{{}}]".format)
            if bad is not None:
                raise self.fail(f"{where}.resources[{bad}]", resources[bad], "an object (a resource)")
            children = self.optional(module, "child_modules", where, list, "a list of modules")
            pending.extend((child, f"{where}.child_modules[{i}]") for i, child in enumerate(children or []))

    def values(self, values: dict[str, Any], where: str) -> None:
        """``prior_state.values`` or ``planned_values``: outputs and a root module."""
        outputs = self.optional(values, "outputs", where, dict, "an object of outputs")
        for name, output in (outputs or {}).items():
            if not isinstance(output, dict):
                raise self.fail(f"{where}.outputs{_key(name)}", output, "an object (an output)")
            self.depth(output, f"{where}.outputs{_key(name)}")
        if values.get("root_module") is not None:
            self.module(values["root_module"], f"{where}.root_module")


def check_plan(document: dict[str, Any], path: Path) -> None:
    """Raise a :class:`CommandError` naming the first field of ``document`` of the wrong type."""
    check = _Checker(path)
    check.optional(document, "terraform_version", "", str, "a string")
    check.optional(document, "errored", "", bool, "true or false")
    for key in ("resource_changes", "resource_drift"):
        check.resource_changes(check.optional(document, key, "", list, "a list of resource changes") or [], key)
    outputs = check.optional(document, "output_changes", "", dict, "an object of output changes")
    for name, change in (outputs or {}).items():
        check.output_change(change, f"output_changes{_key(name)}")
    variables = check.optional(document, "variables", "", dict, "an object of variables")
    for name, variable in (variables or {}).items():
        if not isinstance(variable, dict):
            raise check.fail(f"variables{_key(name)}", variable, "an object with a value")
        check.depth(variable, f"variables{_key(name)}")
    configuration = check.optional(document, "configuration", "", dict, "an object")
    if configuration:
        root = check.optional(configuration, "root_module", "configuration", dict, "an object (a module)")
        if root:
            resources = check.optional(root, "resources", "configuration.root_module", list, "a list of resources")
            for i, resource in enumerate(resources or []):
                where = f"configuration.root_module.resources[{i}]"
                if not isinstance(resource, dict):
                    raise check.fail(where, resource, "an object (a resource)")
                check.optional(resource, "address", where, str, "a string")
            declared = check.optional(root, "variables", "configuration.root_module", dict, "an object of variables")
            for name, variable in (declared or {}).items():
                where = f"configuration.root_module.variables{_key(name)}"
                if not isinstance(variable, dict):
                    raise check.fail(where, variable, "an object (a variable's declaration)")
                check.depth(variable, where)
    prior = check.optional(document, "prior_state", "", dict, "an object (a state)")
    if prior:
        values = check.optional(prior, "values", "prior_state", dict, "an object")
        if values:
            check.values(values, "prior_state.values")
    planned = check.optional(document, "planned_values", "", dict, "an object")
    if planned:
        check.values(planned, "planned_values")
