"""Reading a file someone named, safely: a regular file only, and no more of it than a limit.

What is checked is the file that was opened, not the path looked at before: a directory, a
device or a pipe put at the path (or swapped in between a look and the opening) is refused
without reading it, and a pipe with no writer cannot block, since it is opened without
waiting. Standard library only, for the environment loader and ``platformctl`` alike.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class NotRegularFile(OSError):
    """The path names a directory, a device, a pipe or a socket."""


def read_regular_file(path: Path | str, limit: int, *, follow_links: bool = True) -> bytes:
    """At most ``limit + 1`` bytes of the regular file at ``path`` (one byte more than allowed
    tells the caller the file is too large). Raises :class:`NotRegularFile` for anything else,
    and ``OSError`` as ``open`` does (with ``follow_links=False``, for a symbolic link too)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    if not follow_links:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        os.close(fd)
        raise
    if not regular:
        os.close(fd)
        raise NotRegularFile(f"{path}: not a regular file")
    with os.fdopen(fd, "rb") as handle:
        return handle.read(limit + 1)
