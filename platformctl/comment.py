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
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import ssl
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

from .errors import CommandError

DEFAULT_TIMEOUT = 30.0
#: Pages of notes read at most while looking for the marker (100 notes a page). Past it the
#: command fails rather than post a second note.
MAX_PAGES = 1000
#: The largest answer read from the API (a page of 100 notes of up to 1,000,000 characters each).
MAX_ANSWER_BYTES = 128 * 1024 * 1024
_MARKER_NAME = re.compile(r"^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$")
_NEXT_LINK = re.compile(r'<([^<>]+)>\s*;\s*rel="?next"?', re.ASCII)  # no "<" inside: linear time on any header
#: A token is printable ASCII without spaces; anything else (a line break pasted with it) is refused.
_TOKEN = re.compile(r"^[\x21-\x7e]+$")
#: The user GitHub's GITHUB_TOKEN writes as; such a token cannot read ``GET /user``.
GITHUB_ACTIONS_LOGIN = "github-actions[bot]"


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


# --- where the report comes from ---------------------------------------------------------------

_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
_SAFE_URL = re.compile(r"^https?://[^\s()<>\[\]`\"'\\]+$", re.ASCII)
_PIPELINE_TAG = re.compile(r"<!-- platformctl:pipeline ([0-9]{1,19}) -->", re.ASCII)


@dataclass(frozen=True)
class Provenance:
    """The commit, pipeline and job a report was made by, from the CI host's variables."""

    sha: str
    run_id: int
    run_url: str | None
    job_url: str | None
    commit_url: str | None
    merged_sha: str | None = None  #: a merged results pipeline's own commit (the plan's code)

    @classmethod
    def gitlab(cls, env: Mapping[str, str]) -> Provenance | None:
        """``CI_COMMIT_SHA`` (in a merged results pipeline, ``CI_MERGE_REQUEST_SOURCE_BRANCH_SHA``
        is the branch's head and ``CI_COMMIT_SHA`` the merge it was planned on), ``CI_PIPELINE_ID``,
        ``CI_PIPELINE_URL``, ``CI_JOB_URL``, ``CI_PROJECT_URL``. None outside GitLab CI."""
        ran = env.get("CI_COMMIT_SHA", "").strip()
        head = env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", "").strip() or ran
        run_id = env.get("CI_PIPELINE_ID", "").strip()
        if not _SHA.fullmatch(head) or not re.fullmatch(r"[0-9]{1,19}", run_id):
            return None
        project = _url(env.get("CI_PROJECT_URL"))
        return cls(
            sha=head,
            run_id=int(run_id),
            run_url=_url(env.get("CI_PIPELINE_URL")),
            job_url=_url(env.get("CI_JOB_URL")),
            commit_url=f"{project}/-/commit/{head}" if project else None,
            merged_sha=ran if _SHA.fullmatch(ran) and ran != head else None,
        )

    @classmethod
    def github(cls, env: Mapping[str, str]) -> Provenance | None:
        """``GITHUB_SHA`` (for a pull request, its merge commit), ``GITHUB_RUN_ID``,
        ``GITHUB_SERVER_URL``/``GITHUB_REPOSITORY``. None outside GitHub Actions."""
        sha = env.get("GITHUB_SHA", "").strip()
        run_id = env.get("GITHUB_RUN_ID", "").strip()
        if not _SHA.fullmatch(sha) or not re.fullmatch(r"[0-9]{1,19}", run_id):
            return None
        server = _url(env.get("GITHUB_SERVER_URL"))
        repository = env.get("GITHUB_REPOSITORY", "").strip()
        repo = (
            f"{server}/{repository}"
            if server and re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repository)
            else None
        )
        return cls(
            sha=sha,
            run_id=int(run_id),
            run_url=f"{repo}/actions/runs/{run_id}" if repo else None,
            job_url=None,
            commit_url=f"{repo}/commit/{sha}" if repo else None,
        )

    def tag(self) -> str:
        """A hidden line: which pipeline wrote the note (a later one is never overwritten)."""
        return f"<!-- platformctl:pipeline {self.run_id} -->"

    def line(self) -> str:
        """One visible line: commit, pipeline and job, linked where the host gave addresses."""
        short = f"`{self.sha[:12]}`"
        parts = [f"Commit {f'[{short}]({self.commit_url})' if self.commit_url else short}"]
        if self.merged_sha:
            parts[0] += f" (planned as merged into the target branch: `{self.merged_sha[:12]}`)"
        parts.append(f"[pipeline {self.run_id}]({self.run_url})" if self.run_url else f"pipeline {self.run_id}")
        if self.job_url:
            parts.append(f"[job]({self.job_url})")
        return " · ".join(parts) + "\n\n"


