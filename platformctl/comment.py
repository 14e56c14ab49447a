"""``platformctl comment``: being written."""

from __future__ import annotations

import argparse

from .errors import CommandError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("comment", help="(not available yet)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    raise CommandError("comment is not available yet")
