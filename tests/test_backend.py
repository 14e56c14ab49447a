from __future__ import annotations

import json

import cdktf
import pytest

from constructs_lib import ConstructArgumentError, StateBackend


def _full_synth(backend: StateBackend) -> dict:
    app = cdktf.Testing.app()
    stack = cdktf.TerraformStack(app, "env-infra")
    backend.apply(stack, "env-infra")
    return json.loads(cdktf.Testing.synth(stack, run_validations=False))["terraform"]["backend"]


def test_s3_backend_for_non_aws_stores_with_lockfile_and_no_credentials() -> None:
    backend = _full_synth(StateBackend(bucket="state", endpoint="https://s3.example", region="ru-1", key_prefix="env"))
    s3 = backend["s3"]
    assert s3["key"] == "env/env-infra.tfstate"
    assert s3["endpoints"] == {"s3": "https://s3.example"}
    assert s3["use_lockfile"] is True and s3["use_path_style"] is True
    for flag in (
        "skip_credentials_validation",
        "skip_region_validation",
        "skip_requesting_account_id",
        "skip_metadata_api_check",
    ):
        assert s3[flag] is True
    assert not {"access_key", "secret_key", "token"} & set(s3)


#: Each argument of the S3 backend block and why a non-AWS store needs it (terraform's S3
#: backend, 1.10+); every one must be written, with exactly this value.
NON_AWS_ARGUMENTS = {
    # The store answers at its own endpoint, and buckets are addressed by path, not by a
    # bucket.<endpoint> host name most S3-compatible stores do not serve.
    "endpoints": {"s3": "https://s3.example"},
    "use_path_style": True,
    # No STS to validate credentials with, no AWS account id to ask IAM for.
    "skip_credentials_validation": True,
    "skip_requesting_account_id": True,
    # Region names of the store's own, not AWS's.
    "skip_region_validation": True,
    # No EC2 instance metadata endpoint to read credentials from.
    "skip_metadata_api_check": True,
    # The flexible checksums of AWS's newer SDKs, which Ceph RGW, Swift s3api and
    # Selectel's store refuse.
    "skip_s3_checksum": True,
    # Locking by a lock object beside the state: no DynamoDB.
    "use_lockfile": True,
}


@pytest.mark.parametrize("argument", sorted(NON_AWS_ARGUMENTS))
def test_s3_backend_writes_each_argument_a_non_aws_store_needs(argument: str) -> None:
    s3 = _full_synth(StateBackend(bucket="state", endpoint="https://s3.example", region="ru-1", key_prefix="env"))["s3"]
    assert s3.get(argument) == NON_AWS_ARGUMENTS[argument]


def test_s3_backend_block_is_exactly_the_state_location_and_the_non_aws_arguments() -> None:
    """Nothing more (no credentials, no DynamoDB table, no AWS defaults) and nothing less."""
    s3 = _full_synth(StateBackend(bucket="state", endpoint="https://s3.example", region="ru-1", key_prefix="env"))["s3"]
    assert s3 == {"bucket": "state", "key": "env/env-infra.tfstate", "region": "ru-1", **NON_AWS_ARGUMENTS}


def test_local_backend_only_when_asked_and_outside_the_output(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = cdktf.App(outdir=str(tmp_path / "cdktf.out"))
    stack = cdktf.TerraformStack(app, "env-infra")
    StateBackend(kind="local", key_prefix="env", local_dir="state").apply(stack, "env-infra")
    backend = json.loads(cdktf.Testing.synth(stack, run_validations=False))["terraform"]["backend"]
    assert backend == {"local": {"path": "../../../state/env/env-infra.tfstate"}}
    stack_dir = tmp_path / "cdktf.out" / "stacks" / "env-infra"
    assert (stack_dir / backend["local"]["path"]).resolve() == tmp_path / "state" / "env" / "env-infra.tfstate"


@pytest.mark.parametrize(
    ("backend", "argument"),
    [
        (StateBackend(endpoint="https://s3.example"), "backend.bucket"),
        (StateBackend(bucket="state", endpoint="s3.example"), "backend.endpoint"),
        (StateBackend(kind="consul"), "backend.kind"),
    ],
)
def test_bad_backends(backend, argument) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        _full_synth(backend)
    assert err.value.argument == argument
