"""platformctl mirror against real parts on 127.0.0.1: two distribution registries (a public
side and an internal one), an HTTP chart repository, and an image built here."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.server
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from platformctl.cli import main
from platformctl.mirror_layout import HELM_CHART, HELM_CONFIG

pytestmark = pytest.mark.skipif(
    not (shutil.which("skopeo") and os.path.exists("/usr/bin/docker-registry")),
    reason="needs skopeo and docker-registry: apt-get install -y skopeo docker-registry (scripts/setup does)",
)

ROOT = Path(__file__).resolve().parent.parent
CHART_NAME, CHART_VERSION = "demo", "0.1.0"
IMAGE_PATH = "team/hello:1.0"
#: Mirror path -> (architectures, skopeo --format): an OCI image, the same in Docker's
#: format (as most of Docker Hub is), and a two-platform OCI index.
IMAGES = {
    IMAGE_PATH: (("amd64",), None),
    "team/hello-docker:1.0": (("amd64",), "v2s2"),
    "team/multi:1.0": (("amd64", "arm64"), None),
}
ACCEPT = ", ".join(
    [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Registry:
    """The distribution registry (2.8) from Debian, on a free port with its own storage."""

    def __init__(self, root: Path) -> None:
        self.port = _free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.config = root / "config.yml"
        self.config.write_text(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
            f"    rootdirectory: {root / 'storage'}\nhttp:\n  addr: {self.host}\n"
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["/usr/bin/docker-registry", "serve", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://{self.host}/v2/", timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"registry on {self.host} did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)
            self.process = None

    def manifest(self, path: str) -> tuple[str, dict[str, Any]]:
        """(digest read from the registry, manifest) of ``repo:tag``."""
        repo, _, tag = path.rpartition(":")
        request = urllib.request.Request(f"http://{self.host}/v2/{repo}/manifests/{tag}", headers={"Accept": ACCEPT})
        with urllib.request.urlopen(request, timeout=5) as response:
            body = response.read()
            assert response.headers["Docker-Content-Digest"] == "sha256:" + hashlib.sha256(body).hexdigest()
            return response.headers["Docker-Content-Digest"], json.loads(body)

    def blob(self, repo: str, digest: str) -> bytes:
        with urllib.request.urlopen(f"http://{self.host}/v2/{repo}/blobs/{digest}", timeout=5) as response:
            return bytes(response.read())


def _tar(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 0
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _image_layout(path: Path, architectures: tuple[str, ...]) -> None:
    """A one-layer OCI image as a layout skopeo can copy from (tag ``1.0``); with several
    architectures, an OCI index of one image per architecture."""
    blobs = path / "blobs" / "sha256"
    blobs.mkdir(parents=True)

    def blob(data: bytes, media_type: str) -> dict[str, Any]:
        digest = hashlib.sha256(data).hexdigest()
        (blobs / digest).write_bytes(data)
        return {"mediaType": media_type, "digest": f"sha256:{digest}", "size": len(data)}

    layer_tar = _tar({"hello.txt": b"hello from the public side\n"})
    layer = blob(gzip.compress(layer_tar, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip")
    manifests = []
    for architecture in architectures:
        config = {
            "architecture": architecture,
            "os": "linux",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer_tar).hexdigest()]},
        }
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": blob(json.dumps(config).encode(), "application/vnd.oci.image.config.v1+json"),
            "layers": [layer],
        }
        descriptor = blob(json.dumps(manifest).encode(), "application/vnd.oci.image.manifest.v1+json")
        manifests.append({**descriptor, "platform": {"architecture": architecture, "os": "linux"}})
    if len(manifests) == 1:
        top = {k: v for k, v in manifests[0].items() if k != "platform"}
    else:
        index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests}
        top = blob(json.dumps(index).encode(), "application/vnd.oci.image.index.v1+json")
    (path / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    layout_index = {
        "schemaVersion": 2,
        "manifests": [{**top, "annotations": {"org.opencontainers.image.ref.name": "1.0"}}],
    }
    (path / "index.json").write_text(json.dumps(layout_index))


def _chart_archive() -> bytes:
    chart_yaml = f"apiVersion: v2\nname: {CHART_NAME}\nversion: {CHART_VERSION}\nappVersion: '1.0'\n".encode()
    template = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\n"
    raw = _tar(
        {
            f"{CHART_NAME}/Chart.yaml": chart_yaml,
            f"{CHART_NAME}/values.yaml": b"image:\n  repository: team/hello\n",
            f"{CHART_NAME}/templates/configmap.yaml": template,
        }
    )
    return gzip.compress(raw, mtime=0)


@dataclass
class World:
    public: Registry
    internal: Registry
    chart_repo: str
    chart_dir: Path
    archive: bytes
    image: str
    image_digest: str
    digests: dict[str, str]
    artifacts: Path
    tmp: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("mirror")
    (tmp / "public").mkdir()
    (tmp / "internal").mkdir()
    public, internal = Registry(tmp / "public"), Registry(tmp / "internal")
    with contextlib.ExitStack() as cleanup:
        # Registered as each part starts, so a failing set-up leaves no server behind.
        cleanup.callback(public.stop)
        public.start()
        cleanup.callback(internal.stop)
        internal.start()
        server = _chart_repository(tmp / "charts")
        cleanup.callback(server.shutdown)
        digests = {}
        for path, (architectures, image_format) in IMAGES.items():
            source = tmp / "images" / path.replace("/", "_").replace(":", "_")
            _image_layout(source, architectures)
            options = ["--format", image_format] if image_format else []
            subprocess.run(
                ["skopeo", "copy", "--quiet", "--all", "--dest-tls-verify=false", *options]
                + [f"oci:{source}:1.0", f"docker://{public.host}/{path}"],
                check=True,
                capture_output=True,
            )
            digests[path] = public.manifest(path)[0]
        artifacts = tmp / "artifacts.json"
        chart_repo = f"http://127.0.0.1:{server.server_address[1]}/"
        artifacts.write_text(
            json.dumps(
                {
                    "charts": [{"repository": chart_repo, "name": CHART_NAME, "version": CHART_VERSION}],
                    "images": [{"reference": f"{public.host}/{path}"} for path in IMAGES],
                }
            )
        )
        image = f"{public.host}/{IMAGE_PATH}"
        yield World(
            public,
            internal,
            chart_repo,
            tmp / "charts",
            _chart_archive(),
            image,
            digests[IMAGE_PATH],
            digests,
            artifacts,
            tmp,
        )


def _chart_repository(repo_dir: Path) -> http.server.ThreadingHTTPServer:
    """An HTTP Helm repository with the test chart, its digest in index.yaml, on a free port."""
    archive = _chart_archive()
    repo_dir.mkdir()
    (repo_dir / f"{CHART_NAME}-{CHART_VERSION}.tgz").write_bytes(archive)
    index = {
        "apiVersion": "v1",
        "entries": {
            CHART_NAME: [
                {
                    "name": CHART_NAME,
                    "version": CHART_VERSION,
                    "urls": [f"{CHART_NAME}-{CHART_VERSION}.tgz"],
                    "digest": hashlib.sha256(archive).hexdigest(),
                }
            ]
        },
    }
    (repo_dir / "index.yaml").write_text(json.dumps(index))  # JSON is YAML

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(repo_dir), **kwargs)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _mirror(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["mirror", *args])
    out, err = capsys.readouterr()
    return code, out, err


@dataclass(frozen=True)
class Pulled:
    """The layout ``mirror pull`` wrote once for the module, and what it printed."""

    layout: Path
    code: int
    out: str
    err: str


@pytest.fixture(scope="module")
def pulled(world: World) -> Pulled:
    layout = world.tmp / "layout"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["mirror", "pull", "--list", str(world.artifacts), "--to", str(layout), "--insecure"])
    return Pulled(layout, code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def layout(pulled: Pulled) -> Path:
    """The pulled layout: every test that pushes from it may run alone, in any order."""
    return pulled.layout


def test_pull_then_push_keeps_digests_and_helm_media_types(
    world: World, layout: Path, pulled: Pulled, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = pulled.code, pulled.out, pulled.err
    assert (code, out.strip()) == (0, "mirror pull: 4 copied, 0 skipped, 0 failed"), err
    # Plain lines when stderr is not a terminal, one per artifact.
    assert f"[1/4] copied chart {CHART_NAME} {CHART_VERSION}" in err and f"[2/4] copied image {world.image}" in err
    refs = {
        m["annotations"]["org.opencontainers.image.ref.name"]
        for m in json.loads((layout / "index.json").read_text())["manifests"]
    }
    assert refs == {f"charts/{CHART_NAME}:{CHART_VERSION}", *IMAGES}

    code, out, err = _mirror(capsys, "push", str(layout), "--registry", world.internal.host, "--insecure")
    assert (code, out.strip()) == (0, "mirror push: 4 copied, 0 skipped, 0 failed"), err

    assert {path: world.internal.manifest(path)[0] for path in IMAGES} == world.digests
    assert world.internal.manifest("team/hello-docker:1.0")[1]["mediaType"] == (
        "application/vnd.docker.distribution.manifest.v2+json"
    )
    platforms = [m["platform"]["architecture"] for m in world.internal.manifest("team/multi:1.0")[1]["manifests"]]
    assert platforms == ["amd64", "arm64"]
    _, manifest = world.internal.manifest(f"charts/{CHART_NAME}:{CHART_VERSION}")
    assert manifest["config"]["mediaType"] == HELM_CONFIG
    assert [layer["mediaType"] for layer in manifest["layers"]] == [HELM_CHART]
    assert world.internal.blob(f"charts/{CHART_NAME}", manifest["layers"][0]["digest"]) == world.archive
    config = json.loads(world.internal.blob(f"charts/{CHART_NAME}", manifest["config"]["digest"]))
    assert (config["name"], config["version"]) == (CHART_NAME, CHART_VERSION)


def test_a_second_run_copies_nothing(world: World, layout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _mirror(capsys, "pull", "--list", str(world.artifacts), "--to", str(layout), "--insecure")
    assert (code, out.strip()) == (0, "mirror pull: 0 copied, 4 skipped, 0 failed")
    code, out, _ = _mirror(capsys, "push", str(layout), "--registry", world.internal.host, "--insecure")
    assert (code, out.strip()) == (0, "mirror push: 0 copied, 4 skipped, 0 failed")


def test_sync_copies_straight_into_a_registry_path(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    target = f"{world.internal.host}/synced"
    code, out, err = _mirror(capsys, "sync", "--list", str(world.artifacts), "--registry", target, "--insecure")
    assert (code, out.strip()) == (0, "mirror sync: 4 copied, 0 skipped, 0 failed"), err
    assert {path: world.internal.manifest(f"synced/{path}")[0] for path in IMAGES} == world.digests
    assert (
        world.internal.manifest(f"synced/charts/{CHART_NAME}:{CHART_VERSION}")[1]["config"]["mediaType"] == HELM_CONFIG
    )
    code, out, _ = _mirror(capsys, "sync", "--list", str(world.artifacts), "--registry", target, "--insecure")
    assert out.strip() == "mirror sync: 0 copied, 4 skipped, 0 failed"


def test_a_missing_image_fails_by_name_and_the_rest_is_copied(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    missing = f"{world.public.host}/team/absent:9.9"
    listing = world.tmp / "with-missing.json"
    listing.write_text(json.dumps({"images": [{"reference": missing}, {"reference": world.image}]}))
    code, out, err = _mirror(capsys, "pull", "--list", str(listing), "--to", str(world.tmp / "partial"), "--insecure")
    assert code == 1
    assert out.strip() == "mirror pull: 1 copied, 0 skipped, 1 failed"
    assert f"error: image {missing}: {missing} does not exist" in err
    assert "Traceback" not in err


def test_a_registry_that_stops_mid_way_fails_then_a_rerun_completes(
    world: World, layout: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = f"{world.internal.host}/midway"

    class StopAfterFirst(io.StringIO):
        """stderr that stops the internal registry once the first artifact is reported."""

        def write(self, text: str) -> int:
            if text.startswith("[1/4]"):
                world.internal.stop()
            return super().write(text)

    stream = StopAfterFirst()
    monkeypatch.setattr(sys, "stderr", stream)
    try:
        code = main(["mirror", "push", str(layout), "--registry", target, "--insecure"])
    finally:
        monkeypatch.undo()
        world.internal.start()
    out = capsys.readouterr().out
    assert code == 1
    assert out.strip() == "mirror push: 1 copied, 0 skipped, 3 failed"
    errors = sorted(line for line in stream.getvalue().splitlines() if line.startswith("error: "))
    assert [e.split(": ")[1] for e in errors] == [f"{path} -> {target}/{path}" for path in sorted(IMAGES)]
    # Nothing half-copied counts as there: the images are absent, and the next run copies only them.
    for path in IMAGES:
        with pytest.raises(urllib.error.HTTPError):
            world.internal.manifest(f"midway/{path}")
    code, out, _ = _mirror(capsys, "push", str(layout), "--registry", target, "--insecure")
    assert (code, out.strip()) == (0, "mirror push: 3 copied, 1 skipped, 0 failed")
    assert {path: world.internal.manifest(f"midway/{path}")[0] for path in IMAGES} == world.digests


def test_a_chart_that_does_not_match_its_index_digest_is_refused(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # A second repository on the same server whose index has the wrong digest for the archive.
    (world.chart_dir / "tampered").mkdir()
    index = {
        "entries": {
            CHART_NAME: [
                {"version": CHART_VERSION, "urls": [f"../{CHART_NAME}-{CHART_VERSION}.tgz"], "digest": "0" * 64}
            ]
        }
    }
    (world.chart_dir / "tampered" / "index.yaml").write_text(json.dumps(index))
    listing = world.tmp / "tampered.json"
    charts = [
        {"repository": world.chart_repo + "tampered", "name": CHART_NAME, "version": CHART_VERSION},
        {"repository": world.chart_dir.as_uri(), "name": CHART_NAME, "version": CHART_VERSION},
    ]
    listing.write_text(json.dumps({"charts": charts}))
    layout = world.tmp / "tampered-layout"
    code, out, err = _mirror(capsys, "pull", "--list", str(listing), "--to", str(layout), "--insecure")
    assert code == 1 and out.strip() == "mirror pull: 0 copied, 0 skipped, 2 failed"
    assert f"the archive does not match the digest in {world.chart_repo}tampered/index.yaml" in err
    assert "only HTTP(S) chart repositories can be mirrored" in err
    assert json.loads((layout / "index.json").read_text())["manifests"] == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "expected an object with the keys charts, images (and notes)"),
        (
            '{"images": [{"reference": "hello"}]}',
            'images[0].reference = "hello" is not allowed: registry/repository:tag (e.g. quay.io/prometheus/prometheus:v3.0.0)',
        ),
        (
            '{"charts": [{"name": "x"}]}',
            'charts[0] = {"name": "x"} is not allowed: an object with repository, name, version (text)',
        ),
    ],
)
def test_a_bad_list_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    listing = tmp_path / "list.json"
    listing.write_text(content)
    code, out, err = _mirror(capsys, "list", "--list", str(listing))
    assert code == 1 and out == ""
    assert err == f"error: {listing}: {message}\n"


def test_push_of_a_directory_that_is_no_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _mirror(capsys, "push", str(tmp_path), "--registry", "127.0.0.1:1")
    assert (
        code == 1
        and err == f"error: {tmp_path}: not an OCI layout (no oci-layout or index.json); mirror pull writes one\n"
    )


def test_list_of_a_shipped_environment_names_catalog_charts_and_their_images(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _mirror(capsys, "list", "simple", "--environments-dir", str(ROOT / "environments"), "--json")
    assert code == 0
    listed = json.loads(out)
    charts = {(c["name"], c["version"]) for c in listed["charts"]}
    assert ("cert-manager", "v1.21.1") in charts and ("kube-prometheus-stack", "88.5.3") not in charts
    references = {i["reference"] for i in listed["images"]}
    assert "quay.io/jetstack/cert-manager-webhook:v1.21.1" in references
    assert "registry.k8s.io/autoscaling/addon-resizer:1.8.23" not in references  # off by default
    assert {i["mirror_path"] for i in listed["images"]} >= {"jetstack/cert-manager-webhook:v1.21.1", "traefik:v3.7.11"}


def test_credentials_in_a_chart_repository_url_are_never_printed(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = world.tmp / "with-password.json"
    repository = "http://mirror-user:s3cret-value@127.0.0.1:9/charts/"
    listing.write_text(json.dumps({"charts": [{"repository": repository, "name": "demo", "version": "1.0.0"}]}))
    code, out, err = _mirror(capsys, "pull", "--list", str(listing), "--to", str(world.tmp / "pw"), "--insecure")
    assert code == 1 and "error: chart demo 1.0.0 (http://127.0.0.1:9/charts/): cannot fetch" in err
    code, text_out, _ = _mirror(capsys, "list", "--list", str(listing))
    assert "s3cret" not in out + err + text_out


def test_a_terminal_gets_a_progress_bar_instead_of_lines() -> None:
    from platformctl.errors import CopyError
    from platformctl.mirror_progress import run_all

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def fail() -> bool:
        raise CopyError("no route")

    stream = Terminal()
    summary = run_all([("a", lambda: True), ("b", lambda: False), ("c", fail)], stream)
    assert (summary.copied, summary.skipped, summary.failed) == (["a"], ["b"], [("c", "no route")])
    text = stream.getvalue()
    assert "\r\x1b[K[" in text and "] 2/3 c" in text and "failed c\n" in text
    assert "[1/3]" not in text


def test_a_layout_path_with_a_colon_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "a:b"
    code, _, err = _mirror(capsys, "pull", "--list", str(tmp_path / "none.json"), "--to", str(target))
    assert code == 1
    assert err == f"error: {tmp_path / 'none.json'}: cannot be read (No such file or directory)\n"
    (tmp_path / "empty.json").write_text("{}")
    code, _, err = _mirror(capsys, "pull", "--list", str(tmp_path / "empty.json"), "--to", str(target))
    assert code == 1 and err == f"error: {target}: the layout's path must not contain ':' (skopeo cannot name it)\n"
    assert not target.exists()
