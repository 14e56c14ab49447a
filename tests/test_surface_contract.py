"""The public surface's written contract (README, "Public surface"), checked on every construct
``constructs_lib`` exports:

- it derives from the library's construct base (its scope and id are checked first);
- ``__init__(self, scope, id, *, ...)``: scope and id, then keyword-only arguments;
- a bad scope or id is a :class:`~constructs_lib.errors.ConstructArgumentError`;
- a construct that creates OpenStack resources itself takes ``provider``;
- a construct given a ``cluster`` creates its resources with that cluster's provider;
- the ids it exposes are named ``*_id`` (``SecurityGroup.id`` stays as an alias).
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap

import pytest
from cdktf import App, TerraformStack, Token
from constructs import Construct

import constructs_lib
from constructs_lib._construct import ConstructContract
from constructs_lib.errors import ConstructArgumentError

PUBLIC = sorted(
    name
    for name in constructs_lib._EXPORTS
    if inspect.isclass(getattr(constructs_lib, name)) and issubclass(getattr(constructs_lib, name), Construct)
)
#: The providers whose resources a construct may create with a ``provider`` of the caller's.
PROVIDER_PACKAGES = ("cdktf_cdktf_provider_openstack",)


def creates_provider_resources(module_source: str, class_name: str) -> bool:
    """Whether the class ``class_name`` in ``module_source`` calls a resource or data source
    class imported from one of :data:`PROVIDER_PACKAGES`."""
    tree = ast.parse(module_source)
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PROVIDER_PACKAGES)
        for alias in node.names
    }
    body = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name)
    return any(
        isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in imported
        for call in ast.walk(body)
    )


def test_the_provider_scan_can_tell() -> None:
    source = textwrap.dedent(
        """
        from cdktf_cdktf_provider_openstack.compute_keypair_v2 import ComputeKeypairV2 as Kp
        class Uses:
            def __init__(self):
                Kp(self, "k")
        class DoesNot:
            def __init__(self):
                print("k")
        """
    )
    assert creates_provider_resources(source, "Uses")
    assert not creates_provider_resources(source, "DoesNot")


def test_the_surface_is_not_empty() -> None:
    assert {"Network", "SecurityGroup", "MagnumCluster", "PlatformAddons"} <= set(PUBLIC)


@pytest.mark.parametrize("name", PUBLIC)
def test_every_construct_derives_from_the_library_base(name: str) -> None:
    assert issubclass(getattr(constructs_lib, name), ConstructContract)


@pytest.mark.parametrize("name", PUBLIC)
def test_scope_and_id_then_keyword_only_arguments(name: str) -> None:
    parameters = list(inspect.signature(getattr(constructs_lib, name).__init__).parameters.values())
    assert [p.name for p in parameters[:3]] == ["self", "scope", "id"]
    assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in parameters[:3])
    late = [p.name for p in parameters[3:] if p.kind is not p.KEYWORD_ONLY]
    assert late == [], f"{name}: arguments after scope and id must be keyword-only: {late}"


@pytest.mark.parametrize("name", PUBLIC)
def test_a_bad_scope_or_id_is_an_argument_error(name: str) -> None:
    cls = getattr(constructs_lib, name)
    with pytest.raises(ConstructArgumentError) as bad_scope:
        cls("not a construct", "x")
    assert bad_scope.value.argument == "scope"
    stack = TerraformStack(App(), "contract")
    with pytest.raises(ConstructArgumentError) as bad_id:
        cls(stack, "")
    assert bad_id.value.argument == "id"


@pytest.mark.parametrize("name", PUBLIC)
def test_provider_where_the_construct_creates_openstack_resources(name: str) -> None:
    cls = getattr(constructs_lib, name)
    source = inspect.getsource(sys.modules[cls.__module__])
    takes = "provider" in inspect.signature(cls.__init__).parameters
    if "cluster" in inspect.signature(cls.__init__).parameters:
        return  # a node group or a cluster's add-on creates its resources with its cluster's provider
    if creates_provider_resources(source, cls.__name__):
        assert takes, f"{name} creates OpenStack resources, so it must take provider="


def test_security_group_id_is_named_like_every_other_id() -> None:
    stack = TerraformStack(App(), "contract")
    group = constructs_lib.SecurityGroup(stack, "sg", name="sg")
    assert Token.is_unresolved(group.security_group_id)
    assert group.id is group.security_group_id


def test_the_readme_states_the_contract() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Public surface", 1)[1].split("\n## ", 1)[0]
    for phrase in ("keyword-only", "ConstructArgumentError", "`provider`", "`*_id`"):
        assert phrase in section
    assert "Not yet" not in section, "every construct that creates OpenStack resources takes provider now"
