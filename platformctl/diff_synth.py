"""The two synths of ``platformctl diff``: the base tree's and the working tree's, at the same time.

This project's app (``python -m stacks``) is called through its typed function,
``stacks.app.synth(environments_dir, outdir, names)``, whose mistakes are
:class:`~constructs_lib.errors.PlatformError`\\ s: they come back as :class:`AppRejected`, with
the error's type, never read from a line the app printed. The working tree's app runs in this
process when the library this process imported is the working tree's own (a clone with its
editable install, or ``python -m platformctl`` run from it); otherwise, and always for the base
tree, a Python process of the tree's own runs that function and sends its error back as JSON.
Another app (the ``app`` of a ``cdktf.json`` that is not ``python -m stacks``, or ``--app``) is
run as cdktf runs it, in a shell, with ``CDKTF_OUTDIR`` set; its failure is read from what it
wrote last.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import importlib
import io
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from constructs_lib._collector import collector_paused
from constructs_lib.errors import PlatformError

from .errors import CommandError
from .synth_output import SynthStack, read_synth_dir

#: Stands for "everything the app synthesizes" where there are no environment files to name.
WHOLE_APP = "(the whole app)"
#: The app command of this project's own cdktf.json, which also takes environment names.
OWN_APP = re.compile(r"(python3?|python3\.\d+)\s+-m\s+stacks", re.ASCII)


class SynthFailed(CommandError):
    """One side's synth failed: ``label`` names the side (base or working tree), ``reason`` says why."""

    def __init__(self, label: str, reason: str) -> None:
        super().__init__(f"{label} synth failed: {reason}")
        self.label = label
        self.reason = reason


class AppRejected(SynthFailed):
    """The app refused its input (an environment file's mistake): ``error_type`` is the class of
    the app's :class:`~constructs_lib.errors.PlatformError`, ``reason`` the first line of its message."""

    def __init__(self, label: str, reason: str, error_type: str) -> None:
        super().__init__(label, reason)
        self.error_type = error_type


class AppFailed(SynthFailed):
    """The app stopped with ``exit_code`` for another reason (a fault of the code, not of the input)."""

    def __init__(self, label: str, reason: str, exit_code: int) -> None:
        super().__init__(label, reason)
        self.exit_code = exit_code


class NoStacksWritten(SynthFailed):
    """The app exited with 0 but wrote no stacks where cdktf's ``CDKTF_OUTDIR`` said."""


@dataclass(frozen=True)
class Side:
    """One side of the diff: the tree, the environments to synthesize there, where to write."""

    tree: Path
    names: list[str]
    out: Path
    label: str
    app: str = "python -m stacks"


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


def synth_both(
    base: Side,
    work: Side,
    env_dir: Path,
    explicit: bool,
    base_known: dict[str, SynthStack] | None = None,
) -> tuple[dict[str, SynthStack], dict[str, SynthStack]]:
    """Both sides at once; a side without environments has no stacks. The base's failure is
    reported first: it is the side the user did not just edit. ``base_known``: the base's
    stacks, already synthesized (kept by :mod:`platformctl.diff_cache`): only the working tree runs."""
    base_job = work_job = None
    work_stacks: dict[str, SynthStack] = {}
    work_failure: SynthFailed | None = None
    try:
        base_job = _start(base, env_dir, explicit) if base.names and base_known is None else None
        if work.names and OWN_APP.fullmatch(work.app) and runs_in_process(work.tree):
            try:
                synth_in_process(work.tree, env_dir, work.out, work.names if explicit else None, work.label, work.app)
                work_stacks = _read(work, explicit)
            except SynthFailed as err:
                work_failure = err
        elif work.names:
            work_job = _start(work, env_dir, explicit)
        base_stacks = _finish(base_job) if base_job else dict(base_known or {})
        if work_failure is not None:
            raise work_failure
        if work_job is not None:
            work_stacks = _finish(work_job)
        return base_stacks, work_stacks
    finally:
        for job in (base_job, work_job):
            if job and job.process.poll() is None:
                job.process.kill()
                job.process.wait()
            if job and not job.stderr.closed:
                job.stderr.close()


def shares_code(base: Side, work: Side) -> bool:
    """Whether :func:`synth_same_code` can run here: this project's app on both sides, and the
    working tree's code is this process's."""
    return bool(OWN_APP.fullmatch(base.app) and OWN_APP.fullmatch(work.app) and runs_in_process(work.tree))


def changed_base_names(base: Side, changed: Collection[str]) -> list[str]:
    """The base's environments that :func:`synth_same_code` synthesizes: those that changed."""
    return [name for name in base.names if name in changed]


