"""Credentials out of everything platformctl shows: the ``user:password@`` part of URLs.

A chart repository, an S3 endpoint or a registry may be written with credentials in it
(``https://user:token@charts.example/``). Messages, progress lines, listings and errors show
such a URL only through :func:`without_userinfo` (one URL) or :func:`scrub` (free text that
may quote URLs, e.g. a library's error message); the command line applies :func:`scrub` to
every error it prints as a last guard.
"""

from __future__ import annotations

import re

#: A URL in free text: a scheme, ``://`` and everything up to white space or a quote.
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>`]*", re.ASCII)
#: What follows ``@`` in an image reference pinned by digest: not a user-info separator.
_DIGEST_AFTER_AT = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}", re.ASCII)


def without_userinfo(url: str) -> str:
    """``url`` as it may be shown: anything up to the last ``@`` of its authority is dropped.

    Stricter than a URL parser on purpose: a password holding ``/``, ``?``, ``#`` or ``@``
    unencoded, or a value with no scheme (``user:pw@host/path``), loses its user info too.
    An ``@`` that pins an image digest (``repo@sha256:...``) is kept.
    """
    scheme, separator, rest = url.partition("://")
    if not separator:
        scheme, rest = "", url
    cut = -1
    for index, char in enumerate(rest):
        if char == "@" and not _DIGEST_AFTER_AT.match(rest, index + 1):
            cut = index
    if cut < 0:
        return url
    return f"{scheme}{separator}{rest[cut + 1 :]}"


def scrub(text: str) -> str:
    """``text`` with the user info of every URL in it dropped (see :func:`without_userinfo`)."""
    if "@" not in text:
        return text
    return _URL.sub(lambda match: without_userinfo(match.group(0)), text)


def redact_value(value: object, depth: int = 20) -> object:
    """A copy of a JSON-like value with :func:`without_userinfo` applied to every text in it.

    For quoting an input entry in an error: a value with no scheme (``user:pw@host``) loses
    its user info too. Deeper than ``depth`` levels, the rest is left out.
    """
    if isinstance(value, str):
        return without_userinfo(value) if "@" in value else value
    if depth <= 0:
        return "..."
    if isinstance(value, dict):
        return {redact_value(k, depth - 1): redact_value(v, depth - 1) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_value(v, depth - 1) for v in value]
    return value
