"""The ``platformctl`` command line: one subcommand per module, each with ``--help``."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from constructs_lib.errors import PlatformError

from .markdown import visible
from .redact import scrub

#: Each command and the module that provides it, in the order ``--help`` lists them. Each
#: module has ``register(subparsers)``, which adds the command's parser (under this name) and
#: sets ``run`` (a function taking the parsed arguments and returning an exit code).
COMMANDS = {
    "bootstrap-state": "platformctl.state",
    "preview": "platformctl.preview",
    "diff": "platformctl.diff",
    "comment": "platformctl.comment",
    "mirror": "platformctl.mirror",
}
#: The modules of :data:`COMMANDS`.
COMMAND_MODULES = tuple(COMMANDS.values())


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command; with ``command``, of that command only (its module alone is
    imported), which parses that command's arguments exactly as the whole parser does."""
    parser = argparse.ArgumentParser(
        prog="platformctl",
        description=(
            "Operate the platform's stacks: state bucket, plan previews, diffs, merge request comments, "
            "and mirrors of charts and images for registries with no internet."
        ),
    )
    subparsers = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND", required=True)
    for module in [COMMANDS[command]] if command in COMMANDS else COMMAND_MODULES:
        importlib.import_module(module).register(subparsers)
    return parser


def _command(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names, where its first word is one (the top level has no option
    but ``--help``); otherwise None: help, a usage error, which need every command."""
    return argv[0] if argv and argv[0] in COMMANDS else None


#: Modules that only the ``[platformctl]`` extra installs (top-level import names).
EXTRA_MODULES = frozenset({"hcl2", "lark", "pydantic", "pydantic_core", "boto3", "botocore", "oras", "requests"})
#: The command that installs them.
EXTRA_INSTALL = "pip install 'openstack-platform-constructs[platformctl]'"


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # Only the command that runs is imported (each pulls in what it needs, a tenth of a second
    # for all of them): ``--help`` and mistakes in the command's name get the whole parser.
    named = _command(argv)
    try:
        parser = build_parser(named)
        args = parser.parse_args(argv)
    except ModuleNotFoundError as err:
        return _missing_module(err, named or "")
    except SystemExit:  # --help, --version or a usage error: argparse has printed it
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            raise SystemExit(_reader_gone()) from None
        raise
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    command = getattr(args, "command", "")
    try:
        code = int(args.run(args))
        # Written out here, so that a reader that went away is seen while it can be handled.
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        return _reader_gone()
    except PlatformError as err:
        # Messages quote paths, refs and names from the input: one line, no terminal escapes,
        # and no credentials of a URL.
        _print_error(str(err))
        return 1
    except KeyboardInterrupt:
        _print_error("interrupted")
        return 130
    except ModuleNotFoundError as err:
        return _missing_module(err, command)
    except Exception as err:
        if os.environ.get("PLATFORMCTL_DEBUG"):
            raise
        # Only the type: the text of an unexpected exception may quote a value of the input (a secret).
        _print_error(
            f"unexpected {type(err).__name__} in platformctl {command}; "
            "run again with PLATFORMCTL_DEBUG=1 for the traceback and report it"
        )
        return 1


def _print_error(message: str) -> None:
    try:
        print(f"error: {visible(scrub(message))}", file=sys.stderr)
    except BrokenPipeError:  # stderr closed as well: nothing more can be said
        pass


def _missing_module(err: ModuleNotFoundError, command: str) -> int:
    """A module of the ``[platformctl]`` extra is missing: say which, and how to install it."""
    name = (err.name or "").partition(".")[0]
    if os.environ.get("PLATFORMCTL_DEBUG"):
        raise err
    where = f"platformctl {command}".rstrip()
    if name not in EXTRA_MODULES:
        _print_error(
            f"{where} needs the Python module {name or '(unnamed)'}, which is missing: the installation is "
            "incomplete; reinstall openstack-platform-constructs (PLATFORMCTL_DEBUG=1 shows the traceback)"
        )
        return 1
    _print_error(
        f"{where} needs the Python module {name}, which comes with the [platformctl] extra "
        f"(the core package leaves it out): {EXTRA_INSTALL}"
    )
    return 1


def _reader_gone() -> int:
    """stdout's reader went away (``platformctl mirror list | head``): stop quietly, as a pipe expects.

    What is still buffered cannot be written; stdout is pointed at /dev/null so that Python's
    own flush at exit does not fail again.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (tests capture stdout)
        pass
    # 128 + SIGPIPE, what a shell reports for a command whose pipe reader left.
    return 141