def synth_same_code(
    base: Side,
    work: Side,
    env_dir: Path,
    explicit: bool,
    changed: Collection[str],
    base_known: dict[str, SynthStack] | None = None,
) -> tuple[dict[str, SynthStack], dict[str, SynthStack]] | None:
    """Both sides, when their code is the same and only environment files differ.

    ``changed`` names the environments whose files differ between the trees (or exist in one
    only); the caller has checked that nothing else does. The working tree's app runs in this
    process for the working tree's environments, then again, its code already loaded, for the
    base's changed environments only (from the base tree, so relative paths and messages are
    the base's); an unchanged environment's stacks are the working tree's on both sides, as the
    same code makes the same stacks of the same file. ``base_known``: the stacks of the base's
    changed environments, already synthesized (kept by :mod:`platformctl.diff_cache`). None when
    this cannot be done here (see :func:`shares_code`) or when anything fails: the caller then
    runs :func:`synth_both`, which reports failures as it always has.
    """
    if not shares_code(base, work):
        return None
    base_names = changed_base_names(base, changed)
    try:
        work_stacks: dict[str, SynthStack] = {}
        if work.names:
            synth_in_process(work.tree, env_dir, work.out, work.names if explicit else None, work.label, work.app)
            work_stacks = _read(work, explicit)
        base_stacks: dict[str, SynthStack] = dict(base_known or {})
        if base_names and base_known is None:
            synth_in_process(base.tree, env_dir, base.out, base_names, base.label, base.app, import_from_tree=False)
            base_stacks = _read(dataclasses.replace(base, names=base_names), True)
    except CommandError:  # SynthFailed included
        return None
    environments = set(base.names) | set(work.names)
    for name, stack in work_stacks.items():
        environment = environment_of(name, environments)
        if environment is None:
            return None  # a stack of no environment: which side's it is cannot be told here
        if environment in base.names and environment not in changed:
            base_stacks[name] = stack
    return dict(sorted(base_stacks.items())), work_stacks


def environment_of(stack: str, environments: Collection[str]) -> str | None:
    """The environment of stack ``<env>-<part>``: the longest environment name it starts with."""
    matches = [env for env in environments if stack.startswith(f"{env}-")]
    return max(matches, key=len) if matches else None


# --- this project's app, in this process -----------------------------------------------------


def runs_in_process(tree: Path) -> bool:
    """Whether this process can run the app of ``tree`` itself: the library it imported (and
    the environment loader and ``stacks``, if imported) are files of ``tree``, so the code that
    runs is the tree's own."""
    root = tree.resolve()
    if not (root / "stacks" / "app.py").is_file():
        return False
    for name in ("constructs_lib", "environment_loader", "stacks"):
        module = sys.modules.get(name)
        if module is None and name != "constructs_lib":
            continue  # imported from the tree, which goes first on sys.path
        location = getattr(module, "__file__", None)
        if not location or not Path(location).resolve().is_relative_to(root):
            return False
    return True


def synth_in_process(
    tree: Path,
    env_dir: Path,
    out: Path,
    names: list[str] | None,
    label: str,
    app: str = "python -m stacks",
    *,
    import_from_tree: bool = True,
) -> list[str]:
    """``stacks.app.synth`` of ``tree`` in this process, run from ``tree`` as ``python -m stacks``
    would be (so errors name ``environments/<env>.hcl``), with what it prints and logs kept out of
    this command's output. Returns the stack names; raises :class:`AppRejected` or :class:`AppFailed`.

    ``import_from_tree=False``: the code already imported is used and nothing is imported from
    ``tree`` (a tree whose code is that of the one imported, see :func:`synth_same_code`)."""
    previous_dir = Path.cwd()
    previous_path = list(sys.path)
    previous_disable = logging.root.manager.disable
    said = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="replace")  # has the .buffer jsii writes to
    try:
        os.chdir(tree)
        if import_from_tree:
            sys.path.insert(0, str(tree))
        logging.disable(logging.CRITICAL)
        with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
            synth = _import_synth()
            return list(synth(env_dir, out, names))
    except PlatformError as err:
        raise AppRejected(label, _first_line(str(err)), type(err).__name__) from None
    except Exception as err:  # a fault of the app's code: what its traceback would have ended with
        last = traceback.format_exception_only(err)[-1].strip()
        raise AppFailed(label, f"`{app}` exited with 1: {last}", 1) from None
    finally:
        logging.disable(previous_disable)
        sys.path[:] = previous_path
        os.chdir(previous_dir)


def _import_synth():  # type: ignore[no-untyped-def]
    """``stacks.app.synth``, imported as ``python -m stacks`` imports it: cdktf and the provider
    bindings make about a million long-lived objects, kept out of the cyclic collector."""
    if "stacks.app" in sys.modules:
        return sys.modules["stacks.app"].synth
    with collector_paused():
        try:
            module = importlib.import_module("stacks.app")
        finally:
            gc.freeze()
    return module.synth


