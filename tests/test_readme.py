"""The README's example runs, and its generated catalog table is current."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_construct_example_synthesizes(tmp_path: Path) -> None:
    (example,) = [block for block in re.findall(r"```python\n(.*?)```", README, re.S) if "TeamStack" in block]
    script = tmp_path / "team.py"
    script.write_text(example)
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "18,20"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    doc = json.loads((tmp_path / "cdktf.out" / "stacks" / "team" / "cdk.tf.json").read_text())
    rules = doc["resource"]["openstack_networking_secgroup_rule_v2"].values()
    db = [r for r in rules if r["direction"] == "ingress" and r.get("port_range_min") == 5432]
    assert len(db) == 1 and db[0]["remote_group_id"].startswith("${openstack_networking_secgroup_v2.bastion")
    assert doc["terraform"]["backend"]["s3"]["key"] == "team/team.tfstate"


def test_catalog_table_is_current() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    from update_readme import render

    assert render(README) == README, "README catalog table is stale: run python scripts/update_readme.py"
