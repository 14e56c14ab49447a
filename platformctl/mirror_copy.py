"""Copying charts and images for ``platformctl mirror``: the OCI layout, skopeo and oras.

Every copy is checked by digest: an image keeps the digest of what its tag points to (the
whole multi-platform index, copied with ``skopeo copy --all --preserve-digests``), a chart is
checked against its repository index's digest when fetched and against the layout's manifest
digest when pushed. An artifact already in place with the same digest is skipped, so a run
that stopped half-way is simply run again. An artifact counts as copied only once its
digest at the destination has been read back and matches.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import yaml

from .errors import CommandError

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json"
HELM_CHART = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
REF_NAME = "org.opencontainers.image.ref.name"
#: Repository under the internal registry that holds the charts.
CHARTS_PATH = "charts"

#: Seconds one skopeo inspect or HTTP request may take before the artifact counts as failed.
REQUEST_TIMEOUT = 120
#: Seconds one image copy may take (large images on slow links).
COPY_TIMEOUT = 3600


class CopyError(Exception):
    """One artifact could not be copied; the message says why (never with credentials)."""


@dataclass(frozen=True)
class Chart:
    """A chart in an HTTP Helm repository."""

    repository: str
    name: str
    version: str

    @property
    def ref_name(self) -> str:
        """Its name in the layout and its path under the internal registry."""
        return f"{CHARTS_PATH}/{self.name}:{self.version}"

    def __str__(self) -> str:
        return f"chart {self.name} {self.version} ({without_userinfo(self.repository)})"


@dataclass(frozen=True)
class Image:
    """A public image reference and the path (with tag) it keeps in the mirror."""

    reference: str
    path: str

    @property
    def ref_name(self) -> str:
        return self.path

    def __str__(self) -> str:
        return f"image {self.reference}"


@dataclass
class Summary:
    """What a run did, artifact by artifact."""

    copied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def line(self, command: str) -> str:
        return f"mirror {command}: {len(self.copied)} copied, {len(self.skipped)} skipped, {len(self.failed)} failed"


@dataclass(frozen=True)
class Options:
    """Transport settings of one run.

    :param insecure: talk plain HTTP (and skip TLS verification) to the registries: only
        for local test registries.
    """

    insecure: bool = False


# --- progress -------------------------------------------------------------------------


class Progress:
    """A bar on a terminal, one plain line per artifact elsewhere (CI logs)."""

    def __init__(self, total: int, stream: IO[str] | None = None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()

    def start(self, what: str) -> None:
        if self.tty:
            width = 30
            filled = width * self.done // max(self.total, 1)
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(f"\r\033[K[{bar}] {self.done}/{self.total} {what}"[:200])
            self.stream.flush()

    def finish(self, outcome: str, what: str) -> None:
        self.done += 1
        if self.tty:
            if outcome == "failed":
                self.stream.write(f"\r\033[Kfailed {what}\n")
            self.start("")
            if self.done == self.total:
                self.stream.write("\r\033[K")
        else:
            self.stream.write(f"[{self.done}/{self.total}] {outcome} {what}\n")
        self.stream.flush()


def run_all(items: Iterable[tuple[str, Callable[[], bool]]], progress_stream: IO[str] | None = None) -> Summary:
    """Run each ``(label, copy)``; ``copy`` returns True when it copied, False when skipped."""
    work = list(items)
    summary = Summary()
    progress = Progress(len(work), progress_stream)
    for label, action in work:
        progress.start(label)
        try:
            copied = action()
        except CopyError as err:
            summary.failed.append((label, str(err)))
            progress.finish("failed", label)
            continue
        (summary.copied if copied else summary.skipped).append(label)
        progress.finish("copied" if copied else "skipped", label)
    return summary


# --- the OCI layout ---------------------------------------------------------------------


class Layout:
    """One OCI image layout holding images and charts, each under its ``ref.name``.

    skopeo writes images into it (``oci:DIR:<ref>``); charts are written here as Helm's OCI
    artifacts. Blobs are shared, so an image used by two charts is stored once.
    """

    def __init__(self, path: Path) -> None:
        # skopeo's oci:PATH:REF splits at the first colon after the path.
        if ":" in str(path):
            raise CommandError(f"{path}: the layout's path must not contain ':' (skopeo cannot name it)")
        self.path = path

    def create(self) -> None:
        (self.path / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
        if not (self.path / "oci-layout").exists():
            _write_atomic(self.path / "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        if not (self.path / "index.json").exists():
            _write_atomic(self.path / "index.json", b'{"schemaVersion":2,"manifests":[]}')

    def check(self) -> None:
        if not (self.path / "oci-layout").is_file() or not (self.path / "index.json").is_file():
            raise CommandError(f"{self.path}: not an OCI layout (no oci-layout or index.json); mirror pull writes one")

    def entries(self) -> list[dict[str, Any]]:
        try:
            index = json.loads((self.path / "index.json").read_text())
        except (OSError, ValueError) as err:
            raise CommandError(f"{self.path / 'index.json'}: cannot be read as JSON ({err})") from None
        return [m for m in index.get("manifests", []) if m.get("annotations", {}).get(REF_NAME)]

    def digest_of(self, ref_name: str) -> str | None:
        for entry in self.entries():
            if entry["annotations"][REF_NAME] == ref_name:
                return str(entry["digest"])
        return None

    def blob_path(self, digest: str) -> Path:
        algorithm, _, hexdigest = digest.partition(":")
        return self.path / "blobs" / algorithm / hexdigest

    def read_blob(self, digest: str) -> bytes:
        data = self.blob_path(digest).read_bytes()
        if _sha256(data) != digest:
            raise CopyError(f"{self.blob_path(digest)}: content does not match its digest")
        return data

    def write_blob(self, data: bytes) -> dict[str, Any]:
        digest = _sha256(data)
        path = self.blob_path(digest)
        if not path.exists():
            _write_atomic(path, data)
        return {"digest": digest, "size": len(data)}

    def is_chart(self, digest: str) -> bool:
        manifest = json.loads(self.read_blob(digest))
        return bool(manifest.get("config", {}).get("mediaType") == HELM_CONFIG)

    def add(self, ref_name: str, descriptor: dict[str, Any]) -> None:
        """Point ``ref_name`` at ``descriptor``: the last step, after every blob is written."""
        index = json.loads((self.path / "index.json").read_text())
        manifests = [m for m in index.get("manifests", []) if m.get("annotations", {}).get(REF_NAME) != ref_name]
        manifests.append({**descriptor, "annotations": {REF_NAME: ref_name}})
        index["manifests"] = manifests
        _write_atomic(self.path / "index.json", json.dumps(index).encode())


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


# --- skopeo -----------------------------------------------------------------------------


def skopeo_path() -> str:
    path = shutil.which("skopeo")
    if path is None:
        raise CommandError(
            "skopeo is not installed: images are copied with it (Debian/Ubuntu: apt-get install -y skopeo)"
        )
    return path


def _skopeo(args: list[str], timeout: int) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run([skopeo_path(), *args], capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise CopyError(f"skopeo {args[0]} took longer than {timeout} s") from None


def _skopeo_message(proc: subprocess.CompletedProcess[bytes]) -> str:
    lines = [line for line in proc.stderr.decode(errors="replace").splitlines() if line.strip()]
    text = lines[-1] if lines else f"skopeo exited with {proc.returncode}"
    # skopeo prefixes its messages with a log header; keep the reason only.
    return text.split('msg="', 1)[-1].rstrip('"').strip()


def _tls(flag: str, options: Options) -> list[str]:
    return [f"--{flag}-tls-verify=false"] if options.insecure else []


def remote_digest(reference: str, options: Options) -> str | None:
    """Digest of what ``reference`` (``docker://...``) points to, or None if it is not there."""
    proc = _skopeo(["inspect", "--raw", *_insecure_inspect(options), reference], REQUEST_TIMEOUT)
    if proc.returncode == 0:
        return _sha256(proc.stdout)
    message = _skopeo_message(proc)
    if any(s in message.lower() for s in ("manifest unknown", "name unknown", "not found", "404")):
        return None
    raise CopyError(f"cannot read {reference.removeprefix('docker://')}: {message}")


def _insecure_inspect(options: Options) -> list[str]:
    return ["--tls-verify=false"] if options.insecure else []


def skopeo_copy(source: str, destination: str, options: Options) -> None:
    args = ["copy", "--all", "--preserve-digests", "--quiet"]
    if source.startswith("docker://"):
        args += _tls("src", options)
    if destination.startswith("docker://"):
        args += _tls("dest", options)
    proc = _skopeo([*args, source, destination], COPY_TIMEOUT)
    if proc.returncode != 0:
        raise CopyError(_skopeo_message(proc))


# --- charts -----------------------------------------------------------------------------


def _http_get(url: str) -> bytes:
    import requests

    try:
        response = requests.get(url, timeout=REQUEST_TIMEOUT)
    except requests.RequestException as err:
        raise CopyError(f"cannot fetch {without_userinfo(url)}: {type(err).__name__}") from None
    if response.status_code != 200:
        raise CopyError(f"cannot fetch {without_userinfo(url)}: HTTP {response.status_code}")
    return response.content


def without_userinfo(url: str) -> str:
    """The URL as it may be shown: a user:password@ part is dropped."""
    parts = urllib.parse.urlsplit(url)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def fetch_chart(chart: Chart) -> bytes:
    """The chart archive, checked against the digest its repository's index.yaml gives."""
    if not chart.repository.startswith(("http://", "https://")):
        raise CopyError(f"{chart.repository}: only HTTP(S) chart repositories can be mirrored")
    base = chart.repository.rstrip("/") + "/"
    try:
        index = yaml.safe_load(_http_get(base + "index.yaml"))
    except yaml.YAMLError:
        raise CopyError(f"{base}index.yaml is not YAML") from None
    entries = (index or {}).get("entries", {}).get(chart.name) or []
    entry = next((e for e in entries if str(e.get("version")) == chart.version), None)
    if entry is None:
        raise CopyError(f"{base}index.yaml has no {chart.name} {chart.version}")
    if not entry.get("urls") or not entry.get("digest"):
        raise CopyError(f"{base}index.yaml gives no download URL or no digest for {chart.name} {chart.version}")
    data = _http_get(urllib.parse.urljoin(base, entry["urls"][0]))
    if hashlib.sha256(data).hexdigest() != str(entry["digest"]).removeprefix("sha256:"):
        raise CopyError(f"{chart.name} {chart.version}: the archive does not match the digest in {base}index.yaml")
    return data


def chart_metadata(archive: bytes, chart: Chart) -> dict[str, Any]:
    """Chart.yaml of the archive, which must be the chart and version asked for."""
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            member = tar.extractfile(f"{chart.name}/Chart.yaml")
            metadata = yaml.safe_load(member.read()) if member else None
    except (tarfile.TarError, KeyError, yaml.YAMLError):
        metadata = None
    if not isinstance(metadata, dict) or str(metadata.get("version")) != chart.version:
        raise CopyError(f"{chart.name} {chart.version}: the archive has no Chart.yaml of that chart and version")
    return metadata


def store_chart(layout: Layout, chart: Chart, archive: bytes) -> str:
    """Write the chart as Helm's OCI artifact; returns its manifest digest."""
    metadata = chart_metadata(archive, chart)
    config = layout.write_blob(json.dumps(metadata, sort_keys=True, default=str).encode())
    content = layout.write_blob(archive)
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": HELM_CONFIG, **config},
        "layers": [{"mediaType": HELM_CHART, **content}],
        "annotations": {
            "org.opencontainers.image.title": chart.name,
            "org.opencontainers.image.version": chart.version,
        },
    }
    descriptor = layout.write_blob(json.dumps(manifest).encode())
    layout.add(chart.ref_name, {"mediaType": OCI_MANIFEST, **descriptor})
    return str(descriptor["digest"])


