"""Every synthesized stack of every shipped environment, as a reviewed snapshot.

A change here shows exactly what a change in the library does to the Terraform JSON;
update with ``pytest --snapshot-update`` and say why in the commit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from environment_loader import environment_files
from stacks.app import ENVIRONMENTS_DIR

#: Two stacks per file in environments/: a file added there adds its stacks here.
EXPECTED_STACKS = sorted(
    f"{path.stem}-{kind}" for path in environment_files(ENVIRONMENTS_DIR) for kind in ("infra", "platform")
)
SNAPSHOTS = Path(__file__).resolve().parent / "__snapshots__" / "test_snapshots"


def test_every_environment_gives_an_infra_and_a_platform_stack(shipped_stacks: dict[str, Any]) -> None:
    assert sorted(shipped_stacks) == EXPECTED_STACKS


@pytest.mark.parametrize("stack", EXPECTED_STACKS)
def test_stack_snapshot(stack: str, shipped_stacks: dict[str, Any], snapshot, request: pytest.FixtureRequest) -> None:
    reviewed = SNAPSHOTS / f"test_stack_snapshot[{stack}].json"
    if not reviewed.exists() and not request.config.getoption("--snapshot-update", default=False):
        pytest.skip(f"{stack} has no reviewed snapshot yet: scripts/test --snapshot-update -k {stack}, then review it")
    assert shipped_stacks[stack] == snapshot(extension_class=JSONSnapshotExtension)


def test_synth_is_deterministic(shipped_out, tmp_path) -> None:
    from stacks.app import ENVIRONMENTS_DIR, synth

    again = tmp_path / "again"
    synth(ENVIRONMENTS_DIR, again)
    for stack in EXPECTED_STACKS:
        first = (shipped_out / "stacks" / stack / "cdk.tf.json").read_bytes()
        second = (again / "stacks" / stack / "cdk.tf.json").read_bytes()
        assert first == second, stack
