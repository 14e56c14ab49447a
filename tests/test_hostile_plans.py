"""Malformed plans are one ``error:`` line naming the file and what is wrong, exit code 1, nothing written.

Each case damages one field of an otherwise valid plan (a wrong type, an unknown action, a
value nested too deep, bytes that are not UTF-8 JSON, numbers JSON readers refuse). None may
end in a traceback; and the messages never quote a value of the plan, which may be a secret.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from platformctl.cli import main

SECRET = "Pl4nted-S3cret-in-a-bad-field"


def _valid() -> dict[str, Any]:
    return {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "variables": {"region": {"value": "ru-9"}},
        "planned_values": {"root_module": {}},
        "resource_changes": [
            {
                "address": "terraform_data.a",
                "mode": "managed",
                "type": "terraform_data",
                "name": "a",
                "change": {
                    "actions": ["update"],
                    "before": {"input": "x"},
                    "after": {"input": "y"},
                    "after_unknown": {},
                    "before_sensitive": {},
                    "after_sensitive": {},
                },
            }
        ],
        "output_changes": {"o": {"actions": ["create"], "before": None, "after": "v"}},
        "configuration": {"root_module": {"resources": [{"address": "terraform_data.a"}], "variables": {}}},
        "prior_state": {"format_version": "1.0", "values": {"root_module": {"resources": []}}},
    }


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set a dotted path (``resource_changes.0.change.actions``) of the document."""

    def edit(document: dict[str, Any]) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        node: Any = document
        for step in parents:
            node = node[step]
        node[last] = value

    return edit


def _nest(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"k": value}
    return value


#: (edit of the valid plan, what the error line must say after "<file>: ")
SHAPES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "unknown action": (
        _set("resource_changes.0.change.actions", ["destroy"]),
        "not a terraform plan: resource_changes[0].change.actions is an unknown list of actions; expected ",
    ),
    "actions not a list": (
        _set("resource_changes.0.change.actions", "update"),
        "not a terraform plan: resource_changes[0].change.actions is a string; expected a list of actions",
    ),
    "actions empty": (
        _set("resource_changes.0.change.actions", []),
        "resource_changes[0].change.actions is an unknown list of actions",
    ),
    "actions of objects": (
        _set("resource_changes.0.change.actions", [{"a": 1}]),
        "resource_changes[0].change.actions is an unknown list of actions",
    ),
    "secret as an action": (
        _set("resource_changes.0.change.actions", [SECRET]),
        "resource_changes[0].change.actions is an unknown list of actions",
    ),
    "resource_changes an object": (
        _set("resource_changes", {"a": 1}),
        "not a terraform plan: resource_changes is an object; expected a list of resource changes",
    ),
    "resource change a string": (
        _set("resource_changes.0", SECRET),
        "not a terraform plan: resource_changes[0] is a string; expected an object with address and change",
    ),
    "change a list": (
        _set("resource_changes.0.change", []),
        "not a terraform plan: resource_changes[0].change is a list; expected an object with actions",
    ),
    "address a number": (
        _set("resource_changes.0.address", 7),
        "resource_changes[0].address is a number; expected the resource's address",
    ),
    "previous_address a number": (
        _set("resource_changes.0.previous_address", 12),
        "not a terraform plan: resource_changes[0].previous_address is a number; expected a string or null",
    ),
    "action_reason a list": (
        _set("resource_changes.0.action_reason", [SECRET]),
        "resource_changes[0].action_reason is a list; expected a string or null",
    ),
    "deposed a bool": (
        _set("resource_changes.0.deposed", True),
        "resource_changes[0].deposed is a bool; expected a string or null",
    ),
    "type an object": (
        _set("resource_changes.0.type", {}),
        "resource_changes[0].type is an object; expected a string or null",
    ),
    "replace_paths a string": (
        _set("resource_changes.0.change.replace_paths", "input"),
        "resource_changes[0].change.replace_paths is a string; expected a list of paths",
    ),
    "replace path step an object": (
        _set("resource_changes.0.change.replace_paths", [["input", {"k": SECRET}]]),
        "resource_changes[0].change.replace_paths[0][1] is an object; expected an attribute name",
    ),
    "replace path step a bool": (
        _set("resource_changes.0.change.replace_paths", [[True]]),
        "resource_changes[0].change.replace_paths[0][0] is a bool",
    ),
    "drift entry of the wrong type": (
        _set("resource_drift", [42]),
        "not a terraform plan: resource_drift[0] is a number",
    ),
    "output_changes a list": (
        _set("output_changes", []),
        "not a terraform plan: output_changes is a list; expected an object of output changes",
    ),
    "output change a string": (
        _set("output_changes.o", SECRET),
        "not a terraform plan: output_changes.o is a string; expected an object",
    ),
    "output action unknown": (
        _set("output_changes.o.actions", ["explode"]),
        "output_changes.o.actions is an unknown list of actions",
    ),
    "configuration a list": (
        _set("configuration", [1]),
        "not a terraform plan: configuration is a list; expected an object",
    ),
    "root module a string": (
        _set("configuration.root_module", SECRET),
        "configuration.root_module is a string; expected an object",
    ),
    "configured resources an object": (
        _set("configuration.root_module.resources", {"a": 1}),
        "configuration.root_module.resources is an object; expected a list of resources",
    ),
    "configured address a number": (
        _set("configuration.root_module.resources", [{"address": 3}]),
        "configuration.root_module.resources[0].address is a number; expected a string",
    ),
    "declared variables a list": (
        _set("configuration.root_module.variables", ["pw"]),
        "configuration.root_module.variables is a list; expected an object of variables",
    ),
    "declared variable a bool": (
        _set("configuration.root_module.variables", {"pw": True}),
        "configuration.root_module.variables.pw is a bool",
    ),
    "variables a list": (
        _set("variables", [SECRET]),
        "not a terraform plan: variables is a list; expected an object of variables",
    ),
    "variable a string": (
        _set("variables.region", SECRET),
        "not a terraform plan: variables.region is a string; expected an object with a value",
    ),
    "prior_state a list": (
        _set("prior_state", []),
        "not a terraform plan: prior_state is a list; expected an object",
    ),
    "prior state resources a string": (
        _set("prior_state.values.root_module.resources", SECRET),
        "prior_state.values.root_module.resources is a string; expected a list of resources",
    ),
    "prior state child module a number": (
        _set("prior_state.values.root_module.child_modules", [1]),
        "prior_state.values.root_module.child_modules[0] is a number; expected an object",
    ),
    "planned outputs a list": (
        _set("planned_values", {"outputs": [1]}),
        "planned_values.outputs is a list; expected an object of outputs",
    ),
    "terraform_version a number": (
        _set("terraform_version", 1.11),
        "not a terraform plan: terraform_version is a number; expected a string",
    ),
    "errored a string": (
        _set("errored", "yes"),
        "not a terraform plan: errored is a string; expected true or false",
    ),
    "format_version a number": (
        _set("format_version", 1.2),
        "plan format_version of type float is not supported",
    ),
    "value nested too deep": (
        _set("resource_changes.0.change.after", _nest(400)),
        "not a terraform plan: resource_changes[0].change is nested more than 200 levels deep",
    ),
    "mask nested too deep": (
        _set("resource_changes.0.change.after_sensitive", _nest(300)),
        "resource_changes[0].change is nested more than 200 levels deep",
    ),
    "secret as the name of a bad output": (
        lambda d: (
            d["resource_changes"][0]["change"].update({"after": {"input": SECRET}, "after_sensitive": {"input": True}}),
            d["output_changes"].update({SECRET: 1}),
        ),
        "not a terraform plan: output_changes['(sensitive)'] is a number",
    ),
    "odd output name": (
        lambda d: d["output_changes"].update({"a\nb": "x"}),
        "not a terraform plan: output_changes['a\\nb'] is a string",
    ),
}


