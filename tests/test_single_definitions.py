"""Every named range and pattern of ``constructs_lib._validate`` is stated there once: no other
module of the library, the app or the CLI writes its value out again (it imports the name)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from constructs_lib import _validate as check

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("constructs_lib", "environment_loader", "stacks", "platformctl")

#: The named ranges, (lowest, highest).
RANGES = {
    name: value
    for name, value in vars(check).items()
    if name.isupper()
    and isinstance(value, tuple)
    and len(value) == 2
    and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
}
#: The named patterns (regular expression text).
PATTERNS = {name: value for name, value in vars(check).items() if name.endswith("_PATTERN") and isinstance(value, str)}


def _sources() -> Iterator[Path]:
    for package in PACKAGES:
        for source in sorted((ROOT / package).rglob("*.py")):
            if source != ROOT / "constructs_lib" / "_validate.py":
                yield source


def _int(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    return None


def restatements(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, what) for each literal range or pattern of ``_validate`` written out in ``tree``:
    a tuple ``(low, high)``, two neighbouring call arguments ``low, high`` (``int_range(..., 0,
    100)``), a string holding a pattern's text, or the egress default's tuple."""
    by_value = {value: name for name, value in RANGES.items()}
    for node in ast.walk(tree):
        pairs: list[tuple[ast.AST, ast.AST]] = []
        if isinstance(node, ast.Tuple) and len(node.elts) == 2:
            pairs.append((node.elts[0], node.elts[1]))
        if isinstance(node, ast.Call):
            pairs += list(zip(node.args, node.args[1:], strict=False))
        for low, high in pairs:
            pair = (_int(low), _int(high))
            if pair in by_value:
                yield node.lineno, f"{pair} is {by_value[pair]}"  # type: ignore[index]
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for name, pattern in PATTERNS.items():
                if pattern in node.value:
                    yield node.lineno, f"the text of {name}"
        if isinstance(node, ast.Tuple) and [_constant(e) for e in node.elts] == list(check.DEFAULT_EGRESS_CIDRS):
            yield node.lineno, "DEFAULT_EGRESS_CIDRS"


def _constant(node: ast.AST) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def test_the_named_ranges_and_patterns_are_found() -> None:
    assert {"NODE_COUNT", "VOLUME_SIZE_GB", "PORT_NUMBER", "HELM_MAX_HISTORY"} <= set(RANGES)
    assert {"NAME_PATTERN", "OCI_TAG_PATTERN", "SHA256_DIGEST_PATTERN", "PATH_COMPONENT_PATTERN"} <= set(PATTERNS)


@pytest.mark.parametrize(
    "code",
    [
        "MAX = (0, 100)",
        'check.int_range(path, "count", count, 0, 100)',
        "VOLUME = (1, 16384)",
        '_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")',
        'def f(egress=("0.0.0.0/0",)): pass',
    ],
)
def test_a_restated_range_or_pattern_is_found(code: str) -> None:
    assert list(restatements(ast.parse(code)))


def test_no_range_or_pattern_is_stated_twice() -> None:
    found = [
        f"{source.relative_to(ROOT)}:{line}: {what}"
        for source in _sources()
        for line, what in restatements(ast.parse(source.read_text()))
    ]
    assert found == []
