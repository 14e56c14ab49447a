"""The scope and id check (constructs_lib._construct) asks jsii for a scope's node once, and
still sees every child added since, by any code."""

from __future__ import annotations

from typing import Any

import pytest
from cdktf import App, TerraformStack
from constructs import Construct

from constructs_lib._construct import LibraryConstruct, check_scope_and_id
from constructs_lib.errors import ConstructArgumentError


class _Part(LibraryConstruct):
    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)


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
    for index in range(5):
        _Part(stack, f"part{index}")
    assert asked == [stack]


def test_a_child_added_by_other_code_after_a_check_is_still_seen() -> None:
    stack = TerraformStack(App(), "caches")
    _Part(stack, "first")
    Construct(stack, "plain")  # not a library construct: nothing of the library sees it made
    with pytest.raises(ConstructArgumentError, match="plain"):
        _Part(stack, "plain")
    with pytest.raises(ConstructArgumentError, match="first"):
        check_scope_and_id(_Part, stack, "first")