class OciRegistry:
    """Chart pushes to one registry with oras, one attempt per request (a run is re-runnable)."""

    def __init__(self, registry: str, options: Options) -> None:
        try:
            import oras.provider
        except ImportError:
            raise CommandError(
                "the oras package is not installed: charts are pushed with it (pip install 'oras==0.2.43')"
            ) from None

        class _OneAttempt(oras.provider.Registry):  # type: ignore[misc]
            # oras retries a failed request five times over two minutes; a mirror run reports
            # the failure at once instead and is simply run again.
            def do_request(self, *args: Any, **kwargs: Any) -> Any:
                return oras.provider.Registry.do_request.__wrapped__(self, *args, **kwargs)

        self.registry = registry
        self.client = _OneAttempt(insecure=options.insecure, tls_verify=not options.insecure)
        self._auth_loaded = False

    def target(self, ref_name: str) -> str:
        return f"{self.registry}/{ref_name}"

    def _container(self, ref_name: str) -> Any:
        container = self.client.get_container(self.target(ref_name))
        if not self._auth_loaded:
            # skopeo's auth file first (skopeo login), then Docker's config (oras' default).
            configs = [p for p in _auth_files() if p.is_file()]
            self.client.auth.load_configs(container, configs=[str(p) for p in configs] or None)
            self._auth_loaded = True
        return container

    def manifest_digest(self, ref_name: str) -> str | None:
        import requests

        container = self._container(ref_name)
        url = f"{self.client.prefix}://{container.manifest_url()}"
        try:
            response = self.client.do_request(url, "GET", headers={"Accept": f"{OCI_MANIFEST}, {OCI_INDEX}"})
        except (requests.RequestException, ValueError) as err:
            raise CopyError(f"cannot reach {self.registry}: {type(err).__name__}") from None
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise CopyError(f"{self.target(ref_name)}: HTTP {response.status_code} reading its manifest")
        return _sha256(response.content)

    def push(self, layout: Layout, ref_name: str) -> None:
        import oras.layout
        import requests

        container = self._container(ref_name)
        try:
            response = oras.layout.Layout(str(layout.path), validate=False).push_to_registry(
                self.client, str(container), tag=ref_name
            )
        except (requests.RequestException, ValueError, OSError) as err:
            raise CopyError(f"push to {self.registry} failed: {_short(err)}") from None
        if response is None or response.status_code not in (200, 201, 202):
            raise CopyError(f"push to {self.registry} failed: HTTP {getattr(response, 'status_code', '?')}")


