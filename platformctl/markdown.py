"""What every report command shares: Markdown code spans, counted nouns, and writing the report.

``preview`` and ``diff`` write reports with the same building blocks, so that a note posted by
``comment`` reads the same whichever command made it.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from .errors import CommandError


def code(text: str) -> str:
    """``text`` as an inline code span that is safe inside a table cell."""
    text = text.replace("|", "\\|")
    if "`" in text:
        return f"`` {text} ``"
    return f"`{text}`"


def plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def write_output(text: str, out: Path | None) -> None:
    """Write ``text`` to ``out`` whole (a temporary file renamed into place), or to stdout."""
    if out is None:
        sys.stdout.write(text)
        return
    directory = out.parent if str(out.parent) else Path(".")
    if not directory.is_dir():
        raise CommandError(f"{out}: cannot write: directory {directory} does not exist")
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{out.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, out)
    except OSError as err:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        raise CommandError(f"{out}: cannot write: {err.strerror}") from None
