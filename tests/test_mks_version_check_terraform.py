"""The plan-time check that MKS offers the cluster's Kubernetes minor, and the resolution of a
minor to the newest patch MKS offers, run by the real terraform.

The selectel provider cannot be downloaded here, so a ``terraform_data`` whose ``output`` plays
``selectel_mks_kube_versions_v1.versions`` carries exactly the precondition and the
``kube_version`` expression the cluster gets.
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
ENV = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "TF_CLI_CONFIG_FILE": os.devnull}


def _terraform(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["terraform", *args], cwd=directory, env=ENV, capture_output=True, text=True, timeout=120)


def _stand_in(tmp_path: Path, offered: list[str], version: str) -> subprocess.CompletedProcess[str]:
    """Apply the cluster's precondition and kube_version with ``offered`` as the versions MKS offers."""
    doc = synth_stack(lambda s: _cluster(s, "selectel-mks", kubernetes_version=version))
    (cluster,) = doc["resource"]["selectel_mks_cluster_v1"].values()
    (versions_id,) = doc["data"]["selectel_mks_kube_versions_v1"]
    (check,) = cluster["lifecycle"]["precondition"]
    reference = f"data.selectel_mks_kube_versions_v1.{versions_id}.versions"
    assert reference in check["condition"]
    played = "terraform_data.offered.output"
    stand_in = {
        "resource": {
            "terraform_data": {
                "offered": {"input": offered},
                "cluster": {
                    "input": cluster["kube_version"].replace(reference, played),
                    "lifecycle": {
                        "precondition": [{**check, "condition": check["condition"].replace(reference, played)}]
                    },
                },
            }
        },
        "output": {"kube_version": {"value": "${terraform_data.cluster.output}"}},
    }
    (tmp_path / "main.tf.json").write_text(json.dumps(stand_in))
    assert _terraform(tmp_path, "init", "-input=false", "-no-color").returncode == 0
    return _terraform(tmp_path, "apply", "-auto-approve", "-input=false", "-no-color")


@pytest.mark.upstream_rule("mks.kube-versions")
@pytest.mark.parametrize(
    ("offered", "fails"), [(["1.35.4", "1.36.3"], False), (["1.36.1"], False), (["1.34.9", "1.35.4"], True)]
)
def test_the_offered_versions_precondition_runs_in_terraform(tmp_path: Path, offered: list[str], fails: bool) -> None:
    result = _stand_in(tmp_path, offered, "1.36.1")
    assert (result.returncode != 0) == fails, result.stderr
    if fails:
        assert "Kubernetes 1.36 is not offered by Selectel MKS in ru-7" in result.stderr
    else:
        # A pinned release is written as it is.
        assert _terraform(tmp_path, "output", "-raw", "kube_version").stdout == "1.36.1"


@pytest.mark.upstream_rule("mks.kube-versions")
@pytest.mark.parametrize(
    ("offered", "resolved"),
    [
        # Unordered, as the API lists them; patches compare as numbers, not as text.
        (["1.36.9", "1.35.12", "1.36.10", "1.36.2"], "1.36.10"),
        (["1.36.1"], "1.36.1"),
        # Neither a longer minor nor a suffixed release is a patch of 1.36.
        (["1.361.0", "1.36.3", "1.36.4-rc.1", "1.37.0"], "1.36.3"),
        (["1.34.9", "1.35.4"], None),
    ],
)
def test_a_minor_resolves_to_the_newest_offered_patch_in_terraform(
    tmp_path: Path, offered: list[str], resolved: str | None
) -> None:
    result = _stand_in(tmp_path, offered, "1.36")
    if resolved is None:
        assert result.returncode != 0
        # The plan-time check speaks, before the version is worked out.
        assert "Kubernetes 1.36 is not offered by Selectel MKS in ru-7" in result.stderr
    else:
        assert result.returncode == 0, result.stderr
        assert _terraform(tmp_path, "output", "-raw", "kube_version").stdout == resolved
