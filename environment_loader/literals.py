"""Every key and value of an environment file must reach Terraform as written.

Terraform evaluates ``${...}`` and ``%{...}`` in every string of ``cdk.tf.json`` (map keys
included), so none may hold one; the escapes ``$${`` and ``%%{`` stay as written and
Terraform reads them as the characters. Numbers must survive JavaScript (jsii) exactly, and
text holds no control characters: a name ending in a newline would pass many a pattern and
break what it is pasted into (an ssh_config line, a TOML file). Only chart values may hold
newlines and tabs.
"""

from __future__ import annotations

import math
from typing import Any

from constructs_lib import _validate as check

from .source_map import SourceMap


def reject_expressions(value: Any, path: tuple[str, ...], source: SourceMap) -> None:
    """Every key and value under ``path``, checked as written (see the module's documentation)."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                key_text = str(key)
                _check_string(key_text, where + (key_text,), source, is_key=True)
                stack.append((child, where + (key_text,)))
        elif isinstance(item, list):
            stack.extend((child, where) for child in item)
        elif isinstance(item, str):
            _check_string(item, where, source, is_key=False, multiline=_is_helm_values(where))
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if abs(item) > check.MAX_SAFE_INTEGER:
                raise source.error(
                    where,
                    f"{item} is not allowed: numbers from -{check.MAX_SAFE_INTEGER} to {check.MAX_SAFE_INTEGER} "
                    "(larger ones lose digits on their way to Terraform)",
                )
        elif isinstance(item, float):
            if not math.isfinite(item) or abs(item) > check.MAX_SAFE_INTEGER:
                raise source.error(where, f"{item} is not allowed: a finite number up to {check.MAX_SAFE_INTEGER}")


def _is_helm_values(path: tuple[str, ...]) -> bool:
    """Chart values may hold multi-line text (a config file, a script); nothing else may."""
    return len(path) >= 3 and path[0] in ("addon", "helm_release") and path[2] == "values"


def _check_string(
    text: str, where: tuple[str, ...], source: SourceMap, *, is_key: bool, multiline: bool = False
) -> None:
    what = "key" if is_key else "value"
    if check.template_start(text) is not None:
        raise source.error(
            where,
            f"{check.hcl_value(text)}: Terraform expressions are not allowed in environment files (in a {what}: "
            "${...} and %{...} are evaluated by Terraform; write $${ or %%{ for the characters)",
        )
    if "TfToken[" in text:
        raise source.error(where, f"{check.hcl_value(text)} is not allowed: 'TfToken[' is cdktf's reference marker")
    control = check.forbidden_character(text, allow="\n\t" if multiline else "")
    if control:
        raise source.error(
            where,
            f"{check.hcl_value(text)} is not allowed: control character U+{ord(control):04X} in a {what}"
            + (" (chart values may hold newlines and tabs, nothing else)" if multiline else " (one line of text)"),
        )