def _url(value: str | None) -> str | None:
    value = (value or "").strip().rstrip("/")
    return value if _SAFE_URL.fullmatch(value) else None


# --- the note's body -----------------------------------------------------------------------

_NOTICE = (
    "\n\n---\n**This report was cut**: it is {size:,} characters, over {host}'s limit of {limit:,} "
    "for a comment. The whole report is in the job's log and artifacts.\n"
)
_SHORT_NOTICE = "\n\n**This report was cut** (over {host}'s limit).\n"
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def compose(report: str, name: str, limit: int, host: str) -> str:
    """Marker, then the report; over ``limit`` characters, cut at a line with a visible notice.

    The result never exceeds ``limit`` and always starts with the marker (a re-run must find
    it); a limit too small for the marker and the shortest notice is an error.
    """
    head = marker(name) + "\n"
    body = head + report.rstrip("\n") + "\n"
    if len(body) <= limit:
        return body
    for template in (_NOTICE, _SHORT_NOTICE):
        notice = template.format(size=len(body), host=host, limit=limit)
        room = limit - len(head) - len(notice)
        if room >= 0:
            return head + _cut(report, room) + notice
    smallest = len(head) + len(_SHORT_NOTICE.format(host=host))
    raise CommandError(f"{host}'s limit of {limit:,} characters cannot hold the marker and a notice ({smallest})")


def _cut(report: str, room: int) -> str:
    """The longest run of whole lines of ``report`` that, with its open blocks closed, fits ``room``."""
    kept = report[: room + 1]
    while True:
        kept = kept[: kept.rindex("\n")] if "\n" in kept else ""
        closing = _closing(kept)
        excess = len(kept) + len(closing) - room
        if excess <= 0:
            return kept + closing
        kept = kept[: len(kept) - excess]


def _closing(text: str) -> str:
    """What closes the HTML comment, code fence and ``<details>`` left open at the end of ``text``."""
    closing = ""
    if text.rfind("<!--") > text.rfind("-->"):
        closing += "\n-->"
    fence = None
    for line in text.splitlines():
        match = _FENCE.match(line)
        if match is None:
            continue
        run = match.group(1)
        if fence is None:
            fence = run
        elif run[0] == fence[0] and len(run) >= len(fence) and not line.strip().strip(run[0]):
            fence = None
    if fence is not None:
        closing += "\n" + fence
    closing += "\n</details>" * max(0, text.count("<details>") - text.count("</details>"))
    return closing


# --- HTTP ----------------------------------------------------------------------------------


@dataclass
class Note:
    id: Any  #: as the API sent it; checked to be an integer before the note is edited
    body: str
    author: Any  #: GitLab's ``author``, GitHub's ``user``


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are errors: the token must reach only the configured API."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


