from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import constructs_lib  # noqa: F401  (first: silences the jsii banner before cdktf loads)
import pytest
from cdktf import TerraformStack, Testing
from stacks.app import ENVIRONMENTS_DIR, synth

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "upstream_rule(*ids): the test enforces the rules tagged `[rule <id>]` in tests/fixtures/upstream/ "
        "(tests/test_upstream_rules.py checks that every tagged rule has one)",
    )


@pytest.fixture(scope="session")
def shipped_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped environments synthesized once for the whole session: with test workers
    (pytest-xdist), once for all of them, by whichever asks first while the others wait."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        out = tmp_path_factory.mktemp("synth") / "cdktf.out"
        synth(ENVIRONMENTS_DIR, out)
        return out
    shared = tmp_path_factory.getbasetemp().parent / "shipped-synth"
    shared.mkdir(exist_ok=True)
    out = shared / "cdktf.out"
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (shared / "done").exists():
                synth(ENVIRONMENTS_DIR, out)
                (shared / "done").touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return out


@pytest.fixture(scope="session")
def shipped_stacks(shipped_out: Path) -> dict[str, dict[str, Any]]:
    return {d.name: json.loads((d / "cdk.tf.json").read_text()) for d in sorted((shipped_out / "stacks").iterdir())}


def synth_stack(build: Callable[[TerraformStack], object]) -> dict[str, Any]:
    """Synthesize one throwaway stack built by ``build`` and return its JSON."""
    app = Testing.app()
    stack = TerraformStack(app, "test")
    build(stack)
    return json.loads(Testing.synth(stack))


def resources(doc: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return doc.get("resource", {}).get(type_, {})


@pytest.fixture
def env_dir(tmp_path: Path) -> Callable[..., Path]:
    """Copy a shipped environment into a temporary directory, optionally edited."""

    def make(name: str = "simple", replace: tuple[tuple[str, str], ...] = (), append: str = "") -> Path:
        text = (ENVIRONMENTS_DIR / f"{name}.hcl").read_text()
        for old, new in replace:
            assert old in text, f"test setup: {old!r} not in {name}.hcl"
            text = text.replace(old, new, 1)
        directory = tmp_path / "environments"
        directory.mkdir(exist_ok=True)
        (directory / f"{name}.hcl").write_text(text + append)
        return directory

    return make


@pytest.fixture(autouse=True)
def _no_stray_output(tmp_path: Path):
    yield
    shutil.rmtree(tmp_path / "cdktf.out", ignore_errors=True)


@dataclass(frozen=True)
class S3Store:
    """An S3 server on 127.0.0.1 that checks signatures and IAM policies.

    ``access_key`` / ``secret_key`` belong to a user allowed ``s3:*``; ``other_access_key`` /
    ``other_secret_key`` to a user of another account, whose buckets the first user may not use.
    """

    endpoint: str
    region: str
    access_key: str
    secret_key: str
    other_access_key: str
    other_secret_key: str

    def client(self, access_key: str | None = None, secret_key: str | None = None) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=access_key or self.access_key,
            aws_secret_access_key=secret_key or self.secret_key,
            config=Config(s3={"addressing_style": "path"}),
        )

    def credentials_env(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key}


@pytest.fixture(scope="session")
def s3_store() -> Iterator[S3Store]:
    """moto's S3 server on a free port, with IAM authentication on; stopped at the end."""
    import boto3
    from moto.server import ThreadedMotoServer

    saved_cross_account = os.environ.get("MOTO_S3_ALLOW_CROSSACCOUNT_ACCESS")
    # Another account's bucket answers 403, as on a real store.
    os.environ["MOTO_S3_ALLOW_CROSSACCOUNT_ACCESS"] = "false"
    werkzeug = logging.getLogger("werkzeug")
    saved_level = werkzeug.level
    werkzeug.setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"

    def user(name: str, account: str | None) -> tuple[str, str]:
        iam = boto3.client(
            "iam",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="setup",
            aws_secret_access_key="setup",
        )
        if account:
            iam.meta.events.register(
                "before-sign.iam.*", lambda request, **_: request.headers.__setitem__("x-moto-account-id", account)
            )
        iam.create_user(UserName=name)
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        iam.put_user_policy(UserName=name, PolicyName="s3", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    def require_authentication(after_requests: str) -> None:
        request = urllib.request.Request(
            f"{endpoint}/moto-api/reset-auth",
            data=after_requests.encode(),
            headers={"Content-Type": "text/plain"},
            method="POST",
        )
        urllib.request.urlopen(request, timeout=10).close()

    try:
        access_key, secret_key = user("platform", None)
        other_access_key, other_secret_key = user("someone-else", "222222222222")
        require_authentication("0")
        yield S3Store(endpoint, "ru-1", access_key, secret_key, other_access_key, other_secret_key)
    finally:
        require_authentication("inf")
        server.stop()
        werkzeug.setLevel(saved_level)
        if saved_cross_account is None:
            os.environ.pop("MOTO_S3_ALLOW_CROSSACCOUNT_ACCESS", None)
        else:
            os.environ["MOTO_S3_ALLOW_CROSSACCOUNT_ACCESS"] = saved_cross_account
