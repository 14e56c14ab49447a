"""``platformctl comment``: post a report to the merge or pull request, or update the one posted before.

The note carries a hidden marker, ``<!-- platformctl:<marker> -->``; a re-run finds the note
with its marker and edits it, so a merge request never collects duplicates. Notes without
the marker (anyone else's) are never touched.

Hosts:

- GitLab (``--gitlab``): ``CI_API_V4_URL``, ``CI_PROJECT_ID``, ``CI_MERGE_REQUEST_IID`` (set in
  merge request pipelines) and a token with the ``api`` scope in ``PLATFORMCTL_GITLAB_TOKEN``
  (or ``GITLAB_TOKEN``), sent as ``PRIVATE-TOKEN``. ``CI_JOB_TOKEN`` cannot write merge request
  notes, so it is not used. Notes are listed 100 a page following ``X-Next-Page``, edited with
  PUT and created with POST.
- GitHub (``--github``): ``GITHUB_API_URL`` (default https://api.github.com),
  ``GITHUB_REPOSITORY``, the pull request number from ``GITHUB_EVENT_PATH``
  (``pull_request.number``) or ``GITHUB_REF`` (``refs/pull/<n>/merge``), and ``GITHUB_TOKEN``
  (or ``PLATFORMCTL_GITHUB_TOKEN``). Issue comments are listed following the ``Link`` header,
  edited with PATCH and created with POST.

Only the standard library (``urllib.request``) is used: three calls per host (list, edit,
create) do not justify a client library and its dependencies in every CI image. Every
request has a timeout; redirects are not followed (a token is never sent to another address);
the token never appears in output or errors. A report over the host's size limit (GitHub
65,536 characters, GitLab 1,000,000) is cut with a visible notice rather than rejected.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

from .errors import CommandError

DEFAULT_TIMEOUT = 30.0
#: Pages of notes read at most while looking for the marker (100 notes a page).
MAX_PAGES = 50
_MARKER_NAME = re.compile(r"^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$")
_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


def marker(name: str) -> str:
    """The hidden first line of every note posted under ``name``."""
    return f"<!-- platformctl:{name} -->"


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
        help=f"timeout of each API request (default: {DEFAULT_TIMEOUT:g})",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not _MARKER_NAME.match(args.marker):
        raise CommandError(
            f"--marker {args.marker!r}: letters and digits, joined by single '.', '_' or '-' (e.g. preview, diff-ha)"
        )
    report = _read_report(args.file)
    client = (
        GitLab.from_env(os.environ, args.timeout)
        if args.host == "gitlab"
        else GitHub.from_env(os.environ, args.timeout)
    )
    outcome = post(client, report, args.marker)
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


def compose(report: str, name: str, limit: int, host: str) -> str:
    """Marker, then the report, cut with a visible notice when over ``limit`` characters."""
    head = marker(name) + "\n"
    body = head + report.rstrip("\n") + "\n"
    if len(body) <= limit:
        return body
    notice = (
        f"\n\n---\n**This report was cut**: it is {len(body):,} characters, over {host}'s limit of {limit:,} "
        "for a comment. The whole report is in the job's log and artifacts.\n"
    )
    room = limit - len(notice) - 200  # the closing tags added below
    kept = body[:room]
    if "\n" in kept:
        kept = kept[: kept.rindex("\n")]
    closing = ""
    if sum(1 for line in kept.splitlines() if line.lstrip().startswith("```")) % 2:
        closing += "\n```"
    closing += "\n</details>" * max(0, kept.count("<details>") - kept.count("</details>"))
    return kept + closing + notice


@dataclass
class Note:
    id: int
    body: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are errors: the token must reach only the configured API."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


class _Api:
    """JSON over HTTP with one error line per failure and the token scrubbed from it."""

    host = ""
    limit = 0
    token_help = ""

    def __init__(self, base_url: str, headers: dict[str, str], token: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = {"Accept": "application/json", "User-Agent": "platformctl", **headers}
        self.token = token
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirect)

    def request(self, method: str, url: str, payload: dict[str, Any] | None = None) -> tuple[Any, Message]:
        data = json.dumps(payload).encode() if payload is not None else None
        headers = dict(self.headers)
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        where = f"{method} {urllib.parse.urlsplit(url).path}"
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                raw, response_headers = response.read(), response.headers
        except urllib.error.HTTPError as err:
            raise self._error(f"{where} failed: {self._describe(err)}") from None
        except urllib.error.URLError as err:
            reason = err.reason
            if isinstance(reason, TimeoutError):
                raise self._error(f"{where}: no answer within {self.timeout:g}s") from None
            raise self._error(f"{where}: cannot connect to {self.base_url}: {reason}") from None
        except TimeoutError:
            raise self._error(f"{where}: no answer within {self.timeout:g}s") from None
        except OSError as err:
            raise self._error(f"{where}: connection to {self.base_url} failed: {err}") from None
        try:
            return (json.loads(raw) if raw.strip() else None), response_headers
        except json.JSONDecodeError:
            raise self._error(f"{where}: the answer is not JSON (is {self.base_url} the API's address?)") from None

    def _describe(self, err: urllib.error.HTTPError) -> str:
        try:
            text = err.read(4000).decode(errors="replace")
        except OSError:
            text = ""
        detail = _api_message(text) or err.reason or ""
        hint = {
            401: "the token is wrong, expired or revoked",
            403: self.token_help,
            404: "not found, or not visible to the token",
        }.get(err.code)
        if 300 <= err.code < 400:
            hint = f"redirected to {err.headers.get('Location', '?')}; set the API's final address"
        line = f"HTTP {err.code}"
        if detail:
            line += f": {detail}"
        return f"{line} ({hint})" if hint else line

    def _error(self, message: str) -> CommandError:
        if self.token:
            message = message.replace(self.token, "***")
        return CommandError(f"{self.host} API: {message}")

    # Implemented per host.
    def notes(self) -> list[Note]:
        raise NotImplementedError

    def update(self, note: Note, body: str) -> str:
        raise NotImplementedError

    def create(self, body: str) -> str:
        raise NotImplementedError


def _api_message(text: str) -> str:
    """The API's own message from an error body (GitLab ``message``/``error``, GitHub ``message``)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return " ".join(text.split())[:200]
    if not isinstance(document, dict):
        return ""
    parts = []
    for key in ("message", "error", "error_description"):
        value = document.get(key)
        if value:
            parts.append(value if isinstance(value, str) else json.dumps(value, sort_keys=True))
    return "; ".join(parts)[:300]


