"""The one error type of the loader."""

from __future__ import annotations

from constructs_lib.errors import PlatformError


class EnvironmentConfigError(PlatformError):
    """An environment file is wrong. The message names the file, the key path and the line."""
