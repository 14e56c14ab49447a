"""``platformctl bootstrap-state`` against a real S3 server (moto, with signatures and IAM checked)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import S3Store

from environment_loader import load_environment
from platformctl.cli import main
from platformctl.errors import CommandError
from platformctl.state import LIFECYCLE_RULE_ID, StateBucket, bootstrap
from stacks.app import synth

BUCKET_LINE = 'bucket   = "platform-terraform-state"'
ENDPOINT_LINE = 'endpoint = "https://s3.ru-1.storage.selcloud.ru"'
BACKEND_END = "\n}\n\n# The public key"
ALL_FOUR = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., None]:
    """No credentials from the machine running the tests; ``set(...)`` gives some."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))

    def set_(**variables: str) -> None:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)

    return set_


@pytest.fixture
def bucket_name() -> str:
    return f"tfstate-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def environment(env_dir: Callable[..., Path], s3_store: S3Store, bucket_name: str) -> Callable[..., Path]:
    """``environments/simple.hcl`` pointing at the test server and a fresh bucket."""

    def make(backend_extra: str = "", endpoint: str | None = None, replace: tuple[tuple[str, str], ...] = ()) -> Path:
        ours = (
            (BUCKET_LINE, f'bucket   = "{bucket_name}"'),
            (ENDPOINT_LINE, f'endpoint = "{endpoint or s3_store.endpoint}"'),
            (BACKEND_END, f"\n{backend_extra}\n}}\n\n# The public key"),
        )
        replaced = {old for old, _ in replace}
        return env_dir("simple", replace=(*replace, *(edit for edit in ours if edit[0] not in replaced)))

    return make


def run(capsys: pytest.CaptureFixture[str], directory: Path, env: str = "simple") -> tuple[int, list[str], str]:
    code = main(["bootstrap-state", env, "--environments-dir", str(directory)])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def bucket_names(s3_store: S3Store) -> set[str]:
    return {b["Name"] for b in s3_store.client().list_buckets()["Buckets"]}


def test_new_bucket_is_set_up_and_a_second_run_changes_nothing(s3_store, environment, aws_env, bucket_name, capsys):
    aws_env(**s3_store.credentials_env())
    directory = environment("  noncurrent_version_days = 30")

    code, lines, err = run(capsys, directory)

    assert code == 0, err
    where = f"bucket {bucket_name!r} at {s3_store.endpoint}"
    assert lines == [
        f"{where}: created (region ru-1)",
        "versioning: enabled (was never enabled)",
        f"public access block: turned on (was off: {', '.join(ALL_FOUR)})",
        f"lifecycle rule {LIFECYCLE_RULE_ID!r}: added (noncurrent versions expire after 30 days)",
        f"4 changes made to {where}.",
    ]
    s3 = s3_store.client()
    assert s3.get_bucket_location(Bucket=bucket_name)["LocationConstraint"] == "ru-1"
    assert s3.get_bucket_versioning(Bucket=bucket_name)["Status"] == "Enabled"
    assert s3.get_public_access_block(Bucket=bucket_name)["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ALL_FOUR, True
    )
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket_name)["Rules"]
    assert [(r["ID"], r["Status"], r["NoncurrentVersionExpiration"]["NoncurrentDays"]) for r in rules] == [
        (LIFECYCLE_RULE_ID, "Enabled", 30)
    ]
    assert rules[0]["Filter"] == {"Prefix": ""}

    code, again, err = run(capsys, directory)

    assert code == 0, err
    assert again == [
        f"{where}: already exists",
        "versioning: already enabled",
        "public access block: already on (all four settings)",
        f"lifecycle rule {LIFECYCLE_RULE_ID!r}: already in place (noncurrent versions expire after 30 days)",
        f"no changes: {where} was already set up.",
    ]
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket_name)["Rules"] == rules