def _first_line(message: str) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return lines[0] if lines else ""


# --- a process of the tree's own -------------------------------------------------------------

#: Run by the tree's Python with the tree first on its path: this project's typed entry, its
#: error sent back as JSON (argv: result file, environments directory, output directory, names).
_WORKER = """
import atexit, gc, json, os, sys
gc.disable()
from constructs_lib.errors import PlatformError
try:
    from stacks.app import synth
except ImportError:
    synth = None
gc.freeze()
gc.enable()
result, env_dir, out, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
if synth is None:
    import runpy
    sys.argv = ["stacks", "--environments-dir", env_dir, "--out", out, *names]
    runpy.run_module("stacks", run_name="__main__", alter_sys=True)
    sys.exit(0)
from pathlib import Path
try:
    synth(Path(env_dir), Path(out), names or None)
except PlatformError as err:
    with open(result, "w", encoding="utf-8") as file:
        json.dump({"type": type(err).__name__, "message": str(err)}, file)
    sys.exit(1)
atexit._run_exitfuncs()
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)
"""


@dataclass
class _Job:
    side: Side
    process: subprocess.Popen[bytes]
    stderr: IO[bytes]
    result: Path | None  #: where this project's app writes its error (None: another app)
    names: tuple[str, ...] | None = None  #: the environments asked for (None: all)


def _start(side: Side, env_dir: Path, explicit: bool) -> _Job:
    env = dict(os.environ)
    # The tree's own packages first, and only them: neither the working tree nor an editable
    # install (a meta path finder placed after the path-based one) can shadow them.
    env["PYTHONPATH"] = str(side.tree)
    env.pop("PYTHONSAFEPATH", None)
    # Where cdktf's App writes (cdktf sets the same variable when it runs the app).
    env["CDKTF_OUTDIR"] = str(side.out)
    # `python` in the command is the interpreter running platformctl, as in its virtualenv.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    stderr = tempfile.TemporaryFile()
    names = tuple(side.names) if explicit else None
    result = None
    if OWN_APP.fullmatch(side.app):
        # This project's app: its typed function, given the environments directory and names.
        result = side.out.with_name(f"{side.out.name}.error.json")
        argv = [sys.executable, "-c", _WORKER, str(result), str(env_dir), str(side.out), *(names or ())]
        process = subprocess.Popen(
            argv, cwd=side.tree, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr
        )
    else:
        # Another app synthesizes what it synthesizes; the stacks of other environments are left out after.
        process = subprocess.Popen(
            side.app,
            shell=True,
            cwd=side.tree,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    return _Job(side, process, stderr, result, names)


def _finish(job: _Job) -> dict[str, SynthStack]:
    code = job.process.wait()
    job.stderr.seek(0)
    text = job.stderr.read().decode(errors="replace")
    job.stderr.close()
    side = job.side
    if code != 0:
        rejected = _rejection(job.result)
        if rejected is not None:
            raise AppRejected(side.label, _first_line(rejected[1]), rejected[0])
        raise AppFailed(side.label, synth_error(text, code, side.app), code)
    return _read(side, job.names is not None)


def _rejection(result: Path | None) -> tuple[str, str] | None:
    """The type and message of the error this project's app sent back, if it sent one."""
    if result is None:
        return None
    try:
        document = json.loads(result.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(document, dict):
        return None
    error_type, message = document.get("type"), document.get("message")
    if not isinstance(error_type, str) or not isinstance(message, str):
        return None
    return error_type, message


def read_side(side: Side, explicit: bool) -> dict[str, SynthStack]:
    """The stacks a side's synth wrote to ``side.out`` (with ``explicit``, those of its environments)."""
    return _read(side, explicit)


def _read(side: Side, explicit: bool) -> dict[str, SynthStack]:
    if not (side.out / "stacks").is_dir():
        raise NoStacksWritten(
            side.label,
            f"`{side.app}` exited with 0 but wrote no stacks to $CDKTF_OUTDIR "
            "(does the app create its cdktf App without an outdir of its own?)",
        )
    stacks = read_synth_dir(side.out)
    if explicit:
        stacks = {
            name: stack for name, stack in stacks.items() if any(name.startswith(f"{env}-") for env in side.names)
        }
    return stacks


def synth_error(stderr: str, code: int, app: str = "python -m stacks") -> str:
    """Why another app failed: its exit code and what it said last (its ``error: ...`` line if it wrote one)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    if errors:
        return errors[-1].removeprefix("error:").strip()
    said = f": {lines[-1]}" if lines else " and wrote nothing"
    return f"`{app}` exited with {code}{said}"
