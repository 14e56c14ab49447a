"""The lifecycles of Magnum templates and clusters, run by the real terraform.

A cluster template in use cannot be changed (Magnum answers ClusterTemplateReferenced), so
:func:`constructs_lib.magnum.revision_trigger` makes every change a replacement. The
OpenStack provider cannot be downloaded here, so ``terraform_data`` resources stand in for
the template and the cluster with exactly the lifecycles the construct gives them; terraform's
own plan then shows that a new digest replaces the template (create before destroy), the same
digest changes nothing, and the cluster is updated in place (Magnum's upgrade API) only for a
change the driver's upgrade carries (the version, the image), and replaced for any other
(a label change would never reach a running cluster: Magnum copied the labels at creation).
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


def _stand_ins(doc: dict) -> dict:
    """The construct's template and cluster as ``terraform_data`` with their real lifecycles:
    the template's ``input`` is its name (the digest), the cluster's a reference to the
    template's id (a new template updates it in place, as the upgrade API does), and every
    ``terraform_data`` revision stays as synthesized."""
    data = {
        name: {"triggers_replace": body["triggers_replace"]} for name, body in doc["resource"]["terraform_data"].items()
    }
    (template,) = doc["resource"]["openstack_containerinfra_clustertemplate_v1"].values()
    (cluster,) = doc["resource"]["openstack_containerinfra_cluster_v1"].values()
    data["template"] = {"input": template["name"], "lifecycle": template["lifecycle"]}
    data["cluster"] = {
        "input": {"template": "${terraform_data.template.id}", "node_count": cluster["node_count"]},
        "lifecycle": cluster["lifecycle"],
    }
    return {"resource": {"terraform_data": data}}


def _plan(directory: Path, doc: dict, state: Path | None) -> dict[str, list[str]]:
    directory.mkdir()
    (directory / "main.tf.json").write_text(json.dumps(_stand_ins(doc)))
    if state is not None:
        shutil.copy(state, directory / "terraform.tfstate")
    _terraform(directory, "init", "-input=false", "-no-color")
    _terraform(directory, "plan", "-input=false", "-no-color", "-out=plan.bin")
    changes = _changes(directory)
    reasons = {c["address"].split(".", 1)[1]: c.get("action_reason") for c in changes}
    return {c["address"].split(".", 1)[1]: c["change"]["actions"] for c in changes} | {
        f"{name} reason": [reason] for name, reason in reasons.items() if reason
    }


@pytest.mark.upstream_rule(
    "magnum.labels-copied-at-creation",
    "magnum.template-never-patched",
    "magnum.heat.upgrade",
    "magnum.capi-helm.upgrade",
    "magnum.cluster-api.upgrade",
)
@pytest.mark.parametrize("driver", ["magnum-cluster-api", "magnum-capi-helm", "magnum-heat"])
def test_what_a_template_change_does_to_the_cluster_in_terraforms_plan(tmp_path: Path, driver: str) -> None:
    from tests.conftest import synth_stack
    from tests.test_magnum_deploy import _magnum

    def doc(**kw: object) -> dict:
        return synth_stack(lambda s: _magnum(s, driver, **kw))

    first = tmp_path / "first"
    _plan(first, doc(), None)
    _terraform(first, "apply", "-auto-approve", "-input=false", "-no-color", "plan.bin")
    state = first / "terraform.tfstate"

    same = _plan(tmp_path / "same", doc(), state)
    assert set(map(tuple, same.values())) == {("no-op",)}
    upgrade = _plan(tmp_path / "upgrade", doc(kubernetes_version="1.36.2", image="img-1.36.2"), state)
    label = _plan(tmp_path / "label", doc(labels={"octavia_provider": "ovn"}), state)
    resize = _plan(tmp_path / "resize", doc(worker_count=3), state)
    for plan in (upgrade, label):
        assert plan["template"] == ["create", "delete"]  # a new template first, never a patch
    replaced = ["delete", "create"]
    if driver == "magnum-heat":  # no upgrade API: any template change is a new cluster
        assert upgrade["cluster"] == replaced
    else:
        assert upgrade["cluster"] == ["update"]  # the upgrade API moves it to the new template
    assert label["cluster"] == replaced  # the cluster keeps its copied labels: a new one
    # The plan (and so a preview of it) gives the reason: the revision it names changed.
    assert label["cluster reason"] == ["replace_by_triggers"]
    assert resize["cluster"] == ["update"] and resize["template"] == ["no-op"]


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
