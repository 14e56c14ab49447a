"""The backend block every stack emits, run by the real terraform binary against an S3 server.

A stack of ``terraform_data`` resources (no provider to download) gets its backend from
``StateBackend``, exactly as the shipped stacks do, pointed at the test server and a bucket
set up by ``platformctl bootstrap-state``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cdktf import App, DataResource, LocalExecProvisioner, TerraformOutput, TerraformStack, TerraformVariable
from conftest import S3Store

from constructs_lib import StateBackend
from platformctl.cli import main
from stacks.app import ENVIRONMENTS_DIR

pytestmark = pytest.mark.skipif(
    shutil.which("terraform") is None, reason="the terraform binary (>= 1.10, for use_lockfile) is not on PATH"
)

TIMEOUT = 120
LOCK_ERROR = "Error acquiring the state lock"


@pytest.fixture(scope="module")
def state_bucket(s3_store: S3Store, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A bucket set up by ``platformctl bootstrap-state`` from an environment file."""
    bucket = f"tfstate-{uuid.uuid4().hex[:12]}"
    directory = tmp_path_factory.mktemp("environments")
    text = (ENVIRONMENTS_DIR / "simple.hcl").read_text()
    text = text.replace('"platform-terraform-state"', f'"{bucket}"', 1)
    text = text.replace('"https://s3.ru-1.storage.selcloud.ru"', f'"{s3_store.endpoint}"', 1)
    (directory / "simple.hcl").write_text(text)
    with pytest.MonkeyPatch.context() as env:
        for name, value in s3_store.credentials_env().items():
            env.setenv(name, value)
        env.delenv("AWS_PROFILE", raising=False)
        assert main(["bootstrap-state", "simple", "--environments-dir", str(directory)]) == 0
    assert s3_store.client().get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    return bucket


@dataclass
class Stack:
    """A synthesized stack and terraform run in its directory."""

    directory: Path
    document: dict[str, Any]
    key: str
    env: dict[str, str]

    def terraform(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["terraform", *args, "-no-color"],
            cwd=self.directory,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )

    def ok(self, *args: str) -> str:
        result = self.terraform(*args)
        assert result.returncode == 0, f"terraform {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def apply(self, generation: str, gate: str = "") -> list[str]:
        return ["apply", "-auto-approve", "-input=false", f"-var=generation={generation}", f"-var=gate={gate}"]

    def state(self) -> dict[str, Any]:
        return dict(json.loads(self.ok("state", "pull")))


def build_stack(stack: TerraformStack, backend: StateBackend, name: str) -> None:
    backend.apply(stack, name)
    generation = TerraformVariable(stack, "generation", type="string", default="1")
    gate = TerraformVariable(stack, "gate", type="string", default="")
    DataResource(stack, "marker", input={"generation": generation.string_value})
    # Replaced with every generation; when ``gate`` names a file, the apply holds the state
    # lock until that file exists (at most a minute).
    wait = (
        f'if [ -n "{gate.string_value}" ]; then i=0; '
        f'while [ ! -e "{gate.string_value}" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; fi'
    )
    DataResource(
        stack,
        "holder",
        triggers_replace={"generation": generation.string_value},
        provisioners=[LocalExecProvisioner(type="local-exec", command=wait)],
    )
    TerraformOutput(stack, "generation_applied", value=generation.string_value)


@pytest.fixture
def stack(s3_store: S3Store, state_bucket: str, tmp_path: Path) -> Iterator[Stack]:
    """A fresh stack (own state key) synthesized with cdktf and initialized with terraform."""
    name = "state-test"
    prefix = f"run-{uuid.uuid4().hex[:8]}"
    backend = StateBackend(bucket=state_bucket, endpoint=s3_store.endpoint, region=s3_store.region, key_prefix=prefix)
    app = App(outdir=str(tmp_path / "out"))
    build_stack(TerraformStack(app, name), backend, name)
    app.synth()
    directory = tmp_path / "out" / "stacks" / name
    cli_config = tmp_path / "terraformrc"
    cli_config.write_text("")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        "TF_CLI_CONFIG_FILE": str(cli_config),
        "NO_PROXY": "127.0.0.1,localhost",
        "AWS_EC2_METADATA_DISABLED": "true",
        **s3_store.credentials_env(),
    }
    result = Stack(directory, json.loads((directory / "cdk.tf.json").read_text()), backend.key(name), env)
    result.ok("init", "-input=false")
    yield result


