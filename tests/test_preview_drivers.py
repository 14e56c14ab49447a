"""``platformctl preview`` judges what forces a replacement by the stack's own cluster driver."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.cluster_drivers import driver as cluster_driver
from platformctl.cli import main

ROOT = Path(__file__).resolve().parent.parent
CLUSTER = "openstack_containerinfra_cluster_v1"


def _plan(stack: str) -> dict[str, Any]:
    """A cluster replaced without replace_paths (older terraform): a new template and a new flavor."""
    before = {"name": stack, "cluster_template_id": "t-old", "flavor": "m1.large", "node_count": 2}
    after = {**before, "cluster_template_id": "t-new", "flavor": "m1.xlarge"}
    change = {
        "address": f"{CLUSTER}.cluster",
        "mode": "managed",
        "type": CLUSTER,
        "name": "cluster",
        "change": {
            "actions": ["delete", "create"],
            "before": before,
            "after": after,
            "after_unknown": {},
            "before_sensitive": {},
            "after_sensitive": {},
        },
    }
    return {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "planned_values": {"root_module": {}},
        "resource_changes": [change],
        "configuration": {"root_module": {"resources": [{"address": f"{CLUSTER}.cluster"}]}},
    }


@pytest.mark.parametrize(("env", "driver"), [("capi", "magnum-capi-helm"), ("heat", "magnum-heat")])
def test_forced_arguments_follow_the_environments_driver(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, env: str, driver: str
) -> None:
    environments = tmp_path / "environments"
    environments.mkdir()
    text = (ROOT / "environments" / "magnum.hcl").read_text()
    assert 'driver             = "magnum-capi-helm"' in text, "test setup: the driver line moved"
    (environments / f"{env}.hcl").write_text(text.replace("magnum-capi-helm", driver))
    plan = tmp_path / f"{env}-infra.plan.json"
    plan.write_text(json.dumps(_plan(f"{env}-infra")))
    monkeypatch.chdir(tmp_path)

    code = main(["preview", "--plan", str(plan), "--environments-dir", str(environments)])

    out, err = capsys.readouterr()
    assert code == 0, err
    in_place = cluster_driver(driver).in_place[CLUSTER]
    expected = sorted(a for a in ("cluster_template_id", "flavor") if a not in in_place)
    assert f"forced by (per the provider's docs): {', '.join(f'`{a}`' for a in expected)}\n" in out, out


def test_without_environment_files_only_what_every_driver_shares_is_claimed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = tmp_path / "capi-infra.plan.json"
    plan.write_text(json.dumps(_plan("capi-infra")))
    monkeypatch.chdir(tmp_path)
    shutil.rmtree(tmp_path / "environments", ignore_errors=True)

    assert main(["preview", "--plan", str(plan)]) == 0

    out = capsys.readouterr().out
    assert "forced by (per the provider's docs): `cluster_template_id`, `flavor`\n" in out
