"""``platformctl comment`` against hostile or broken API servers and hostile inputs.

A server on 127.0.0.1, started and stopped by each test, answers like GitLab or GitHub or
misbehaves: cut answers, bad status lines, closed connections, bodies that are not JSON,
odd ids, endless or looping pagination, a server that sends one byte at a time, notes by
other people that quote the marker. Every failure is one ``error:`` line with exit code 1;
the token never appears; other people's notes are never edited; no duplicate is posted.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from platformctl import cli, comment_hosts
from platformctl.comment import marker

TOKEN = "glpat-h0stile-t0ken-value"
NOTES = "/api/v4/projects/42/merge_requests/7/notes"
COMMENTS = "/repos/team/platform/issues/5/comments"
ME = {"id": 77, "username": "platformctl-bot", "login": "platformctl-bot", "type": "User"}
SOMEONE = {"id": 5, "username": "colleague", "login": "colleague", "type": "User"}
BOT = {"id": 41898282, "login": "github-actions[bot]", "type": "Bot"}


@dataclass
class Api:
    """A GitLab/GitHub stand-in; ``misbehave`` may take over any request."""

    url: str = ""
    notes: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 100
    requests: list[tuple[str, str, dict[str, list[str]]]] = field(default_factory=list)
    user: tuple[int, Any] = (200, ME)
    misbehave: Callable[[BaseHTTPRequestHandler, str], bool] | None = None
    next_page: Callable[[int, bool], str | None] | None = None

    def add(self, body: str, author: dict[str, Any]) -> dict[str, Any]:
        note = {"id": 1000 + len(self.notes), "body": body, "author": author, "user": author}
        self.notes.append(note)
        return note

    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p, _ in self.requests if m != "GET"]


def _handler(api: Api) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def reply(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def handle_any(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            api.requests.append((self.command, parts.path, urllib.parse.parse_qs(parts.query)))
            if api.misbehave and api.misbehave(self, parts.path):
                self.close_connection = True
                return
            if parts.path in ("/api/v4/user", "/user"):
                self.reply(*api.user)
            elif parts.path in (NOTES, COMMENTS) and self.command == "GET":
                page = int(urllib.parse.parse_qs(parts.query).get("page", ["1"])[0])
                chunk = api.notes[(page - 1) * api.page_size : page * api.page_size]
                more = page * api.page_size < len(api.notes)
                following = api.next_page(page, more) if api.next_page else (str(page + 1) if more else None)
                headers = {}
                if following is not None and parts.path == NOTES:
                    headers["X-Next-Page"] = following
                elif following is not None:
                    headers["Link"] = f'<{api.url}{COMMENTS}?per_page=100&page={following}>; rel="next"'
                self.reply(200, chunk, headers)
            elif parts.path in (NOTES, COMMENTS) and self.command == "POST":
                self.reply(201, api.add(body["body"], ME))
            elif self.command in ("PUT", "PATCH"):
                note_id = int(parts.path.rsplit("/", 1)[1])
                note = next(n for n in api.notes if n["id"] == note_id)
                note["body"] = body["body"]
                self.reply(200, note)
            else:
                self.reply(404, {"message": "404 Not found"})

        do_GET = do_POST = do_PUT = do_PATCH = handle_any

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up is what some tests do


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Api]:
    fake = Api()
    server = _Server(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    for name in ("GITLAB_TOKEN", "PLATFORMCTL_GITLAB_TOKEN", "GITHUB_TOKEN", "PLATFORMCTL_GITHUB_TOKEN", "GITHUB_REF"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CI_API_V4_URL", f"{fake.url}/api/v4")
    monkeypatch.setenv("CI_PROJECT_ID", "42")
    monkeypatch.setenv("CI_MERGE_REQUEST_IID", "7")
    monkeypatch.setenv("PLATFORMCTL_GITLAB_TOKEN", TOKEN)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 5}}))
    monkeypatch.setenv("GITHUB_API_URL", fake.url)
    monkeypatch.setenv("GITHUB_REPOSITORY", "team/platform")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, *argv: str, report: str = "report\n"
) -> tuple[int, str, str]:
    path = tmp_path / "report.md"
    path.write_text(report)
    code = cli.main(["comment", *argv, "--file", str(path)])
    out, err = capsys.readouterr()
    assert TOKEN not in out + err
    return code, out, err


def one_error_line(code: int, out: str, err: str) -> str:
    assert code == 1 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


# --- tokens and settings ------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        f"{TOKEN}\r\nX-Injected: 1",
        f"{TOKEN}\nsecond",
        f"a\rb{TOKEN}",
        f"{TOKEN}\x7f",
        f"{TOKEN} extra",
        f"{TOKEN}ö",
        "\x1b[2J",
    ],
    ids=["crlf-header", "lf", "cr", "del", "space", "non-ascii", "ansi"],
)
@pytest.mark.parametrize("host", ["--gitlab", "--github"])
def test_a_token_with_control_characters_is_refused_unseen(
    api: Api, capsys, tmp_path: Path, monkeypatch, token: str, host: str
) -> None:
    variable = "PLATFORMCTL_GITLAB_TOKEN" if host == "--gitlab" else "GITHUB_TOKEN"
    monkeypatch.setenv(variable, token)
    err = one_error_line(*run(capsys, tmp_path, host))
    assert err.startswith(f"error: {variable} holds spaces, line breaks, control or non-ASCII characters")
    assert token.strip() not in err and "X-Injected" not in err and "\x1b" not in err
    assert api.requests == []  # refused before any request


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CI_API_V4_URL", "http://127.0.0.1:1/api\r\nHost: evil"),
        ("CI_API_V4_URL", "file:///etc/passwd"),
        ("CI_API_V4_URL", "127.0.0.1/api/v4"),
        ("CI_MERGE_REQUEST_IID", "7/../../users"),
        ("CI_PROJECT_ID", "42\n"),
    ],
)
def test_odd_settings_are_one_line(api: Api, capsys, tmp_path: Path, monkeypatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value if variable != "CI_PROJECT_ID" else "4\x1b2")
    err = one_error_line(*run(capsys, tmp_path, "--gitlab"))
    assert err.startswith(f"error: {variable}")
    assert "\x1b" not in err and "\r" not in err
    assert api.requests == []


# --- broken answers -----------------------------------------------------------------------


def _raw(data: bytes) -> Callable[[BaseHTTPRequestHandler, str], bool]:
    def misbehave(handler: BaseHTTPRequestHandler, path: str) -> bool:
        if path != NOTES:
            return False
        handler.wfile.write(data)
        handler.wfile.flush()
        return True

    return misbehave


BROKEN = {
    "cut short": (
        _raw(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[{"id": 1'),
        "the answer from {url} was cut short",
    ),
    "bad status line": (_raw(b"garbage that is not HTTP\r\n\r\n"), "{url} closed the connection without a valid HTTP"),
    "closed at once": (_raw(b""), "{url} closed the connection without a valid HTTP answer"),
    "header line too long": (
        _raw(b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n"),
        "{url} sent an answer that is not valid HTTP",
    ),
    "html instead of json": (
        _raw(b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n<html>login</html>\r\n"),
        "the answer is not JSON",
    ),
    "json nested too deep": (
        _raw(b"HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n" + b"[" * 100_000 + b"]" * 100_000),
        "the answer is not JSON",
    ),
    "error body with control characters and the token": (
        _raw(
            b"HTTP/1.1 500 Oops\r\nContent-Length: 60\r\n\r\n"
            + f"\x1b[31mboom\r\n{TOKEN}\n<h1>x</h1>".ljust(60).encode()
        ),
        "failed: HTTP 500: ",
    ),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_answers_are_one_error_line(api: Api, capsys, tmp_path: Path, name: str) -> None:
    api.misbehave, expected = BROKEN[name]
    err = one_error_line(*run(capsys, tmp_path, "--gitlab", "--timeout", "10"))
    assert err.startswith(f"error: GitLab API: GET {NOTES}")
    assert expected.format(url=f"{api.url}/api/v4") in err
    assert "\x1b" not in err and "\r" not in err
    assert api.writes() == []


def test_a_server_sending_one_byte_at_a_time_is_stopped_at_the_deadline(api: Api, capsys, tmp_path: Path) -> None:
    stop = threading.Event()

    def dribble(handler: BaseHTTPRequestHandler, path: str) -> bool:
        if path != NOTES:
            return False
        try:
            handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n[")
            while not stop.wait(0.05):
                handler.wfile.write(b" ")
                handler.wfile.flush()
        except OSError:
            pass
        return True

    api.misbehave = dribble
    started = time.monotonic()
    try:
        err = one_error_line(*run(capsys, tmp_path, "--gitlab", "--timeout", "1"))
    finally:
        stop.set()
    elapsed = time.monotonic() - started
    assert err == f"error: GitLab API: GET {NOTES}: no answer within 1s (--timeout, for the whole command)\n"
    assert elapsed < 3, elapsed  # a per-read timeout would wait for the 100,000 bytes: 80 minutes


def test_the_deadline_covers_all_requests_together(api: Api, capsys, tmp_path: Path) -> None:
    """Each request alone is quick, but the pages together take longer than --timeout."""
    api.page_size = 1
    for i in range(40):
        api.add(f"note {i}", SOMEONE)

    def slow(handler: BaseHTTPRequestHandler, path: str) -> bool:
        time.sleep(0.1)
        return False

    api.misbehave = slow
    started = time.monotonic()
    err = one_error_line(*run(capsys, tmp_path, "--gitlab", "--timeout", "1"))
    assert "no answer within 1s (--timeout, for the whole command)" in err
    assert time.monotonic() - started < 2.5
    assert api.writes() == []


@pytest.mark.parametrize("bad_id", ["abc", None, True, 1.5, {"id": 1}])
def test_a_note_id_that_is_not_an_integer_is_one_error_line(api: Api, capsys, tmp_path: Path, bad_id: Any) -> None:
    note = api.add(f"{marker('preview')}\nold\n", ME)
    note["id"] = bad_id
    err = one_error_line(*run(capsys, tmp_path, "--gitlab"))
    assert err == "error: GitLab API: a note of the token's user has an id that is not an integer\n"
    assert api.writes() == []


def test_a_created_note_without_an_id_is_still_reported(api: Api, capsys, tmp_path: Path) -> None:
    def no_id(handler: BaseHTTPRequestHandler, path: str) -> bool:
        if handler.command != "POST":
            return False
        data = b'{"id": "\\u001b[2Jx"}'
        handler.send_response(201)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
        return True

    api.misbehave = no_id
    code, out, err = run(capsys, tmp_path, "--gitlab")
    assert (code, err) == (0, "")
    assert out == "comment: created a note on merge request !7\n"


def test_a_redirect_is_not_followed(api: Api, capsys, tmp_path: Path) -> None:
    def redirect(handler: BaseHTTPRequestHandler, path: str) -> bool:
        handler.send_response(302)
        handler.send_header("Location", "http://127.0.0.1:9/steal")
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        return True

    api.misbehave = redirect
    err = one_error_line(*run(capsys, tmp_path, "--gitlab"))
    assert "HTTP 302" in err and "redirected to http://127.0.0.1:9/steal" in err
    assert len(api.requests) == 1


# --- whose notes, and pagination ----------------------------------------------------------


@pytest.mark.parametrize("host", ["--gitlab", "--github"])
def test_notes_of_other_people_with_the_marker_are_never_edited(api: Api, capsys, tmp_path: Path, host: str) -> None:
    theirs = api.add(f"{marker('preview')}\nquoting your marker\n", SOMEONE)
    code, out, err = run(capsys, tmp_path, host)
    assert (code, err) == (0, "")
    assert out.startswith("comment: created ")
    assert theirs["body"] == f"{marker('preview')}\nquoting your marker\n"
    assert [m for m, _ in api.writes()] == ["POST"]
    # A re-run finds the note the token's user wrote, not theirs.
    code, out, _ = run(capsys, tmp_path, host, report="second\n")
    assert "updated" in out and theirs["body"].endswith("quoting your marker\n")
    assert [m for m, _ in api.writes()] == ["POST", "PUT" if host == "--gitlab" else "PATCH"]


def test_github_token_without_user_access_matches_the_actions_bot(api: Api, capsys, tmp_path: Path) -> None:
    api.user = (403, {"message": "Resource not accessible by integration"})
    human = api.add(f"{marker('preview')}\nby a person\n", SOMEONE)
    bot = api.add(f"{marker('preview')}\nby the workflow\n", BOT)
    code, out, err = run(capsys, tmp_path, "--github")
    assert (code, err) == (0, "")
    assert out == f"comment: updated comment {bot['id']} on pull request #5\n"
    assert human["body"].endswith("by a person\n") and bot["body"].endswith("report\n")


@pytest.mark.parametrize("host", ["--gitlab", "--github"])
def test_pagination_is_followed_past_fifty_pages(api: Api, capsys, tmp_path: Path, host: str) -> None:
    api.page_size = 1
    for i in range(64):
        api.add(f"comment {i}", SOMEONE)
    mine = api.add(f"{marker('preview')}\nold\n", ME)
    code, out, err = run(capsys, tmp_path, host, "--timeout", "20")
    assert (code, err) == (0, "")
    assert f" {mine['id']} " in out and "updated" in out
    assert len([r for r in api.requests if r[1] in (NOTES, COMMENTS)]) == 65
    assert [m for m, _ in api.writes()] == ["PUT" if host == "--gitlab" else "PATCH"]


@pytest.mark.parametrize("host", ["--gitlab", "--github"])
def test_past_the_page_cap_nothing_is_posted(api: Api, capsys, tmp_path: Path, monkeypatch, host: str) -> None:
    monkeypatch.setattr(comment_hosts, "MAX_PAGES", 3)
    api.page_size = 1
    for i in range(5):
        api.add(f"comment {i}", SOMEONE)
    err = one_error_line(*run(capsys, tmp_path, host))
    assert "more than 3 pages of" in err and "stopped without posting" in err
    assert api.writes() == []


@pytest.mark.parametrize(
    ("host", "following", "expected"),
    [
        ("--gitlab", lambda page, more: "1", "the next page ('1') is not a new page number"),
        ("--gitlab", lambda page, more: "two", "the next page ('two') is not a new page number"),
        ("--github", lambda page, more: "1", "the next page link points back to a page already read"),
    ],
    ids=["gitlab-loop", "gitlab-not-a-number", "github-loop"],
)
def test_looping_or_odd_pagination_stops_without_posting(
    api: Api, capsys, tmp_path: Path, host: str, following: Callable[[int, bool], str], expected: str
) -> None:
    api.page_size = 1
    api.add("a", SOMEONE)
    api.next_page = following
    err = one_error_line(*run(capsys, tmp_path, host))
    assert expected in err
    assert api.writes() == []


def test_github_next_page_on_another_host_is_refused(api: Api, capsys, tmp_path: Path) -> None:
    def elsewhere(handler: BaseHTTPRequestHandler, path: str) -> bool:
        if path != COMMENTS:
            return False
        data = b"[]"
        handler.send_response(200)
        handler.send_header("Link", '<http://169.254.169.254/latest?page=2>; rel="next"')
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
        return True

    api.misbehave = elsewhere
    err = one_error_line(*run(capsys, tmp_path, "--github"))
    assert "refusing to send the token there" in err
    assert api.writes() == []


def test_a_link_header_of_brackets_is_read_in_linear_time(api: Api, capsys, tmp_path: Path) -> None:
    def brackets(handler: BaseHTTPRequestHandler, path: str) -> bool:
        if path != COMMENTS:
            return False
        data = b"[]"
        handler.send_response(200)
        handler.send_header("Link", "<" * 60_000)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
        return True

    api.misbehave = brackets
    started = time.monotonic()
    code, out, err = run(capsys, tmp_path, "--github")
    assert (code, err) == (0, "") and out.startswith("comment: created ")
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("bad", ["preview\n", "preview\r", "pre view", "preview-"])
def test_a_marker_is_matched_whole(api: Api, capsys, tmp_path: Path, bad: str) -> None:
    # '$' in re.match also accepts a trailing newline: the marker is matched whole.
    err = one_error_line(*run(capsys, tmp_path, "--gitlab", "--marker", bad))
    assert err.startswith("error: --marker ")
    assert api.requests == []
