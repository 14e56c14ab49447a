"""Sensitive values never reach a preview, however a plan carries them.

Each case is a plan (hand-made, shaped like terraform's) holding a secret somewhere a naive
reader would print it: repeated unmarked, of a type other than string, used as a map key,
inside an address or a path, under a mask that does not fit its value, or marked in one plan
and repeated in another. Every output format (the Markdown report, cut and uncut, and the
GitLab report) must be free of it, while an ordinary change beside it is still shown.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from platformctl.cli import main

SECRET = "Pl4nted-S3cret-Value-9f2c"
SHORT = "q7z"  # shorter than the length searched inside other strings: matched whole
NUMBER = 48213957
WITNESS = "VISIBLE-WITNESS-VALUE"


def _entry(
    address: str,
    actions: list[str],
    before: Any,
    after: Any,
    before_sensitive: Any = None,
    after_sensitive: Any = None,
    **extra: Any,
) -> dict[str, Any]:
    type_ = address.split(".")[0]
    change = {
        "actions": actions,
        "before": before,
        "after": after,
        "after_unknown": extra.pop("after_unknown", {}),
        "before_sensitive": before_sensitive if before_sensitive is not None else (False if before is None else {}),
        "after_sensitive": after_sensitive if after_sensitive is not None else (False if after is None else {}),
    }
    if "replace_paths" in extra:
        change["replace_paths"] = extra.pop("replace_paths")
    return {"address": address, "mode": "managed", "type": type_, "name": "x", "change": change, **extra}


def _sensitive_input(value: Any) -> dict[str, Any]:
    """A terraform_data whose input is marked sensitive: the plan's own mark of ``value``."""
    return _entry(
        "terraform_data.source",
        ["update"],
        {"input": value, "n": 1},
        {"input": value, "n": 2},
        {"input": True},
        {"input": True},
    )


def _witness() -> dict[str, Any]:
    return _entry("terraform_data.witness", ["update"], {"input": "old"}, {"input": WITNESS})


def _plan(changes: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "planned_values": {"root_module": {}},
        "resource_changes": [*changes, _witness()],
        **extra,
    }


def _repeated(value: Any) -> dict[str, Any]:
    """terraform_data.output repeating a sensitive input unmarked (as terraform writes it)."""
    return _plan(
        [
            _sensitive_input(value),
            _entry("terraform_data.copy", ["update"], {"output": "before", "keep": 1}, {"output": value, "keep": 2}),
        ]
    )


