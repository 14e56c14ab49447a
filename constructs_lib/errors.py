"""The library's error types.

Every mistake a user can make in arguments or environment files ends in one
:class:`PlatformError`; entry points print its message and exit non-zero without a
traceback. Anything else escaping is a bug in the library.
"""

from __future__ import annotations

from typing import Any


class PlatformError(Exception):
    """Base class of every error caused by user input."""


class ConstructArgumentError(PlatformError, ValueError):
    """A construct was given an argument it cannot accept.

    The message names the construct path (as it appears in Terraform metadata), the
    argument, the bad value (written as HCL writes it: ``true``, ``null``, ``"text"``, the
    same in every message) and what is allowed.

    :param construct_path: the construct's path, or the value type's name.
    :param argument: the argument, or the path inside it (``subnets['nodes'].cidr``).
    :param value: the value given (``None`` when it is missing).
    :param allowed: what would be accepted.
    """

    def __init__(self, construct_path: str, argument: str, value: Any, allowed: str) -> None:
        self.construct_path = construct_path
        self.argument = argument
        self.value = value
        self.allowed = allowed
        from ._validate import hcl_value  # here: _validate imports this module

        super().__init__(f"{construct_path}: {argument} = {hcl_value(value)} is not allowed: {allowed}")
