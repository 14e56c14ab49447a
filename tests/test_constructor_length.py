"""Check, then build: a construct's constructor checks its arguments with a cdktf-free
function (``*_arguments.py``) and builds in short steps, so no ``__init__`` of the library or
the app grows back into one long mix of both. The limit counts every line of the ``def``,
signature and docstring included."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 80
PACKAGES = ("constructs_lib", "stacks")


def _long_constructors(root: Path, packages: tuple[str, ...]) -> list[str]:
    """``<file>: <Class>.__init__ has <n> lines`` for every constructor of ``LIMIT`` lines or more."""
    found = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.ClassDef):
                    continue
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                        start = min([item.lineno, *(d.lineno for d in item.decorator_list)])
                        lines = (item.end_lineno or item.lineno) - start + 1
                        if lines >= LIMIT:
                            found.append(f"{path.relative_to(root)}: {node.name}.__init__ has {lines} lines")
    return found


def test_every_constructor_is_under_the_limit() -> None:
    assert all(list((ROOT / package).rglob("*.py")) for package in PACKAGES)
    assert _long_constructors(ROOT, PACKAGES) == []


def test_a_long_constructor_is_found(tmp_path: Path) -> None:
    body = "\n".join(f"        self.a{i} = {i}" for i in range(LIMIT - 1))
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "sample.py").write_text(
        f"class Long:\n    def __init__(self) -> None:\n{body}\n\n\nclass Short:\n    def __init__(self) -> None:\n        pass\n"
    )
    assert _long_constructors(tmp_path, ("pkg",)) == [f"pkg/sample.py: Long.__init__ has {LIMIT} lines"]
