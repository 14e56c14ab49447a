"""Python's cyclic garbage collector paused around work that makes many long-lived objects.

The app (reading environment files, building and synthesizing the stacks) and ``platformctl``
(reading a plan's JSON, importing the app) each create hundreds of thousands of containers that
live until the work is done and make no cycles: every full collection would walk them again as
they pile up, a cost that grows faster than the input. Standard library only, so the commands
that never load cdktf can use it too.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector rests inside, and is as it was after (also on error). What the work
    leaves is collected after, as usual, by the process or by a program that called it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