def _require(env: Mapping[str, str], name: str, why: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise CommandError(f"{name} is not set: {why}")
    return value


class GitLab(_Api):
    host = "GitLab"
    limit = 1_000_000
    token_help = "the token needs the api scope and access to this project; CI_JOB_TOKEN cannot write notes"

    def __init__(self, base_url: str, project: str, iid: str, token: str, timeout: float) -> None:
        super().__init__(base_url, {"PRIVATE-TOKEN": token}, token, timeout)
        self.notes_url = (
            f"{self.base_url}/projects/{urllib.parse.quote(project, safe='')}/merge_requests/"
            f"{urllib.parse.quote(iid, safe='')}/notes"
        )
        self.iid = iid

    @classmethod
    def from_env(cls, env: Mapping[str, str], timeout: float = DEFAULT_TIMEOUT) -> GitLab:
        base = _require(env, "CI_API_V4_URL", "the GitLab API address, e.g. https://gitlab.example.com/api/v4")
        project = _require(env, "CI_PROJECT_ID", "the project's id, set by GitLab CI")
        iid = _require(
            env,
            "CI_MERGE_REQUEST_IID",
            'run this in a merge request pipeline (rules: if: $CI_PIPELINE_SOURCE == "merge_request_event")',
        )
        token = env.get("PLATFORMCTL_GITLAB_TOKEN", "").strip() or env.get("GITLAB_TOKEN", "").strip()
        if not token:
            raise CommandError(
                "PLATFORMCTL_GITLAB_TOKEN (or GITLAB_TOKEN) is not set: a project access token with the api scope, "
                "as a masked CI/CD variable (CI_JOB_TOKEN cannot write merge request notes)"
            )
        return cls(base, project, iid, token, timeout)

    def notes(self) -> list[Note]:
        found: list[Note] = []
        page = "1"
        for _ in range(MAX_PAGES):
            query = urllib.parse.urlencode({"per_page": 100, "page": page, "sort": "asc", "order_by": "created_at"})
            items, headers = self.request("GET", f"{self.notes_url}?{query}")
            if not isinstance(items, list):
                raise self._error(f"GET {urllib.parse.urlsplit(self.notes_url).path}: expected a list of notes")
            found += [
                Note(int(item["id"]), str(item.get("body") or ""))
                for item in items
                if isinstance(item, dict) and "id" in item and not item.get("system")
            ]
            page = (headers.get("X-Next-Page") or "").strip()
            if not page:
                break
        return found

    def update(self, note: Note, body: str) -> str:
        self.request("PUT", f"{self.notes_url}/{note.id}", {"body": body})
        return f"updated note {note.id} on merge request !{self.iid}"

    def create(self, body: str) -> str:
        created, _ = self.request("POST", self.notes_url, {"body": body})
        note_id = created.get("id") if isinstance(created, dict) else None
        return f"created note {note_id} on merge request !{self.iid}"


class GitHub(_Api):
    host = "GitHub"
    limit = 65_536
    token_help = "the token needs write access to pull requests (permissions: pull-requests: write)"

    def __init__(self, base_url: str, repository: str, number: int, token: str, timeout: float) -> None:
        super().__init__(
            base_url,
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
            },
            token,
            timeout,
        )
        self.repo_url = f"{self.base_url}/repos/{repository}"
        self.number = number

    @classmethod
    def from_env(cls, env: Mapping[str, str], timeout: float = DEFAULT_TIMEOUT) -> GitHub:
        base = env.get("GITHUB_API_URL", "").strip() or "https://api.github.com"
        repository = _require(env, "GITHUB_REPOSITORY", "owner/name of the repository, set by GitHub Actions")
        if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repository):
            raise CommandError(f"GITHUB_REPOSITORY={repository!r}: expected owner/name")
        number = _pull_request_number(env)
        token = env.get("PLATFORMCTL_GITHUB_TOKEN", "").strip() or env.get("GITHUB_TOKEN", "").strip()
        if not token:
            raise CommandError(
                "GITHUB_TOKEN is not set: pass it to the step (env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}) "
                "with permissions: pull-requests: write"
            )
        return cls(base, repository, number, token, timeout)

    def notes(self) -> list[Note]:
        found: list[Note] = []
        url: str | None = f"{self.repo_url}/issues/{self.number}/comments?per_page=100"
        origin = urllib.parse.urlsplit(self.base_url)[:2]
        for _ in range(MAX_PAGES):
            if url is None:
                break
            items, headers = self.request("GET", url)
            if not isinstance(items, list):
                raise self._error(f"GET {urllib.parse.urlsplit(url).path}: expected a list of comments")
            found += [
                Note(int(item["id"]), str(item.get("body") or ""))
                for item in items
                if isinstance(item, dict) and "id" in item
            ]
            match = _NEXT_LINK.search(headers.get("Link") or "")
            url = match.group(1) if match else None
            if url is not None and urllib.parse.urlsplit(url)[:2] != origin:
                raise self._error(f"the next page is on another host ({url}); refusing to send the token there")
        return found

    def update(self, note: Note, body: str) -> str:
        self.request("PATCH", f"{self.repo_url}/issues/comments/{note.id}", {"body": body})
        return f"updated comment {note.id} on pull request #{self.number}"

    def create(self, body: str) -> str:
        created, _ = self.request("POST", f"{self.repo_url}/issues/{self.number}/comments", {"body": body})
        note_id = created.get("id") if isinstance(created, dict) else None
        return f"created comment {note_id} on pull request #{self.number}"


