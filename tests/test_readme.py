"""The README's examples run, and its generated catalog table is current."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def run_example(marker: str, directory: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Run the README's Python block containing ``marker`` as a script in ``directory``
    (in this process: the subprocess would only add an interpreter start); returns its stack."""
    (example,) = [block for block in re.findall(r"```python\n(.*?)```", README, re.S) if marker in block]
    # jsii's Node.js process resolves App()'s default ./cdktf.out in its own working directory,
    # which a chdir here does not move: the one change to the example is where it writes.
    assert example.count("app = App()") == 1
    outdir = directory / "cdktf.out"
    example = example.replace("app = App()", f"app = App(outdir={str(outdir)!r})")
    monkeypatch.chdir(directory)
    exec(compile(example, f"README.md ({marker})", "exec"), {"__name__": "__main__"})
    (stack,) = (outdir / "stacks").iterdir()
    return json.loads((stack / "cdk.tf.json").read_text())


def test_construct_example_synthesizes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = run_example("class TeamStack", tmp_path, monkeypatch)
    rules = doc["resource"]["openstack_networking_secgroup_rule_v2"].values()
    db = [r for r in rules if r["direction"] == "ingress" and r.get("port_range_min") == 5432]
    assert len(db) == 1 and db[0]["remote_group_id"].startswith("${openstack_networking_secgroup_v2.bastion")
    assert doc["terraform"]["backend"]["s3"]["key"] == "team/team.tfstate"


def test_first_stack_of_the_install_section_synthesizes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = run_example("class FirstStack", tmp_path, monkeypatch)
    assert doc["//"]["metadata"]["stackName"] == "first"
    (network,) = doc["resource"]["openstack_networking_network_v2"].values()
    assert network["name"].startswith("first")
    assert doc["terraform"]["required_providers"]["openstack"]["source"] == "terraform-provider-openstack/openstack"


def test_catalog_table_is_current() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    from update_readme import render

    assert render(README) == README, "README catalog table is stale: run python scripts/update_readme.py"


def test_cluster_and_platform_example_synthesizes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (example,) = [b for b in re.findall(r"```python\n(.*?)```", README, re.S) if "class ClusterStack" in b]
    outdir = tmp_path / "cdktf.out"
    example = example.replace("app = App()", f"app = App(outdir={str(outdir)!r})")
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "README.md (ClusterStack)", "exec"), {"__name__": "__main__"})
    infra = json.loads((outdir / "stacks" / "team-infra" / "cdk.tf.json").read_text())
    addons = json.loads((outdir / "stacks" / "team-addons" / "cdk.tf.json").read_text())
    groups = infra["resource"]["selectel_mks_nodegroup_v1"].values()
    assert {
        g["labels"]["node-role.deckhouse.io/gpu"] for g in groups if "node-role.deckhouse.io/gpu" in g["labels"]
    } == {""}
    releases = {r["name"]: r for r in addons["resource"]["helm_release"].values()}
    assert set(releases) == {"cert-manager", "traefik", "inference"}
    assert "node-role.deckhouse.io/gpu" in releases["inference"]["values"][0]
    assert "terraform_remote_state" in addons["data"]
