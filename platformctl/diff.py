"""``platformctl diff``: being written."""

from __future__ import annotations

import argparse

from .errors import CommandError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("diff", help="(not available yet)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    raise CommandError("diff is not available yet")