class _Deadline:
    """The time left for the whole command, enforced on the sockets themselves.

    A socket timeout bounds each read, not a server that sends one byte a second; so a timer
    shuts down the sockets of the request under way when the time is up, and every request
    gets only the time left.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.expired = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def left(self) -> float:
        return self.ends - time.monotonic()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
        if self.expired.is_set():
            self._shut(sock)

    def _expire(self) -> None:
        self.expired.set()
        with self._lock:
            for sock in self._sockets:
                self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        try:
            # The plain socket's shutdown, below TLS: it wakes a read blocked in any layer.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass

    def run(self, call: Callable[[], Any]) -> Any:
        timer = threading.Timer(max(self.left(), 0.0), self._expire)
        timer.daemon = True
        timer.start()
        try:
            return call()
        finally:
            timer.cancel()
            with self._lock:
                self._sockets.clear()


def _watched(deadline: _Deadline, connection: type[http.client.HTTPConnection]) -> Callable[..., Any]:
    """A connection factory for urllib whose sockets the deadline can shut down."""

    def factory(host: str, **kwargs: Any) -> http.client.HTTPConnection:
        conn = connection(host, **kwargs)
        connect = conn.connect

        def connect_watched() -> None:
            connect()
            if conn.sock is not None:
                deadline.watch(conn.sock)

        conn.connect = connect_watched  # type: ignore[method-assign]
        return conn

    return factory


def _opener(deadline: _Deadline) -> urllib.request.OpenerDirector:
    context = ssl.create_default_context()

    class Http(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(_watched(deadline, http.client.HTTPConnection), req)

    class Https(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(_watched(deadline, http.client.HTTPSConnection), req, context=context)

    return urllib.request.build_opener(_NoRedirect, Http, Https)


@dataclass
class _Answer:
    status: int
    body: bytes
    headers: Message


def _read_body(stream: Any) -> bytes:
    data: bytes = stream.read(MAX_ANSWER_BYTES + 1)
    if len(data) > MAX_ANSWER_BYTES:
        raise CommandError(f"the answer is larger than {MAX_ANSWER_BYTES // (1024 * 1024)} MiB")
    # A read of a given size returns what came before the connection closed, without the
    # IncompleteRead a whole read raises: what Content-Length promised and did not come.
    missing = getattr(stream, "length", None)
    if missing:
        raise http.client.IncompleteRead(data, missing)
    return data


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
        self.deadline = _Deadline(timeout)
        self._opener = _opener(self.deadline)

    def _exchange(self, request: urllib.request.Request, seconds: float) -> _Answer:
        try:
            with self._opener.open(request, timeout=seconds) as response:
                return _Answer(response.status, _read_body(response), response.headers)
        except urllib.error.HTTPError as err:
            with err:
                try:
                    text = err.read(4000)
                except (OSError, http.client.HTTPException):
                    text = b""
                return _Answer(err.code, text, err.headers)

    def request(self, method: str, url: str, payload: dict[str, Any] | None = None) -> tuple[Any, Message]:
        data = json.dumps(payload).encode() if payload is not None else None
        headers = dict(self.headers)
        if data is not None:
            headers["Content-Type"] = "application/json"
        where = f"{method} {urllib.parse.urlsplit(url).path}"
        left = self.deadline.left()
        if left <= 0:
            raise self._timed_out(where)
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            answer: _Answer = self.deadline.run(lambda: self._exchange(request, left))
        except CommandError as err:
            raise self._timed_out(where) if self.deadline.expired.is_set() else self._error(f"{where}: {err}") from None
        except (OSError, http.client.HTTPException, ValueError) as err:
            # The socket's own timeout is the time left too: whichever fires first, time is up.
            if self.deadline.expired.is_set() or self.deadline.left() <= 0 or _is_timeout(err):
                raise self._timed_out(where) from None
            raise self._error(f"{where}: {_transport_problem(err, self.base_url)}") from None
        if self.deadline.expired.is_set():  # the body may have been cut short
            raise self._timed_out(where)
        if answer.status >= 300:
            raise self._error(f"{where} failed: {self._describe(answer)}")
        try:
            return (json.loads(answer.body) if answer.body.strip() else None), answer.headers
        except (ValueError, RecursionError):
            raise self._error(f"{where}: the answer is not JSON (is {self.base_url} the API's address?)") from None

    def _timed_out(self, where: str) -> CommandError:
        return self._error(f"{where}: no answer within {self.timeout:g}s (--timeout, for the whole command)")

    def _describe(self, answer: _Answer) -> str:
        detail = _api_message(answer.body.decode(errors="replace"))
        hint = {
            401: "the token is wrong, expired or revoked",
            403: self.token_help,
            404: "not found, or not visible to the token",
        }.get(answer.status)
        if 300 <= answer.status < 400:
            hint = f"redirected to {answer.headers.get('Location', '?')}; set the API's final address"
        line = f"HTTP {answer.status}"
        if detail:
            line += f": {detail}"
        return f"{line} ({hint})" if hint else line

    def _error(self, message: str) -> CommandError:
        if self.token:
            message = message.replace(self.token, "***")
        return CommandError(f"{self.host} API: {message}")

    def own_note(self, notes: list[Note], tag: str) -> Note | None:
        """The first note with ``tag`` that the token's own user wrote; others' notes are never edited."""
        candidates = [note for note in notes if tag in note.body]
        if not candidates:
            return None
        mine = self.is_mine()
        for note in candidates:
            if mine(note.author):
                if isinstance(note.id, bool) or not isinstance(note.id, int):
                    raise self._error("a note of the token's user has an id that is not an integer")
                return note
        return None

    # Implemented per host.
    def notes(self) -> list[Note]:
        """Every note (comment) of the merge (pull) request, all pages."""
        raise NotImplementedError

    def is_mine(self) -> Callable[[Any], bool]:
        """Whether an author (``author``/``user`` of a note) is the token's user."""
        raise NotImplementedError

    def update(self, note: Note, body: str) -> str:
        raise NotImplementedError

    def create(self, body: str) -> str:
        raise NotImplementedError


