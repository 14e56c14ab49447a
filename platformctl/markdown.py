"""What every report command shares: how untrusted text is written, counted nouns, and writing the report.

Every string that comes from a plan, a synthesized stack, git or an API (addresses, construct
paths, attribute paths and values, stack names, refs, reasons) is untrusted: it may hold
backticks, HTML, links, mentions, control characters or line breaks. It reaches a report only
through one of the three writers here, all built on one rule, :func:`visible`:

- :func:`code`: an inline code span (the usual form). Inside a code span neither GitHub nor
  GitLab renders HTML, links, autolinks, mentions, references or emoji, so the only ways out
  are the span's own fence (chosen longer than any backtick run of the text), a table cell's
  ``|`` (escaped as ``\\|``) and line breaks (made visible).
- :func:`text`: plain running text (notes, reasons). Markdown punctuation is backslash-escaped,
  ``<``, ``>`` and ``&`` become entities, and a word joiner (U+2060, zero width) follows each
  character that starts a mention, a reference, an emoji or a URL scheme, because GitLab and
  GitHub find those in the *rendered* text, where backslashes and entities are already gone.
- :func:`html_code`: code inside an HTML element (``<summary>``), where Markdown is not parsed.

``preview`` and ``diff`` write reports with the same building blocks, so that a note posted by
``comment`` reads the same whichever command made it.
"""

from __future__ import annotations

import html
import os
import re
import sys
import tempfile
import unicodedata
from pathlib import Path

from .errors import CommandError

#: Unicode categories never written as themselves: controls (C0, DEL, C1, ESC of ANSI
#: sequences), format characters (bidi overrides, zero-width ones), lone surrogates, and the
#: line and paragraph separators.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

#: ASCII punctuation CommonMark lets a backslash escape, less what needs more than that.
_BACKSLASHED = frozenset("\\`*_{}[]()#+-.!|~=$%^")
_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
#: Characters after which GitLab or GitHub look for a mention (@), an issue, merge request,
#: label, milestone, snippet, epic or commit reference (# ! ~ % $ & ^), an emoji or a URL
#: scheme (:). A word joiner after them breaks the pattern and is invisible.
_JOINED_AFTER = frozenset("@#!~%$&^:")
_WORD_JOINER = "\u2060"
_WWW = re.compile(r"(?ai)(w)(ww\.)")
#: Backslashes right before a pipe: cmark-gfm reads ``\\|`` as an escaped backslash and a cell border.
_BACKSLASHES_BEFORE_PIPE = re.compile(r"(?<!\\)(\\+)(?=\|)")  # from a run's start: linear time


def _escape_char(char: str) -> str:
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    point = ord(char)
    if point < 0x100:
        return f"\\x{point:02x}"
    if point < 0x10000:
        return f"\\u{point:04x}"
    return f"\\U{point:08x}"


def visible(text: str) -> str:
    """``text`` on one line with every invisible or control character written as an escape.

    Line breaks become ``\\n``, ``\\r``; ESC (ANSI colours), other controls, bidi overrides,
    zero-width characters and lone surrogates become ``\\x1b``, ``\\u202e``, ``\\ud800``. The
    result is printable, encodes as UTF-8, and cannot end a table row, a list item or an
    HTML block.
    """
    if text.isprintable():
        return text
    return "".join(_escape_char(char) if unicodedata.category(char) in _HIDDEN_CATEGORIES else char for char in text)


def code(text: str) -> str:
    """``text`` as an inline code span that renders as exactly that text, also inside a table cell."""
    text = visible(text)
    if "|" in text:
        # cmark-gfm splits cells before parsing code spans: a pipe must be escaped, and a
        # backslash right before it must not be read as escaping the escape.
        text = _BACKSLASHES_BEFORE_PIPE.sub(lambda m: "\\x5c" * len(m.group(1)), text)
        text = text.replace("|", "\\|")
    if not text:
        return "` `"
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    # CommonMark strips one space from each end when both ends have one; a backtick at an
    # end would join the fence. One space on each side is stripped again exactly.
    pad = text[0] == "`" or text[-1] == "`" or (text[0] == " " and text[-1] == " " and text.strip(" ") != "")
    space = " " if pad else ""
    return f"{fence}{space}{text}{space}{fence}"


def text(value: str) -> str:
    """``value`` as plain Markdown text that renders literally: no markup, HTML, link, mention or emoji."""
    out: list[str] = []
    for char in _WWW.sub(lambda m: m.group(1) + _WORD_JOINER + m.group(2), visible(value)):
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in _BACKSLASHED:
            out.append("\\" + char)
        else:
            out.append(char)
        if char in _JOINED_AFTER:
            out.append(_WORD_JOINER)
    return "".join(out)


def html_code(value: str) -> str:
    """``value`` as ``<code>`` inside an HTML element (``<summary>``), where Markdown is not parsed."""
    return "<code>" + html.escape(visible(value), quote=True) + "</code>"


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
