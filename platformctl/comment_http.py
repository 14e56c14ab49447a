"""JSON over HTTP for ``platformctl comment``, with the standard library only.

``--timeout`` is a deadline for the whole command, enforced even against a server that answers
one byte at a time; redirects are not followed (a token is never sent to another address);
answers are read up to :data:`MAX_ANSWER_BYTES`; every failure is one error line with the
token scrubbed from it.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from typing import Any

from .errors import CommandError

DEFAULT_TIMEOUT = 30.0
#: The largest answer read from the API (a page of 100 notes of up to 1,000,000 characters each).
MAX_ANSWER_BYTES = 128 * 1024 * 1024


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


class ApiClient:
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
