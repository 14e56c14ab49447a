"""``platformctl diff``: what a change to the code or the environment files does to the stacks.

No cloud, no state, no plan: the base git ref and the working tree are each synthesized with
their own code (the ``app`` of each tree's ``cdktf.json``, or ``--app``, run inside it) and
the two ``cdk.tf.json`` sets are compared, per stack and construct path, attribute by
attribute. Arguments that force a new resource are known only for the types in
:mod:`platformctl.resource_kinds`, judged by each stack's own cluster driver (read from its
environment file by :mod:`platformctl.drivers`); those replacements, and what they carry
along, come first, loudly. For every other type a real plan (``platformctl preview``) is the
authority.

The base is extracted with ``git archive`` into a temporary directory and run from there with
``PYTHONPATH`` set to that directory, so neither the working tree nor an editable install of
this project can shadow the base's own code. Both synths run at the same time
(:mod:`platformctl.diff_synth`); this project's app is called through its typed function.

This module is the command (arguments, git, the environments of each side); the comparison
is :mod:`platformctl.diff_compare`, the Markdown report :mod:`platformctl.diff_report`.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from .diff_cache import BaseSynthCache
from .diff_compare import compare
from .diff_report import render_markdown
from .diff_synth import (
    OWN_APP,
    WHOLE_APP,
    Side,
    app_command,
    changed_base_names,
    read_side,
    shares_code,
    synth_both,
    synth_same_code,
)
from .drivers import environment_drivers, stack_driver
from .errors import CommandError
from .markdown import write_output
from .synth_output import SynthStack, same_stack

__all__ = ["compare", "register", "render_markdown", "run"]

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="compare the stacks synthesized from a git ref with the working tree (no cloud, no plan)",
        description=(
            "Synthesize the base git ref (with its own code) and the working tree (as on disk, uncommitted "
            "changes included), and report in Markdown, per stack and construct path, the resources added, "
            "removed and changed, attribute by attribute. Changes that force a new Magnum cluster or node group "
            "come first. Replacement is known only for the resource types platformctl knows; a real plan "
            "(platformctl preview) is the authority for the others."
        ),
    )
    parser.add_argument(
        "--base",
        required=True,
        metavar="REF",
        help="the git ref to compare with: a branch, tag or commit "
        "(e.g. main, origin/main, $CI_MERGE_REQUEST_DIFF_BASE_SHA)",
    )
    parser.add_argument(
        "environments",
        nargs="*",
        metavar="ENV",
        help="environment names (default: every *.hcl in the environments directory, on each side)",
    )
    parser.add_argument(
        "--environments-dir",
        type=Path,
        default=Path("environments"),
        metavar="DIR",
        help="where the *.hcl files are, inside the repository; the same path is used at the base ref "
        "(default: environments)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, metavar="FILE", help="write the Markdown report here (default: stdout)"
    )
    parser.add_argument(
        "--app",
        default=None,
        metavar="COMMAND",
        help="the command that synthesizes the stacks, run in each tree with CDKTF_OUTDIR set (default: the "
        '"app" of each side\'s cdktf.json, as cdktf runs it)',
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="where the base side's synth is kept for the next diff against the same commit "
        "(default: platformctl/diff-cache in the repository's git directory)",
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="synthesize the base side even if kept, and keep nothing"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    repo = _git_toplevel(Path.cwd())
    commit = _resolve_commit(repo, args.base)
    env_dir = _repo_relative(repo, args.environments_dir)
    with tempfile.TemporaryDirectory(prefix="platformctl-diff-") as tmp_name:
        tmp = Path(tmp_name)
        base_tree = tmp / "base"
        # Its cdktf.json and environments first; the rest only for a synth of the base (see _BaseTree).
        tree = _BaseTree(repo, commit, base_tree, ["cdktf.json", env_dir.as_posix()])
        base_app = args.app or app_command(base_tree, f"{args.base}:cdktf.json")
        work_app = args.app or app_command(repo, "cdktf.json")
        own_app = bool(OWN_APP.fullmatch(base_app) or OWN_APP.fullmatch(work_app))
        no_environments = not (base_tree / env_dir).is_dir() and not (repo / env_dir).is_dir()
        if not own_app and no_environments and not args.environments:
            # An app of its own that reads no environment files here: each side synthesizes it whole.
            base_names, work_names = [WHOLE_APP], [WHOLE_APP]
        else:
            base_names, work_names = _environment_names(
                base_tree / env_dir, repo / env_dir, args.environments, env_dir, args.base
            )
        base = Side(base_tree, base_names, tmp / "base-out", f"base ({args.base})", base_app)
        work = Side(repo, work_names, tmp / "work-out", "working tree", work_app)
        explicit = bool(args.environments)
        # Only environment files differ: one app, one load of its code, the unchanged environments once.
        sharing = own_app and shares_code(base, work)
        changed = _changed_environments(repo, commit, env_dir, base_tree / env_dir) if sharing else None
        shared = changed is not None
        # What the base side synthesizes, and whether a diff against this commit already did.
        request, named = (changed_base_names(base, changed or ()), True) if shared else (base_names, explicit)
        cache = _cache(args, repo, base_app) if request else None
        key = cache.key(commit, env_dir, request, named, base_app) if cache else None
        known = _cached(cache, key, base, request, named)
        if shared and request and known is None:
            tree.whole()
        synthesized = synth_same_code(base, work, env_dir, explicit, changed or (), known) if shared else None
        if synthesized is None:
            full_known = None if shared else known  # after a failed shortcut, the base synthesizes everything
            if base_names and full_known is None:
                tree.whole()
            base_stacks, work_stacks = synth_both(base, work, env_dir=env_dir, explicit=explicit, base_known=full_known)
        else:
            base_stacks, work_stacks = synthesized
        if cache and key and known is None and (synthesized is not None or not shared):
            cache.store(key, base.out)
        drivers = _drivers(base_stacks, work_stacks, base_tree / env_dir, repo / env_dir, base_names, work_names)
        # Reads the stacks' files: inside the temporary directory.
        result = compare(base_stacks, work_stacks, drivers)
    report = render_markdown(result, base_label=f"{args.base} ({commit[:8]})")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
    write_output(report, args.out)
    print(f"diff: {result.summary_line()} ({time.perf_counter() - started:.1f}s)", file=sys.stderr)
    return 0


# --- git and the environments -------------------------------------------------------------------


def _git(repo: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", "-C", str(repo), *argv], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise CommandError("git is not installed (or not on PATH); diff needs it to read the base ref") from None


def _git_toplevel(cwd: Path) -> Path:
    result = _git(cwd, "rev-parse", "--show-toplevel")
    if result.returncode != 0:
        raise CommandError(f"{cwd}: not inside a git repository; run diff from a clone of the project")
    return Path(result.stdout.strip())


def _resolve_commit(repo: Path, ref: str) -> str:
    result = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if result.returncode != 0 or not result.stdout.strip():
        raise CommandError(
            f"--base {ref}: not a branch, tag or commit of {repo} "
            "(fetch it first, e.g. `git fetch origin main`, or give a commit SHA)"
        )
    return result.stdout.strip()


def _repo_relative(repo: Path, path: Path) -> Path:
    absolute = (Path.cwd() / path).resolve()
    try:
        return absolute.relative_to(repo.resolve())
    except ValueError:
        raise CommandError(
            f"--environments-dir {path}: must be inside the repository {repo} (the same path is read at the base ref)"
        ) from None


class _BaseTree:
    """The base commit's tree in a temporary directory: at first only ``first`` (the paths a
    diff reads: cdktf.json, the environments), whole when the base is synthesized (a diff that
    synthesizes nothing of the base, or finds its synth kept, extracts no code)."""

    def __init__(self, repo: Path, commit: str, dest: Path, first: list[str]) -> None:
        self.repo, self.commit, self.dest = repo, commit, dest
        listed = _git(repo, "ls-tree", "--name-only", "-z", commit, "--", *first)
        present = [path for path in listed.stdout.split("\0") if path] if listed.returncode == 0 else None
        self.complete = present is None or "." in first
        if self.complete:
            _extract(repo, commit, dest)
        elif present:
            _extract(repo, commit, dest, present)
        else:
            dest.mkdir(parents=True)

    def whole(self) -> None:
        if not self.complete:
            _extract(self.repo, self.commit, self.dest)
            self.complete = True


def _extract(repo: Path, commit: str, dest: Path, paths: list[str] | None = None) -> None:
    """The committed tree of ``commit`` (or only ``paths`` of it) into ``dest`` (no git metadata,
    no untracked files)."""
    dest.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        ["git", "-C", str(repo), "archive", "--format=tar", commit, *(["--", *paths] if paths else [])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        with tarfile.open(fileobj=proc.stdout, mode="r|") as archive:
            if hasattr(tarfile, "data_filter"):
                archive.extractall(dest, filter="data")
            else:  # Python < 3.11.4
                archive.extractall(dest)
    except tarfile.TarError as err:
        proc.kill()
        raise CommandError(f"cannot extract {commit[:8]} with git archive: {err}") from None
    finally:
        stderr = proc.stderr.read().decode(errors="replace")
        proc.stdout.close()
        proc.stderr.close()
        proc.wait()
    if proc.returncode != 0:
        raise CommandError(f"git archive {commit[:8]} failed: {stderr.strip()}")


def _cache(args: argparse.Namespace, repo: Path, base_app: str) -> BaseSynthCache | None:
    """Where the base side's synth is kept: only this project's app's (its output follows from the
    commit and the installed packages), unless --no-cache."""
    if args.no_cache or not OWN_APP.fullmatch(base_app):
        return None
    return BaseSynthCache(args.cache_dir.resolve()) if args.cache_dir else BaseSynthCache.in_git_directory(repo)


def _cached(
    cache: BaseSynthCache | None, key: str | None, base: Side, request: list[str], named: bool
) -> dict[str, SynthStack] | None:
    """The base's stacks kept under ``key``; None when not kept or unreadable (then synthesized)."""
    entry = cache.load(key) if cache and key else None
    if entry is None:
        return None
    try:
        return read_side(dataclasses.replace(base, names=request, out=entry), named)
    except CommandError:
        assert cache is not None and key is not None
        cache.discard(key)  # damaged: synthesized again, and kept anew
        return None