def _short(err: BaseException) -> str:
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    return f"{type(err).__name__}: {text}"[:300]


def _auth_files() -> list[Path]:
    files = []
    if os.environ.get("REGISTRY_AUTH_FILE"):
        files.append(Path(os.environ["REGISTRY_AUTH_FILE"]))
    if os.environ.get("XDG_RUNTIME_DIR"):
        files.append(Path(os.environ["XDG_RUNTIME_DIR"]) / "containers" / "auth.json")
    return files


# --- the three copies -------------------------------------------------------------------


def pull_image(image: Image, layout: Layout, options: Options) -> bool:
    source = remote_digest(f"docker://{image.reference}", options)
    if source is None:
        raise CopyError(f"{image.reference} does not exist")
    if layout.digest_of(image.ref_name) == source:
        return False
    skopeo_copy(f"docker://{image.reference}", f"oci:{layout.path}:{image.ref_name}", options)
    copied = layout.digest_of(image.ref_name)
    if copied != source:
        raise CopyError(f"digest changed in the copy: {source} at the source, {copied} in the layout")
    return True


def pull_chart(chart: Chart, layout: Layout) -> bool:
    archive = fetch_chart(chart)
    existing = layout.digest_of(chart.ref_name)
    if existing is not None and _layer_digest(layout, existing) == _sha256(archive):
        return False
    store_chart(layout, chart, archive)
    return True


