"""The policy pack's chart version check holds the library's one chart version rule: it reads
``constructs_lib._validate.CHART_VERSION_PATTERN`` (checkov runs the pack in its own
environment, where the library is not installed, so this runs there too)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from constructs_lib import _validate as check
from constructs_lib.errors import ConstructArgumentError
from constructs_lib.policies import CHECKS_DIR

#: Versions the library refuses that a looser pattern of its own let through.
REFUSED = ("1.0.0-01", "1234567890.0.0")


def _checkov_python() -> Path:
    for candidate in (os.environ.get("CHECKOV"), str(CHECKS_DIR.parents[1] / ".venv-checkov" / "bin" / "checkov")):
        if candidate and Path(candidate).exists():
            return Path(candidate).parent / "python"
    found = shutil.which("checkov")
    if found is None:
        pytest.fail("checkov not found: run scripts/setup (it installs checkov into .venv-checkov) or set CHECKOV")
    return Path(found).parent / "python"


def _in_checkov(versions: tuple[str, ...]) -> dict[str, object]:
    code = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(CHECKS_DIR)!r})\n"
        "import helm_chart_version as h\n"
        "versions = json.loads(sys.argv[1])\n"
        "results = {v: h.check.scan_resource_conf({'chart': ['app'], 'repository': ['https://c'], 'version': [v]}).name"
        " for v in versions}\n"
        "print(json.dumps({'pattern': h.EXACT_VERSION.pattern, 'results': results}))\n"
    )
    done = subprocess.run(
        [str(_checkov_python()), "-c", code, json.dumps(list(versions))],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_the_policy_pattern_is_the_librarys() -> None:
    seen = _in_checkov(("1.2.3", *REFUSED))
    assert seen["pattern"] == check.CHART_VERSION_PATTERN
    for version in REFUSED:
        with pytest.raises(ConstructArgumentError):
            check.chart_version("", "version", version)
    assert seen["results"] == {"1.2.3": "PASSED", **dict.fromkeys(REFUSED, "FAILED")}
