"""The lifecycle that keeps Magnum templates from being patched, run by the real terraform.

A cluster template in use cannot be changed (Magnum answers ClusterTemplateReferenced), so
:func:`constructs_lib.magnum.revision_trigger` makes every change a replacement. The
OpenStack provider cannot be downloaded here, so a ``terraform_data`` stands in for the
template with exactly the lifecycle the template gets; terraform's own plan then shows that a
new digest replaces it (create before destroy) and the same digest changes nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cdktf import App, LocalBackend, TerraformResource, TerraformStack

from constructs_lib.magnum import revision_trigger

pytestmark = pytest.mark.skipif(shutil.which("terraform") is None, reason="the terraform binary is not on PATH")


def _synth(out: Path, digest: str) -> Path:
    app = App(outdir=str(out))
    stack = TerraformStack(app, "template")
    LocalBackend(stack, path="terraform.tfstate")
    _, lifecycle = revision_trigger(stack, "template-revision", digest)
    template = TerraformResource(stack, "template", terraform_resource_type="terraform_data", lifecycle=lifecycle)
    template.add_override("input", "a template")
    app.synth()
    return out / "stacks" / "template"


def _terraform(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "TF_CLI_CONFIG_FILE": os.devnull}
    return subprocess.run(
        ["terraform", *args], cwd=directory, env=env, capture_output=True, text=True, check=True, timeout=120
    )


def test_a_new_digest_replaces_the_template_first_and_the_same_digest_changes_nothing(tmp_path: Path) -> None:
    first = _synth(tmp_path / "one", "aaaa1111")
    _terraform(first, "init", "-input=false", "-no-color")
    _terraform(first, "apply", "-auto-approve", "-input=false", "-no-color")
    state = first / "terraform.tfstate"

    same = _synth(tmp_path / "two", "aaaa1111")
    changed = _synth(tmp_path / "three", "bbbb2222")
    for directory in (same, changed):
        shutil.copy(state, directory / "terraform.tfstate")
        _terraform(directory, "init", "-input=false", "-no-color")
        _terraform(directory, "plan", "-input=false", "-no-color", "-out=plan.bin")
    assert [c["change"]["actions"] for c in _changes(same)] == [["no-op"], ["no-op"]]
    by_type = {c["address"].split(".")[1].split("_")[0]: c for c in _changes(changed)}
    assert by_type["template"]["change"]["actions"] == ["create", "delete"]
    assert by_type["template"]["action_reason"] == "replace_by_triggers"


def _changes(directory: Path) -> list[dict]:
    plan = json.loads(_terraform(directory, "show", "-json", "plan.bin").stdout)
    return sorted(plan["resource_changes"], key=lambda c: c["address"])


@pytest.mark.parametrize(("kube_version", "fails"), [("v1.36.1", False), ("1.36.1", False), ("v1.35.4", True)])
def test_the_image_version_postcondition_runs_in_terraform(tmp_path: Path, kube_version: str, fails: bool) -> None:
    """The exact condition a magnum-capi-helm cluster puts on its image, over a stand-in whose
    ``output`` plays the image's ``properties``."""
    from tests.conftest import synth_stack
    from tests.test_cluster_drivers import _cluster

    doc = synth_stack(lambda s: _cluster(s, "magnum-capi-helm"))
    (image,) = doc["data"]["openstack_images_image_v2"].values()
    (condition,) = image["lifecycle"]["postcondition"]
    stand_in = {
        "input": {"kube_version": kube_version},
        "lifecycle": {
            "postcondition": [
                {**condition, "condition": condition["condition"].replace("self.properties", "self.output")}
            ]
        },
    }
    (tmp_path / "main.tf.json").write_text(json.dumps({"resource": {"terraform_data": {"image": stand_in}}}))
    _terraform(tmp_path, "init", "-input=false", "-no-color")
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "TF_CLI_CONFIG_FILE": os.devnull}
    result = subprocess.run(
        ["terraform", "apply", "-auto-approve", "-input=false", "-no-color"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode != 0) == fails, result.stderr
    if fails:
        assert "must have the property kube_version = v1.36.1" in result.stderr
