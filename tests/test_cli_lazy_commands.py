"""``platformctl`` imports only the module of the command that runs; its help is unchanged."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from platformctl import cli

ROOT = Path(__file__).resolve().parent.parent


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_the_table_names_each_command_its_module_registers_in_order() -> None:
    registered = []
    for name, module in cli.COMMANDS.items():
        commands = _commands(cli.build_parser(name))
        assert list(commands) == [name], module
        registered.append(name)
    assert list(_commands(cli.build_parser())) == registered


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out == cli.build_parser().format_help()
    for name in cli.COMMANDS:
        assert f"\n    {name}" in out


@pytest.mark.parametrize("command", list(cli.COMMANDS))
def test_a_command_alone_parses_and_helps_as_with_every_command(command: str) -> None:
    alone = _commands(cli.build_parser(command))[command]
    whole = _commands(cli.build_parser())[command]
    assert alone.format_help() == whole.format_help()
    assert alone.format_usage() == whole.format_usage()


_RUN_AND_LIST = """
import json, sys
from platformctl.cli import COMMAND_MODULES, main
code = main(sys.argv[1:])
print(json.dumps([code, sorted(m for m in COMMAND_MODULES if m in sys.modules)]))
"""


def _imported(*argv: str) -> tuple[int, list[str]]:
    result = subprocess.run(
        [sys.executable, "-c", _RUN_AND_LIST, *argv], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    code, modules = json.loads(result.stdout.splitlines()[-1])
    return code, modules


def test_a_command_imports_its_own_module_only(tmp_path: Path) -> None:
    plan = tmp_path / "missing.json"
    code, modules = _imported("preview", "--plan", str(plan), "--out", str(tmp_path / "report.md"))
    assert code == 1  # the plan is missing: the command ran
    assert modules == ["platformctl.preview"]


def test_help_and_a_mistyped_command_still_see_every_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "platformctl", "prevew"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    for name in cli.COMMANDS:
        assert repr(name) in result.stderr
