"""The ``platformctl`` command line: one subcommand per module, each with ``--help``."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from .errors import CommandError

#: Modules that provide subcommands. Each has ``register(subparsers)``, which adds its parser
#: and sets ``run`` (a function taking the parsed arguments and returning an exit code).
COMMAND_MODULES = (
    "platformctl.state",
    "platformctl.preview",
    "platformctl.diff",
    "platformctl.comment",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="platformctl",
        description="Operate the platform's stacks: state bucket, plan previews, diffs and merge request comments.",
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def is_user_error(err: BaseException) -> bool:
    """A :class:`CommandError`, or the library's ``PlatformError`` (raised only once a command has
    imported ``constructs_lib``, which this module does not do itself: it would load cdktf)."""
    if isinstance(err, CommandError):
        return True
    library = sys.modules.get("constructs_lib.errors")
    return library is not None and isinstance(err, library.PlatformError)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        return int(args.run(args))
    except Exception as err:
        if not is_user_error(err):
            raise
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