def _variable_plan(value: Any, where: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    return _plan(
        [where(value)],
        variables={"db_password": {"value": value}},
        configuration={"root_module": {"variables": {"db_password": {"sensitive": True}}}},
    )


CASES: dict[str, tuple[dict[str, Any], list[str]]] = {
    # Repeated unmarked, every JSON type.
    "string repeated": (_repeated(SECRET), [SECRET]),
    "number repeated": (_repeated(NUMBER), [str(NUMBER)]),
    "float repeated": (_repeated(31337.25), ["31337.25"]),
    "integer repeated as a float": (
        _plan(
            [
                _sensitive_input(NUMBER),
                _entry("terraform_data.copy", ["update"], {"n": 1}, {"n": float(NUMBER)}),
            ]
        ),
        [str(NUMBER)],
    ),
    "number repeated as a string": (
        _plan(
            [
                _sensitive_input(NUMBER),
                _entry("terraform_data.copy", ["update"], {"port": "1"}, {"port": f"port-{NUMBER}"}),
            ]
        ),
        [str(NUMBER)],
    ),
    "string contained in a longer one": (
        _plan(
            [
                _sensitive_input(SECRET),
                _entry("terraform_data.copy", ["update"], {"url": "a"}, {"url": f"https://u:{SECRET}@host/"}),
            ]
        ),
        [SECRET],
    ),
    "short secret repeated whole": (
        _plan(
            [
                _sensitive_input(SHORT),
                _entry("terraform_data.copy", ["update"], {"pin": "abc"}, {"pin": SHORT}),
            ]
        ),
        [SHORT],
    ),
    "object repeated": (_repeated({"user": "admin", "password": SECRET}), [SECRET]),
    # Keys and paths.
    "secret as a map key": (
        _plan(
            [
                _sensitive_input(SECRET),
                _entry("terraform_data.copy", ["update"], {"labels": {"a": "1"}}, {"labels": {"a": "1", SECRET: "x"}}),
            ]
        ),
        [SECRET],
    ),
    "short secret as a map key": (
        _plan(
            [
                _sensitive_input(SHORT),
                _entry("terraform_data.copy", ["update"], {"labels": {"a": "1"}}, {"labels": {"a": "2", SHORT: "x"}}),
            ]
        ),
        [SHORT],
    ),
    "secret as a key of after_unknown": (
        _plan(
            [
                _sensitive_input(SECRET),
                _entry("terraform_data.copy", ["update"], {"m": {}}, {"m": {}}, after_unknown={"m": {SECRET: True}}),
            ]
        ),
        [SECRET],
    ),
    "secret in an address, a move and a deposed key": (
        _plan(
            [
                _sensitive_input(SECRET),
                _entry(f'terraform_data.each["{SECRET}"]', ["update"], {"a": 1}, {"a": 2}),
                _entry(
                    "terraform_data.moved",
                    ["no-op"],
                    {"a": 1},
                    {"a": 1},
                    previous_address=f'terraform_data.m["{SECRET}"]',
                ),
                _entry("terraform_data.old", ["delete"], {"a": 1}, None, deposed=SECRET, action_reason=SECRET),
            ]
        ),
        [SECRET],
    ),
    "secret as a replace path step": (
        _plan(
            [
                _sensitive_input(SECRET),
                _entry(
                    "terraform_data.r",
                    ["delete", "create"],
                    {"labels": {SECRET: "1"}},
                    {"labels": {SECRET: "2"}},
                    replace_paths=[["labels", SECRET]],
                ),
            ]
        ),
        [SECRET],
    ),
    "secret as an output's name and value": (
        _plan(
            [_sensitive_input(SECRET)],
            output_changes={
                SECRET: {
                    "actions": ["create"],
                    "before": None,
                    "after": "v",
                    "after_unknown": False,
                    "before_sensitive": False,
                    "after_sensitive": False,
                },
                "copy": {
                    "actions": ["update"],
                    "before": "a",
                    "after": SECRET,
                    "after_unknown": False,
                    "before_sensitive": False,
                    "after_sensitive": False,
                },
            },
        ),
        [SECRET],
    ),  # fmt: skip
    # Masks that do not fit their value hide it.
    "whole object marked true": (
        _plan(
            [
                _entry(
                    "terraform_data.all",
                    ["update"],
                    {"input": {"k": SECRET}, "n": NUMBER},
                    {"input": {"k": SECRET + "2"}, "n": NUMBER + 1},
                    True,
                    True,
                )
            ]
        ),
        [SECRET, str(NUMBER), str(NUMBER + 1)],
    ),
    "list mask against an object": (
        _plan(
            [_entry("terraform_data.m", ["update"], {"cfg": {"pw": "a"}}, {"cfg": {"pw": SECRET}}, {}, {"cfg": [True]})]
        ),
        [SECRET],
    ),
    "mask shorter than the list": (
        _plan(
            [
                _entry(
                    "terraform_data.m", ["update"], {"keys": ["a", "b"]}, {"keys": ["a", SECRET]}, {}, {"keys": [False]}
                )
            ]
        ),
        [SECRET],
    ),
    "object mask against a string": (
        _plan([_entry("terraform_data.m", ["update"], {"pw": "a"}, {"pw": SECRET}, {}, {"pw": {"x": True}})]),
        [SECRET],
    ),
    "mask of another type": (
        _plan([_entry("terraform_data.m", ["update"], {"pw": "a"}, {"pw": SECRET}, {}, {"pw": "yes"})]),
        [SECRET],
    ),
    "sensitive bool and number under a mask": (
        _plan(
            [
                _entry(
                    "terraform_data.m",
                    ["update"],
                    {"n": 1, "b": False},
                    {"n": NUMBER, "b": True},
                    {},
                    {"n": True, "b": True},
                )
            ]
        ),
        [str(NUMBER)],
    ),
    # Other places a plan marks values sensitive.
    "sensitive variable repeated": (
        _variable_plan(SECRET, lambda v: _entry("terraform_data.copy", ["update"], {"x": "a"}, {"x": v})),
        [SECRET],
    ),
    "sensitive variable's default repeated": (
        _plan(
            [_entry("terraform_data.copy", ["update"], {"x": "a"}, {"x": SECRET})],
            configuration={"root_module": {"variables": {"pw": {"sensitive": True, "default": SECRET}}}},
        ),
        [SECRET],
    ),
    "prior state's sensitive values repeated": (
        _plan(
            [_entry("terraform_data.copy", ["update"], {"x": "a"}, {"x": SECRET})],
            prior_state={
                "values": {
                    "root_module": {
                        "resources": [{"address": "a.b", "values": {"pw": SECRET}, "sensitive_values": {"pw": True}}]
                    }
                }
            },
        ),
        [SECRET],
    ),  # fmt: skip
    "planned sensitive output repeated": (
        _plan(
            [_entry("terraform_data.copy", ["update"], {"x": "a"}, {"x": NUMBER})],
            planned_values={"outputs": {"pin": {"sensitive": True, "value": NUMBER}}, "root_module": {}},
        ),
        [str(NUMBER)],
    ),
    "drift repeating a marked value": (
        _plan(
            [_sensitive_input(SECRET)],
            resource_drift=[_entry("terraform_data.drifted", ["update"], {"x": "a"}, {"x": SECRET})],
        ),
        [SECRET],
    ),
}


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(["preview", *args])
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), err
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_no_secret_in_any_output(name: str, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    document, secrets = CASES[name]
    path = tmp_path / "stack.plan.json"
    path.write_text(json.dumps(document))
    assert all(s in path.read_text() for s in secrets)  # the plan does hold them
    full = _run(capsys, "--plan", str(path), "--max-chars", "0")
    assert WITNESS in full  # the report still shows ordinary changes
    for out in (full, _run(capsys, "--plan", str(path), "--max-chars", "1500")):
        leaked = [s for s in secrets if s in out]
        assert not leaked, out
    assert not [s for s in secrets if s in _run(capsys, "--plan", str(path), "--format", "gitlab-report")]


def test_a_sensitive_bool_copied_unmarked_is_hidden(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "stack.plan.json"
    path.write_text(json.dumps(_repeated(True)))
    out = _run(capsys, "--plan", str(path))
    assert "| `output` | `(sensitive)` | `(sensitive)` |" in out
    assert "| `keep` | `1` | `2` |" in out  # the unmarked neighbour is still shown


def test_a_secret_of_one_plan_is_hidden_in_another(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    marks = tmp_path / "infra.plan.json"
    marks.write_text(json.dumps(_plan([_sensitive_input(SECRET)])))
    repeats = tmp_path / "platform.plan.json"
    repeats.write_text(json.dumps(_plan([_entry("terraform_data.copy", ["update"], {"x": "a"}, {"x": SECRET})])))
    out = _run(capsys, "--plan", str(repeats), str(marks))
    assert SECRET not in out
    assert "| `x` | `(sensitive)` | `(sensitive)` |" in out


def test_hidden_values_still_say_that_they_changed(tmp_path: Path, capsys, monkeypatch) -> None:
    """Masking hides values, not changes: a changed secret is listed, an unchanged one is not."""
    monkeypatch.chdir(tmp_path)
    document = _plan(
        [
            _entry(
                "terraform_data.m",
                ["update"],
                {"same": SECRET, "rotated": "old-" + SECRET},
                {"same": SECRET, "rotated": "new-" + SECRET},
                {"same": True, "rotated": True},
                {"same": True, "rotated": True},
            )
        ]
    )
    path = tmp_path / "stack.plan.json"
    path.write_text(json.dumps(document))
    out = _run(capsys, "--plan", str(path))
    assert "| `rotated` | `(sensitive)` | `(sensitive)` |" in out
    assert "`same`" not in out
    assert SECRET not in out


# Secrets with characters that a report escapes: each printed form (JSON-escaped in a path or
# an address, `\|` in a table, `\n` for a line break, `&quot;` in HTML, HCL's `$${`) must be
# hidden as well as the raw text. Each holds the marker below, which nothing else in the plan
# does: wherever any form of the secret got through, the marker shows.
MARKER = "core7Marker"
ESCAPABLE = {
    "quotes and backslashes": f'Qq"{MARKER}"\\path\\',
    "pipes and backticks": f"a|{MARKER}|`b`",
    "line breaks and tabs": f"line1\n{MARKER}\ttab\r",
    "html": f"<b>{MARKER}</b>&amp;'x'",
    "hcl templates": f"${{{MARKER}}}%{{x}}",
    "unicode": f"\u202e{MARKER}\u00e9\u200b",
}


def _as_map_key(secret: str) -> dict[str, Any]:
    return _entry("terraform_data.copy", ["update"], {"labels": {"a": "1"}}, {"labels": {"a": "1", secret: "x"}})


def _as_replace_path(secret: str) -> dict[str, Any]:
    return _entry(
        "terraform_data.r",
        ["delete", "create"],
        {"labels": {secret: "1"}},
        {"labels": {secret: "2"}},
        replace_paths=[["labels", secret]],
    )


def _as_address_key(secret: str) -> dict[str, Any]:
    # Terraform writes an instance key as a quoted string with JSON-style escapes.
    return _entry(f"terraform_data.each[{json.dumps(secret)}]", ["update"], {"a": 1}, {"a": 2})


def _as_unknown_key(secret: str) -> dict[str, Any]:
    return _entry("terraform_data.copy", ["update"], {"m": {}}, {"m": {}}, after_unknown={"m": {secret: True}})


def _as_drift_key(secret: str) -> dict[str, Any]:
    return _entry("terraform_data.drifted", ["update"], {"tags": {}}, {"tags": {secret: "v"}})


PLACES = {
    "map key": lambda s: _plan([_sensitive_input(s), _as_map_key(s)]),
    "replace path": lambda s: _plan([_sensitive_input(s), _as_replace_path(s)]),
    "address key": lambda s: _plan([_sensitive_input(s), _as_address_key(s)]),
    "unknown key": lambda s: _plan([_sensitive_input(s), _as_unknown_key(s)]),
    "drift key": lambda s: _plan([_sensitive_input(s)], resource_drift=[_as_drift_key(s)]),
    "output name": lambda s: _plan(
        [_sensitive_input(s)],
        output_changes={s: {"actions": ["create"], "before": None, "after": "v", "after_unknown": False}},
    ),
}


@pytest.mark.parametrize("place", list(PLACES))
@pytest.mark.parametrize("kind", list(ESCAPABLE))
def test_a_secret_is_hidden_in_every_escaped_form(
    kind: str, place: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    secret = ESCAPABLE[kind]
    path = tmp_path / "stack.plan.json"
    path.write_text(json.dumps(PLACES[place](secret)))
    assert MARKER in path.read_text()
    full = _run(capsys, "--plan", str(path), "--max-chars", "0")
    assert WITNESS in full
    for out in (full, _run(capsys, "--plan", str(path), "--max-chars", "1500")):
        assert MARKER not in out, out
