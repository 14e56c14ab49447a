"""Build every environment's stacks and synthesize them, all or nothing."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from cdktf import App

from constructs_lib.environment import EnvironmentConfig, SourceMap, load_environments

from .infra import InfraStack
from .platform import PlatformStack

#: The shipped environments of this repository.
ENVIRONMENTS_DIR = Path(__file__).resolve().parent.parent / "environments"


def build(app: App, config: EnvironmentConfig, source: SourceMap) -> tuple[InfraStack, PlatformStack]:
    """The two stacks of one environment, the second reading the first's cluster."""
    infra = InfraStack(app, config, source)
    platform = PlatformStack(app, config, source, infra.cluster.profile, infra.cluster.access, infra.network)
    return infra, platform


def synth(
    environments_dir: Path = Path("environments"), outdir: Path | None = None, names: list[str] | None = None
) -> list[str]:
    """Load, build and synthesize; returns the stack names.

    Every environment is loaded and every construct built (which is where every check runs)
    before anything is written. The output is written to a temporary directory beside
    ``outdir`` and swapped in only when complete, so a failure leaves the previous
    ``cdktf.out`` untouched and never a partial one.
    """
    outdir = Path(outdir or os.environ.get("CDKTF_OUTDIR") or "cdktf.out").resolve()
    configs = load_environments(environments_dir, names)
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.", dir=outdir.parent))
    try:
        app = App(outdir=str(staging))
        stack_names: list[str] = []
        for config, source in configs:
            for stack in build(app, config, source):
                stack_names.append(stack.node.id)
        app.synth()
        _print_warnings(staging / "manifest.json")
        _swap(staging, outdir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return stack_names


def _print_warnings(manifest: Path) -> None:
    """Constructs warn through cdktf's Annotations; ``cdktf synth`` prints them from the
    manifest, and so does this app (one ``warning:`` line each, without cdktf's stack trace)."""
    stacks = json.loads(manifest.read_text()).get("stacks", {})
    for stack in stacks.values():
        for note in stack.get("annotations", []):
            if note.get("level") == "@cdktf/warn":
                print(f"warning: {note['constructPath']}: {note['message']}", file=sys.stderr)


def _swap(new: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
    new.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
