"""The transport settings of one ``platformctl mirror`` run: TLS or plain HTTP, and its timeouts."""

from __future__ import annotations

from dataclasses import dataclass

#: Seconds a registry or chart repository may take to accept a connection, and to send the
#: next part of an answer, before the artifact counts as failed (``--timeout``).
REQUEST_TIMEOUT = 60
#: Seconds one image copy may take in all (large images on slow links; ``--copy-timeout``).
COPY_TIMEOUT = 3600
#: Environment variables that set the two (the options win).
TIMEOUT_VARIABLE = "PLATFORMCTL_MIRROR_TIMEOUT"
COPY_TIMEOUT_VARIABLE = "PLATFORMCTL_MIRROR_COPY_TIMEOUT"


@dataclass(frozen=True)
class Options:
    """Transport settings of one run.

    :param insecure: talk plain HTTP (and skip TLS verification) to the registries: only
        for local test registries.
    :param timeout: seconds to connect, and to wait for each part of an answer, per request.
    :param copy_timeout: seconds one image copy may take in all.
    """

    insecure: bool = False
    timeout: float = REQUEST_TIMEOUT
    copy_timeout: float = COPY_TIMEOUT


def seconds(value: float) -> str:
    """A number of seconds as messages give it (``60 s``, ``0.5 s``)."""
    return f"{value:g} s"