def _pull_request_number(env: Mapping[str, str]) -> int:
    event_path = env.get("GITHUB_EVENT_PATH", "").strip()
    if event_path:
        try:
            event = json.loads(Path(event_path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise CommandError(f"GITHUB_EVENT_PATH={event_path}: cannot be read as JSON ({err})") from None
        if isinstance(event, dict):
            pull = event.get("pull_request")
            if isinstance(pull, dict) and isinstance(pull.get("number"), int):
                return int(pull["number"])
            issue = event.get("issue")
            if isinstance(issue, dict) and issue.get("pull_request") and isinstance(issue.get("number"), int):
                return int(issue["number"])
    match = re.fullmatch(r"refs/pull/(\d+)/(?:merge|head)", env.get("GITHUB_REF", "").strip())
    if match:
        return int(match.group(1))
    raise CommandError(
        "no pull request number: GITHUB_EVENT_PATH has no pull_request.number and GITHUB_REF is not "
        "refs/pull/<n>/merge; run this on pull_request events"
    )


def post(client: _Api, report: str, name: str) -> str:
    """Update the note carrying the marker, or create one. Returns what was done, in words."""
    body = compose(report, name, client.limit, client.host)
    tag = marker(name)
    existing = next((note for note in client.notes() if tag in note.body), None)
    if existing is None:
        return client.create(body)
    if existing.body.strip() == body.strip():
        return f"note {existing.id} is already up to date"
    return client.update(existing, body)
