"""Argument checks shared by the constructs. Each raises ConstructArgumentError."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from typing import Any

from constructs import Construct

from .errors import ConstructArgumentError

_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def child_path(scope: Construct, id_: str) -> str:
    """The path a construct will have, known before it is created."""
    parent = scope.node.path
    return f"{parent}/{id_}" if parent else id_


def dns_label(path: str, argument: str, value: str) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ConstructArgumentError(
            path,
            argument,
            value,
            "lowercase letters, digits and '-', 1-63 characters, starting and ending alphanumeric",
        )
    return value


def non_empty(path: str, argument: str, value: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConstructArgumentError(path, argument, value, "a non-empty string")
    return value


def choice(path: str, argument: str, value: Any, allowed: Iterable[Any]) -> Any:
    allowed = tuple(allowed)
    if value not in allowed:
        raise ConstructArgumentError(path, argument, value, "one of " + ", ".join(repr(a) for a in allowed))
    return value


def int_range(path: str, argument: str, value: Any, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ConstructArgumentError(path, argument, value, f"an integer {bound}")
    return value


def network(path: str, argument: str, value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(value, strict=True)
    except (ValueError, TypeError):
        raise ConstructArgumentError(
            path, argument, value, "a CIDR with no host bits set, such as 10.0.0.0/24"
        ) from None


def address(path: str, argument: str, value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    try:
        return ipaddress.ip_address(value)
    except (ValueError, TypeError):
        raise ConstructArgumentError(path, argument, value, "an IP address such as 10.0.0.10") from None


def cidrs(path: str, argument: str, values: Sequence[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        raise ConstructArgumentError(path, argument, values, "a list of CIDRs, not a single string")
    for v in values:
        network(path, argument, v)
    return tuple(values)
