"""What ``platformctl preview`` does, and does not do, with a plan of many changes.

A plan of 10,000 changes is read, checked and reported on in a fraction of ``terraform
show``'s time (``scripts/benchmark.py`` reports the ratio); these tests pin the ways it gets
there without changing a word of the report: the nesting check walks all changes together and
still names the first one too deep, secrets are found by one pattern (the same answer as
comparing every form everywhere), the cyclic collector rests while the plan is in memory, and
only the environment files of the plans' stacks are read.
"""

from __future__ import annotations

import gc
import json
import random
from pathlib import Path
from typing import Any

import pytest

from platformctl import preview
from platformctl.cli import main
from platformctl.errors import CommandError
from platformctl.masking import MIN_SECRET_LENGTH, SENSITIVE, Secrets, printed_forms, sensitive_scalars
from platformctl.plan_schema import MAX_DEPTH, check_plan
from platformctl.synth_output import _split_address, config_address, split_instance_keys


def _nest(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = [value]
    return value


def _entry(name: str, after: Any = "y") -> dict[str, Any]:
    return {
        "address": f"terraform_data.{name}",
        "type": "terraform_data",
        "change": {"actions": ["update"], "before": {"input": "x"}, "after": {"input": after}},
    }


def _plan(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"format_version": "1.2", "resource_changes": list(entries)}


def _error(document: dict[str, Any]) -> str:
    with pytest.raises(CommandError) as caught:
        check_plan(document, Path("p.json"))
    return str(caught.value)


# --- the nesting check -------------------------------------------------------------------------


def test_nesting_is_refused_exactly_past_the_limit() -> None:
    # change -> after (1) -> the lists (2 to levels + 1): a container at MAX_DEPTH + 1 is refused.
    check_plan(_plan(_entry("a"), _entry("b", _nest(MAX_DEPTH - 1))), Path("p.json"))
    message = _error(_plan(_entry("a"), _entry("b", _nest(MAX_DEPTH))))
    assert message.endswith(f"resource_changes[1].change is nested more than {MAX_DEPTH} levels deep")


def test_the_first_change_too_deep_is_named_among_many() -> None:
    entries = [_entry(f"r{i}") for i in range(50)]
    entries[17] = _entry("deep", _nest(MAX_DEPTH + 5))
    entries[31] = _entry("deeper", _nest(MAX_DEPTH * 2))
    assert "resource_changes[17].change is nested" in _error(_plan(*entries))


def test_a_change_too_deep_comes_before_a_later_entry_with_a_wrong_field() -> None:
    # Walked entry by entry, the deep change at [1] is met before the bad address at [3].
    entries = [_entry("a"), _entry("deep", _nest(MAX_DEPTH + 1)), _entry("c"), {**_entry("d"), "address": 7}]
    assert "resource_changes[1].change is nested" in _error(_plan(*entries))
    # And a wrong field before the deep change is named first.
    entries = [{**_entry("a"), "address": 7}, _entry("deep", _nest(MAX_DEPTH + 1))]
    assert "resource_changes[0].address is a number" in _error(_plan(*entries))


def test_state_resources_too_deep_or_not_objects_are_named_in_order() -> None:
    def state(*resources: Any) -> dict[str, Any]:
        return {**_plan(), "prior_state": {"values": {"root_module": {"resources": list(resources)}}}}

    deep = {"values": _nest(MAX_DEPTH + 1)}
    where = "prior_state.values.root_module.resources"
    assert f"{where}[1] is nested more than" in _error(state({}, deep, "not an object"))
    assert f"{where}[1] is a string" in _error(state({}, "not an object", deep))
    check_plan(state({}, {"values": _nest(MAX_DEPTH)}), Path("p.json"))


# --- secrets -----------------------------------------------------------------------------------


def _naive_contains(forms: set[str], text: str) -> bool:
    return any(form in text for form in forms if len(form) >= MIN_SECRET_LENGTH)


def test_the_secret_search_finds_what_comparing_every_form_everywhere_finds() -> None:
    rng = random.Random(16)
    alphabet = 'ab-_"\\|\n$%{}<>&é'
    secrets = {"".join(rng.choice(alphabet) for _ in range(rng.randint(4, 40))) for _ in range(300)}
    secrets |= {"shared-prefix-" + str(i) for i in range(200)}  # one key for many secrets
    secrets |= {"x" * 30 + "tail", "x" * 17}  # forms longer than the search key, one a prefix of another
    found = Secrets.of(secrets)
    forms = {form for secret in secrets for form in printed_forms(secret)}
    texts = [secret for secret in secrets] + ["shared-prefix-", "x" * 16, "x" * 29 + "tail", "x" * 31 + "tai"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80))) for _ in range(2000)]
    for text in texts:
        expected = text in found.exact or _naive_contains(forms, text)
        assert found.hides(text) is expected, repr(text)


