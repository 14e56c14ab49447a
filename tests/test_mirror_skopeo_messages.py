"""How platformctl mirror reads skopeo's failures: by skopeo's own words, never by the names
the operator chose, which skopeo quotes (a registry on port 40481 is no HTTP 404, a repository
named ``timeout`` no time-out)."""

from __future__ import annotations

import subprocess

import pytest

from platformctl import mirror_images
from platformctl.errors import CopyError
from platformctl.mirror_options import Options


def _skopeo_failing_with(monkeypatch: pytest.MonkeyPatch, stderr: str) -> None:
    def run(args: list[str], timeout: float, what: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.CompletedProcess(args, 1, b"", stderr.encode())

    monkeypatch.setattr(mirror_images, "_skopeo", run)


@pytest.mark.parametrize(
    ("reference", "stderr"),
    [
        (
            "127.0.0.1:40481/team/app:1.0",
            'time="x" level=fatal msg="Error parsing image name \\"docker://127.0.0.1:40481/team/app:1.0\\": '
            'pinging container registry 127.0.0.1:40481: Get \\"http://127.0.0.1:40481/v2/\\": context deadline exceeded"',
        ),
        (
            "harbor.example/team/app-404:1.0",
            'time="x" level=fatal msg="reading manifest 1.0 in harbor.example/team/app-404: i/o timeout"',
        ),
    ],
)
def test_a_time_out_is_a_time_out_whatever_the_reference_holds(
    monkeypatch: pytest.MonkeyPatch, reference: str, stderr: str
) -> None:
    _skopeo_failing_with(monkeypatch, stderr)
    with pytest.raises(CopyError, match="did not answer within"):
        mirror_images.remote_digest(f"docker://{reference}", Options(timeout=1))


@pytest.mark.parametrize(
    ("reference", "stderr"),
    [
        (
            "harbor.example/timeout/app:1.0",
            'time="x" level=fatal msg="Error parsing image name \\"docker://harbor.example/timeout/app:1.0\\": '
            'connection refused"',
        ),
        (
            "127.0.0.1:40481/team/app:1.0",
            'time="x" level=fatal msg="Error parsing image name \\"docker://127.0.0.1:40481/team/app:1.0\\": '
            'connection refused"',
        ),
    ],
)
def test_another_failure_is_reported_as_it_is(monkeypatch: pytest.MonkeyPatch, reference: str, stderr: str) -> None:
    _skopeo_failing_with(monkeypatch, stderr)
    with pytest.raises(CopyError, match=f"cannot read {reference}: .*connection refused"):
        mirror_images.remote_digest(f"docker://{reference}", Options(timeout=1))


def test_a_missing_image_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    _skopeo_failing_with(
        monkeypatch, 'time="x" level=fatal msg="reading manifest 1.0 in 127.0.0.1:5000/team/app: manifest unknown"'
    )
    assert mirror_images.remote_digest("docker://127.0.0.1:5000/team/app:1.0", Options(timeout=1)) is None


def test_a_copy_into_a_repository_named_timeout_that_fails_is_no_time_out(monkeypatch: pytest.MonkeyPatch) -> None:
    _skopeo_failing_with(monkeypatch, 'time="x" level=fatal msg="writing to harbor.example/timeout/app: unauthorized"')
    with pytest.raises(CopyError) as err:
        mirror_images.skopeo_copy("dir:/tmp/x", "docker://harbor.example/timeout/app:1.0", Options())
    assert "did not finish" not in str(err.value) and "unauthorized" in str(err.value)
