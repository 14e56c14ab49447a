"""The schema's complaints in the file's words: pydantic's first error -> one error naming the
file, the key path as written in HCL, the line, and what is allowed there."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from constructs_lib import _validate as check

from .errors import EnvironmentConfigError
from .schema import EnvironmentConfig
from .source_map import SourceMap


def validation_error(err: ValidationError, source: SourceMap) -> EnvironmentConfigError:
    """The one error reported for the schema's ``err``."""
    errors = err.errors()
    # A typo shows up as an unknown key and, often, as a missing one: report the typo.
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(str(p) for p in first["loc"])
    if first["type"] == "missing":
        # Nothing sets a missing key: point at the block that lacks it (the file, at the top).
        parent = loc[:-1]
        return source.error(loc, _explain(first), source.line_of(parent) if parent else None, locate=False)
    keys = tuple(str(p) for p in first["loc"] if not isinstance(p, int))
    if len(keys) < len(loc):
        # A list item: the line of its list, the path with the index as written in HCL (x[0]).
        shown: list[str] = []
        for part in first["loc"]:
            if isinstance(part, int) and shown:
                shown[-1] += f"[{part}]"
            else:
                shown.append(str(part))
        return source.error(tuple(shown), _explain(first), source.line_of(keys))
    return source.error(loc, _explain(first))


_TYPE_WORDS = {
    "int_type": "an integer",
    "bool_type": "true or false",
    "string_type": "a string",
    "dict_type": "a map or block",
    "model_type": "a block",
    "tuple_type": "a list",
    "list_type": "a list",
}


def _without_none(annotation: Any) -> Any:
    """``X | None`` -> ``X``; anything else unchanged."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        return args[0]
    return annotation


def _model_at(loc: tuple[Any, ...]) -> Any:
    """The model (or type) that holds the value at ``loc``: the block ``loc`` points into."""
    model: Any = EnvironmentConfig
    for part in loc:
        model = _without_none(model)
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get(str(part))
            if field is None:
                return None
            model = field.annotation
        elif typing.get_origin(model) is dict:
            model = typing.get_args(model)[1]
        else:
            return None
    return _without_none(model)


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys the block holding ``loc``'s last key accepts."""
    model = _model_at(loc[:-1])
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [k for k in model.model_fields if not (model is EnvironmentConfig and k == "name")]
    return []


def _is_block(annotation: Any) -> bool:
    """Whether a field is written as a block (``network { }``, ``node_group "x" { }``)."""
    annotation = _without_none(annotation)
    if typing.get_origin(annotation) is dict:
        annotation = typing.get_args(annotation)[1]
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _required(loc: tuple[Any, ...]) -> list[str]:
    """The required keys and blocks of the block at ``loc``, as the file writes them."""
    model = _model_at(loc)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return []
    return [
        f"{name} {{ ... }}" if _is_block(field.annotation) else name
        for name, field in model.model_fields.items()
        if field.is_required() and not (model is EnvironmentConfig and name == "name")
    ]


def _literal_choices(loc: tuple[Any, ...]) -> list[str]:
    """The values a ``Literal`` field accepts."""
    model = _model_at(loc)
    return [a for a in typing.get_args(model) if isinstance(a, str)] if typing.get_origin(model) is Literal else []


def _explain(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    loc = tuple(error["loc"])
    given = check.hcl_value(error.get("input"))
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc)
        what = "block" if isinstance(error.get("input"), (dict, list)) else "key"
        return f"unknown {what}; allowed: {', '.join(allowed)}{check.did_you_mean(str(loc[-1]), allowed)}"
    if kind == "missing":
        field = getattr(_model_at(loc[:-1]), "model_fields", {}).get(loc[-1])
        what = "block" if field is not None and _is_block(field.annotation) else "key"
        where = ".".join(map(str, loc[:-1])) or "an environment file"
        return f"required {what} is missing; {where} needs: {', '.join(_required(loc[:-1]))}"
    if kind in _TYPE_WORDS:
        return f"{given} is not allowed: expected {_TYPE_WORDS[kind]}"
    if kind == "literal_error":
        choices = _literal_choices(loc)
        return (
            f"{given} is not allowed: expected one of {', '.join(map(check.hcl_value, choices))}"
            + check.did_you_mean(error.get("input"), choices)
        )
    if kind == "too_short":
        return "needs at least one entry"
    return f"{given} is not allowed: {error['msg']}"