def test_existing_bucket_keeps_other_rules_and_gets_what_differs_fixed(
    s3_store, environment, aws_env, bucket_name, capsys
):
    s3 = s3_store.client()
    s3.create_bucket(Bucket=bucket_name, CreateBucketConfiguration={"LocationConstraint": "ru-1"})
    s3.put_bucket_versioning(Bucket=bucket_name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_versioning(Bucket=bucket_name, VersioningConfiguration={"Status": "Suspended"})
    s3.put_public_access_block(
        Bucket=bucket_name, PublicAccessBlockConfiguration={**dict.fromkeys(ALL_FOUR, False), "BlockPublicAcls": True}
    )
    logs_rule = {"ID": "expire-logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 7}}
    ours_before = {
        "ID": LIFECYCLE_RULE_ID,
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "NoncurrentVersionExpiration": {"NoncurrentDays": 10},
    }
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket_name, LifecycleConfiguration={"Rules": [logs_rule, ours_before]}
    )
    aws_env(**s3_store.credentials_env())

    code, lines, err = run(capsys, environment())  # the default: 90 days

    assert code == 0, err
    assert lines[1:4] == [
        "versioning: enabled (was suspended)",
        "public access block: turned on (was off: IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets)",
        f"lifecycle rule {LIFECYCLE_RULE_ID!r}: updated (noncurrent versions expire after 90 days, was 10); "
        "kept 1 other rule",
    ]
    assert lines[0].endswith(": already exists") and lines[4].startswith("3 changes made")
    assert s3.get_bucket_versioning(Bucket=bucket_name)["Status"] == "Enabled"
    assert all(s3.get_public_access_block(Bucket=bucket_name)["PublicAccessBlockConfiguration"].values())
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket_name)["Rules"]}
    assert rules["expire-logs"] == logs_rule
    assert rules[LIFECYCLE_RULE_ID]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 90}


