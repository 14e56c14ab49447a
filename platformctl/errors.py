"""The error every ``platformctl`` command raises for a user mistake or an unusable input.

The command line prints it as one ``error: ...`` line and exits 1, with no traceback.

It does not derive from :class:`constructs_lib.errors.PlatformError`: importing that module
imports the whole library and cdktf (seconds), which commands such as ``preview`` never need.
The command line treats both alike (:func:`platformctl.cli.is_user_error`).
"""


class CommandError(Exception):
    """A command cannot go on. The message says what was wrong and, where it can, what to do."""
