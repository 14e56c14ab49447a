"""Running a ``platformctl mirror`` command's copies one by one: progress lines and the run's summary."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO

from .errors import CopyError
from .redact import scrub


@dataclass
class Summary:
    """What a run did, artifact by artifact."""

    copied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def line(self, command: str) -> str:
        return f"mirror {command}: {len(self.copied)} copied, {len(self.skipped)} skipped, {len(self.failed)} failed"


class Progress:
    """A bar on a terminal, one plain line per artifact elsewhere (CI logs)."""

    def __init__(self, total: int, stream: IO[str] | None = None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()

    def start(self, what: str) -> None:
        what = scrub(what)
        if self.tty:
            width = 30
            filled = width * self.done // max(self.total, 1)
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(f"\r\033[K[{bar}] {self.done}/{self.total} {what}"[:200])
            self.stream.flush()

    def finish(self, outcome: str, what: str) -> None:
        what = scrub(what)
        self.done += 1
        if self.tty:
            if outcome == "failed":
                self.stream.write(f"\r\033[Kfailed {what}\n")
            self.start("")
            if self.done == self.total:
                self.stream.write("\r\033[K")
        else:
            self.stream.write(f"[{self.done}/{self.total}] {outcome} {what}\n")
        self.stream.flush()


def run_all(items: Iterable[tuple[str, Callable[[], bool]]], progress_stream: IO[str] | None = None) -> Summary:
    """Run each ``(label, copy)``; ``copy`` returns True when it copied, False when skipped."""
    work = list(items)
    summary = Summary()
    progress = Progress(len(work), progress_stream)
    for label, action in work:
        progress.start(label)
        try:
            copied = action()
        except CopyError as err:
            summary.failed.append((scrub(label), scrub(str(err))))
            progress.finish("failed", label)
            continue
        (summary.copied if copied else summary.skipped).append(label)
        progress.finish("copied" if copied else "skipped", label)
    return summary
