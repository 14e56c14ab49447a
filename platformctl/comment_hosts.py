"""The merge and pull request hosts ``platformctl comment`` posts to (GitLab, GitHub): their
settings from the CI variables, how each lists, edits and creates notes, and :func:`post`,
which updates the token's own note carrying the marker or creates one.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from email.message import Message
from pathlib import Path
from typing import Any

from .comment_http import DEFAULT_TIMEOUT, ApiClient, Note
from .comment_note import PIPELINE_TAG, Provenance, compose, marker
from .errors import CommandError

#: Pages of notes read at most while looking for the marker (100 notes a page). Past it the
#: command fails rather than post a second note.
MAX_PAGES = 1000
_NEXT_LINK = re.compile(r'<([^<>]+)>\s*;\s*rel="?next"?', re.ASCII)  # no "<" inside: linear time on any header
#: A token is printable ASCII without spaces; anything else (a line break pasted with it) is refused.
_TOKEN = re.compile(r"^[\x21-\x7e]+$")
#: The user GitHub's GITHUB_TOKEN writes as; such a token cannot read ``GET /user``.
GITHUB_ACTIONS_LOGIN = "github-actions[bot]"


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


def _token(env: Mapping[str, str], names: tuple[str, ...], missing: str) -> str:
    """The value of the first of ``names`` that is set; refused (never shown) unless printable
    ASCII. None set is the error ``missing``."""
    for name in names:
        value = env.get(name, "").strip()
        if value:
            if not _TOKEN.fullmatch(value):
                raise CommandError(
                    f"{name} holds spaces, line breaks, control or non-ASCII characters (its value is not shown): "
                    "set the token alone"
                )
            return value
    raise CommandError(missing)


class GitLab(ApiClient):
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
        token = _token(
            env,
            ("PLATFORMCTL_GITLAB_TOKEN", "GITLAB_TOKEN"),
            "PLATFORMCTL_GITLAB_TOKEN (or GITLAB_TOKEN) is not set: a project access token with the api scope, "
            "as a masked CI/CD variable (CI_JOB_TOKEN cannot write merge request notes)",
        )
        return cls(base, project, iid, token, timeout)

    def is_mine(self) -> Callable[[Any], bool]:
        user, _ = self.request("GET", f"{self.base_url}/user")
        return _same_user(self, user)

    def notes(self) -> list[Note]:
        path = urllib.parse.urlsplit(self.notes_url).path
        seen = {"1"}

        def page_url(page: str) -> str:
            query = urllib.parse.urlencode({"per_page": 100, "page": page, "sort": "asc", "order_by": "created_at"})
            return f"{self.notes_url}?{query}"

        def next_page(headers: Message) -> str | None:
            page = (headers.get("X-Next-Page") or "").strip()
            if not page:
                return None
            if not re.fullmatch(r"[0-9]+", page) or page in seen:
                raise self._error(f"GET {path}: the next page ({page[:20]!r}) is not a new page number")
            seen.add(page)
            return page_url(page)

        def note(item: dict[str, Any]) -> Note | None:
            if item.get("system"):
                return None
            return Note(item.get("id"), str(item.get("body") or ""), item.get("author"))

        return _read_pages(self, page_url("1"), "note", next_page, note)

    def update(self, note: Note, body: str) -> str:
        self.request("PUT", f"{self.notes_url}/{note.id}", {"body": body})
        return f"updated note {note.id} on merge request !{self.iid}"

    def create(self, body: str) -> str:
        created, _ = self.request("POST", self.notes_url, {"body": body})
        return f"created {_created(created, 'note')} on merge request !{self.iid}"


def _read_pages(
    client: ApiClient,
    first: str,
    kind: str,
    next_page: Callable[[Message], str | None],
    note: Callable[[dict[str, Any]], Note | None],
) -> list[Note]:
    """Every note of a merge or pull request (GitLab's and GitHub's listings alike), read page
    after page from ``first``, at most :data:`MAX_PAGES` pages. ``kind`` is what the host calls
    a note, ``next_page`` the URL of the page after one from its answer's headers (None after
    the last; it refuses a page already read), ``note`` the note of a listed item (None: not
    a note to look at)."""
    found: list[Note] = []
    url = first
    for _ in range(MAX_PAGES):
        items, headers = client.request("GET", url)
        if not isinstance(items, list):
            raise client._error(f"GET {urllib.parse.urlsplit(url).path}: expected a list of {kind}s")
        found += [shown for item in items if isinstance(item, dict) and (shown := note(item)) is not None]
        following = next_page(headers)
        if following is None:
            return found
        url = following
    raise client._error(
        f"GET {urllib.parse.urlsplit(first).path}: more than {MAX_PAGES} pages of {kind}s; stopped without "
        f"posting, as a new {kind} could be a second one"
    )


def _same_user(api: ApiClient, user: Any) -> Callable[[Any], bool]:
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


class GitHub(ApiClient):
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
        token = _token(
            env,
            ("PLATFORMCTL_GITHUB_TOKEN", "GITHUB_TOKEN"),
            "GITHUB_TOKEN is not set: pass it to the step (env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}) "
            "with permissions: pull-requests: write",
        )
        return cls(base, repository, number, token, timeout)

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
        first = f"{self.repo_url}/issues/{self.number}/comments?per_page=100"
        origin = urllib.parse.urlsplit(self.base_url)[:2]
        seen = {first}

        def next_page(headers: Message) -> str | None:
            match = _NEXT_LINK.search(headers.get("Link") or "")
            if match is None:
                return None
            url = match.group(1)
            if urllib.parse.urlsplit(url)[:2] != origin:
                raise self._error(f"the next page is on another host ({url}); refusing to send the token there")
            if url in seen:
                raise self._error(
                    f"GET {urllib.parse.urlsplit(first).path}: the next page link points back to a page already read"
                )
            seen.add(url)
            return url

        def note(item: dict[str, Any]) -> Note:
            return Note(item.get("id"), str(item.get("body") or ""), item.get("user"))

        return _read_pages(self, first, "comment", next_page, note)

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


def post(client: ApiClient, report: str, name: str, origin: Provenance | None = None) -> str:
    """Update the token's own note carrying the marker, or create one. Returns what was done, in words.

    With ``origin``, the note records its pipeline; a note written by a later pipeline (a
    newer commit) is left as it is, so a slow older pipeline never overwrites it.
    """
    body = compose((origin.tag() + "\n" if origin else "") + report, name, client.limit, client.host)
    tag = marker(name)
    existing = client.own_note(client.notes(), tag)
    if existing is None:
        return client.create(body)
    newer = PIPELINE_TAG.search(existing.body)
    if origin is not None and newer is not None and int(newer.group(1)) > origin.run_id:
        return f"note {existing.id} is from a later pipeline ({newer.group(1)}); left as it is"
    if existing.body.strip() == body.strip():
        return f"note {existing.id} is already up to date"
    return client.update(existing, body)
