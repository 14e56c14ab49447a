"""``python -m stacks [ENV ...]``: synthesize environments into cdktf.out (also cdktf.json's app)."""

from __future__ import annotations

import atexit
import gc
import os

# Importing cdktf and the provider bindings creates about a million objects that live as long
# as the process: the cyclic collector would walk them again and again while they load
# (a third of the start-up). Collection resumes after the imports, with them frozen out of it
# (and rests again while synth loads and builds: stacks.app.collector_paused).
gc.disable()

import argparse  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from constructs_lib.errors import PlatformError  # noqa: E402

from .app import synth  # noqa: E402

gc.freeze()
gc.enable()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stacks", description=__doc__)
    parser.add_argument("environments", nargs="*", help="environment names (default: every environments/*.hcl)")
    parser.add_argument(
        "--environments-dir",
        type=Path,
        default=Path("environments"),
        help="where the *.hcl files are (default: ./environments, so errors name environments/<env>.hcl)",
    )
    parser.add_argument("--out", type=Path, default=None, help="output directory (default: $CDKTF_OUTDIR or cdktf.out)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="warning: %(message)s", stream=sys.stderr)
    started = time.perf_counter()
    try:
        stacks = synth(args.environments_dir, args.out, args.environments or None)
    except PlatformError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"synthesized {len(stacks)} stacks in {time.perf_counter() - started:.1f}s: {', '.join(stacks)}")
    return 0


def _exit_without_teardown(code: int) -> None:
    """Exit as ``sys.exit`` would, but skip freeing every object one by one (a quarter of a synth).

    Exit handlers still run (they stop jsii's node process and remove its temporary files),
    and the standard streams are flushed, so nothing written is lost.
    """
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_handlers is None:  # not CPython: exit the usual way
        sys.exit(code)
    run_exit_handlers()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    status = main()
    if status == 0:
        _exit_without_teardown(status)
    sys.exit(status)
