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
this project can shadow the base's own code. Both synths run at the same time.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from . import resource_kinds
from .drivers import environment_drivers, stack_driver
from .errors import CommandError
from .markdown import code, html_code, plural, write_output
from .synth_output import SynthResource, SynthStack, read_synth_dir
from .values import SENSITIVE, AttributeChange, attribute_changes, flatten

log = logging.getLogger(__name__)

#: Attribute tables and resource lists longer than this are folded into ``<details>``.
FOLD_AFTER = 8
#: A removed and an added resource of one type whose leaves agree at least this much look
#: like one resource whose construct id was renamed.
RENAME_SIMILARITY = 0.5


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
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    repo = _git_toplevel(Path.cwd())
    commit = _resolve_commit(repo, args.base)
    env_dir = _repo_relative(repo, args.environments_dir)
    with tempfile.TemporaryDirectory(prefix="platformctl-diff-") as tmp_name:
        tmp = Path(tmp_name)
        base_tree = tmp / "base"
        _extract(repo, commit, base_tree)
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
        base_stacks, work_stacks = _synth_both(
            base=(base_tree, base_names, tmp / "base-out", f"base ({args.base})", base_app),
            work=(repo, work_names, tmp / "work-out", "working tree", work_app),
            env_dir=env_dir,
            explicit=bool(args.environments),
        )
        # Each stack's cluster driver, from its environment file (the working tree's, else the base's).
        base_drivers = environment_drivers(base_tree / env_dir)
        work_drivers = environment_drivers(repo / env_dir)
        drivers = {}
        for name in base_stacks.keys() | work_stacks.keys():
            found = stack_driver(name, work_drivers) if name in work_stacks else stack_driver(name, base_drivers)
            if found:
                drivers[name] = found
        # Reads the stacks' files: inside the temporary directory.
        result = compare(base_stacks, work_stacks, drivers)
    report = render_markdown(result, base_label=f"{args.base} ({commit[:8]})")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
    write_output(report, args.out)
    print(f"diff: {result.summary_line()} ({time.perf_counter() - started:.1f}s)", file=sys.stderr)
    return 0


# --- git and synthesis -------------------------------------------------------------------


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