def _is_timeout(err: BaseException) -> bool:
    reason = err.reason if isinstance(err, urllib.error.URLError) else err
    return isinstance(reason, TimeoutError)


def _transport_problem(err: BaseException, base_url: str) -> str:
    """One line for a failure below HTTP. Never the exception's own text where it may quote a header."""
    if isinstance(err, urllib.error.URLError):
        reason = err.reason
        if isinstance(reason, TimeoutError):
            return "no answer in time"
        if isinstance(reason, BaseException):
            return _transport_problem(reason, base_url)
        return f"cannot connect to {base_url}: {reason}"
    if isinstance(err, TimeoutError):
        return "no answer in time"
    if isinstance(err, http.client.IncompleteRead):
        return f"the answer from {base_url} was cut short ({len(err.partial)} bytes read)"
    if isinstance(err, http.client.BadStatusLine | http.client.RemoteDisconnected):
        return f"{base_url} closed the connection without a valid HTTP answer"
    if isinstance(err, http.client.HTTPException):
        return f"{base_url} sent an answer that is not valid HTTP ({type(err).__name__})"
    if isinstance(err, ConnectionRefusedError | socket.gaierror):
        return f"cannot connect to {base_url}: {err.strerror or err}"
    if isinstance(err, OSError):
        return f"connection to {base_url} failed: {err.strerror or type(err).__name__}"
    return f"the request could not be made ({type(err).__name__})"


