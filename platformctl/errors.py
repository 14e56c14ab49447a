"""The errors of ``platformctl``: a command that cannot go on, and one artifact that cannot be copied.

The command line prints a :class:`CommandError` as one ``error: ...`` line and exits 1, with
no traceback. ``platformctl mirror`` reports each :class:`CopyError` against its artifact and
goes on with the next one.
"""

from constructs_lib.errors import PlatformError


class CommandError(PlatformError):
    """A command cannot go on. The message says what was wrong and, where it can, what to do."""


class CopyError(Exception):
    """One artifact could not be copied; the message says why (never with credentials)."""