def _drivers(
    base_stacks: dict[str, SynthStack],
    work_stacks: dict[str, SynthStack],
    base_dir: Path,
    work_dir: Path,
    base_names: list[str],
    work_names: list[str],
) -> dict[str, str]:
    """Each differing stack's cluster driver, from its environment file (the working tree's, else
    the base's). Only the files of the environments of stacks that differ are read (a stack the
    same on both sides has nothing for a driver to judge), each once."""
    differing = [
        name
        for name in base_stacks.keys() | work_stacks.keys()
        if name not in base_stacks or name not in work_stacks or not same_stack(base_stacks[name], work_stacks[name])
    ]
    if not differing:
        return {}
    base_drivers = environment_drivers(base_dir, _only(base_names, differing))
    work_drivers = environment_drivers(work_dir, _only(work_names, differing))
    drivers = {}
    for name in differing:
        found = stack_driver(name, work_drivers) if name in work_stacks else stack_driver(name, base_drivers)
        if found:
            drivers[name] = found
    return drivers


def _only(names: list[str], stacks: list[str]) -> set[str] | None:
    """The environments whose files give the drivers of ``stacks`` (stack ``<env>-<part>``):
    among those synthesized, or among all for a whole app."""
    if WHOLE_APP in names:
        return None
    return {name for name in names if any(stack.startswith(f"{name}-") for stack in stacks)}


