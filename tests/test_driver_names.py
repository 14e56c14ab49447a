"""No driver name decides anything outside the driver table.

What a driver does is answered by its :class:`~constructs_lib.cluster_drivers.ClusterDriver`
(the construct class, the labels, the OIDC style, ...): code in ``constructs_lib/``,
``stacks/`` and ``platformctl/`` asks the driver object and never compares a driver's name,
nor lists driver names of its own. Adding a driver is then one table entry and its construct
module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from constructs_lib import cluster_drivers
from constructs_lib.cluster_drivers import DRIVERS

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("constructs_lib", "environment_loader", "stacks", "platformctl")
DRIVER_MODULE = ROOT / "constructs_lib" / "cluster_drivers.py"
#: The module-level constants of the driver module that hold a driver's name.
NAME_CONSTANTS = frozenset(
    name
    for name, value in vars(cluster_drivers).items()
    if name.isupper() and isinstance(value, str) and value in DRIVERS
)


def _is_name(node: ast.AST) -> bool:
    """A driver name written out, or one of the driver module's name constants."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value in DRIVERS
    if isinstance(node, ast.Name):
        return node.id in NAME_CONSTANTS
    if isinstance(node, ast.Attribute):
        return node.attr in NAME_CONSTANTS
    return False


def _names_in(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [element for element in node.elts if _is_name(element)]
    return [node] if _is_name(node) else []


def driver_name_uses(source: str) -> list[int]:
    """Lines where ``source`` compares something with a driver name (``==``, ``!=``, ``in``,
    ``not in``, ``match``), or lists two or more driver names (a second table)."""
    found: list[int] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            if any(_names_in(operand) for operand in [node.left, *node.comparators]):
                found.append(node.lineno)
        elif isinstance(node, ast.match_case):
            if any(isinstance(p, ast.MatchValue) and _is_name(p.value) for p in ast.walk(node.pattern)):
                found.append(node.pattern.lineno)
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)) and len(_names_in(node)) >= 2:
            found.append(node.lineno)
        elif isinstance(node, ast.Subscript) and len(_names_in(node.slice)) >= 2:
            found.append(node.lineno)
    return sorted(set(found))


@pytest.mark.parametrize(
    ("snippet", "lines"),
    [
        ('if cluster.driver.name == "selectel-mks":\n    pass\n', [1]),
        ("if driver != MAGNUM_HEAT:\n    pass\n", [1]),
        ("x = d.name in (cluster_drivers.MAGNUM_HEAT, 'magnum-capi-helm')\n", [1]),
        ('driver: Literal["kamaji", "magnum-heat"]\n', [1]),
        ('match name:\n    case "kamaji":\n        pass\n', [2]),
        ("NAMES = [SELECTEL_MKS, KAMAJI]\n", [1]),
        # Attributes of the driver object, a lookup by name and prose are fine.
        ("if driver.self_managed or driver.oidc is not None:\n    pass\n", []),
        ("the_driver = DRIVERS[KAMAJI]\n", []),
        ('"""magnum-heat and kamaji differ."""\n', []),
    ],
)
def test_the_scan_finds_driver_name_comparisons(snippet: str, lines: list[int]) -> None:
    assert driver_name_uses(snippet) == lines


def test_the_scan_knows_every_driver_constant() -> None:
    assert {vars(cluster_drivers)[name] for name in NAME_CONSTANTS} == set(DRIVERS)


def test_no_driver_name_is_compared_outside_the_driver_module() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != DRIVER_MODULE
        for line in driver_name_uses(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "ask the ClusterDriver instead of comparing its name: " + ", ".join(offenders)


@pytest.mark.parametrize("name", list(DRIVERS))
def test_each_driver_names_the_construct_that_builds_it(name: str) -> None:
    from constructs_lib.cluster import ManagedCluster

    built_by = DRIVERS[name].construct_class()
    assert issubclass(built_by, ManagedCluster)
    assert built_by.__module__ == f"constructs_lib.{DRIVERS[name].construct.rpartition('.')[0]}"