def _api_message(text: str) -> str:
    """The API's own message from an error body (GitLab ``message``/``error``, GitHub ``message``)."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return " ".join(text.split())[:200]
    if not isinstance(document, dict):
        return ""
    parts = []
    for key in ("message", "error", "error_description"):
        value = document.get(key)
        if value:
            try:
                parts.append(value if isinstance(value, str) else json.dumps(value, sort_keys=True))
            except (ValueError, RecursionError):
                continue
    return "; ".join(parts)[:300]


def _require(env: Mapping[str, str], name: str, why: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise CommandError(f"{name} is not set: {why}")
    if not value.isprintable():
        raise CommandError(f"{name} holds control characters or line breaks: set it to the value alone")
    return value


def _base_url(name: str, value: str) -> str:
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise CommandError(
            f"{name}={value!r}: expected an http:// or https:// address, e.g. https://gitlab.example.com/api/v4"
        )
    return value


def _token(env: Mapping[str, str], names: tuple[str, ...]) -> tuple[str, str] | None:
    """The first of ``names`` that is set, and its value; refused (never shown) unless printable ASCII."""
    for name in names:
        value = env.get(name, "").strip()
        if value:
            if not _TOKEN.fullmatch(value):
                raise CommandError(
                    f"{name} holds spaces, line breaks, control or non-ASCII characters (its value is not shown): "
                    "set the token alone"
                )
            return name, value
    return None


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
        base = _base_url(
            "CI_API_V4_URL",
            _require(env, "CI_API_V4_URL", "the GitLab API address, e.g. https://gitlab.example.com/api/v4"),
        )
        project = _require(env, "CI_PROJECT_ID", "the project's id, set by GitLab CI")
        iid = _require(
            env,
            "CI_MERGE_REQUEST_IID",
            'run this in a merge request pipeline (rules: if: $CI_PIPELINE_SOURCE == "merge_request_event")',
        )
        if not re.fullmatch(r"[0-9]+", iid):
            raise CommandError(f"CI_MERGE_REQUEST_IID={iid!r}: expected the merge request's number")
        found = _token(env, ("PLATFORMCTL_GITLAB_TOKEN", "GITLAB_TOKEN"))
        if found is None:
            raise CommandError(
                "PLATFORMCTL_GITLAB_TOKEN (or GITLAB_TOKEN) is not set: a project access token with the api scope, "
                "as a masked CI/CD variable (CI_JOB_TOKEN cannot write merge request notes)"
            )
        return cls(base, project, iid, found[1], timeout)

    def is_mine(self) -> Callable[[Any], bool]:
        user, _ = self.request("GET", f"{self.base_url}/user")
        return _same_user(self, user)

    def notes(self) -> list[Note]:
        found: list[Note] = []
        page = "1"
        seen: set[str] = set()
        path = urllib.parse.urlsplit(self.notes_url).path
        for _ in range(MAX_PAGES):
            seen.add(page)
            query = urllib.parse.urlencode({"per_page": 100, "page": page, "sort": "asc", "order_by": "created_at"})
            items, headers = self.request("GET", f"{self.notes_url}?{query}")
            if not isinstance(items, list):
                raise self._error(f"GET {path}: expected a list of notes")
            found += [
                Note(item.get("id"), str(item.get("body") or ""), item.get("author"))
                for item in items
                if isinstance(item, dict) and not item.get("system")
            ]
            page = (headers.get("X-Next-Page") or "").strip()
            if not page:
                return found
            if not re.fullmatch(r"[0-9]+", page) or page in seen:
                raise self._error(f"GET {path}: the next page ({page[:20]!r}) is not a new page number")
        raise self._error(
            f"GET {path}: more than {MAX_PAGES} pages of notes; stopped without posting, "
            "as a new note could be a second one"
        )

    def update(self, note: Note, body: str) -> str:
        self.request("PUT", f"{self.notes_url}/{note.id}", {"body": body})
        return f"updated note {note.id} on merge request !{self.iid}"

    def create(self, body: str) -> str:
        created, _ = self.request("POST", self.notes_url, {"body": body})
        return f"created {_created(created, 'note')} on merge request !{self.iid}"


def _same_user(api: _Api, user: Any) -> Callable[[Any], bool]:
    """A test for authors with the id of ``user``, the answer of ``GET /user``."""
    user_id = user.get("id") if isinstance(user, dict) else None
    if isinstance(user_id, bool) or not isinstance(user_id, int):
        raise api._error("GET /user: the answer has no user id")
    return lambda author: (
        isinstance(author, dict) and author.get("id") == user_id and not isinstance(author.get("id"), bool)
    )


def _created(answer: Any, noun: str) -> str:
    note_id = answer.get("id") if isinstance(answer, dict) else None
    return f"{noun} {note_id}" if isinstance(note_id, int) and not isinstance(note_id, bool) else f"a {noun}"


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
        base = _base_url("GITHUB_API_URL", env.get("GITHUB_API_URL", "").strip() or "https://api.github.com")
        repository = _require(env, "GITHUB_REPOSITORY", "owner/name of the repository, set by GitHub Actions")
        if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repository):
            raise CommandError(f"GITHUB_REPOSITORY={repository!r}: expected owner/name")
        number = _pull_request_number(env)
        found = _token(env, ("PLATFORMCTL_GITHUB_TOKEN", "GITHUB_TOKEN"))
        if found is None:
            raise CommandError(
                "GITHUB_TOKEN is not set: pass it to the step (env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}) "
                "with permissions: pull-requests: write"
            )
        return cls(base, repository, number, found[1], timeout)

    def is_mine(self) -> Callable[[Any], bool]:
        """Whether a comment's ``user`` is the token's user. GITHUB_TOKEN cannot read ``GET /user``
        (403): its comments are written by ``github-actions[bot]``."""
        try:
            user, _ = self.request("GET", f"{self.base_url}/user")
        except CommandError as err:
            if "HTTP 403" not in str(err):
                raise
            return lambda u: isinstance(u, dict) and u.get("login") == GITHUB_ACTIONS_LOGIN and u.get("type") == "Bot"
        return _same_user(self, user)

    def notes(self) -> list[Note]:
        found: list[Note] = []
        first = f"{self.repo_url}/issues/{self.number}/comments?per_page=100"
        url: str | None = first
        origin = urllib.parse.urlsplit(self.base_url)[:2]
        seen: set[str] = set()
        path = urllib.parse.urlsplit(first).path
        for _ in range(MAX_PAGES):
            assert url is not None
            seen.add(url)
            items, headers = self.request("GET", url)
            if not isinstance(items, list):
                raise self._error(f"GET {urllib.parse.urlsplit(url).path}: expected a list of comments")
            found += [
                Note(item.get("id"), str(item.get("body") or ""), item.get("user"))
                for item in items
                if isinstance(item, dict)
            ]
            match = _NEXT_LINK.search(headers.get("Link") or "")
            if match is None:
                return found
            url = match.group(1)
            if urllib.parse.urlsplit(url)[:2] != origin:
                raise self._error(f"the next page is on another host ({url}); refusing to send the token there")
            if url in seen:
                raise self._error(f"GET {path}: the next page link points back to a page already read")
        raise self._error(
            f"GET {path}: more than {MAX_PAGES} pages of comments; stopped without posting, as a new comment "
            "could be a second one"
        )

    def update(self, note: Note, body: str) -> str:
        self.request("PATCH", f"{self.repo_url}/issues/comments/{note.id}", {"body": body})
        return f"updated comment {note.id} on pull request #{self.number}"

    def create(self, body: str) -> str:
        created, _ = self.request("POST", f"{self.repo_url}/issues/{self.number}/comments", {"body": body})
        return f"created {_created(created, 'comment')} on pull request #{self.number}"


def _pull_request_number(env: Mapping[str, str]) -> int:
    event_path = env.get("GITHUB_EVENT_PATH", "").strip()
    if event_path:
        try:
            event = json.loads(Path(event_path).read_text(encoding="utf-8"))
        except OSError as err:
            raise CommandError(f"GITHUB_EVENT_PATH={event_path}: cannot be read: {err.strerror}") from None
        except (ValueError, RecursionError):
            raise CommandError(f"GITHUB_EVENT_PATH={event_path}: not a JSON event file") from None
        if isinstance(event, dict):
            pull = event.get("pull_request")
            if isinstance(pull, dict) and _is_number(pull.get("number")):
                return int(pull["number"])
            issue = event.get("issue")
            if isinstance(issue, dict) and issue.get("pull_request") and _is_number(issue.get("number")):
                return int(issue["number"])
    match = re.fullmatch(r"refs/pull/([0-9]+)/(?:merge|head)", env.get("GITHUB_REF", "").strip())
    if match:
        return int(match.group(1))
    raise CommandError(
        "no pull request number: GITHUB_EVENT_PATH has no pull_request.number and GITHUB_REF is not "
        "refs/pull/<n>/merge; run this on pull_request events"
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def post(client: _Api, report: str, name: str, origin: Provenance | None = None) -> str:
    """Update the token's own note carrying the marker, or create one. Returns what was done, in words.

    With ``origin``, the note records its pipeline; a note written by a later pipeline (a
    newer commit) is left as it is, so a slow older pipeline never overwrites it.
    """
    body = compose((origin.tag() + "\n" if origin else "") + report, name, client.limit, client.host)
    tag = marker(name)
    existing = client.own_note(client.notes(), tag)
    if existing is None:
        return client.create(body)
    newer = _PIPELINE_TAG.search(existing.body)
    if origin is not None and newer is not None and int(newer.group(1)) > origin.run_id:
        return f"note {existing.id} is from a later pipeline ({newer.group(1)}); left as it is"
    if existing.body.strip() == body.strip():
        return f"note {existing.id} is already up to date"
    return client.update(existing, body)