def _layer_digest(layout: Layout, manifest_digest: str) -> str | None:
    try:
        manifest = json.loads(layout.read_blob(manifest_digest))
        return str(manifest["layers"][0]["digest"])
    except (OSError, CopyError, ValueError, KeyError, IndexError):
        return None


def push_entry(layout: Layout, ref_name: str, digest: str, registry: str, options: Options, oci: OciRegistry) -> bool:
    """Push one layout entry (image or chart) to ``registry/<ref_name>``."""
    if layout.is_chart(digest):
        if oci.manifest_digest(ref_name) == digest:
            return False
        oci.push(layout, ref_name)
        pushed = oci.manifest_digest(ref_name)
    else:
        destination = f"docker://{registry}/{ref_name}"
        if remote_digest(destination, options) == digest:
            return False
        with _directory_view(layout, digest) as view:
            skopeo_copy(f"dir:{view}", destination, options)
        pushed = remote_digest(destination, options)
    if pushed != digest:
        raise CopyError(f"digest changed in the copy: {digest} in the layout, {pushed} in {registry}")
    return True


@contextmanager
def _directory_view(layout: Layout, digest: str) -> Iterator[Path]:
    """The layout entry as skopeo's ``dir:`` transport lays out one image, over the same blobs.

    skopeo 1.9 reads from an OCI layout only entries whose descriptor has an OCI media type,
    while it keeps Docker-format images (most of Docker Hub's) as they are when it writes
    them there, digests unchanged. Its ``dir:`` transport reads either format, so pushes go
    through a view made of hard links (copies across file systems).
    """
    try:
        tmp = tempfile.TemporaryDirectory(prefix=".push-", dir=layout.path)
    except OSError:  # a read-only layout, e.g. on the drive it was carried on
        tmp = tempfile.TemporaryDirectory(prefix="platformctl-push-")
    with tmp as name:
        view = Path(name)
        top = layout.read_blob(digest)
        (view / "version").write_text("Directory Transport Version: 1.1\n")
        (view / "manifest.json").write_bytes(top)
        manifest = json.loads(top)
        if manifest.get("mediaType") in (OCI_INDEX, DOCKER_LIST) or "manifests" in manifest:
            for instance in manifest.get("manifests", []):
                data = layout.read_blob(instance["digest"])
                (view / f"{instance['digest'].partition(':')[2]}.manifest.json").write_bytes(data)
                _link_image_blobs(layout, json.loads(data), view)
        else:
            _link_image_blobs(layout, manifest, view)
        yield view


