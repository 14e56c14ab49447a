from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import constructs_lib  # noqa: F401  (first: silences the jsii banner before cdktf loads)
import pytest
from cdktf import TerraformStack, Testing
from stacks.app import ENVIRONMENTS_DIR, synth

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shipped_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped environments synthesized once for the whole session."""
    out = tmp_path_factory.mktemp("synth") / "cdktf.out"
    synth(ENVIRONMENTS_DIR, out)
    return out


@pytest.fixture(scope="session")
def shipped_stacks(shipped_out: Path) -> dict[str, dict[str, Any]]:
    return {d.name: json.loads((d / "cdk.tf.json").read_text()) for d in sorted((shipped_out / "stacks").iterdir())}


def synth_stack(build: Callable[[TerraformStack], object]) -> dict[str, Any]:
    """Synthesize one throwaway stack built by ``build`` and return its JSON."""
    app = Testing.app()
    stack = TerraformStack(app, "test")
    build(stack)
    return json.loads(Testing.synth(stack))


def resources(doc: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return doc.get("resource", {}).get(type_, {})


@pytest.fixture
def env_dir(tmp_path: Path) -> Callable[..., Path]:
    """Copy a shipped environment into a temporary directory, optionally edited."""

    def make(name: str = "simple", replace: tuple[tuple[str, str], ...] = (), append: str = "") -> Path:
        text = (ENVIRONMENTS_DIR / f"{name}.hcl").read_text()
        for old, new in replace:
            assert old in text, f"test setup: {old!r} not in {name}.hcl"
            text = text.replace(old, new, 1)
        directory = tmp_path / "environments"
        directory.mkdir(exist_ok=True)
        (directory / f"{name}.hcl").write_text(text + append)
        return directory

    return make


@pytest.fixture(autouse=True)
def _no_stray_output(tmp_path: Path):
    yield
    shutil.rmtree(tmp_path / "cdktf.out", ignore_errors=True)
