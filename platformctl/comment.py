"""``platformctl comment``: post a report to the merge or pull request, or update the one posted before.

The note carries a hidden marker, ``<!-- platformctl:<marker> -->``; a re-run finds the note
with its marker among those the token's own user wrote (``GET /user``) and edits it, so a
merge request never collects duplicates. Other people's notes are never touched, even when
they quote the marker. All pages of notes are read; past :data:`MAX_PAGES` the command fails
rather than risk a duplicate.

Hosts:

- GitLab (``--gitlab``): ``CI_API_V4_URL``, ``CI_PROJECT_ID``, ``CI_MERGE_REQUEST_IID`` (set in
  merge request pipelines) and a token with the ``api`` scope in ``PLATFORMCTL_GITLAB_TOKEN``
  (or ``GITLAB_TOKEN``), sent as ``PRIVATE-TOKEN``. ``CI_JOB_TOKEN`` cannot write merge request
  notes, so it is not used. Notes are listed 100 a page following ``X-Next-Page``, edited with
  PUT and created with POST; the note's ``author.id`` must be the token's user's id.
- GitHub (``--github``): ``GITHUB_API_URL`` (default https://api.github.com),
  ``GITHUB_REPOSITORY``, the pull request number from ``GITHUB_EVENT_PATH``
  (``pull_request.number``) or ``GITHUB_REF`` (``refs/pull/<n>/merge``), and ``GITHUB_TOKEN``
  (or ``PLATFORMCTL_GITHUB_TOKEN``). Issue comments are listed following the ``Link`` header,
  edited with PATCH and created with POST; the comment's ``user.id`` must be the token's
  user's. ``GITHUB_TOKEN`` cannot read ``GET /user`` (403): its comments are those of
  ``github-actions[bot]``.

Only the standard library (``urllib.request``) is used: three calls per host (list, edit,
create) do not justify a client library and its dependencies in every CI image.
``--timeout`` is a deadline for the whole command, enforced even against a server that
answers one byte at a time; redirects are not followed (a token is never sent to another
address); the token never appears in output or errors, and a token with control characters
is refused without being shown. A report over the host's size limit (GitHub
65,536 characters, GitLab 1,000,000) is cut with a visible notice rather than rejected.

This module is the command; the note is composed in :mod:`platformctl.comment_note`, sent by
the HTTP client of :mod:`platformctl.comment_http` to a host of :mod:`platformctl.comment_hosts`.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from .comment_hosts import GitHub, GitLab, post
from .comment_http import DEFAULT_TIMEOUT
from .comment_note import Provenance, compose, marker
from .errors import CommandError

__all__ = ["compose", "marker", "post", "register", "run"]

_MARKER_NAME = re.compile(r"^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "comment",
        help="post a Markdown report to the merge/pull request, or update the note posted before",
        description=(
            "Post a Markdown report (e.g. from `platformctl preview` or `platformctl diff`) as a note on the current "
            "GitLab merge request or GitHub pull request. The note carries a hidden marker; a re-run updates that "
            "note instead of adding another. Reads the CI variables of the host; see the README for which."
        ),
    )
    host = parser.add_mutually_exclusive_group(required=True)
    host.add_argument(
        "--gitlab",
        dest="host",
        action="store_const",
        const="gitlab",
        help="GitLab: CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID, PLATFORMCTL_GITLAB_TOKEN or GITLAB_TOKEN",
    )
    host.add_argument(
        "--github",
        dest="host",
        action="store_const",
        const="github",
        help="GitHub: GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_EVENT_PATH or GITHUB_REF, GITHUB_TOKEN",
    )
    parser.add_argument(
        "--file",
        default="-",
        metavar="REPORT.md",
        help="the Markdown report to post (default: read stdin)",
    )
    parser.add_argument(
        "--marker",
        default="preview",
        metavar="NAME",
        help="which note to update: one note per name on a merge request, e.g. preview and diff (default: preview)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"time allowed for the whole command, every API request included (default: {DEFAULT_TIMEOUT:g})",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not _MARKER_NAME.fullmatch(args.marker):
        raise CommandError(
            f"--marker {args.marker!r}: letters and digits, joined by single '.', '_' or '-' (e.g. preview, diff-ha)"
        )
    if not args.timeout > 0 or args.timeout == float("inf"):
        raise CommandError(f"--timeout {args.timeout:g}: must be a number of seconds greater than 0")
    report = _read_report(args.file)
    client = (
        GitLab.from_env(os.environ, args.timeout)
        if args.host == "gitlab"
        else GitHub.from_env(os.environ, args.timeout)
    )
    origin = Provenance.gitlab(os.environ) if args.host == "gitlab" else Provenance.github(os.environ)
    outcome = post(client, origin.line() + report if origin else report, args.marker, origin)
    print(f"comment: {outcome}")
    return 0


def _read_report(source: str) -> str:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as err:
        raise CommandError(f"--file {source}: cannot be read: {err.strerror}") from None
    except UnicodeDecodeError:
        raise CommandError(f"--file {source}: not UTF-8 text") from None
    if not text.strip():
        where = "stdin" if source == "-" else source
        raise CommandError(f"the report ({where}) is empty: nothing to post")
    return text
