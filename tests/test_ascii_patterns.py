"""Every regular expression of the project matches ASCII only.

In Python's default (Unicode) mode ``\\d`` matches any script's digits (fullwidth ``１``,
Arabic-Indic ``٣``), ``\\w`` any letter and ``\\s`` any space, and a case-insensitive ``[a-z]``
matches the Kelvin sign; ``int()`` then reads those digits as numbers. So a check written
with them lets ``"１.３６.１"`` through to ``cdk.tf.json``. This test reads the source of every
package and script and fails for a pattern that could match beyond ASCII (``\\d``, ``\\w``,
``\\s``, ``\\b`` and their negations, or case-insensitive matching) unless it is compiled with
``re.ASCII``, and for ``str.isdigit``/``isdecimal``/``isnumeric`` (true for those digits too).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("constructs_lib", "environment_loader", "stacks", "platformctl", "scripts")
_RE_FUNCTIONS = frozenset({"compile", "match", "fullmatch", "search", "findall", "finditer", "sub", "subn", "split"})
#: An escape that matches beyond ASCII in Unicode mode (an odd run of backslashes before it).
_UNICODE_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\[dDwWsSbB]", re.ASCII)
_UNICODE_DIGIT_METHODS = frozenset({"isdigit", "isdecimal", "isnumeric"})


def _sources() -> list[Path]:
    files: list[Path] = []
    for directory in SCANNED:
        base = ROOT / directory
        files.extend(sorted(base.rglob("*.py")))
        # Scripts without the .py suffix that are Python.
        files.extend(p for p in sorted(base.iterdir()) if p.is_file() and not p.suffix and _is_python(p))
    return files


def _is_python(path: Path) -> bool:
    return path.read_text(errors="replace").startswith("#!/usr/bin/env python")


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level names bound to string constants (patterns built from pieces)."""
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            text = _text(node.value, found)
            if text is not None:
                found[node.targets[0].id] = text
    return found


def _text(node: ast.AST, names: dict[str, str]) -> str | None:
    """The pattern text an expression builds, as far as it is written in the source (the
    output of calls such as ``re.escape`` is literal text and counts as empty)."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.JoinedStr):
        parts = [
            _text(v, names) if not isinstance(v, ast.FormattedValue) else _text(v.value, names) for v in node.values
        ]
        return "".join(p or "" for p in parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return (_text(node.left, names) or "") + (_text(node.right, names) or "")
    if isinstance(node, ast.Name):
        return names.get(node.id, "")
    return ""


def _flags(call: ast.Call, function: str) -> str:
    """The source of the flags argument (positional or keyword)."""
    position = {"compile": 1, "match": 2, "fullmatch": 2, "search": 2, "findall": 2, "finditer": 2, "split": 3}
    position.update({"sub": 4, "subn": 4})
    for keyword in call.keywords:
        if keyword.arg == "flags":
            return ast.unparse(keyword.value)
    index = position[function]
    return ast.unparse(call.args[index]) if len(call.args) > index else ""


def problems(source: str, filename: str = "<source>") -> list[str]:
    """Every non-ASCII-safe pattern and Unicode digit test in ``source``, as ``file:line: what``."""
    tree = ast.parse(source, filename)
    names = _constants(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        attribute = node.func.attr
        if attribute in _UNICODE_DIGIT_METHODS and not node.args:
            found.append(f"{filename}:{node.lineno}: str.{attribute}() is true for non-ASCII digits too")
            continue
        if not (isinstance(node.func.value, ast.Name) and node.func.value.id == "re" and attribute in _RE_FUNCTIONS):
            continue
        if not node.args:
            continue
        pattern = _text(node.args[0], names) or ""
        flags = _flags(node, attribute)
        ascii_flag = re.search(r"\bre\.(ASCII|A)\b", flags, re.ASCII) or re.match(r"\(\?[a-zA-Z]*a", pattern)
        ignore_case = re.search(r"\bre\.(IGNORECASE|I)\b", flags, re.ASCII) or re.match(r"\(\?[a-zA-Z]*i", pattern)
        if (_UNICODE_ESCAPE.search(pattern) or ignore_case) and not ascii_flag:
            found.append(f"{filename}:{node.lineno}: re.{attribute}({pattern[:60]!r}) matches beyond ASCII")
    return found


def test_every_pattern_of_the_project_is_ascii() -> None:
    found = [problem for path in _sources() for problem in problems(path.read_text(), str(path.relative_to(ROOT)))]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        'import re\nX = re.compile(r"v?\\d+")\n',
        'import re\nre.fullmatch(r"[a-z]+\\s", value)\n',
        'import re\nWORD = r"\\w+"\nX = re.compile(rf"{WORD}-x")\n',
        'import re\nX = re.compile(r"[a-z]+", re.IGNORECASE)\n',
        'import re\nX = re.compile(r"(?i)[a-z]+")\n',
        "if text.isdigit():\n    pass\n",
        'import re\nre.sub(r"\\b", "", text, 0, re.MULTILINE)\n',
    ],
)
def test_the_scan_finds_each_kind_of_unicode_pattern(source: str) -> None:
    assert len(problems(source)) == 1, source


@pytest.mark.parametrize(
    "source",
    [
        'import re\nX = re.compile(r"v?[0-9]+")\n',
        'import re\nX = re.compile(r"v?\\d+", re.ASCII)\n',
        'import re\nX = re.compile(r"(?a)\\w+")\n',
        'import re\nX = re.compile(r"[a-z]+", re.IGNORECASE | re.ASCII)\n',
        'import re\nX = re.compile(r"\\\\d")\n',  # a backslash, then the letter d
    ],
)
def test_the_scan_passes_ascii_patterns(source: str) -> None:
    assert problems(source) == [], source