def _extract(repo: Path, commit: str, dest: Path) -> None:
    """The committed tree of ``commit`` into ``dest`` (no git metadata, no untracked files)."""
    dest.mkdir(parents=True)
    proc = subprocess.Popen(
        ["git", "-C", str(repo), "archive", "--format=tar", commit], stdout=subprocess.PIPE, stderr=subprocess.PIPE
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


@dataclass
class _Synth:
    label: str
    process: subprocess.Popen[bytes]
    stderr: IO[bytes]
    out: Path
    app: str = "python -m stacks"
    names: tuple[str, ...] | None = None  #: the environments asked for (None: all)


#: Stands for "everything the app synthesizes" where there are no environment files to name.
WHOLE_APP = "(the whole app)"
#: The app command of this project's own cdktf.json, which also takes environment names.
OWN_APP = re.compile(r"(python3?|python3\.\d+)\s+-m\s+stacks", re.ASCII)


def app_command(tree: Path, shown: str) -> str:
    """The ``app`` of the tree's cdktf.json: the command cdktf runs to synthesize."""
    path = tree / "cdktf.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CommandError(f'{shown}: no such file; diff runs its "app" to synthesize (or give --app)') from None
    except (OSError, UnicodeDecodeError) as err:
        raise CommandError(f"{shown}: cannot be read ({err})") from None
    except RecursionError:
        raise CommandError(f"{shown}: nested too deeply to be read") from None
    except ValueError as err:
        raise CommandError(f"{shown}: not JSON ({err})") from None
    app = document.get("app") if isinstance(document, dict) else None
    if not isinstance(app, str) or not app.strip():
        raise CommandError(
            f'{shown}: "app" is missing or not a command: the command that synthesizes the stacks, '
            'e.g. "python -m stacks" (or give --app)'
        )
    return app.strip()


def _start_synth(
    tree: Path, names: list[str], out: Path, label: str, env_dir: Path, explicit: bool, app: str
) -> _Synth:
    env = dict(os.environ)
    # The tree's own packages first, and only them: neither the working tree nor an editable
    # install (a meta path finder placed after the path-based one) can shadow them.
    env["PYTHONPATH"] = str(tree)
    env.pop("PYTHONSAFEPATH", None)
    # Where cdktf's App writes (cdktf sets the same variable when it runs the app).
    env["CDKTF_OUTDIR"] = str(out)
    # `python` in the command is the interpreter running platformctl, as in its virtualenv.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    stderr = tempfile.TemporaryFile()
    if OWN_APP.fullmatch(app):
        # This project's app: it takes the environments directory and names.
        argv = [sys.executable, "-m", "stacks", "--environments-dir", str(env_dir), "--out", str(out)]
        if explicit:
            argv += names
        process = subprocess.Popen(
            argv, cwd=tree, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr
        )
    else:
        # Another app synthesizes what it synthesizes; the stacks of other environments are left out after.
        process = subprocess.Popen(
            app, shell=True, cwd=tree, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr
        )
    return _Synth(label, process, stderr, out, app, tuple(names) if explicit else None)


def _finish_synth(synth: _Synth) -> dict[str, SynthStack]:
    code = synth.process.wait()
    synth.stderr.seek(0)
    text = synth.stderr.read().decode(errors="replace")
    synth.stderr.close()
    if code != 0:
        raise CommandError(f"{synth.label} synth failed: {_synth_error(text, code, synth.app)}")
    if not (synth.out / "stacks").is_dir():
        raise CommandError(
            f"{synth.label} synth failed: `{synth.app}` exited with 0 but wrote no stacks to $CDKTF_OUTDIR "
            "(does the app create its cdktf App without an outdir of its own?)"
        )
    stacks = read_synth_dir(synth.out)
    if synth.names is not None:
        stacks = {
            name: stack for name, stack in stacks.items() if any(name.startswith(f"{env}-") for env in synth.names)
        }
    return stacks


def _synth_error(stderr: str, code: int, app: str = "python -m stacks") -> str:
    """Why the app failed: its exit code and what it said last (its ``error: ...`` line if it wrote one)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    if errors:
        return errors[-1].removeprefix("error:").strip()
    said = f": {lines[-1]}" if lines else " and wrote nothing"
    return f"`{app}` exited with {code}{said}"


def _synth_both(
    base: tuple[Path, list[str], Path, str, str],
    work: tuple[Path, list[str], Path, str, str],
    env_dir: Path,
    explicit: bool,
) -> tuple[dict[str, SynthStack], dict[str, SynthStack]]:
    """Run both synths at once; a side without environments has no stacks."""
    jobs: list[_Synth | None] = []
    try:
        for tree, names, out, label, app in (base, work):
            jobs.append(_start_synth(tree, names, out, label, env_dir, explicit, app) if names else None)
        # The base's failure is reported first: it is the side the user did not just edit.
        return tuple(_finish_synth(job) if job else {} for job in jobs)  # type: ignore[return-value]
    finally:
        for job in jobs:
            if job and job.process.poll() is None:
                job.process.kill()
                job.process.wait()
            if job and not job.stderr.closed:
                job.stderr.close()


# --- comparison --------------------------------------------------------------------------


@dataclass(frozen=True)
class AttributeDiff:
    change: AttributeChange
    forces_replacement: bool | None  #: None: not known for this type


@dataclass
class ResourceDiff:
    stack: str
    address: str
    type: str
    construct_path: str | None
    status: str  #: ``added``, ``removed`` or ``changed``
    attributes: list[AttributeDiff] = field(default_factory=list)

    @property
    def replaced(self) -> bool:
        return any(a.forces_replacement for a in self.attributes)

    @property
    def replacement_unknown(self) -> bool:
        return not self.replaced and any(a.forces_replacement is None for a in self.attributes)

    @property
    def label(self) -> str:
        return self.construct_path or self.address


@dataclass(frozen=True)
class Rename:
    removed: ResourceDiff
    added: ResourceDiff
    similarity: float


@dataclass(frozen=True)
class Dependent:
    """A resource that refers to a replaced one (``cluster_id = ${...cluster.id}``)."""

    replaced: ResourceDiff
    address: str
    construct_path: str | None
    arguments: tuple[str, ...]
    verdict: bool | None  #: True: replaced as well; False: updated in place; None: not known
    via: str | None = None  #: the construct path or address it refers to, when not ``replaced`` itself


@dataclass
class StackDiff:
    name: str
    status: str  #: ``added``, ``removed``, ``changed`` or ``unchanged``
    resources: list[ResourceDiff] = field(default_factory=list)
    settings: list[AttributeChange] = field(default_factory=list)
    renames: list[Rename] = field(default_factory=list)
    dependents: list[Dependent] = field(default_factory=list)
    driver: str | None = None  #: the cluster driver of the stack's environment, when known

    def count(self, status: str) -> int:
        return sum(1 for r in self.resources if r.status == status)

    @property
    def replaced(self) -> list[ResourceDiff]:
        return [r for r in self.resources if r.status == "changed" and r.replaced]

    @property
    def replaced_count(self) -> int:
        """Resources replaced by their own changes, and those replaced along with them."""
        along = {d.address for d in self.dependents if d.verdict}
        return len(self.replaced) + len(along - {r.address for r in self.replaced})


@dataclass
class DiffResult:
    stacks: list[StackDiff]

    @property
    def changed(self) -> list[StackDiff]:
        return [s for s in self.stacks if s.status != "unchanged"]

    @property
    def replaced(self) -> list[ResourceDiff]:
        return [r for s in self.stacks for r in s.replaced]

    def summary_line(self) -> str:
        if not self.changed:
            return "no changes"
        parts = [f"{len(self.changed)} of {len(self.stacks)} stacks differ"]
        for status in ("added", "removed", "changed"):
            parts.append(f"{sum(s.count(status) for s in self.stacks)} resources {status}")
        parts.append(f"{sum(s.replaced_count for s in self.stacks)} replaced")
        return ", ".join(parts)


def compare(
    base: dict[str, SynthStack], work: dict[str, SynthStack], drivers: dict[str, str] | None = None
) -> DiffResult:
    """The two synths compared; ``drivers`` gives a stack's cluster driver (stack name -> driver)."""
    drivers = drivers or {}
    stacks = []
    for name in sorted(base.keys() | work.keys()):
        old, new = base.get(name), work.get(name)
        if old is None and new is not None:
            stack = StackDiff(name, "added", [_whole(name, r, "added") for r in new.resources.values()])
        elif new is None and old is not None:
            stack = StackDiff(name, "removed", [_whole(name, r, "removed") for r in old.resources.values()])
        else:
            assert old is not None and new is not None
            stack = _compare_stack(name, old, new, drivers.get(name))
        stack.resources.sort(key=lambda r: (r.label, r.address))
        stacks.append(stack)
    return DiffResult(stacks)


def _whole(stack: str, resource: SynthResource, status: str) -> ResourceDiff:
    return ResourceDiff(stack, resource.address, resource.type, resource.construct_path, status)


def _compare_stack(name: str, old: SynthStack, new: SynthStack, driver: str | None = None) -> StackDiff:
    stack = StackDiff(name, "unchanged", driver=driver)
    for address in sorted(old.resources.keys() | new.resources.keys()):
        before, after = old.resources.get(address), new.resources.get(address)
        if before is None and after is not None:
            stack.resources.append(_whole(name, after, "added"))
        elif after is None and before is not None:
            stack.resources.append(_whole(name, before, "removed"))
        elif before is not None and after is not None and before.body != after.body:
            changes = attribute_changes(before.body, after.body)
            attributes = [
                AttributeDiff(c, resource_kinds.forces_replacement(after.type, c.top_level, driver)) for c in changes
            ]
            attributes.sort(key=lambda a: (a.forces_replacement is not True, a.change.path))
            path = after.construct_path or before.construct_path
            stack.resources.append(ResourceDiff(name, address, after.type, path, "changed", attributes))
    old_settings, new_settings = _settings(old), _settings(new)
    _hide_sensitive_defaults(old_settings, new_settings)
    stack.settings = attribute_changes(old_settings, new_settings)
    stack.renames = _renames(stack.resources, old, new)
    stack.dependents = _dependents(stack.resources, new, driver)
    if stack.resources or stack.settings:
        stack.status = "changed"
    return stack


def _settings(stack: SynthStack) -> dict[str, Any]:
    """Everything of a stack but its resources: backend, providers, variables, outputs."""
    path = stack.directory / "cdk.tf.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(document, dict):
        return {}
    return _without_metadata({k: v for k, v in document.items() if k not in ("//", "resource", "data")})


def _hide_sensitive_defaults(old: dict[str, Any], new: dict[str, Any]) -> None:
    """A sensitive variable's default is a secret written into the code: say only whether it changed."""
    before, after = old.get("variable"), new.get("variable")
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    for name in before.keys() | after.keys():
        b, a = before.get(name), after.get(name)
        sensitive = any(isinstance(v, dict) and v.get("sensitive") for v in (b, a))
        if not sensitive:
            continue
        changed = not (isinstance(b, dict) and isinstance(a, dict) and b.get("default") == a.get("default"))
        if isinstance(b, dict) and "default" in b:
            b["default"] = SENSITIVE
        if isinstance(a, dict) and "default" in a:
            a["default"] = f"{SENSITIVE}, changed" if changed else SENSITIVE


def _without_metadata(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_metadata(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [_without_metadata(v) for v in value]
    return value


def _renames(resources: list[ResourceDiff], old: SynthStack, new: SynthStack) -> list[Rename]:
    """Removed/added pairs of one type whose bodies mostly agree: likely a renamed construct id."""
    removed = [r for r in resources if r.status == "removed"]
    added = [r for r in resources if r.status == "added"]
    candidates = []
    for gone in removed:
        for came in added:
            if gone.type == came.type:
                score = _similarity(old.resources[gone.address].body, new.resources[came.address].body)
                if score >= RENAME_SIMILARITY:
                    candidates.append(Rename(gone, came, score))
    candidates.sort(key=lambda c: (-c.similarity, c.removed.address, c.added.address))
    paired: set[str] = set()
    found = []
    for candidate in candidates:
        if candidate.removed.address not in paired and candidate.added.address not in paired:
            paired |= {candidate.removed.address, candidate.added.address}
            found.append(candidate)
    return sorted(found, key=lambda c: c.removed.label)


def _similarity(a: dict[str, Any], b: dict[str, Any]) -> float:
    left, right = flatten(a), flatten(b)
    keys = left.keys() | right.keys()
    if not keys:
        return 1.0
    return sum(1 for k in keys if k in left and k in right and left[k] == right[k]) / len(keys)


def _dependents(resources: list[ResourceDiff], new: SynthStack, driver: str | None = None) -> list[Dependent]:
    """Resources that refer to a replaced one, and so on: a replaced cluster takes its node groups along.

    A reference is an interpolation (``cluster_id = "${...cluster.id}"``), whose argument may or
    may not force a replacement, or an entry of ``lifecycle.replace_triggered_by``, which always
    replaces (the library's revision digests reach clusters and templates that way).
    """
    found: list[Dependent] = []
    added = {r.address for r in resources if r.status == "added"}
    roots = [r for r in resources if r.status == "changed" and r.replaced]
    for root in roots:
        # (address, what to show) of everything replaced so far through this root.
        queue: list[tuple[str, str | None]] = [(root.address, None)]
        seen = {root.address}
        while queue:
            target, shown = queue.pop(0)
            reference = re.compile(r"(?<![\w.-])" + re.escape(target) + r"(?![\w-])", re.ASCII)
            for address, resource in sorted(new.resources.items()):
                if address in seen or address in added:
                    continue
                arguments: set[str] = set()
                triggered = False
                for path, value in flatten(resource.body).items():
                    if not isinstance(value, str):
                        continue
                    if path.startswith("lifecycle.replace_triggered_by") and reference.search(value):
                        triggered = True
                        arguments.add("lifecycle.replace_triggered_by")
                    elif _refers(value, reference) and not path.startswith("lifecycle."):
                        arguments.add(_top(path))
                if not arguments:
                    continue
                verdicts = {
                    resource_kinds.forces_replacement(resource.type, a, driver)
                    for a in arguments
                    if a != "lifecycle.replace_triggered_by"
                }
                verdict = True if triggered or True in verdicts else (False if verdicts == {False} else None)
                seen.add(address)
                found.append(
                    Dependent(root, address, resource.construct_path, tuple(sorted(arguments)), verdict, shown)
                )
                if verdict:
                    queue.append((address, resource.construct_path or address))
    # A resource replaced along with one change is not also "updated in place" through another.
    replaced_along = {d.address for d in found if d.verdict}
    return [d for d in found if d.verdict or d.address not in replaced_along]


def _refers(value: Any, reference: re.Pattern[str]) -> bool:
    return isinstance(value, str) and "${" in value and reference.search(value) is not None


def _top(path: str) -> str:
    return re.split(r"[.\[]", path, maxsplit=1)[0]


# --- Markdown ----------------------------------------------------------------------------


def _details(summary: str, lines: list[str]) -> list[str]:
    return ["<details>", f"<summary>{summary}</summary>", "", *lines, "", "</details>", ""]


def _fold(summary: str, lines: list[str], items: int) -> list[str]:
    return _details(summary, lines) if items > FOLD_AFTER else [*lines, ""]


def _kind(resource_type: str, address: str = "") -> str:
    if address.startswith("data."):
        return " (data source: read only)"
    description = resource_kinds.describe(resource_type)
    return f" ({description})" if description else ""


def _names(resource: ResourceDiff) -> str:
    """The construct path and the address, or the address alone for blocks cdktf adds itself."""
    if resource.construct_path:
        return f"{code(resource.construct_path)} {code(resource.address)}{_kind(resource.type, resource.address)}"
    return f"{code(resource.address)}{_kind(resource.type, resource.address)}"


def _attribute_table(attributes: Iterable[AttributeDiff], with_effect: bool) -> list[str]:
    header = (
        ["| attribute | before | after | effect |", "|---|---|---|---|"]
        if with_effect
        else [
            "| attribute | before | after |",
            "|---|---|---|",
        ]
    )
    rows = []
    for item in attributes:
        cells = [code(item.change.path), code(item.change.before), code(item.change.after)]
        if with_effect:
            cells.append(
                {True: "**forces replacement**", False: "in place", None: "not known"}[item.forces_replacement]
            )
        rows.append("| " + " | ".join(cells) + " |")
    return header + rows


def render_markdown(result: DiffResult, base_label: str) -> str:
    lines = [f"## Synth diff: {code(base_label)} → working tree", ""]
    if not result.changed:
        lines += [
            f"**No changes**: the working tree synthesizes the same {plural(len(result.stacks), 'stack')} "
            "as the base (every resource, backend, provider, variable and output).",
            "",
        ]
        return "\n".join(lines) + "\n"
    lines += _summary(result)
    lines += _replacements(result)
    lines += _rename_hints(result)
    lines += _stack_changes(result)
    lines += _stacks_added_removed(result)
    lines += [
        "---",
        "_From the code and environment files alone: no state, no plan. Replacement is known only for "
        f"{', '.join(f'`{t}`' for t in sorted(resource_kinds.IN_PLACE_ARGUMENTS))}; for every other type "
        "a real plan (`platformctl preview`) is the authority._",
    ]
    return "\n".join(lines) + "\n"


def _summary(result: DiffResult) -> list[str]:
    lines = ["| stack | stack status | added | removed | changed | replaced |", "|---|---|---|---|---|---|"]
    for stack in result.changed:
        replaced = stack.replaced_count
        status = stack.status if not stack.settings or stack.status != "changed" else "changed (incl. settings)"
        lines.append(
            f"| {code(stack.name)} | {status} | {stack.count('added')} | {stack.count('removed')} | "
            f"{stack.count('changed')} | {f'**{replaced}** ⚠️' if replaced else 0} |"
        )
    unchanged = [s.name for s in result.stacks if s.status == "unchanged"]
    lines.append("")
    if unchanged:
        lines += [f"Unchanged: {', '.join(code(n) for n in unchanged)}.", ""]
    return lines


def _replacements(result: DiffResult) -> list[str]:
    replaced = result.replaced
    if not replaced:
        return []
    total = sum(s.replaced_count for s in result.stacks)
    lines = [
        f"> [!WARNING]\n> **⚠️ {plural(total, 'resource')} would be destroyed and created again.** "
        "A replaced cluster loses every workload running on it; a replaced node group loses its nodes.",
        "",
        "### ⚠️ Replacements",
        "",
    ]
    stacks = {s.name: s for s in result.stacks}
    for resource in replaced:
        lines += [
            f"#### {code(resource.stack)} · {code(resource.label)}{_kind(resource.type)}",
            "",
            f"Address {code(resource.address)}; forced by "
            + ", ".join(code(a.change.path) for a in resource.attributes if a.forces_replacement)
            + ".",
            "",
        ]
        lines += _attribute_table(resource.attributes, with_effect=True)
        lines.append("")
        dependents = [d for d in stacks[resource.stack].dependents if d.replaced is resource]
        if dependents:
            lines.append("Resources that refer to it:")
            lines.append("")
            for dep in dependents:
                verdict = {
                    True: "**replaced as well**",
                    False: "updated in place",
                    None: "may change (not known without a plan)",
                }[dep.verdict]
                arguments = ", ".join(code(a) for a in dep.arguments)
                via = f", which refers to {code(dep.via)}" if dep.via else ""
                lines.append(f"- {code(dep.construct_path or dep.address)}: {verdict} (through {arguments}{via})")
            lines.append("")
    return lines


def _rename_hints(result: DiffResult) -> list[str]:
    renames = [r for s in result.stacks for r in s.renames]
    if not renames:
        return []
    lines = [
        "### Renamed construct ids?",
        "",
        "These look like one resource whose construct id was renamed. The id is part of the Terraform "
        "address, so a rename **destroys the old resource and creates a new one**. Keep the old id, or move "
        "the state to the new address (`terraform state mv` or a `moved` block) before applying.",
        "",
    ]
    for rename in renames:
        lines.append(
            f"- {code(rename.removed.stack)}: {code(rename.removed.label)} → {code(rename.added.label)}"
            f"{_kind(rename.added.type)}, {round(rename.similarity * 100)}% of the arguments equal"
        )
    return [*lines, ""]


def _resource_list(resources: list[ResourceDiff]) -> list[str]:
    return [f"- {_names(r)}" for r in resources]


def _stack_changes(result: DiffResult) -> list[str]:
    lines: list[str] = []
    for stack in (s for s in result.stacks if s.status == "changed"):
        lines += [f"### {code(stack.name)}", ""]
        in_place = [r for r in stack.resources if r.status == "changed" and not r.replaced]
        if stack.replaced:
            lines += [f"{plural(stack.replaced_count, 'replaced resource')}: see Replacements above.", ""]
        for resource in in_place:
            effect = (
                "in place or replaced: not known without a plan" if resource.replacement_unknown else "updated in place"
            )
            table = _attribute_table(resource.attributes, with_effect=False)
            if len(resource.attributes) > FOLD_AFTER:
                summary = (
                    f"Changed {html_code(resource.label)}{_kind(resource.type, resource.address)}: {effect}, "
                    f"{plural(len(resource.attributes), 'attribute')}"
                )
                lines += _details(summary, [f"Address {code(resource.address)}", "", *table])
            else:
                lines += [f"**Changed** {_names(resource)}: {effect}", "", *table, ""]
        for status in ("added", "removed"):
            items = [r for r in stack.resources if r.status == status]
            if items:
                summary = f"{status.capitalize()}: {plural(len(items), 'resource')}"
                lines += _fold(summary, [f"**{summary}**", "", *_resource_list(items)], len(items))
        if stack.settings:
            table = ["| setting | before | after |", "|---|---|---|"] + [
                f"| {code(c.path)} | {code(c.before)} | {code(c.after)} |" for c in stack.settings
            ]
            summary = "Stack settings (backend, providers, variables, outputs)"
            lines += _fold(summary, [f"**{summary}**", "", *table], len(stack.settings))
    return lines


def _stacks_added_removed(result: DiffResult) -> list[str]:
    lines: list[str] = []
    for status, heading in (("added", "Stacks added"), ("removed", "Stacks removed")):
        stacks = [s for s in result.stacks if s.status == status]
        if not stacks:
            continue
        lines += [f"### {heading}", ""]
        for stack in stacks:
            verb = "created" if status == "added" else "destroyed"
            summary = f"{html_code(stack.name)}: {plural(len(stack.resources), 'resource')} {verb}"
            lines += _details(summary, _resource_list(stack.resources))
    return lines
