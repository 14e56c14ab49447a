"""The environment loader is its own package: the app and ``platformctl`` use it, the library
``constructs_lib`` never does, so a team composing constructs needs no HCL parser and no
validation framework (the ``environments`` extra)."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "constructs_lib"
LOADER = "environment_loader"
#: What only the loader imports: the loader itself and its extra's modules.
LOADER_ONLY = (LOADER, "hcl2", "lark", "pydantic", "pydantic_core")


def loader_imports(source: str) -> list[int]:
    """The lines of ``source`` that import the loader: ``import``/``from`` statements, at any
    depth, and ``importlib.import_module`` or ``__import__`` of a constant name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            function = node.func
            called = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                names = [node.args[0].value]
        if any(name.split(".")[0] == LOADER for name in names):
            found.append(node.lineno)
    return found


@pytest.mark.parametrize(
    ("source", "lines"),
    [
        ("import environment_loader\n", [1]),
        ("from environment_loader import load_environment\n", [1]),
        ("from environment_loader.schema import EnvironmentConfig\n", [1]),
        ("def f():\n    import environment_loader.reading as r\n", [2]),
        ("import importlib\nimportlib.import_module('environment_loader')\n", [2]),
        ("__import__('environment_loader.source_map')\n", [1]),
        ("if TYPE_CHECKING:\n    from environment_loader import SourceMap\n", [2]),
        ("import environment\nfrom .environment_loader import x\nimport environment_loaders\n", []),
    ],
)
def test_the_scan_finds_every_form_of_import(source: str, lines: list[int]) -> None:
    assert loader_imports(source) == lines


def test_no_library_module_imports_the_loader() -> None:
    sources = sorted(LIBRARY.rglob("*.py"))
    assert len(sources) > 20
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sources
        for line in loader_imports(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "constructs_lib must not import environment_loader: " + ", ".join(offenders)


def test_the_loader_left_the_library() -> None:
    assert not (LIBRARY / "environment.py").exists()
    assert importlib.util.find_spec("constructs_lib.environment") is None
    assert importlib.util.find_spec(LOADER) is not None


def test_importing_the_library_loads_nothing_of_the_loader() -> None:
    """In a fresh interpreter: ``constructs_lib`` and ``constructs_lib.addons`` load neither the
    loader nor its extra's modules; the loader, imported afterwards, does (so the check sees them)."""
    code = (
        "import sys\n"
        "import constructs_lib, constructs_lib.addons\n"
        f"wanted = {LOADER_ONLY!r}\n"
        "def loaded():\n"
        "    return sorted({name.split('.')[0] for name in sys.modules} & set(wanted))\n"
        "print(' '.join(loaded()))\n"
        "import environment_loader\n"
        "print(' '.join(loaded()))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    library, with_loader = result.stdout.split("\n")[:2]
    assert library == "", f"importing constructs_lib loaded {library}"
    assert set(with_loader.split()) == set(LOADER_ONLY)


def test_no_function_of_the_loader_is_over_80_lines() -> None:
    """Each step of loading is a function of its own: reading, checking the tree, mapping the
    schema's errors, the delivery checks."""
    long = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path in sorted((ROOT / LOADER).glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None
        if node.end_lineno - node.lineno + 1 >= 80
    ]
    assert long == []


def test_the_release_blocks_are_named_as_blocks_not_release_types() -> None:
    """``addon`` and ``helm_release`` blocks are the file's form of a release: they build the
    library's one release type (``ReleaseOverrides`` / ``HelmRelease``) and are not one."""
    import environment_loader
    from environment_loader.schema import EnvironmentConfig

    fields = EnvironmentConfig.model_fields
    assert fields["addon"].annotation == dict[str, environment_loader.AddonBlock]
    assert fields["helm_release"].annotation == dict[str, environment_loader.HelmReleaseBlock]
    assert not {"AddonConfig", "HelmReleaseConfig"} & set(dir(environment_loader))
