"""``platformctl comment`` against a local HTTP server standing in for the GitLab and GitHub APIs."""

from __future__ import annotations

import io
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from platformctl import cli
from platformctl.comment import compose, marker
from platformctl.errors import CommandError

TOKEN = "glpat-s3cr3t-t0k3n-value"
GITLAB_NOTES = "/api/v4/projects/42/merge_requests/7/notes"
GITHUB_COMMENTS = "/repos/team/platform/issues/5/comments"
#: What a CI host sets that puts the commit, pipeline and job in a note.
PROVENANCE = (
    "CI_COMMIT_SHA",
    "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA",
    "CI_PIPELINE_ID",
    "CI_PIPELINE_URL",
    "CI_JOB_URL",
    "CI_PROJECT_URL",
    "GITHUB_SHA",
    "GITHUB_RUN_ID",
    "GITHUB_SERVER_URL",
)
#: The token's user, as GET /user answers on both hosts.
ME = {"id": 77, "username": "platformctl-bot", "login": "platformctl-bot", "type": "User"}


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  #: lower-case names
    body: Any


@dataclass
class FakeApi:
    """Notes in memory; records every request. ``page_size`` forces pagination."""

    url: str = ""
    notes: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    page_size: int = 100
    fail: tuple[int, dict[str, Any]] | None = None
    delay: float = 0.0
    next_id: int = 1000

    def add(self, body: str, author: str = "someone") -> int:
        """A note by ``author``; ``platformctl`` is the token's own user."""
        self.next_id += 1
        user = dict(ME) if author == "platformctl" else {"id": 1000 + len(author), "username": author, "login": author}
        self.notes[self.next_id] = {"id": self.next_id, "body": body, "author": user, "user": user}
        return self.next_id

    def writes(self) -> list[Recorded]:
        return [r for r in self.requests if r.method != "GET"]

    def listings(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "GET" and r.path in (GITLAB_NOTES, GITHUB_COMMENTS)]


