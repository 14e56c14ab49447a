"""The project's OpenStack platform policy pack: checkov checks for what checkov's own
OpenStack checks miss.

Run it on synthesized stacks with::

    checkov -d cdktf.out/stacks --framework terraform_json --skip-download \\
        --external-checks-dir "$(python -m constructs_lib.policies)"

Checkov imports each check file of this directory itself, inside its own environment, so
the check files use only checkov and the standard library; this module only says where they are.
"""

from __future__ import annotations

from pathlib import Path

CHECKS_DIR: Path = Path(__file__).resolve().parent
"""The directory to give checkov as ``--external-checks-dir``."""

__all__ = ["CHECKS_DIR"]