def _link_image_blobs(layout: Layout, manifest: dict[str, Any], view: Path) -> None:
    for descriptor in [manifest.get("config", {}), *manifest.get("layers", [])]:
        if "digest" not in descriptor:
            continue
        source, target = layout.blob_path(descriptor["digest"]), view / descriptor["digest"].partition(":")[2]
        if target.exists():
            continue
        if not source.is_file():
            raise CopyError(f"{source}: missing from the layout (pull again)")
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)


def sync_image(image: Image, registry: str, options: Options) -> bool:
    source = remote_digest(f"docker://{image.reference}", options)
    if source is None:
        raise CopyError(f"{image.reference} does not exist")
    destination = f"docker://{registry}/{image.path}"
    if remote_digest(destination, options) == source:
        return False
    skopeo_copy(f"docker://{image.reference}", destination, options)
    pushed = remote_digest(destination, options)
    if pushed != source:
        raise CopyError(f"digest changed in the copy: {source} at the source, {pushed} in {registry}")
    return True


def sync_chart(chart: Chart, registry: str, options: Options, oci: OciRegistry) -> bool:
    with _scratch_layout() as layout:
        digest = store_chart(layout, chart, fetch_chart(chart))
        return push_entry(layout, chart.ref_name, digest, registry, options, oci)


@contextmanager
def _scratch_layout() -> Iterator[Layout]:
    with tempfile.TemporaryDirectory(prefix="platformctl-mirror-") as tmp:
        layout = Layout(Path(tmp))
        layout.create()
        yield layout
