"""The plan-time check that MKS offers the cluster's Kubernetes minor, run by the real terraform.

The selectel provider cannot be downloaded here, so a ``terraform_data`` whose ``output`` plays
``selectel_mks_kube_versions_v1.versions`` carries exactly the precondition the cluster gets.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import synth_stack
from tests.test_cluster_drivers import _cluster

pytestmark = pytest.mark.skipif(shutil.which("terraform") is None, reason="the terraform binary is not on PATH")


@pytest.mark.parametrize(
    ("offered", "fails"), [(["1.35.4", "1.36.3"], False), (["1.36.1"], False), (["1.34.9", "1.35.4"], True)]
)
def test_the_offered_versions_precondition_runs_in_terraform(tmp_path: Path, offered: list[str], fails: bool) -> None:
    doc = synth_stack(lambda s: _cluster(s, "selectel-mks"))
    (cluster,) = doc["resource"]["selectel_mks_cluster_v1"].values()
    (versions_id,) = doc["data"]["selectel_mks_kube_versions_v1"]
    (check,) = cluster["lifecycle"]["precondition"]
    reference = f"data.selectel_mks_kube_versions_v1.{versions_id}.versions"
    assert reference in check["condition"]
    stand_in = {
        "offered": {"input": offered},
        "cluster": {
            "input": "cluster",
            "lifecycle": {
                "precondition": [
                    {**check, "condition": check["condition"].replace(reference, "terraform_data.offered.output")}
                ]
            },
        },
    }
    (tmp_path / "main.tf.json").write_text(json.dumps({"resource": {"terraform_data": stand_in}}))
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "TF_CLI_CONFIG_FILE": os.devnull}

    def terraform(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["terraform", *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)

    assert terraform("init", "-input=false", "-no-color").returncode == 0
    result = terraform("apply", "-auto-approve", "-input=false", "-no-color")
    assert (result.returncode != 0) == fails, result.stderr
    if fails:
        assert "Kubernetes 1.36 is not offered by Selectel MKS in ru-7" in result.stderr
