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

#: Modules that provide subcommands. Each has ``register(subparsers)``, which adds its parser
#: and sets ``run`` (a function taking the parsed arguments and returning an exit code).
COMMAND_MODULES = (
    "platformctl.state",
    "platformctl.preview",
    "platformctl.diff",
    "platformctl.comment",
    "platformctl.mirror",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="platformctl",
        description="Operate the platform's stacks: state bucket, plan previews, diffs and merge request comments.",
    )
    subparsers = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        return int(args.run(args))
    except PlatformError as err:
        # Messages quote paths, refs and names from the input: one line, no terminal escapes.
        print(f"error: {visible(str(err))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as err:
        if os.environ.get("PLATFORMCTL_DEBUG"):
            raise
        # Only the type: the text of an unexpected exception may quote a value of the input (a secret).
        print(
            f"error: unexpected {type(err).__name__} in platformctl {getattr(args, 'command', '')}; "
            "run again with PLATFORMCTL_DEBUG=1 for the traceback and report it",
            file=sys.stderr,
        )
        return 1
