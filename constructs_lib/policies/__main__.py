"""``python -m constructs_lib.policies`` prints the checks directory for ``--external-checks-dir``."""

from __future__ import annotations

from . import CHECKS_DIR

if __name__ == "__main__":
    print(CHECKS_DIR)