@pytest.mark.parametrize("secret", ["right", "wrong"])
def test_console_script(s3_store, environment, bucket_name, tmp_path, secret):
    script = Path(sys.executable).parent / "platformctl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(s3_store.credentials_env(), AWS_CONFIG_FILE=str(tmp_path / "none"))
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "none")
    if secret == "wrong":
        env["AWS_SECRET_ACCESS_KEY"] = "wrong-secret-5e1f0a7c"
    directory = environment()

    result = subprocess.run(
        [str(script), "bootstrap-state", "simple", "--environments-dir", str(directory)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    if secret == "right":
        assert (result.returncode, result.stderr) == (0, "")
        assert f"bucket {bucket_name!r} at {s3_store.endpoint}: created (region ru-1)" in result.stdout.splitlines()
        assert s3_store.client().get_bucket_versioning(Bucket=bucket_name)["Status"] == "Enabled"
    else:
        assert (result.returncode, result.stdout) == (1, "")
        assert result.stderr.startswith("error: the store at ") and result.stderr.count("\n") == 1, result.stderr
        assert "rejected the credentials (SignatureDoesNotMatch)" in result.stderr
        assert "wrong-secret" not in result.stderr
        assert bucket_name not in bucket_names(s3_store)


class _LineOf(dict[str, int]):
    """``{backend}`` is the line of the ``backend {`` block, ``{kind}`` the line of ``kind =`` in it."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.lines = text.splitlines()
        self.start = next(i for i, line in enumerate(self.lines) if line.startswith("backend {"))

    def __missing__(self, key: str) -> int:
        if key == "backend":
            return self.start + 1
        return next(i + 1 for i, line in enumerate(self.lines) if i > self.start and line.strip().startswith(f"{key} "))


@pytest.mark.parametrize(
    ("env", "backend_extra", "replace", "expected"),
    [
        ("nope", "", (), "environments: no environment nope; known: simple"),
        (
            "simple",
            "",
            (('kind     = "s3"', 'kind     = "local"'),),
            "simple.hcl:{kind}: backend.kind: 'local' is not allowed here: bootstrap-state needs kind = \"s3\"",
        ),
        (
            "simple",
            "",
            ((BUCKET_LINE, ""),),
            "simple.hcl:{backend}: backend.bucket: is missing: the name of the state bucket",
        ),
        (
            "simple",
            "",
            ((ENDPOINT_LINE, ""),),
            "simple.hcl:{backend}: backend.endpoint: is missing: the S3 endpoint URL",
        ),
        (
            "simple",
            "",
            ((ENDPOINT_LINE, 'endpoint = "s3.example.com"'),),
            'simple.hcl:{endpoint}: backend.endpoint: "s3.example.com" is not allowed: a URL starting with https://',
        ),
        (
            "simple",
            "  noncurrent_version_days = 0",
            (),
            "simple.hcl:{noncurrent_version_days}: backend.noncurrent_version_days: 0 is not allowed: a whole number of days from 7 to 3650",
        ),
        (
            "simple",
            '  noncurrent_version_days = "90"',
            (),
            'simple.hcl:{noncurrent_version_days}: backend.noncurrent_version_days: "90" is not allowed: expected an integer',
        ),
    ],
    ids=["unknown-env", "local-backend", "no-bucket", "no-endpoint", "endpoint-not-url", "days-0", "days-string"],
)
def test_file_mistakes_stop_before_any_request(
    s3_store, environment, aws_env, capsys, env, backend_extra, replace, expected
):
    aws_env(**s3_store.credentials_env())
    before = bucket_names(s3_store)

    directory = environment(backend_extra, replace=replace)
    code, lines, err = run(capsys, directory, env)

    assert code == 1
    assert lines == []
    assert err.startswith("error: ") and err.count("\n") == 1, err
    # Line numbers are read from the file as written, so comments added to it move nothing here.
    assert expected.format_map(_LineOf((directory / "simple.hcl").read_text())) in err
    assert bucket_names(s3_store) == before


@pytest.mark.parametrize(
    ("credentials", "expected"),
    [
        ({}, "no credentials for the state bucket: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
        ({"AWS_ACCESS_KEY_ID": "AKIAONLYHALF"}, "missing: AWS_SECRET_ACCESS_KEY"),
        ({"AWS_PROFILE": "no-such-profile"}, "profile (no-such-profile) could not be found"),
    ],
    ids=["none", "no-secret", "unknown-profile"],
)
def test_missing_credentials_stop_before_any_request(
    s3_store, environment, aws_env, bucket_name, capsys, monkeypatch, credentials, expected
):
    aws_env(**credentials)

    code, lines, err = run(capsys, environment())

    assert (code, lines) == (1, [])
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert expected in err
    monkeypatch.delenv("AWS_PROFILE", raising=False)  # for the checking client
    assert bucket_name not in bucket_names(s3_store)


@pytest.mark.parametrize("wrong", ["access-key", "secret-key"])
def test_wrong_credentials_are_rejected_by_the_store(s3_store, environment, aws_env, bucket_name, capsys, wrong):
    secret = "wrong-secret-a8f3b1c9d2e7" if wrong == "secret-key" else s3_store.secret_key
    key = "AKIANOTAKEYOFTHISSTORE" if wrong == "access-key" else s3_store.access_key
    aws_env(AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret)

    code, lines, err = run(capsys, environment())

    assert (code, lines) == (1, [])
    code_name = "InvalidAccessKeyId" if wrong == "access-key" else "SignatureDoesNotMatch"
    assert err == (
        f"error: the store at {s3_store.endpoint} rejected the credentials ({code_name}): "
        "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) to S3 keys of this store\n"
    )
    assert secret not in err
    assert bucket_name not in bucket_names(s3_store)


def test_unreachable_endpoint_fails_with_one_line(s3_store, environment, aws_env, capsys):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    aws_env(**s3_store.credentials_env())

    code, lines, err = run(capsys, environment(endpoint=closed))

    assert (code, lines) == (1, [])
    assert err.startswith(f"error: cannot reach the S3 endpoint {closed} (")
    assert "simple.hcl backend.endpoint): " in err and err.count("\n") == 1


def test_bucket_of_another_account_is_refused_and_left_alone(s3_store, environment, aws_env, bucket_name, capsys):
    theirs = s3_store.client(s3_store.other_access_key, s3_store.other_secret_key)
    theirs.create_bucket(Bucket=bucket_name, CreateBucketConfiguration={"LocationConstraint": "ru-1"})
    aws_env(**s3_store.credentials_env())

    code, lines, err = run(capsys, environment())

    assert (code, lines) == (1, [])
    assert err.startswith(f"error: bucket {bucket_name!r} at {s3_store.endpoint} exists but belongs to someone else")
    assert "(HEAD answered 403 Forbidden)" in err and "simple.hcl backend.bucket" in err
    assert "Status" not in theirs.get_bucket_versioning(Bucket=bucket_name)


def test_noncurrent_version_days_stays_out_of_the_backend_block(
    s3_store, environment, bucket_name, shipped_stacks, tmp_path
):
    directory = environment("  noncurrent_version_days = 45")
    config, _ = load_environment(directory / "simple.hcl")
    assert config.backend.noncurrent_version_days == 45

    synth(directory, tmp_path / "out")

    ours = json.loads((tmp_path / "out" / "stacks" / "simple-infra" / "cdk.tf.json").read_text())
    shipped = shipped_stacks["simple-infra"]["terraform"]["backend"]["s3"]
    assert ours["terraform"]["backend"]["s3"] == {
        **shipped,
        "bucket": bucket_name,
        "endpoints": {"s3": s3_store.endpoint},
    }


# What moto cannot show: answers of other stores, replayed through botocore's stubber.


def _stubbed(target: StateBucket) -> tuple[Any, Any]:
    import boto3
    from botocore.stub import Stubber

    client = boto3.client(
        "s3",
        endpoint_url=target.endpoint,
        region_name=target.region,
        aws_access_key_id="AKIASTUB",
        aws_secret_access_key="stub",
    )
    return client, Stubber(client)


TARGET = StateBucket("state", "https://s3.example.test", "ru-1", 90, "environments/simple.hcl")
OUR_RULE = {
    "ID": LIFECYCLE_RULE_ID,
    "Status": "Enabled",
    "Filter": {"Prefix": ""},
    "NoncurrentVersionExpiration": {"NoncurrentDays": 90},
}


@pytest.mark.parametrize("refused", ["get", "put"])
def test_store_without_public_access_block_is_skipped(refused):
    client, stub = _stubbed(TARGET)
    stub.add_response("head_bucket", {}, {"Bucket": "state"})
    stub.add_response("get_bucket_versioning", {"Status": "Enabled"}, {"Bucket": "state"})
    if refused == "get":
        stub.add_client_error("get_public_access_block", "NotImplemented", http_status_code=501)
    else:
        stub.add_client_error("get_public_access_block", "NoSuchPublicAccessBlockConfiguration", http_status_code=404)
        stub.add_client_error("put_public_access_block", "NotImplemented", http_status_code=501)
    stub.add_response("get_bucket_lifecycle_configuration", {"Rules": [OUR_RULE]}, {"Bucket": "state"})
    lines: list[str] = []

    with stub:
        changes = bootstrap(client, TARGET, lines.append)

    assert changes == 0
    assert lines[2] == "public access block: not supported by this store, skipped"
    stub.assert_no_pending_responses()


def test_bucket_name_taken_by_another_tenant_is_refused():
    client, stub = _stubbed(TARGET)
    stub.add_client_error("head_bucket", "404", http_status_code=404)
    stub.add_client_error("create_bucket", "BucketAlreadyExists", http_status_code=409)

    with stub, pytest.raises(CommandError, match="exists but belongs to someone else.*BucketAlreadyExists"):
        bootstrap(client, TARGET, print)


def test_store_without_versioning_is_an_error():
    client, stub = _stubbed(TARGET)
    stub.add_response("head_bucket", {}, {"Bucket": "state"})
    stub.add_client_error("get_bucket_versioning", "NotImplemented", http_status_code=501)

    with stub, pytest.raises(CommandError, match="does not support bucket versioning"):
        bootstrap(client, TARGET, print)


def _plain_web_server(content_type: str, body: bytes) -> Any:
    """A web server on 127.0.0.1 that is no S3 store: 200 and the same page for every request."""
    import http.server
    import threading

    class Page(http.server.BaseHTTPRequestHandler):
        def answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = answer

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.parametrize(
    ("content_type", "body", "reason"),
    [
        (
            "text/html",
            b"<!doctype html><html><body><h1>Welcome</h1></body></html>",
            "answered get_bucket_versioning with a web page (text/html), not S3's XML",
        ),
        ("text/html; charset=utf-8", b"<html><body>It works!</body></html>", "with a web page (text/html)"),
        (
            "text/plain",
            b"",
            "answered put_bucket_versioning with success, but reading versioning back gives nothing",
        ),
    ],
)
def test_a_web_server_that_is_not_s3_is_an_error_not_a_success(
    s3_store, environment, aws_env, capsys, content_type, body, reason
):
    server = _plain_web_server(content_type, body)
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    aws_env(**s3_store.credentials_env())
    try:
        code, lines, err = run(capsys, environment(endpoint=endpoint))
    finally:
        server.shutdown()
        server.server_close()

    assert code == 1
    assert not any("changes made" in line or line.startswith("versioning:") for line in lines), lines
    assert err.startswith(f"error: the endpoint {endpoint} ("), err
    assert "simple.hcl backend.endpoint) " in err and reason in err
    assert "does not answer as S3 does" in err and err.count("\n") == 1


def test_an_answer_with_no_s3_error_document_says_so():
    client, stub = _stubbed(TARGET)
    stub.add_response("head_bucket", {}, {"Bucket": "state"})
    stub.add_client_error("get_bucket_versioning", "500", "Internal Server Error", http_status_code=500)

    with stub, pytest.raises(CommandError, match=r"failed: HTTP 500 with no S3 error in the answer \(is https://"):
        bootstrap(client, TARGET, print)


@pytest.mark.parametrize(
    ("operation", "readback", "setting"),
    [
        ("put_public_access_block", {"PublicAccessBlockConfiguration": {"BlockPublicAcls": True}}, "public access"),
        ("put_bucket_lifecycle_configuration", {"Rules": []}, "lifecycle rule"),
    ],
)
def test_each_setting_is_read_back_after_it_is_written(operation, readback, setting):
    client, stub = _stubbed(TARGET)
    stub.add_response("head_bucket", {}, {"Bucket": "state"})
    stub.add_response("get_bucket_versioning", {"Status": "Enabled"}, {"Bucket": "state"})
    if operation == "put_public_access_block":
        stub.add_client_error("get_public_access_block", "NoSuchPublicAccessBlockConfiguration", http_status_code=404)
        stub.add_response("put_public_access_block", {}, None)
        stub.add_response("get_public_access_block", readback, {"Bucket": "state"})
    else:
        stub.add_response(
            "get_public_access_block",
            {"PublicAccessBlockConfiguration": dict.fromkeys(ALL_FOUR, True)},
            {"Bucket": "state"},
        )
        stub.add_client_error(
            "get_bucket_lifecycle_configuration", "NoSuchLifecycleConfiguration", http_status_code=404
        )
        stub.add_response("put_bucket_lifecycle_configuration", {}, None)
        stub.add_response("get_bucket_lifecycle_configuration", readback, {"Bucket": "state"})

    with stub, pytest.raises(CommandError, match=f"answered {operation} with success, but reading .*{setting}"):
        bootstrap(client, TARGET, print)


def test_credentials_in_the_endpoint_url_are_never_shown():
    target = StateBucket("state", "https://state-user:s3cret-value@s3.example.test", "ru-1", 90, "simple.hcl")
    client, stub = _stubbed(StateBucket("state", "https://s3.example.test", "ru-1", 90, "simple.hcl"))
    stub.add_response("head_bucket", {}, {"Bucket": "state"})
    stub.add_response("get_bucket_versioning", {"Status": "Enabled"}, {"Bucket": "state"})
    stub.add_response(
        "get_public_access_block",
        {"PublicAccessBlockConfiguration": dict.fromkeys(ALL_FOUR, True)},
        {"Bucket": "state"},
    )
    stub.add_client_error("get_bucket_lifecycle_configuration", "NotImplemented", http_status_code=501)
    lines: list[str] = []

    with stub:
        bootstrap(client, target, lines.append)

    assert lines[0] == "bucket 'state' at https://s3.example.test: already exists"
    assert "s3cret" not in "\n".join(lines)
    client, stub = _stubbed(TARGET)
    stub.add_response("head_bucket", {}, {"Bucket": "state"})
    stub.add_client_error("get_bucket_versioning", "NotImplemented", http_status_code=501)
    with stub, pytest.raises(CommandError) as error:
        bootstrap(client, target, print)
    assert "s3cret" not in str(error.value) and "https://s3.example.test" in str(error.value)
