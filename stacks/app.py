"""Build every environment's stacks and synthesize them, all or nothing."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from cdktf import App

from constructs_lib._collector import collector_paused
from environment_loader import (
    EnvironmentConfig,
    EnvironmentConfigError,
    SourceMap,
    environment_files,
    load_environments,
)

from .infra import InfraStack
from .platform import PlatformStack

#: The shipped environments of this repository.
ENVIRONMENTS_DIR = Path(__file__).resolve().parent.parent / "environments"


def build(app: App, config: EnvironmentConfig, source: SourceMap) -> tuple[InfraStack, PlatformStack]:
    """The two stacks of one environment, the second reading the first's cluster."""
    infra = InfraStack(app, config, source)
    platform = PlatformStack(
        app,
        config,
        source,
        infra.cluster.profile,
        infra.cluster.access,
        infra.network,
        cluster_objects=infra.cluster.add_cluster_objects,
    )
    return infra, platform


def synth(
    environments_dir: Path = Path("environments"), outdir: Path | None = None, names: list[str] | None = None
) -> list[str]:
    """Load, build and synthesize; returns the stack names.

    Every environment asked for is loaded and every construct built (which is where every
    check runs) before anything is written. The output is written to a temporary directory
    beside ``outdir`` and swapped in only when complete, so a failure leaves the previous
    ``cdktf.out`` untouched and never a partial one.

    With ``names``, only those environments are loaded (a broken file of another environment
    does not matter) and the other stacks of the previous output are kept as they were: the
    named stacks' directories and manifest entries are replaced, nothing else. Without, every
    environment is synthesized, or none: one broken file stops the run, and the error says
    how to synthesize the others by name.
    """
    outdir = Path(outdir or os.environ.get("CDKTF_OUTDIR") or "cdktf.out").resolve()
    with collector_paused():
        return _synth(environments_dir, outdir, names)


def _synth(environments_dir: Path, outdir: Path, names: list[str] | None) -> list[str]:
    configs = load_environments(environments_dir, names) if names else _load_all(environments_dir)
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
        if names:
            _keep_other_stacks(outdir, staging)
        _swap(staging, outdir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return stack_names


def _load_all(environments_dir: Path) -> list[tuple[EnvironmentConfig, SourceMap]]:
    """Every environment of the directory; an error names the broken file and the others."""
    every = [p.stem for p in environment_files(environments_dir)]
    loaded: list[tuple[EnvironmentConfig, SourceMap]] = []
    for name in every:
        try:
            loaded.extend(load_environments(environments_dir, [name]))
        except EnvironmentConfigError as err:
            others = [other for other in every if other != name]
            hint = (
                " (every environment is synthesized, or none; to synthesize the others without this one, "
                f"name them: python -m stacks {' '.join(others)})"
                if others
                else ""
            )
            raise EnvironmentConfigError(f"{err}{hint}") from None
    return loaded or load_environments(environments_dir)


#: Where cdktf writes a stack, relative to the output directory.
_STACK_DIRECTORY = re.compile(r"stacks/[A-Za-z0-9_.-]+", re.ASCII)


def _keep_other_stacks(previous: Path, staging: Path) -> None:
    """Bring the previous output's other stacks into ``staging``: their directories (hard
    links where the file system allows, so nothing large is copied, ``.terraform`` included)
    and their manifest entries. An output that is not cdktf's is left to be replaced."""
    try:
        old = json.loads((previous / "manifest.json").read_text())
        old_stacks = old["stacks"]
        if not isinstance(old_stacks, dict):
            return
    except (OSError, ValueError, KeyError, TypeError):
        return
    manifest_path = staging / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for name, entry in old_stacks.items():
        if name in manifest["stacks"] or not isinstance(entry, dict):
            continue
        directory = entry.get("workingDirectory")
        if not isinstance(directory, str) or directory != f"stacks/{name}" or not _STACK_DIRECTORY.fullmatch(directory):
            continue  # not a stack this app wrote: dropped rather than followed anywhere
        source = previous / directory
        if not source.is_dir() or source.is_symlink():
            continue
        shutil.copytree(source, staging / directory, symlinks=True, copy_function=_link_or_copy)
        manifest["stacks"][name] = entry
    manifest_path.write_text(json.dumps(manifest, indent=2))


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


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
