"""``scripts/test`` lints every Python package of the repository, the tests and the scripts."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _packages() -> set[str]:
    return {p.parent.name for p in ROOT.glob("*/__init__.py")}


def test_every_package_is_linted_and_format_checked() -> None:
    script = (ROOT / "scripts" / "test").read_text()
    packages = _packages()
    assert {"constructs_lib", "stacks", "platformctl"} <= packages
    for command in ("ruff check", "ruff format --check"):
        lines = [line for line in script.splitlines() if re.match(rf"\.venv/bin/{re.escape(command)}\b", line)]
        assert len(lines) == 1, f"scripts/test: one `{command}` line expected, found {lines}"
        paths = {word for word in shlex.split(lines[0]) if not word.startswith("-")}
        missing = (packages | {"tests", "scripts"}) - paths
        assert not missing, f"scripts/test: `{command}` leaves out {sorted(missing)}"
