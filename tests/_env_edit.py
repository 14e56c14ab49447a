"""Edits of the shipped environment files by key, so tests do not depend on their spacing."""

from __future__ import annotations

import re

from stacks.app import ENVIRONMENTS_DIR


def key_line(name: str, key: str) -> str:
    """The first line of ``environments/<name>.hcl`` that sets ``key`` (its whole text)."""
    text = (ENVIRONMENTS_DIR / f"{name}.hcl").read_text()
    match = re.search(rf"(?m)^[ \t]*{re.escape(key)}[ \t]*=.*$", text)
    assert match, f"test setup: no {key} in {name}.hcl"
    return match.group(0)


def set_key(name: str, key: str, value: str) -> tuple[str, str]:
    """A replacement for ``env_dir``: the line setting ``key`` now sets it to ``value`` (HCL text)."""
    line = key_line(name, key)
    indent = line[: len(line) - len(line.lstrip())]
    return line, f"{indent}{key} = {value}"


def line_number(text: str, line: str) -> int:
    """1-based number of the first line of ``text`` starting with ``line``."""
    for number, current in enumerate(text.splitlines(), start=1):
        if current.startswith(line):
            return number
    raise AssertionError(f"test setup: {line!r} not found")


def set_or_add(name: str, block: str, key: str, value: str) -> tuple[str, str]:
    """Like :func:`set_key`, adding the key at the top of ``block`` (its opening line) when the file lacks it."""
    text = (ENVIRONMENTS_DIR / f"{name}.hcl").read_text()
    if re.search(rf"(?m)^[ \t]*{re.escape(key)}[ \t]*=", text):
        return set_key(name, key, value)
    return block, f"{block}\n  {key} = {value}"
