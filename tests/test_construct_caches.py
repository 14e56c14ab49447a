"""The scope and id check (constructs_lib._construct) asks jsii for a scope's node once, asks
whether an id is taken only when a construct fails, and still sees every child added since,
by any code, before any other mistake."""

from __future__ import annotations

from typing import Any

import pytest
from cdktf import App, TerraformStack
from constructs import Construct, Node

from constructs_lib._construct import LibraryConstruct, check_scope_and_id
from constructs_lib.errors import ConstructArgumentError


class _Part(LibraryConstruct):
    def __init__(self, scope: Construct, id: str, *, size: int = 1, after: int = 1) -> None:
        if size < 1:  # a mistake found before the construct is created
            raise ConstructArgumentError(f"{id}", "size", size, "1 or more")
        super().__init__(scope, id)
        if after < 1:  # and one found after
            raise ConstructArgumentError(f"{id}", "after", after, "1 or more")


def _counting_node(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    asked: list[Any] = []
    real = Construct.node

    def node(self: Construct) -> Any:
        asked.append(self)
        return real.fget(self)  # type: ignore[attr-defined]

    monkeypatch.setattr(Construct, "node", property(node))
    return asked


def test_a_scope_s_node_is_asked_of_jsii_once(monkeypatch: pytest.MonkeyPatch) -> None:
    stack = TerraformStack(App(), "caches")
    asked = _counting_node(monkeypatch)
    _Part(stack, "part")
    for _ in range(3):
        with pytest.raises(ConstructArgumentError):
            _Part(stack, "part")
    with pytest.raises(ConstructArgumentError):
        check_scope_and_id(_Part, stack, "part")
    assert asked == [stack]


def test_a_child_added_by_other_code_after_a_check_is_still_seen() -> None:
    stack = TerraformStack(App(), "caches")
    _Part(stack, "first")
    Construct(stack, "plain")  # not a library construct: nothing of the library sees it made
    with pytest.raises(ConstructArgumentError, match="plain"):
        _Part(stack, "plain")
    with pytest.raises(ConstructArgumentError, match="first"):
        check_scope_and_id(_Part, stack, "first")


def test_a_taken_id_is_reported_before_any_other_mistake() -> None:
    stack = TerraformStack(App(), "caches")
    _Part(stack, "taken")
    with pytest.raises(ConstructArgumentError) as taken:
        _Part(stack, "taken", size=0)
    assert taken.value.argument == "id" and "caches/taken" in str(taken.value)
    with pytest.raises(ConstructArgumentError) as taken_too:
        _Part(stack, "taken", after=0)
    assert taken_too.value.argument == "id"


def test_a_construct_that_fails_after_it_is_created_reports_its_own_mistake() -> None:
    stack = TerraformStack(App(), "caches")
    with pytest.raises(ConstructArgumentError) as failed:
        _Part(stack, "fresh", after=0)
    assert failed.value.argument == "after"
    with pytest.raises(ConstructArgumentError) as before:
        _Part(stack, "other", size=0)
    assert before.value.argument == "size"


def test_a_construct_made_without_a_mistake_asks_jsii_nothing_about_its_id(monkeypatch: pytest.MonkeyPatch) -> None:
    stack = TerraformStack(App(), "caches")
    asked: list[str] = []
    real = Node.try_find_child

    def try_find_child(self: Node, id: str) -> Any:
        asked.append(id)
        return real(self, id)

    monkeypatch.setattr(Node, "try_find_child", try_find_child)
    for index in range(3):
        _Part(stack, f"part{index}")
    assert asked == []
    with pytest.raises(ConstructArgumentError):
        _Part(stack, "part0")
    assert asked == ["part0"]


def _public_constructs() -> list[str]:
    import inspect

    import constructs_lib

    return sorted(
        name
        for name in constructs_lib._EXPORTS
        if inspect.isclass(getattr(constructs_lib, name)) and issubclass(getattr(constructs_lib, name), Construct)
    )


@pytest.mark.parametrize("name", _public_constructs())
def test_every_public_construct_reports_a_taken_id(name: str) -> None:
    """Asked only on failure, the taken id is still each construct's error (whatever else it
    was given: here nothing, so each also lacks its required arguments)."""
    import constructs_lib

    stack = TerraformStack(App(), "caches")
    Construct(stack, "taken")
    with pytest.raises(ConstructArgumentError) as taken:
        getattr(constructs_lib, name)(stack, "taken")
    assert taken.value.argument == "id", name
