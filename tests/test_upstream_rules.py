"""Every rule recorded from upstream is enforced by a test.

The facts fixtures in ``tests/fixtures/upstream/`` record what upstream sources say (provider
schemas, driver code, chart values). A fact the library must follow (an argument the cloud
needs, a value it refuses) is tagged in the fixture's text as ``[rule <id>]``; JSON fixtures
carry the same token inside a string. A test that enforces it is marked
``@pytest.mark.upstream_rule("<id>")``. This module fails for a tagged rule that no test
enforces, and for a marker that names no recorded rule (a renamed or deleted rule).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures" / "upstream"
#: The facts fixtures that state rules; each must state some (an empty scan proves nothing).
FACTS_FIXTURES = (
    "selectel_mks_facts.md",
    "magnum_drivers.json",
    "delivery_access_facts.md",
    "kamaji_flatcar_facts.md",
)

_RULE_ID = r"[a-z0-9][a-z0-9.-]*[a-z0-9]"


def recorded_rules(fixtures: Path) -> dict[str, list[str]]:
    """Rule id -> the fixture files (relative names) that tag it."""
    tag = re.compile(rf"\[rule ({_RULE_ID})\]", re.ASCII)
    rules: dict[str, list[str]] = {}
    for path in sorted(fixtures.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for rule in tag.findall(text):
            rules.setdefault(rule, []).append(path.relative_to(fixtures).as_posix())
    return rules


def _marker_ids(call: ast.Call) -> Iterable[str]:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "upstream_rule":
        owner = func.value
        if isinstance(owner, ast.Attribute) and owner.attr == "mark":
            for arg in call.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    yield arg.value
                else:
                    raise AssertionError(f"line {call.lineno}: upstream_rule takes literal rule ids")


def enforced_rules(tests: Path) -> dict[str, list[str]]:
    """Rule id -> ``file:line`` of each marker naming it, in every test module under ``tests``."""
    found: dict[str, list[str]] = {}
    for path in sorted(tests.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for rule in _marker_ids(node):
                    found.setdefault(rule, []).append(f"{path.relative_to(tests).as_posix()}:{node.lineno}")
    return found


def unenforced(fixtures: Path, tests: Path) -> tuple[list[str], list[str]]:
    """(rules with no enforcing test, markers naming no recorded rule)."""
    rules = recorded_rules(fixtures)
    markers = enforced_rules(tests)
    missing = sorted(f"{rule} (tagged in {', '.join(files)})" for rule, files in rules.items() if rule not in markers)
    unknown = sorted(f"{rule} (marked at {', '.join(where)})" for rule, where in markers.items() if rule not in rules)
    return missing, unknown


def test_every_recorded_rule_has_an_enforcing_test() -> None:
    missing, unknown = unenforced(FIXTURES, TESTS)
    assert not missing, "rules recorded from upstream that no test enforces:\n" + "\n".join(missing)
    assert not unknown, "tests marked with rules that no fixture records:\n" + "\n".join(unknown)


@pytest.mark.parametrize("fixture", FACTS_FIXTURES)
def test_each_facts_fixture_states_rules(fixture: str) -> None:
    rules = recorded_rules(FIXTURES)
    assert any(fixture in files for files in rules.values()), f"{fixture} tags no [rule <id>]"


def test_the_check_finds_an_unenforced_rule_and_an_unknown_marker(tmp_path: Path) -> None:
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    (fixtures / "facts.md").write_text("- a fact [rule cloud.needs-x]\n- another [rule cloud.needs-y]\n")
    (fixtures / "facts.json").write_text('{"note": "a fact [rule cloud.needs-z]"}\n')
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_a.py").write_text(
        "import pytest\n\n"
        '@pytest.mark.upstream_rule("cloud.needs-x", "cloud.needs-z")\n'
        "def test_x():\n    assert True\n\n"
        'pytestmark = pytest.mark.upstream_rule("cloud.gone")\n'
    )
    missing, unknown = unenforced(fixtures, tests)
    assert missing == ["cloud.needs-y (tagged in facts.md)"]
    assert unknown == ["cloud.gone (marked at test_a.py:7)"]
