"""``child_path``: the path a construct will have, with its scope's path asked of jsii once."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from constructs_lib import _validate as check


class _Scope:
    """A scope whose ``node.path`` counts how often it is asked (each ask is a jsii round trip)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.asked = 0

    @property
    def node(self) -> SimpleNamespace:
        self.asked += 1
        return SimpleNamespace(path=self.path)


def test_a_scope_path_is_asked_once_for_all_its_children() -> None:
    stack = _Scope("dev-infra")
    paths = [check.child_path(cast(Any, stack), f"node-group-{i}") for i in range(100)]
    assert paths == [f"dev-infra/node-group-{i}" for i in range(100)]
    assert stack.asked == 1


def test_the_root_scope_gives_the_id_alone_and_scopes_are_kept_apart() -> None:
    root, other = _Scope(""), _Scope("other")
    assert check.child_path(cast(Any, root), "stack") == "stack"
    assert check.child_path(cast(Any, other), "x") == "other/x"
    assert check.child_path(cast(Any, root), "y") == "y"
