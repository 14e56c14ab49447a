"""Helm values as Python data: deep merge and dotted-path updates."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import yaml


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` merged over ``base``: maps merge key by key, anything else (lists too)
    is replaced, as Helm merges values files."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def at_path(path: str, value: Any) -> dict[str, Any]:
    """``at_path("a.b", 1) == {"a": {"b": 1}}``; the empty path means the top level and
    ``value`` must then be a mapping."""
    if not path:
        return dict(value)
    result: Any = value
    for part in reversed(path.split(".")):
        result = {part: result}
    return result


def to_yaml(values: Mapping[str, Any]) -> str:
    """Stable YAML (sorted keys) so the same values always synthesize the same bytes."""
    return yaml.safe_dump(dict(values), sort_keys=True, default_flow_style=False, width=1000)