def _handler(api: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _reply(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _handle(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            api.requests.append(
                Recorded(
                    self.command,
                    parts.path,
                    urllib.parse.parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
            )
            if api.delay:
                time.sleep(api.delay)
            if api.fail:
                self._reply(*api.fail)
                return
            if parts.path in ("/api/v4/user", "/user") and self.command == "GET":
                self._reply(200, ME)
            elif parts.path in (GITLAB_NOTES, GITHUB_COMMENTS) and self.command == "GET":
                page = int(urllib.parse.parse_qs(parts.query).get("page", ["1"])[0])
                items = sorted(api.notes.values(), key=lambda n: n["id"])
                chunk = items[(page - 1) * api.page_size : page * api.page_size]
                more = page * api.page_size < len(items)
                headers = {}
                if parts.path == GITLAB_NOTES:
                    headers["X-Next-Page"] = str(page + 1) if more else ""
                elif more:
                    headers["Link"] = f'<{api.url}{parts.path}?per_page=100&page={page + 1}>; rel="next"'
                self._reply(200, chunk, headers)
            elif parts.path in (GITLAB_NOTES, GITHUB_COMMENTS) and self.command == "POST":
                note_id = api.add(body["body"], author="platformctl")
                self._reply(201, api.notes[note_id])
            elif (
                re.fullmatch(rf"{GITLAB_NOTES}/\d+", parts.path)
                and self.command == "PUT"
                or re.fullmatch(r"/repos/team/platform/issues/comments/\d+", parts.path)
                and self.command == "PATCH"
            ):
                note_id = int(parts.path.rsplit("/", 1)[1])
                if note_id not in api.notes:
                    self._reply(404, {"message": "404 Not found"})
                    return
                api.notes[note_id]["body"] = body["body"]
                self._reply(200, api.notes[note_id])
            else:
                self._reply(404, {"message": f"404 {self.command} {parts.path} not found"})

        do_GET = do_POST = do_PUT = do_PATCH = _handle

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (the timeout test) is not an error here


@pytest.fixture
def api() -> Iterator[FakeApi]:
    fake = FakeApi()
    server = _QuietServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def gitlab_env(api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITLAB_TOKEN", "PLATFORMCTL_GITLAB_TOKEN", *PROVENANCE):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CI_API_V4_URL", f"{api.url}/api/v4")
    monkeypatch.setenv("CI_PROJECT_ID", "42")
    monkeypatch.setenv("CI_MERGE_REQUEST_IID", "7")
    monkeypatch.setenv("PLATFORMCTL_GITLAB_TOKEN", TOKEN)


@pytest.fixture
def github_env(api: FakeApi, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "synchronize", "pull_request": {"number": 5}}))
    for name in ("GITHUB_TOKEN", "PLATFORMCTL_GITHUB_TOKEN", "GITHUB_REF", *PROVENANCE):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_API_URL", api.url)
    monkeypatch.setenv("GITHUB_REPOSITORY", "team/platform")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)


def comment(capsys: pytest.CaptureFixture[str], tmp_path: Path, report: str, *argv: str) -> tuple[int, str, str]:
    path = tmp_path / "report.md"
    path.write_text(report)
    code = cli.main(["comment", *argv, "--file", str(path)])
    out, err = capsys.readouterr()
    assert TOKEN not in out + err
    return code, out, err


@pytest.mark.usefixtures("gitlab_env")
def test_gitlab_creates_once_then_updates_the_same_note(api: FakeApi, capsys, tmp_path: Path) -> None:
    code, out, err = comment(capsys, tmp_path, "# Plan\n\nfirst\n", "--gitlab")
    assert code == 0, err
    assert re.fullmatch(r"comment: created note \d+ on merge request !7\n", out)
    code, out, err = comment(capsys, tmp_path, "# Plan\n\nsecond\n", "--gitlab")
    assert code == 0, err
    assert re.fullmatch(r"comment: updated note \d+ on merge request !7\n", out)

    assert len(api.notes) == 1
    (note,) = api.notes.values()
    assert note["body"] == "<!-- platformctl:preview -->\n# Plan\n\nsecond\n"
    assert [(r.method, r.path) for r in api.writes()] == [
        ("POST", GITLAB_NOTES),
        ("PUT", f"{GITLAB_NOTES}/{note['id']}"),
    ]
    for request in api.requests:
        assert request.headers["private-token"] == TOKEN
        assert "authorization" not in request.headers
    listing = api.listings()[0]
    assert listing.query["per_page"] == ["100"] and listing.query["page"] == ["1"]


@pytest.mark.usefixtures("gitlab_env")
def test_gitlab_a_rerun_with_the_same_report_writes_nothing(api: FakeApi, capsys, tmp_path: Path) -> None:
    comment(capsys, tmp_path, "same\n", "--gitlab")
    code, out, _ = comment(capsys, tmp_path, "same\n", "--gitlab")
    assert code == 0 and "already up to date" in out
    assert len(api.writes()) == 1


@pytest.mark.usefixtures("gitlab_env")
def test_gitlab_finds_its_note_on_a_later_page(api: FakeApi, capsys, tmp_path: Path) -> None:
    api.page_size = 2
    for text in ("LGTM", "please check the node groups", "nice"):
        api.add(text)
    mine = api.add(f"{marker('preview')}\nold report\n", author="platformctl")
    code, out, err = comment(capsys, tmp_path, "new report\n", "--gitlab")
    assert code == 0, err
    assert out == f"comment: updated note {mine} on merge request !7\n"
    assert [r.query["page"] for r in api.listings()] == [["1"], ["2"]]
    assert api.notes[mine]["body"].endswith("new report\n")
    assert len(api.notes) == 4


@pytest.mark.usefixtures("gitlab_env")
def test_gitlab_leaves_other_notes_and_other_markers_alone(api: FakeApi, capsys, tmp_path: Path) -> None:
    theirs = api.add("A plan preview of my own, without the marker", author="colleague")
    diff_note = api.add(f"{marker('diff')}\nthe diff\n", author="platformctl")
    code, out, _ = comment(capsys, tmp_path, "report\n", "--gitlab")
    assert code == 0 and "created note" in out
    assert api.notes[theirs]["body"] == "A plan preview of my own, without the marker"
    assert api.notes[diff_note]["body"] == f"{marker('diff')}\nthe diff\n"
    assert len(api.notes) == 3
    # --marker diff updates the diff note, not the new preview note.
    code, out, _ = comment(capsys, tmp_path, "new diff\n", "--gitlab", "--marker", "diff")
    assert out == f"comment: updated note {diff_note} on merge request !7\n"


@pytest.mark.usefixtures("gitlab_env")
def test_gitlab_token_falls_back_to_gitlab_token(api: FakeApi, capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("PLATFORMCTL_GITLAB_TOKEN")
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
    code, _, _ = comment(capsys, tmp_path, "report\n", "--gitlab")
    assert code == 0
    assert api.requests[0].headers["private-token"] == TOKEN


@pytest.mark.usefixtures("gitlab_env")
def test_gitlab_403_is_one_line_with_the_status_and_the_api_message(api: FakeApi, capsys, tmp_path: Path) -> None:
    api.fail = (403, {"message": f"403 Forbidden - token {TOKEN} has insufficient_scope"})
    code, out, err = comment(capsys, tmp_path, "report\n", "--gitlab")
    assert code == 1 and out == ""
    assert err == (
        f"error: GitLab API: GET {GITLAB_NOTES} failed: HTTP 403: 403 Forbidden - token *** has insufficient_scope "
        "(the token needs the api scope and access to this project; CI_JOB_TOKEN cannot write notes)\n"
    )


@pytest.mark.usefixtures("gitlab_env")
@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, "HTTP 401: 401 Unauthorized (the token is wrong, expired or revoked)"),
        (404, "HTTP 404: 404 Project Not Found (not found, or not visible to the token)"),
    ],
)
def test_gitlab_401_and_404(api: FakeApi, capsys, tmp_path: Path, status: int, expected: str) -> None:
    api.fail = (status, {"message": expected.split(": ")[1].split(" (")[0]})
    code, _, err = comment(capsys, tmp_path, "report\n", "--gitlab")
    assert code == 1
    assert err == f"error: GitLab API: GET {GITLAB_NOTES} failed: {expected}\n"