def _changed_environments(repo: Path, commit: str, env_dir: Path, base_dir: Path) -> set[str] | None:
    """The environments whose files differ between ``commit`` and the working tree, when nothing
    else does; None when anything else does or cannot be told.

    Outside the environments directory, git compares the working tree (uncommitted changes
    included) with the commit, and any untracked file counts as a difference (it could be code).
    Inside it, every file is compared byte for byte with the base tree: a top-level ``<env>.hcl``
    that differs (or is on one side only) changes that environment; any other file that differs
    counts as a difference of everything.
    """
    if env_dir == Path("."):
        return None
    outside = ["--", ".", f":(exclude){env_dir.as_posix()}"]
    if _git(repo, "diff", "--quiet", commit, *outside).returncode != 0:
        return None
    untracked = _git(repo, "ls-files", "--others", "--exclude-standard", "-z", *outside)
    if untracked.returncode != 0 or untracked.stdout:
        return None
    base_files, work_files = _files(base_dir), _files(repo / env_dir)
    changed = set()
    for relative in base_files.keys() | work_files.keys():
        before, after = base_files.get(relative), work_files.get(relative)
        if before is not None and after is not None and _same_bytes(before, after):
            continue
        if len(relative.parts) != 1 or relative.suffix != ".hcl":
            return None
        changed.add(relative.stem)
    return changed


def _files(directory: Path) -> dict[Path, Path]:
    if not directory.is_dir():
        return {}
    return {path.relative_to(directory): path for path in directory.rglob("*") if not path.is_dir()}


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        return a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def _hcl_names(directory: Path) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.hcl")) if directory.is_dir() else []


def _environment_names(
    base_dir: Path, work_dir: Path, requested: list[str], env_dir: Path, ref: str
) -> tuple[list[str], list[str]]:
    """The environments to synthesize on each side. A requested one may exist on one side only."""
    if not base_dir.is_dir() and not work_dir.is_dir():
        raise CommandError(f"{env_dir}: no such directory in the working tree nor at {ref}")
    base_all, work_all = _hcl_names(base_dir), _hcl_names(work_dir)
    if not requested:
        return base_all, work_all
    unknown = [name for name in requested if name not in base_all and name not in work_all]
    if unknown:
        known = ", ".join(sorted(set(base_all) | set(work_all))) or "none"
        raise CommandError(
            f"no environment {', '.join(unknown)} in {env_dir}/ of the working tree nor at {ref}; known: {known}"
        )
    return [n for n in requested if n in base_all], [n for n in requested if n in work_all]
