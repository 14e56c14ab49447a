"""``python -m stacks [ENV ...]``: synthesize environments into cdktf.out (also cdktf.json's app)."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from constructs_lib.errors import PlatformError

from .app import synth


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


if __name__ == "__main__":
    sys.exit(main())
