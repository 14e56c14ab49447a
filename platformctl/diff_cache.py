"""The base side's synth of ``platformctl diff``, kept for the next diff against the same commit.

A commit does not change, so what this project's app (``python -m stacks``) synthesizes from it
depends only on the environments asked for and on what runs it: the Python interpreter and the
installed packages (cdktf, the provider bindings, the HCL reader). Those make the key; the
entry is the synth directory as the base side wrote it (``manifest.json`` and
``stacks/*/cdk.tf.json``).

- Where: ``platformctl/diff-cache/`` in the repository's git directory (``.git``, shared by its
  worktrees): never committed, gone with the clone; ``--cache-dir`` puts it elsewhere (a CI
  cache), ``--no-cache`` neither reads nor writes it.
- Key: the commit, the environments directory, the environments synthesized there (and whether
  they were named), the app command, the interpreter (version and path) and the name and
  version of every installed distribution.
- Invalid: an entry is only written after the base side's synth succeeded, whole, and is
  renamed into place complete; any change of the key is another entry. Not covered: what the
  app might read besides the commit's files (it reads none today) and environment variables.
  The :data:`KEEP` most recently used entries are kept.

A cache that cannot be read or written is left alone: the base is synthesized as without one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: Changes when the entry's layout or the key's parts change.
FORMAT = 1
#: Entries kept, the most recently used.
KEEP = 16


@dataclass(frozen=True)
class BaseSynthCache:
    directory: Path

    @classmethod
    def in_git_directory(cls, repo: Path) -> BaseSynthCache | None:
        """The cache in ``repo``'s git directory; None when git does not name one."""
        try:
            found = subprocess.run(
                ["git", "-C", str(repo), "rev-parse", "--git-common-dir"], capture_output=True, text=True, check=False
            )
        except OSError:
            return None
        if found.returncode != 0 or not found.stdout.strip():
            return None
        return cls(repo / found.stdout.strip() / "platformctl" / "diff-cache")

    def key(self, commit: str, env_dir: Path, names: Sequence[str], explicit: bool, app: str) -> str:
        parts = {
            "format": FORMAT,
            "commit": commit,
            "environments_dir": env_dir.as_posix(),
            "environments": sorted(names),
            "named": explicit,
            "app": app,
            "python": [sys.version, sys.executable],
            "distributions": _distributions(),
        }
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]

    def load(self, key: str) -> Path | None:
        """The synth directory of ``key``, if kept."""
        entry = self.directory / key
        if not (entry / "manifest.json").is_file():
            return None
        try:
            os.utime(entry)  # recently used
        except OSError:
            pass
        return entry

    def discard(self, key: str) -> None:
        """Remove the entry of ``key`` (one that could not be read)."""
        shutil.rmtree(self.directory / key, ignore_errors=True)

    def store(self, key: str, synth_dir: Path) -> None:
        """Keep a copy of ``synth_dir`` (the base side's output, complete) under ``key``."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".incomplete-", dir=self.directory))
            try:
                shutil.copy2(synth_dir / "manifest.json", staging / "manifest.json")
                shutil.copytree(synth_dir / "stacks", staging / "stacks", ignore=shutil.ignore_patterns(".terraform"))
                os.rename(staging, self.directory / key)
            except OSError:
                shutil.rmtree(staging, ignore_errors=True)
                return
            self._prune()
        except OSError:
            return

    def _prune(self) -> None:
        entries = [path for path in self.directory.iterdir() if path.is_dir() and not path.name.startswith(".")]
        entries.sort(key=lambda path: (path.stat().st_mtime, path.name), reverse=True)
        for stale in entries[KEEP:]:
            shutil.rmtree(stale, ignore_errors=True)


def _distributions() -> list[str]:
    """Every installed distribution as its metadata directory names it (``cdktf-0.20.12.dist-info``)."""
    found: set[str] = set()
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as listing:
                found.update(item.name for item in listing if item.name.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
    return sorted(found)
