"""Kubernetes release numbers as the constructs accept them (plain Python, no cdktf)."""

from __future__ import annotations

import re
from typing import Any

from .errors import ConstructArgumentError

# ASCII digits without leading zeros: "１.３６.１" and "01.36.1" are no releases.
_NUMBER = r"(0|[1-9][0-9]{0,2})"
_VERSION = re.compile(rf"v?{_NUMBER}\.{_NUMBER}\.{_NUMBER}", re.ASCII)
_MINOR = re.compile(rf"v?{_NUMBER}\.{_NUMBER}", re.ASCII)


def kubernetes_version(path: str, value: Any) -> str:
    """``1.34.2`` or ``v1.34.2`` -> ``1.34.2``; anything else is an error."""
    match = _VERSION.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ConstructArgumentError(path, "kubernetes_version", value, "a release such as 1.34.2 (major.minor.patch)")
    return ".".join(match.groups())


def kubernetes_release_or_minor(path: str, value: Any) -> str:
    """``1.34.2`` (an exact release) or ``1.34`` (a minor whose patch the cloud picks), with an
    optional ``v``; returned without it."""
    match = (_VERSION.fullmatch(value) or _MINOR.fullmatch(value)) if isinstance(value, str) else None
    if match is None:
        raise ConstructArgumentError(
            path, "kubernetes_version", value, "a release such as 1.34.2, or a minor such as 1.34 (ASCII digits)"
        )
    return ".".join(match.groups())