@pytest.mark.parametrize("missing", ["CI_API_V4_URL", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID", "tokens"])
@pytest.mark.usefixtures("gitlab_env")
def test_gitlab_missing_variables_are_named(api: FakeApi, capsys, tmp_path: Path, monkeypatch, missing: str) -> None:
    for name in ["PLATFORMCTL_GITLAB_TOKEN", "GITLAB_TOKEN"] if missing == "tokens" else [missing]:
        monkeypatch.delenv(name, raising=False)
    code, _, err = comment(capsys, tmp_path, "report\n", "--gitlab")
    assert code == 1 and err.count("\n") == 1
    expected = (
        "PLATFORMCTL_GITLAB_TOKEN (or GITLAB_TOKEN) is not set" if missing == "tokens" else f"{missing} is not set"
    )
    assert err.startswith(f"error: {expected}: ")
    if missing == "tokens":
        assert "CI_JOB_TOKEN cannot write merge request notes" in err
    assert api.requests == []


@pytest.mark.usefixtures("gitlab_env")
def test_connection_failure_and_timeout(api: FakeApi, capsys, tmp_path: Path, monkeypatch) -> None:
    api.delay = 1.0
    code, _, err = comment(capsys, tmp_path, "report\n", "--gitlab", "--timeout", "0.2")
    assert code == 1
    assert err == f"error: GitLab API: GET {GITLAB_NOTES}: no answer within 0.2s (--timeout, for the whole command)\n"

    monkeypatch.setenv("CI_API_V4_URL", "http://127.0.0.1:9/api/v4")  # discard port: nothing listens
    code, _, err = comment(capsys, tmp_path, "report\n", "--gitlab")
    assert code == 1
    assert err.startswith(f"error: GitLab API: GET {GITLAB_NOTES}: cannot connect to http://127.0.0.1:9/api/v4: ")
    assert err.count("\n") == 1


@pytest.mark.usefixtures("github_env")
def test_github_creates_then_updates_with_its_headers(api: FakeApi, capsys, tmp_path: Path) -> None:
    api.page_size = 1
    other = api.add("first!")
    code, out, err = comment(capsys, tmp_path, "one\n", "--github", "--marker", "diff")
    assert code == 0, err
    assert re.fullmatch(r"comment: created comment \d+ on pull request #5\n", out)
    code, out, err = comment(capsys, tmp_path, "two\n", "--github", "--marker", "diff")
    assert code == 0, err
    assert "updated comment" in out

    assert len(api.notes) == 2 and api.notes[other]["body"] == "first!"
    mine = next(n for n in api.notes.values() if n["id"] != other)
    assert mine["body"] == "<!-- platformctl:diff -->\ntwo\n"
    assert [(r.method, r.path) for r in api.writes()] == [
        ("POST", GITHUB_COMMENTS),
        ("PATCH", f"/repos/team/platform/issues/comments/{mine['id']}"),
    ]
    # The second run followed the Link header to page 2, where its comment was.
    second_run = api.listings()[1:]
    assert [r.query.get("page") for r in second_run] == [None, ["2"]]
    for request in api.requests:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.headers["accept"] == "application/vnd.github+json"
        assert request.headers["x-github-api-version"] == "2022-11-28"


@pytest.mark.usefixtures("github_env")
def test_github_number_from_github_ref(api: FakeApi, capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_EVENT_PATH")
    monkeypatch.setenv("GITHUB_REF", "refs/pull/5/merge")
    code, out, _ = comment(capsys, tmp_path, "report\n", "--github")
    assert code == 0 and "#5" in out


@pytest.mark.usefixtures("github_env")
def test_github_without_a_pull_request(api: FakeApi, capsys, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "push.json").write_text(json.dumps({"ref": "refs/heads/main"}))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(tmp_path / "push.json"))
    monkeypatch.setenv("GITHUB_REF", "refs/heads/main")
    code, _, err = comment(capsys, tmp_path, "report\n", "--github")
    assert code == 1 and err.startswith("error: no pull request number: ")


@pytest.mark.usefixtures("github_env")
def test_github_missing_repository_and_token(api: FakeApi, capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    code, _, err = comment(capsys, tmp_path, "report\n", "--github")
    assert code == 1 and err.startswith("error: GITHUB_TOKEN is not set: ")
    monkeypatch.delenv("GITHUB_REPOSITORY")
    code, _, err = comment(capsys, tmp_path, "report\n", "--github")
    assert code == 1 and err.startswith("error: GITHUB_REPOSITORY is not set: ")


@pytest.mark.usefixtures("github_env")
def test_github_body_over_the_limit_is_cut_with_a_notice(api: FakeApi, capsys, tmp_path: Path) -> None:
    rows = "\n".join(f"| `resource_{i}` | changed |" for i in range(5000))
    report = f"# Plan\n\n<details>\n<summary>all</summary>\n\n{rows}\n\n</details>\n"
    assert len(report) > 65_536
    code, _, err = comment(capsys, tmp_path, report, "--github")
    assert code == 0, err
    (note,) = api.notes.values()
    body = note["body"]
    assert len(body) <= 65_536
    assert body.startswith("<!-- platformctl:preview -->\n# Plan")
    assert "**This report was cut**" in body and "over GitHub's limit of 65,536" in body
    assert body.count("<details>") == body.count("</details>")


def test_compose_keeps_a_report_under_the_limit_whole() -> None:
    assert compose("hello\n", "preview", 100, "GitLab") == "<!-- platformctl:preview -->\nhello\n"


@pytest.mark.parametrize("limit", [120, 200, 333, 420])
def test_compose_never_exceeds_a_small_limit_and_keeps_the_marker(limit: int) -> None:
    report = "```\n" + "x\n" * 100 + "```\n<details>\n\n" + "y\n" * 100 + "</details>\n"
    cut = compose(report, "p", limit, "GitLab")
    assert len(cut) <= limit
    assert cut.startswith("<!-- platformctl:p -->\n")
    assert "**This report was cut**" in cut
    body = cut.split("\n\n**This report was cut**")[0].split("\n\n---\n**This report was cut**")[0]
    # Every fence and <details> opened in what was kept is closed before the notice.
    assert sum(1 for line in body.splitlines() if line.startswith("```")) % 2 == 0
    assert body.count("<details>") == body.count("</details>")


def test_compose_refuses_a_limit_too_small_for_marker_and_notice() -> None:
    with pytest.raises(CommandError, match="limit of 40 characters cannot hold the marker and a notice"):
        compose("x\n" * 100, "p", 40, "GitLab")


@pytest.mark.usefixtures("gitlab_env")
def test_report_from_stdin_and_user_mistakes(api: FakeApi, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("from stdin\n"))
    assert cli.main(["comment", "--gitlab"]) == 0
    assert next(iter(api.notes.values()))["body"].endswith("from stdin\n")
    capsys.readouterr()

    monkeypatch.setattr("sys.stdin", io.StringIO("  \n"))
    assert cli.main(["comment", "--gitlab"]) == 1
    assert capsys.readouterr().err == "error: the report (stdin) is empty: nothing to post\n"

    assert cli.main(["comment", "--gitlab", "--file", "/nonexistent/report.md"]) == 1
    assert (
        capsys.readouterr().err == "error: --file /nonexistent/report.md: cannot be read: No such file or directory\n"
    )

    assert cli.main(["comment", "--gitlab", "--marker", "a--b"]) == 1
    assert capsys.readouterr().err.startswith("error: --marker 'a--b': letters and digits")
    with pytest.raises(SystemExit):
        cli.main(["comment", "--file", "x.md"])  # neither --gitlab nor --github: argparse's usage error


HEAD = "0123456789abcdef0123456789abcdef01234567"
MERGED = "fedcba9876543210fedcba9876543210fedcba98"


@pytest.mark.usefixtures("gitlab_env")
def test_gitlab_note_names_the_commit_pipeline_and_job(api: FakeApi, capsys, tmp_path: Path, monkeypatch) -> None:
    """A note used to carry no commit and no link: nobody could tell which pipeline wrote it."""
    monkeypatch.setenv("CI_COMMIT_SHA", MERGED)
    monkeypatch.setenv("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", HEAD)
    monkeypatch.setenv("CI_PIPELINE_ID", "1234")
    monkeypatch.setenv("CI_PIPELINE_URL", "https://gitlab.example.com/team/platform/-/pipelines/1234")
    monkeypatch.setenv("CI_JOB_URL", "https://gitlab.example.com/team/platform/-/jobs/99")
    monkeypatch.setenv("CI_PROJECT_URL", "https://gitlab.example.com/team/platform")
    code, _, err = comment(capsys, tmp_path, "# Plan\n", "--gitlab")
    assert code == 0, err
    (note,) = api.notes.values()
    assert note["body"].splitlines() == [
        "<!-- platformctl:preview -->",
        "<!-- platformctl:pipeline 1234 -->",
        f"Commit [`{HEAD[:12]}`](https://gitlab.example.com/team/platform/-/commit/{HEAD}) "
        f"(planned as merged into the target branch: `{MERGED[:12]}`) · "
        "[pipeline 1234](https://gitlab.example.com/team/platform/-/pipelines/1234) · "
        "[job](https://gitlab.example.com/team/platform/-/jobs/99)",
        "",
        "# Plan",
    ]


@pytest.mark.usefixtures("gitlab_env")
def test_gitlab_an_older_pipeline_never_overwrites_a_later_ones_note(
    api: FakeApi, capsys, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("CI_COMMIT_SHA", HEAD)
    monkeypatch.setenv("CI_PIPELINE_ID", "20")
    assert comment(capsys, tmp_path, "newer: failed\n", "--gitlab")[0] == 0
    monkeypatch.setenv("CI_PIPELINE_ID", "19")
    code, out, _ = comment(capsys, tmp_path, "older: no changes\n", "--gitlab")
    assert code == 0 and "is from a later pipeline (20); left as it is" in out
    (note,) = api.notes.values()
    assert "newer: failed" in note["body"] and "older" not in note["body"]
    monkeypatch.setenv("CI_PIPELINE_ID", "21")
    assert comment(capsys, tmp_path, "newest\n", "--gitlab")[0] == 0
    assert "newest" in note["body"] and len(api.notes) == 1


@pytest.mark.usefixtures("gitlab_env")
def test_gitlab_provenance_values_that_are_not_what_they_claim_are_left_out(
    api: FakeApi, capsys, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("CI_COMMIT_SHA", HEAD)
    monkeypatch.setenv("CI_PIPELINE_ID", "7")
    monkeypatch.setenv("CI_PIPELINE_URL", "javascript:alert(1)")
    monkeypatch.setenv("CI_JOB_URL", "https://gitlab.example.com/x) [click](https://evil.example")
    comment(capsys, tmp_path, "report\n", "--gitlab")
    (note,) = api.notes.values()
    assert "javascript" not in note["body"] and "evil" not in note["body"]
    assert f"Commit `{HEAD[:12]}` · pipeline 7\n" in note["body"]
    # Outside CI (no commit or pipeline id) the note is the report alone.
    monkeypatch.setenv("CI_COMMIT_SHA", "not-a-sha")
    comment(capsys, tmp_path, "report\n", "--gitlab")
    assert note["body"] == "<!-- platformctl:preview -->\nreport\n"


@pytest.mark.usefixtures("github_env")
def test_github_note_names_the_commit_and_the_run(api: FakeApi, capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_SHA", HEAD)
    monkeypatch.setenv("GITHUB_RUN_ID", "555")
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    code, _, err = comment(capsys, tmp_path, "report\n", "--github")
    assert code == 0, err
    (note,) = api.notes.values()
    assert (
        f"Commit [`{HEAD[:12]}`](https://github.com/team/platform/commit/{HEAD}) · "
        "[pipeline 555](https://github.com/team/platform/actions/runs/555)\n" in note["body"]
    )