def test_many_secrets_sharing_their_first_characters_are_compared_only_where_one_starts() -> None:
    compared = 0

    class Counted(str):
        def startswith(self, *args: Any) -> bool:  # type: ignore[override]
            nonlocal compared
            compared += 1
            return super().startswith(*args)

    secrets = Secrets.of(f"token-{i:04d}-value" for i in range(500))
    text = Counted(" ".join(f"token-{i}" for i in range(100)))
    assert not secrets.hides(text)
    # Comparing every secret with the same first characters at each place would be 50,000.
    assert compared == 0
    assert secrets.scrub("a token-0042-value here") == f"a {SENSITIVE} here"


def test_an_empty_mask_against_a_scalar_still_hides_it() -> None:
    found: set[str] = set()
    sensitive_scalars("a-string-value", {}, found)  # a mask that does not fit: hide
    sensitive_scalars({"k": "in-an-object"}, {}, found)  # an object mask with nothing marked
    sensitive_scalars([1, 2], [], found)  # a list mask of another length: hide
    assert found == {"a-string-value", "1", "2"}


@pytest.mark.parametrize(
    "address",
    [
        "terraform_data.a",
        "data.t.n",
        "module.m.aws_x.name",
        'module.m["a.b"].aws_x.name["k"]',
        "odd]name.type.x",
        "module.m.t.n[0]",
    ],
)
def test_config_address_without_brackets_is_the_same_as_the_careful_split(address: str) -> None:
    careful = _split_address(split_instance_keys(address)[0])
    while len(careful) >= 2 and careful[0] == "module":
        careful = careful[2:]
    assert config_address(address) == ".".join(careful)


# --- the command -------------------------------------------------------------------------------


def _write_plan(tmp_path: Path, name: str = "demo-infra") -> Path:
    path = tmp_path / f"{name}.plan.json"
    path.write_text(json.dumps(_plan(_entry("a"))))
    return path


def test_the_cyclic_collector_rests_while_a_plan_is_read_and_resumes_after(tmp_path: Path, monkeypatch) -> None:
    seen: list[bool] = []
    real_load = preview.load

    def load(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real_load(*args, **kwargs)

    monkeypatch.setattr(preview, "load", load)
    monkeypatch.chdir(tmp_path)
    assert gc.isenabled()
    assert main(["preview", "--plan", str(_write_plan(tmp_path)), "--out", str(tmp_path / "out.md")]) == 0
    assert seen == [False]
    assert gc.isenabled()


def test_only_the_environment_files_of_the_plans_stacks_are_read(tmp_path: Path, monkeypatch) -> None:
    environments = tmp_path / "environments"
    environments.mkdir()
    for name in ("demo", "dem", "other", "demo-infra-x"):
        (environments / f"{name}.hcl").write_text('cluster {\n  driver = "selectel-mks"\n}\n')
    asked: list[Any] = []
    real = preview.environment_drivers

    def drivers(directory: Path, only: Any = None) -> dict[str, str]:
        asked.append(None if only is None else sorted(only))
        return real(directory, only)

    monkeypatch.setattr(preview, "environment_drivers", drivers)
    monkeypatch.chdir(tmp_path)
    plan = _write_plan(tmp_path)
    stacks, _ = preview.load([str(plan)], None, environments)
    assert asked == [["demo"]] and stacks[0].driver == "selectel-mks"
    # A plan of a stack that no environment file names reads none.
    asked.clear()
    preview.load([str(_write_plan(tmp_path, "bench"))], None, environments)
    assert asked == []
