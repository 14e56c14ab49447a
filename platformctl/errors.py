"""The error every ``platformctl`` command raises for a user mistake or an unusable input.

The command line prints it as one ``error: ...`` line and exits 1, with no traceback.
"""

from constructs_lib.errors import PlatformError


class CommandError(PlatformError):
    """A command cannot go on. The message says what was wrong and, where it can, what to do."""
