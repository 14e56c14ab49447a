"""Attribute-level changes between two resource bodies, with sensitive and unknown values masked.

Used by ``preview`` (plan JSON: ``before``/``after`` with ``before_sensitive``,
``after_sensitive`` and ``after_unknown`` masks of the same shape) and by ``diff``
(two synthesized ``cdk.tf.json`` bodies, no masks).

A mask holds ``true`` where the value (or the whole subtree below it) is sensitive or unknown.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

SENSITIVE = "(sensitive)"
KNOWN_AFTER_APPLY = "(known after apply)"
ABSENT = "(none)"

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_MISSING = object()


@dataclass(frozen=True)
class AttributeChange:
    """One changed leaf. ``before``/``after`` are already masked for display."""

    path: str  #: ``labels.kube_tag``, ``fixed_ip[0].subnet_id``, ``labels["magnum.openstack.org/role"]``
    before: str
    after: str

    @property
    def top_level(self) -> str:
        """The argument this leaf belongs to (``labels`` for ``labels.kube_tag``)."""
        return re.split(r"[.\[]", self.path, maxsplit=1)[0]


def join_path(prefix: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    if not _PLAIN_KEY.fullmatch(key):
        return f"{prefix}[{json.dumps(key)}]"
    return f"{prefix}.{key}" if prefix else key


def format_path(steps: list[str | int]) -> str:
    """A plan ``replace_paths`` entry (``["labels", "kube_tag"]``) as ``labels.kube_tag``."""
    path = ""
    for step in steps:
        path = join_path(path, step)
    return path


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaves of a nested value by path. Empty maps and lists are leaves themselves."""
    out: dict[str, Any] = {}
    _flatten(value, prefix, out)
    return out


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _flatten(item, join_path(prefix, key), out)
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            _flatten(item, join_path(prefix, index), out)
    else:
        out[prefix] = value


def _masked_paths(mask: Any, prefix: str = "") -> set[str]:
    """Paths where ``mask`` is ``true`` (a whole subtree when it is a branch)."""
    if mask is True:
        return {prefix}
    found: set[str] = set()
    if isinstance(mask, dict):
        for key, item in mask.items():
            found |= _masked_paths(item, join_path(prefix, key))
    elif isinstance(mask, list):
        for index, item in enumerate(mask):
            found |= _masked_paths(item, join_path(prefix, index))
    return found


def _covered(path: str, masked: set[str]) -> bool:
    """Whether ``path`` is a masked path or lies below one."""
    if not masked:
        return False
    if "" in masked or path in masked:
        return True
    for parent in masked:
        if path.startswith(parent) and path[len(parent) : len(parent) + 1] in (".", "["):
            return True
    return False


def render(value: Any, limit: int = 120) -> str:
    """A short single-line rendering of a leaf value for Markdown."""
    if value is _MISSING or value is None:
        return ABSENT
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def attribute_changes(
    before: Any,
    after: Any,
    *,
    after_unknown: Any = None,
    before_sensitive: Any = None,
    after_sensitive: Any = None,
    limit: int = 120,
) -> list[AttributeChange]:
    """Every leaf that differs between ``before`` and ``after``, sorted by path.

    Sensitive leaves are shown as ``(sensitive)`` on the side whose mask covers them, even
    when only their sensitivity changed; unknown ones as ``(known after apply)``. A sensitive
    value never reaches the returned strings.
    """
    old = flatten(before) if before is not None else {}
    new = flatten(after) if after is not None else {}
    unknown = _masked_paths(after_unknown)
    hidden_before = _masked_paths(before_sensitive)
    hidden_after = _masked_paths(after_sensitive)
    for path in unknown:
        new.setdefault(path, _MISSING)
    changes = []
    for path in sorted(old.keys() | new.keys()):
        b, a = old.get(path, _MISSING), new.get(path, _MISSING)
        is_unknown = _covered(path, unknown)
        b_hidden, a_hidden = _covered(path, hidden_before), _covered(path, hidden_after)
        if b == a and not is_unknown and b_hidden == a_hidden:
            continue
        if b_hidden and a_hidden and not is_unknown and b == a:
            continue
        shown_b = SENSITIVE if b_hidden and b is not _MISSING else render(b, limit)
        if is_unknown:
            shown_a = KNOWN_AFTER_APPLY
        elif a_hidden and a is not _MISSING:
            shown_a = SENSITIVE
        else:
            shown_a = render(a, limit)
        changes.append(AttributeChange(path, shown_b, shown_a))
    return changes