def _preview_fails(capsys: pytest.CaptureFixture[str], path: Path, tmp_path: Path, message: str) -> str:
    out_file = tmp_path / "preview.md"
    code = main(["preview", "--plan", str(path), "--out", str(out_file)])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err
    assert err.startswith(f"error: {path}: {message}"), err
    assert SECRET not in err
    assert not out_file.exists()
    return err


@pytest.mark.parametrize("name", list(SHAPES))
def test_a_plan_of_the_wrong_shape_is_one_error_line(name: str, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    edit, message = SHAPES[name]
    document = copy.deepcopy(_valid())
    good = tmp_path / "good.plan.json"
    good.write_text(json.dumps(document))
    assert main(["preview", "--plan", str(good)]) == 0  # the plan before the edit is fine
    capsys.readouterr()
    edit(document)
    path = tmp_path / "bad.plan.json"
    path.write_text(json.dumps(document))
    if not message.startswith("plan format_version"):
        message = "not a terraform plan: " + message.removeprefix("not a terraform plan: ")
    _preview_fails(capsys, path, tmp_path, message)


#: Files that are not JSON a plan could be: (bytes, what the error line says after "<file>: ").
RAW: dict[str, tuple[bytes, str]] = {
    "deep arrays": (b"[" * 100_000 + b"]" * 100_000, "not a terraform plan (JSON nested too deeply to read)"),
    "deep objects in a plan": (
        b'{"format_version": "1.2", "resource_changes": ' + b'{"a":' * 50_000 + b"1" + b"}" * 50_001,
        "not a terraform plan (JSON nested too deeply to read)",
    ),
    "not UTF-8": (b'{"format_version": "1.2", "x": "\xff\xfe"}', "not JSON (not UTF-8 text: byte "),
    "UTF-16": ('{"format_version": "1.2"}'.encode("utf-16"), "not JSON (not UTF-8 text: byte "),
    "binary": (bytes(range(256)) * 4, "not JSON (not UTF-8 text: byte "),
    "NUL bytes": (b"\x00" * 64, "not JSON ("),
    "empty": (b"", "not JSON (Expecting value at line 1, column 1)"),
    "NaN": (b'{"format_version": "1.2", "resource_changes": [], "x": NaN}', "not JSON (NaN is not a JSON number)"),
    "Infinity": (b'{"format_version": "1.2", "x": -Infinity}', "not JSON (-Infinity is not a JSON number)"),
    "integer of 5000 digits": (
        b'{"format_version": "1.2", "resource_changes": [], "x": ' + b"9" * 5000 + b"}",
        "not JSON (",
    ),
    "a number": (b"12", "not a terraform plan (no format_version)"),
    "a string": (b'"plan"', "not a terraform plan (no format_version)"),
}


@pytest.mark.parametrize("name", list(RAW))
def test_a_file_that_is_no_plan_json_is_one_error_line(name: str, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    raw, message = RAW[name]
    path = tmp_path / "bad.plan.json"
    path.write_bytes(raw)
    _preview_fails(capsys, path, tmp_path, message)


def test_huge_and_odd_values_that_are_valid_json_are_rendered(tmp_path: Path, capsys, monkeypatch) -> None:
    """A float beyond double range, a 4000-digit integer, control characters: shown, not a crash."""
    monkeypatch.chdir(tmp_path)
    document = _valid()
    change = document["resource_changes"][0]["change"]
    change["before"] = {"input": "x", "big": 1, "huge": 1.0, "text": "a"}
    change["after"] = {"input": "y", "big": int("7" * 4000), "huge": 1e400, "text": "\x1b[2J\x00\u202e"}
    path = tmp_path / "odd.plan.json"
    path.write_text(json.dumps(document).replace('"huge": Infinity', '"huge": 1e400'))
    code = main(["preview", "--plan", str(path)])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert "| `big` | `1` | `777" in out  # long values are shortened with an ellipsis
    assert "`huge`" in out
    assert '\\u001b[2J\\u0000\\u202e"`' in out and "\x1b" not in out and "\u202e" not in out


def test_console_script_malformed_plan_exit_code_and_no_traceback(tmp_path: Path) -> None:
    """The installed command itself: exit code 1 and one stderr line, for a deep and a mistyped plan."""
    script = Path(sys.executable).with_name("platformctl")
    deep = tmp_path / "deep.plan.json"
    deep.write_bytes(b"[" * 200_000 + b"]" * 200_000)
    mistyped = tmp_path / "mistyped.plan.json"
    document = _valid()
    document["resource_changes"][0]["previous_address"] = 5
    mistyped.write_text(json.dumps(document))
    for path in (deep, mistyped):
        done = subprocess.run(
            [str(script), "preview", "--plan", str(path)], capture_output=True, text=True, cwd=tmp_path, check=False
        )
        assert done.returncode == 1, done.stderr
        assert done.stdout == ""
        assert done.stderr.startswith(f"error: {path}: ") and done.stderr.count("\n") == 1, done.stderr


def test_an_address_of_many_instance_keys_costs_linear_time(tmp_path: Path, capsys, monkeypatch) -> None:
    """Addresses are matched from their end in one pass: 40,000 keys would take minutes if each cost a scan."""
    monkeypatch.chdir(tmp_path)
    document = _valid()
    document["resource_changes"][0]["address"] = "terraform_data.a" + "[0]" * 40_000 + "x"
    document["resource_changes"][0]["previous_address"] = "terraform_data.b" + '["k"]' * 40_000
    path = tmp_path / "keys.plan.json"
    path.write_text(json.dumps(document))
    started = time.monotonic()
    code = main(["preview", "--plan", str(path), "--max-chars", "0"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert ', moved from `terraform_data.b["k"]' in out
    assert time.monotonic() - started < 5


def test_many_made_up_names_do_not_cost_minutes_of_path_search(tmp_path: Path, capsys, monkeypatch) -> None:
    """Names shaped like cdktf's (parts, dashes, a hash) make the construct path search try many
    candidates; a report shares one budget for all of them."""
    monkeypatch.chdir(tmp_path)
    document = _valid()
    entry = document["resource_changes"][0]
    document["resource_changes"] = [
        {**entry, "address": f"terraform_data.a-b-c_d-e-f_g-h-i_j-k-l_m-n-o_p-q-{i}_0123ABCD"} for i in range(1500)
    ]
    path = tmp_path / "names.plan.json"
    path.write_text(json.dumps(document))
    started = time.monotonic()
    code = main(["preview", "--plan", str(path)])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert "`terraform_data.a-b-c_d-e-f_g-h-i_j-k-l_m-n-o_p-q-0_0123ABCD`" in out
    assert time.monotonic() - started < 10  # 1,500 names at 20,000 candidates each: about 12 minutes