def state_versions(s3_store: S3Store, bucket: str, key: str) -> list[dict[str, Any]]:
    """Every stored version of the state object, newest first, with its parsed content."""
    s3 = s3_store.client()
    listed = s3.list_object_versions(Bucket=bucket, Prefix=key)["Versions"]
    versions = sorted((v for v in listed if v["Key"] == key), key=lambda v: v["LastModified"], reverse=True)
    return [
        {**v, "state": json.loads(s3.get_object(Bucket=bucket, Key=key, VersionId=v["VersionId"])["Body"].read())}
        for v in versions
    ]


def generation_in(state: dict[str, Any]) -> str:
    marker = next(r for r in state["resources"] if r["type"] == "terraform_data" and r["name"] == "marker")
    return str(marker["instances"][0]["attributes"]["input"]["value"]["generation"])  # a dynamic value


def test_backend_block_is_the_one_the_shipped_stacks_use(stack, shipped_stacks, s3_store, state_bucket):
    ours = stack.document["terraform"]["backend"]
    for name, doc in shipped_stacks.items():
        shipped = doc["terraform"]["backend"]
        assert set(shipped) == {"s3"}, name
        expected = {
            **shipped["s3"],
            "bucket": state_bucket,
            "endpoints": {"s3": s3_store.endpoint},
            "key": stack.key,
            "region": s3_store.region,
        }
        assert ours == {"s3": expected}, name
    assert ours["s3"]["use_lockfile"] is True and ours["s3"]["use_path_style"] is True
    assert not {"access_key", "secret_key", "token"} & set(ours["s3"])


def test_every_apply_keeps_the_earlier_state_versions(stack, s3_store, state_bucket):
    stack.ok(*stack.apply("1"))
    stack.ok(*stack.apply("2"))

    versions = state_versions(s3_store, state_bucket, stack.key)
    assert [generation_in(v["state"]) for v in versions] == ["2", "1"]
    assert [v["IsLatest"] for v in versions] == [True, False]
    assert versions[0]["state"]["serial"] > versions[1]["state"]["serial"]
    assert versions[0]["state"]["lineage"] == versions[1]["state"]["lineage"]
    assert stack.state() == versions[0]["state"]

    # Restoring an earlier version: copy it over the current one (a new version, nothing lost).
    s3 = s3_store.client()
    s3.copy_object(
        Bucket=state_bucket,
        Key=stack.key,
        CopySource={"Bucket": state_bucket, "Key": stack.key, "VersionId": versions[1]["VersionId"]},
    )
    assert generation_in(stack.state()) == "1"
    assert len(state_versions(s3_store, state_bucket, stack.key)) == 3


def wait_for_object(s3_store: S3Store, bucket: str, key: str, process: subprocess.Popen[str]) -> dict[str, Any]:
    """The object's content once it exists; fails if ``process`` ends first or after 30 s."""
    s3 = s3_store.client()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            return dict(json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))
        except s3.exceptions.NoSuchKey:
            pass
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the first apply ended without holding the lock:\n{out}\n{err}")
        time.sleep(0.05)
    pytest.fail(f"no lock object {key} appeared")


def test_two_applies_at_once_one_fails_on_the_lock_and_state_stays_whole(stack, s3_store, state_bucket, tmp_path):
    stack.ok(*stack.apply("1"))
    gate = tmp_path / "release-first-apply"
    lock_key = f"{stack.key}.tflock"

    first = subprocess.Popen(
        ["terraform", *stack.apply("2", gate=str(gate)), "-no-color"],
        cwd=stack.directory,
        env=stack.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lock = wait_for_object(s3_store, state_bucket, lock_key, first)
        second = stack.terraform(*stack.apply("3"))
    finally:
        gate.touch()
        out, err = first.communicate(timeout=TIMEOUT)

    assert second.returncode != 0
    assert LOCK_ERROR in second.stderr
    assert f"ID:        {lock['ID']}" in second.stderr  # the lock shown is the object in the bucket
    assert first.returncode == 0, f"{out}\n{err}"
    assert "Apply complete!" in out

    s3 = s3_store.client()
    with pytest.raises(s3.exceptions.ClientError):
        s3.head_object(Bucket=state_bucket, Key=lock_key)  # released
    state = stack.state()
    assert generation_in(state) == "2"
    assert {(r["type"], r["name"]) for r in state["resources"]} == {
        ("terraform_data", "marker"),
        ("terraform_data", "holder"),
    }
    assert state["outputs"]["generation_applied"]["value"] == "2"
    shown = json.loads(stack.ok("show", "-json"))
    assert {r["address"] for r in shown["values"]["root_module"]["resources"]} == {
        "terraform_data.marker",
        "terraform_data.holder",
    }
    # The state matches the configuration of the apply that won: nothing left to do.
    plan = stack.terraform("plan", "-input=false", "-detailed-exitcode", "-var=generation=2", "-var=gate=")
    assert plan.returncode == 0, plan.stdout + plan.stderr
