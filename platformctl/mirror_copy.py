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
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import yaml

from constructs_lib._validate import OCI_TAG_PATTERN, PATH_COMPONENT_PATTERN, SHA256_DIGEST_PATTERN
from constructs_lib.addons.registry import CHARTS_PATH
from constructs_lib.addons.release import ChartReference

from .errors import CommandError
from .redact import redact_value, scrub, without_userinfo

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json"
HELM_CHART = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
REF_NAME = "org.opencontainers.image.ref.name"

#: Seconds a registry or chart repository may take to accept a connection, and to send the
#: next part of an answer, before the artifact counts as failed (``--timeout``).
REQUEST_TIMEOUT = 60
#: Seconds one image copy may take in all (large images on slow links; ``--copy-timeout``).
COPY_TIMEOUT = 3600
#: Environment variables that set the two (the options win).
TIMEOUT_VARIABLE = "PLATFORMCTL_MIRROR_TIMEOUT"
COPY_TIMEOUT_VARIABLE = "PLATFORMCTL_MIRROR_COPY_TIMEOUT"

#: A blob's digest as the layout names it: SHA-256 only, 64 lowercase hex digits (ASCII).
DIGEST = re.compile(SHA256_DIGEST_PATTERN, re.ASCII)
#: A registry path with its tag (``prometheus/prometheus:v3.0.0``, ``charts/traefik:41.3.0``):
#: the distribution spec's repository name and tag grammar, ASCII only.
REF_NAME_FORM = re.compile(
    rf"{PATH_COMPONENT_PATTERN}(?:/{PATH_COMPONENT_PATTERN})*:{OCI_TAG_PATTERN}",
    re.ASCII,
)
#: The largest manifest, index or chart config read (the distribution spec lets registries
#: refuse manifests over 4 MiB), and the largest chart archive.
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
MAX_CHART_BYTES = 64 * 1024 * 1024
#: The largest index.json of a layout (thousands of entries).
MAX_LAYOUT_INDEX_BYTES = 64 * 1024 * 1024
#: The largest index.yaml of a chart repository (big public ones are tens of MB).
MAX_INDEX_BYTES = 256 * 1024 * 1024


class CopyError(Exception):
    """One artifact could not be copied; the message says why (never with credentials)."""


def chart_ref_name(chart: ChartReference) -> str:
    """A chart's name in the layout and its path under the internal registry."""
    return f"{CHARTS_PATH}/{chart.name}:{chart.version}"


def chart_label(chart: ChartReference) -> str:
    """A chart as the progress and error lines name it (without a URL's credentials)."""
    return f"chart {chart.name} {chart.version} ({without_userinfo(chart.repository)})"


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
    :param timeout: seconds to connect, and to wait for each part of an answer, per request.
    :param copy_timeout: seconds one image copy may take in all.
    """

    insecure: bool = False
    timeout: float = REQUEST_TIMEOUT
    copy_timeout: float = COPY_TIMEOUT


# --- progress -------------------------------------------------------------------------


class Progress:
    """A bar on a terminal, one plain line per artifact elsewhere (CI logs)."""

    def __init__(self, total: int, stream: IO[str] | None = None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()

    def start(self, what: str) -> None:
        what = scrub(what)
        if self.tty:
            width = 30
            filled = width * self.done // max(self.total, 1)
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(f"\r\033[K[{bar}] {self.done}/{self.total} {what}"[:200])
            self.stream.flush()

    def finish(self, outcome: str, what: str) -> None:
        what = scrub(what)
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
            summary.failed.append((scrub(label), scrub(str(err))))
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

    A layout may come from elsewhere (a drive carried across), so everything read from it is
    checked first: ``index.json`` and each manifest have the shape the OCI image spec gives
    them, every digest is ``sha256:`` and 64 hex digits, and a blob is read only when it is a
    regular file inside the layout's ``blobs/`` (a symbolic link out of it, a device or a
    directory is refused) and only up to its declared size.
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
        # index.json is looked at by name here; what it is (a link out, a device) is checked when read.
        if not (self.path / "oci-layout").is_file() or not os.path.lexists(self.path / "index.json"):
            raise CommandError(f"{self.path}: not an OCI layout (no oci-layout or index.json); mirror pull writes one")
        self.entries()

    def _index(self) -> dict[str, Any]:
        where = self.path / "index.json"
        data = _read_contained(self.path, where, MAX_LAYOUT_INDEX_BYTES, what="index.json")
        index = _json_document(data, str(where))
        if not isinstance(index, dict):
            raise CommandError(f"{where}: is {_json_type(index)}, not allowed: an OCI image index (a JSON object)")
        manifests = index.get("manifests", [])
        if not isinstance(manifests, list):
            raise CommandError(f"{where}: manifests is {_json_type(manifests)}, not allowed: a list of descriptors")
        return index

    def entries(self) -> list[dict[str, Any]]:
        """The index's descriptors that have a ``ref.name``, each checked (a bad one stops the run)."""
        where = self.path / "index.json"
        found: list[dict[str, Any]] = []
        seen: set[str] = set()
        for i, entry in enumerate(self._index().get("manifests", [])):
            annotations = entry.get("annotations", {}) if isinstance(entry, dict) else None
            if not isinstance(annotations, dict):
                raise CommandError(f"{where}: manifests[{i}] is not allowed: a descriptor (object) with annotations")
            ref_name = annotations.get(REF_NAME)
            if ref_name is None:  # an entry of another tool: not ours to push
                continue
            try:
                check_descriptor(entry, f"manifests[{i}]")
                check_ref_name(ref_name, f"manifests[{i}].annotations[{REF_NAME}]")
            except CopyError as err:
                raise CommandError(f"{where}: {err}") from None
            if ref_name in seen:
                raise CommandError(
                    f"{where}: manifests[{i}]: ref.name {ref_name} is given twice; one entry per name is allowed"
                )
            seen.add(ref_name)
            found.append(entry)
        return found

    def digest_of(self, ref_name: str) -> str | None:
        for entry in self.entries():
            if entry["annotations"][REF_NAME] == ref_name:
                return str(entry["digest"])
        return None

    def blob_path(self, digest: str) -> Path:
        check_digest(digest, "digest")
        return self.path / "blobs" / "sha256" / digest.removeprefix("sha256:")

    def blob_file(self, descriptor: dict[str, Any]) -> Path:
        """The blob of a checked descriptor: a regular file inside ``blobs/`` of its declared size."""
        path = self.blob_path(descriptor["digest"])
        resolved = _contained(self.path, path, what=f"blob {descriptor['digest']}", under="blobs")
        size = resolved.stat().st_size
        if size != descriptor["size"]:
            raise CopyError(f"{path}: {size} bytes, but its descriptor says {descriptor['size']}")
        return resolved

    def read_blob(self, digest: str, size: int | None = None, limit: int = MAX_MANIFEST_BYTES) -> bytes:
        """A blob's bytes, at most ``limit`` (and exactly ``size`` when given), checked by digest."""
        path = self.blob_path(digest)
        if size is not None and size > limit:
            raise CopyError(f"{path}: declared as {size} bytes, more than the {limit} allowed here")
        data = _read_contained(
            self.path,
            path,
            limit if size is None else size,
            what=f"blob {digest}",
            under="blobs",
            declared=size is not None,
        )
        if size is not None and len(data) != size:
            raise CopyError(f"{path}: {len(data)} bytes, but its descriptor says {size}")
        if _sha256(data) != digest:
            raise CopyError(f"{path}: content does not match its digest")
        return data

    def read_manifest(self, descriptor: dict[str, Any], where: str) -> dict[str, Any]:
        """The manifest or index a checked descriptor points to, its shape checked."""
        data = self.read_blob(descriptor["digest"], descriptor["size"])
        try:
            manifest = json.loads(data)
        except RecursionError:
            raise CopyError(f"{where}: nested too deeply") from None
        except ValueError:
            raise CopyError(f"{where}: not JSON") from None
        return check_manifest(manifest, where)

    def write_blob(self, data: bytes) -> dict[str, Any]:
        digest = _sha256(data)
        path = self.blob_path(digest)
        if not path.exists():
            _write_atomic(path, data)
        return {"digest": digest, "size": len(data)}

    def is_chart(self, descriptor: dict[str, Any]) -> bool:
        manifest = self.read_manifest(descriptor, f"manifest {descriptor['digest']}")
        return bool(manifest.get("config", {}).get("mediaType") == HELM_CONFIG)

    def add(self, ref_name: str, descriptor: dict[str, Any]) -> None:
        """Point ``ref_name`` at ``descriptor``: the last step, after every blob is written."""
        index = self._index()
        manifests = [
            m
            for m in index.get("manifests", [])
            if not (isinstance(m, dict) and isinstance(m.get("annotations"), dict))
            or m["annotations"].get(REF_NAME) != ref_name
        ]
        manifests.append({**descriptor, "annotations": {REF_NAME: ref_name}})
        index["manifests"] = manifests
        _write_atomic(self.path / "index.json", json.dumps(index).encode())


def check_digest(value: object, where: str) -> str:
    if not isinstance(value, str) or not DIGEST.fullmatch(value):
        raise CopyError(f"{where} = {_shown(value)} is not allowed: sha256: and 64 hex digits (0-9, a-f)")
    return value


def check_ref_name(value: object, where: str) -> str:
    if not isinstance(value, str) or not REF_NAME_FORM.fullmatch(value) or len(value) > 255:
        raise CopyError(
            f"{where} = {_shown(value)} is not allowed: a registry path and tag such as team/app:1.0 "
            "(lowercase letters, digits, '.', '_', '-' and '/'; the tag up to 128 letters, digits, '.', '_', '-')"
        )
    return value


def check_descriptor(value: object, where: str) -> dict[str, Any]:
    """An OCI descriptor: an object with a ``sha256`` digest, a size and (if given) a media type."""
    if not isinstance(value, dict):
        raise CopyError(f"{where} is {_json_type(value)}, not allowed: a descriptor (object with digest and size)")
    check_digest(value.get("digest"), f"{where}.digest")
    size = value.get("size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise CopyError(f"{where}.size = {_shown(size)} is not allowed: the blob's size in bytes (an integer >= 0)")
    if not isinstance(value.get("mediaType", ""), str):
        raise CopyError(f"{where}.mediaType = {_shown(value.get('mediaType'))} is not allowed: a media type (text)")
    return value


def check_manifest(value: object, where: str) -> dict[str, Any]:
    """An image manifest (config and layers) or an index (manifests), each descriptor checked."""
    if not isinstance(value, dict):
        raise CopyError(f"{where} is {_json_type(value)}, not allowed: an OCI manifest or index (object)")
    if "manifests" in value:
        instances = value["manifests"]
        if not isinstance(instances, list):
            raise CopyError(f"{where}: manifests is {_json_type(instances)}, not allowed: a list of descriptors")
        for i, instance in enumerate(instances):
            check_descriptor(instance, f"{where}: manifests[{i}]")
        return value
    check_descriptor(value.get("config"), f"{where}: config")
    layers = value.get("layers")
    if not isinstance(layers, list):
        raise CopyError(f"{where}: layers is {_json_type(layers)}, not allowed: a list of descriptors")
    for i, layer in enumerate(layers):
        check_descriptor(layer, f"{where}: layers[{i}]")
    return value


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}
    return names.get(type(value), "a number" if isinstance(value, int | float) else type(value).__name__)


def _shown(value: object) -> str:
    """A value from an input file as an error may quote it: JSON, short, one line, no credentials."""
    try:
        text = json.dumps(redact_value(value), ensure_ascii=True, default=str)
    except (ValueError, RecursionError, TypeError):
        text = f"({_json_type(value)})"
    text = scrub(text)
    return text if len(text) <= 80 else text[:77] + "..."


def _json_document(data: bytes, where: str) -> Any:
    try:
        return json.loads(data)
    except RecursionError:
        raise CommandError(f"{where}: nested too deeply to be read") from None
    except ValueError as err:
        raise CommandError(f"{where}: cannot be read as JSON ({err})") from None


def _contained(root: Path, path: Path, *, what: str, under: str = "") -> Path:
    """``path`` resolved, if it is a regular file inside ``root/under`` (links followed, then checked)."""
    try:
        base = (root / under).resolve(strict=True) if under else root.resolve(strict=True)
        resolved = path.resolve(strict=True)
        mode = resolved.stat().st_mode
    except FileNotFoundError:
        raise CopyError(f"{path}: {what} is missing from the layout (pull again)") from None
    except (OSError, RuntimeError) as err:  # RuntimeError: a symbolic link loop
        raise CopyError(f"{path}: {what} cannot be read ({getattr(err, 'strerror', None) or err})") from None
    if not resolved.is_relative_to(base):
        raise CopyError(f"{path}: {what} leads out of the layout (to {resolved}); refused")
    if not stat.S_ISREG(mode):
        raise CopyError(f"{path}: {what} is not a regular file; refused")
    return resolved


def _read_contained(root: Path, path: Path, limit: int, *, what: str, under: str = "", declared: bool = False) -> bytes:
    """At most ``limit`` bytes of a regular file inside the layout; more is an error."""
    try:
        resolved = _contained(root, path, what=what, under=under)
    except CopyError as err:
        if what == "index.json":
            raise CommandError(str(err)) from None
        raise
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(resolved, flags)
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise CopyError(f"{path}: {what} is not a regular file; refused")
            data = handle.read(limit + 1)
    except OSError as err:
        raise CopyError(f"{path}: {what} cannot be read ({err.strerror})") from None
    if len(data) > limit:
        allowed = f"its declared size ({limit} bytes)" if declared else f"the {limit} bytes allowed"
        message = f"{path}: {what} is larger than {allowed}"
        raise CommandError(message) if what == "index.json" else CopyError(message)
    return data


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


def _skopeo(args: list[str], timeout: float, what: str) -> subprocess.CompletedProcess[bytes]:
    """Run skopeo with its own limit (``--command-timeout``) and, a little later, ours."""
    command = [skopeo_path(), f"--command-timeout={max(1, int(timeout))}s", *args]
    try:
        return subprocess.run(command, capture_output=True, timeout=timeout + 5)
    except subprocess.TimeoutExpired:
        raise CopyError(f"{what} took longer than {_seconds(timeout)} (no answer?); stopped") from None


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _skopeo_message(proc: subprocess.CompletedProcess[bytes]) -> str:
    lines = [line for line in proc.stderr.decode(errors="replace").splitlines() if line.strip()]
    text = lines[-1] if lines else f"skopeo exited with {proc.returncode}"
    # skopeo prefixes its messages with a log header; keep the reason only.
    return scrub(text.split('msg="', 1)[-1].rstrip('"').strip())


def _timed_out(message: str) -> bool:
    lowered = message.lower()
    return "context deadline exceeded" in lowered or "timeout" in lowered or "timed out" in lowered


def _tls(flag: str, options: Options) -> list[str]:
    return [f"--{flag}-tls-verify=false"] if options.insecure else []


def _host_of(reference: str) -> str:
    return reference.removeprefix("docker://").partition("/")[0]


def remote_digest(reference: str, options: Options) -> str | None:
    """Digest of what ``reference`` (``docker://...``) points to, or None if it is not there."""
    shown = reference.removeprefix("docker://")
    proc = _skopeo(
        ["inspect", "--raw", *_insecure_inspect(options), reference],
        options.timeout,
        f"reading {shown} from registry {_host_of(reference)}",
    )
    if proc.returncode == 0:
        return _sha256(proc.stdout)
    message = _skopeo_message(proc)
    if any(s in message.lower() for s in ("manifest unknown", "name unknown", "not found", "404")):
        return None
    if _timed_out(message):
        raise CopyError(
            f"registry {_host_of(reference)} did not answer within {_seconds(options.timeout)} "
            f"reading {shown} (--timeout): {message}"
        )
    raise CopyError(f"cannot read {shown}: {message}")


def _insecure_inspect(options: Options) -> list[str]:
    return ["--tls-verify=false"] if options.insecure else []


def skopeo_copy(source: str, destination: str, options: Options) -> None:
    args = ["copy", "--all", "--preserve-digests", "--quiet"]
    if source.startswith("docker://"):
        args += _tls("src", options)
    if destination.startswith("docker://"):
        args += _tls("dest", options)
    hosts = " to ".join(_host_of(x) for x in (source, destination) if x.startswith("docker://"))
    what = f"copying {source.removeprefix('docker://')} (registry {hosts})"
    proc = _skopeo([*args, source, destination], options.copy_timeout, what)
    if proc.returncode != 0:
        message = _skopeo_message(proc)
        if _timed_out(message):
            limit = _seconds(options.copy_timeout)
            raise CopyError(f"{what} did not finish within {limit} (--copy-timeout): {message}")
        raise CopyError(message)


# --- charts -----------------------------------------------------------------------------


def _http_get(url: str, options: Options, limit: int) -> bytes:
    """The body of a GET, at most ``limit`` bytes, with ``options.timeout`` to connect and per read."""
    import requests

    shown = without_userinfo(url)
    host = urllib.parse.urlsplit(shown).netloc or shown
    try:
        with requests.get(url, timeout=(options.timeout, options.timeout), stream=True) as response:
            if response.status_code != 200:
                raise CopyError(f"cannot fetch {shown}: HTTP {response.status_code}")
            declared = response.headers.get("Content-Length", "")
            if re.fullmatch(r"[0-9]+", declared) and int(declared) > limit:
                raise CopyError(f"cannot fetch {shown}: {declared} bytes, more than the {limit} allowed")
            body = bytearray()
            # A server that sends a byte now and then keeps each read alive: the whole answer has a limit too.
            deadline = time.monotonic() + options.copy_timeout
            for chunk in _arriving(response):
                body += chunk
                if len(body) > limit:
                    raise CopyError(f"cannot fetch {shown}: more than the {limit} bytes allowed")
                if time.monotonic() > deadline:
                    raise CopyError(
                        f"cannot fetch {shown}: not complete within {_seconds(options.copy_timeout)} (--copy-timeout)"
                    )
            return bytes(body)
    except (requests.Timeout, TimeoutError):
        raise CopyError(
            f"chart repository {host} did not answer within {_seconds(options.timeout)} fetching {shown} (--timeout)"
        ) from None
    except requests.RequestException as err:
        raise CopyError(f"cannot fetch {shown}: {type(err).__name__}") from None


def _arriving(response: Any) -> Iterator[bytes]:
    """The body as it arrives, a piece per read of the socket (so a deadline is checked between them)."""
    raw = response.raw
    if not hasattr(raw, "read1"):  # urllib3 < 2: whole chunks
        yield from response.iter_content(chunk_size=64 * 1024)
        return
    while True:
        piece = raw.read1(64 * 1024, decode_content=True)
        if not piece:
            return
        yield piece


def fetch_chart(chart: ChartReference, options: Options) -> bytes:
    """The chart archive, checked against the digest its repository's index.yaml gives."""
    shown_repository = without_userinfo(chart.repository)
    if not chart.repository.startswith(("http://", "https://")):
        raise CopyError(f"{shown_repository}: only HTTP(S) chart repositories can be mirrored")
    base = chart.repository.rstrip("/") + "/"
    where = f"{without_userinfo(base)}index.yaml"
    try:
        index = yaml.safe_load(_http_get(base + "index.yaml", options, MAX_INDEX_BYTES))
    except yaml.YAMLError:
        raise CopyError(f"{where} is not YAML") from None
    except RecursionError:
        raise CopyError(f"{where} is nested too deeply to be read") from None
    entry = _index_entry(index, chart, where)
    url = urllib.parse.urljoin(base, entry["urls"][0])
    if not url.startswith(("http://", "https://")):
        raise CopyError(f"{where}: the URL of {chart.name} {chart.version} is not HTTP(S)")
    data = _http_get(url, options, MAX_CHART_BYTES)
    if hashlib.sha256(data).hexdigest() != entry["digest"].removeprefix("sha256:"):
        raise CopyError(f"{chart.name} {chart.version}: the archive does not match the digest in {where}")
    return data


def _index_entry(index: object, chart: ChartReference, where: str) -> dict[str, Any]:
    """The chart's entry in a repository's index.yaml, its shape checked."""
    entries = index.get("entries") if isinstance(index, dict) else None
    if not isinstance(entries, dict):
        raise CopyError(f"{where} is not a Helm repository index (no entries mapping)")
    versions = entries.get(chart.name) or []
    if not isinstance(versions, list):
        raise CopyError(f"{where}: entries.{chart.name} is not a list of chart versions")
    entry = next((e for e in versions if isinstance(e, dict) and str(e.get("version")) == chart.version), None)
    if entry is None:
        raise CopyError(f"{where} has no {chart.name} {chart.version}")
    urls, digest = entry.get("urls"), entry.get("digest")
    if not isinstance(urls, list) or not urls or not isinstance(urls[0], str) or not urls[0]:
        raise CopyError(f"{where} gives no download URL for {chart.name} {chart.version}")
    if not isinstance(digest, str) or not re.fullmatch(r"(sha256:)?[0-9a-f]{64}", digest, re.ASCII):
        raise CopyError(f"{where} gives no SHA-256 digest (64 hex digits) for {chart.name} {chart.version}")
    return entry


def chart_metadata(archive: bytes, chart: ChartReference) -> dict[str, Any]:
    """Chart.yaml of the archive, which must be the chart and version asked for."""
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            member = tar.getmember(f"{chart.name}/Chart.yaml")
            handle = tar.extractfile(member) if member.isfile() and member.size <= MAX_MANIFEST_BYTES else None
            metadata = yaml.safe_load(handle.read()) if handle else None
    except (tarfile.TarError, KeyError, yaml.YAMLError, RecursionError, EOFError, OSError):
        metadata = None
    if not isinstance(metadata, dict) or str(metadata.get("version")) != chart.version:
        raise CopyError(f"{chart.name} {chart.version}: the archive has no Chart.yaml of that chart and version")
    return metadata


def store_chart(layout: Layout, chart: ChartReference, archive: bytes) -> str:
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
    layout.add(chart_ref_name(chart), {"mediaType": OCI_MANIFEST, **descriptor})
    return str(descriptor["digest"])


def _with_timeout(request: Callable[..., Any], timeout: float) -> Callable[..., Any]:
    """``Session.request`` with a connect and read timeout wherever the caller gives none."""

    def send(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = (timeout, timeout)
        return request(*args, **kwargs)

    return send


class OciRegistry:
    """Chart pushes to one registry with oras, one attempt per request (a run is re-runnable).

    Every request of the client (oras' own and its token requests share one session) has the
    run's timeout to connect and to wait for each part of an answer.
    """

    def __init__(self, registry: str, options: Options) -> None:
        import oras.provider

        class _OneAttempt(oras.provider.Registry):  # type: ignore[misc]
            # oras retries a failed request five times over two minutes; a mirror run reports
            # the failure at once instead and is simply run again.
            def do_request(self, *args: Any, **kwargs: Any) -> Any:
                return oras.provider.Registry.do_request.__wrapped__(self, *args, **kwargs)

        self.registry = registry
        self.options = options
        self.client = _OneAttempt(insecure=options.insecure, tls_verify=not options.insecure)
        session = self.client.session
        session.request = _with_timeout(session.request, options.timeout)  # type: ignore[method-assign]
        auth_session = getattr(self.client.auth, "session", None)
        if auth_session is not None and auth_session is not session:
            auth_session.request = _with_timeout(auth_session.request, options.timeout)
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

    def _no_answer(self, doing: str) -> CopyError:
        return CopyError(
            f"registry {self.registry} did not answer within {_seconds(self.options.timeout)} {doing} (--timeout)"
        )

    def manifest_digest(self, ref_name: str) -> str | None:
        import requests

        container = self._container(ref_name)
        url = f"{self.client.prefix}://{container.manifest_url()}"
        try:
            response = self.client.do_request(url, "GET", headers={"Accept": f"{OCI_MANIFEST}, {OCI_INDEX}"})
        except requests.Timeout:
            raise self._no_answer(f"reading the manifest of {ref_name}") from None
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
        except requests.Timeout:
            raise self._no_answer(f"pushing {ref_name}") from None
        except (requests.RequestException, ValueError, OSError) as err:
            raise CopyError(f"push to {self.registry} failed: {_short(err)}") from None
        if response is None or response.status_code not in (200, 201, 202):
            raise CopyError(f"push to {self.registry} failed: HTTP {getattr(response, 'status_code', '?')}")


def _short(err: BaseException) -> str:
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    return scrub(f"{type(err).__name__}: {text}")[:300]


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


def pull_chart(chart: ChartReference, layout: Layout, options: Options) -> bool:
    archive = fetch_chart(chart, options)
    existing = _entry(layout, chart_ref_name(chart))
    if existing is not None and _layer_digest(layout, existing) == _sha256(archive):
        return False
    store_chart(layout, chart, archive)
    return True


def _entry(layout: Layout, ref_name: str) -> dict[str, Any] | None:
    return next((e for e in layout.entries() if e["annotations"][REF_NAME] == ref_name), None)


def _layer_digest(layout: Layout, descriptor: dict[str, Any]) -> str | None:
    try:
        manifest = layout.read_manifest(descriptor, "manifest")
        return str(manifest["layers"][0]["digest"])
    except (CopyError, KeyError, IndexError):
        return None


def push_entry(layout: Layout, entry: dict[str, Any], registry: str, options: Options, oci: OciRegistry) -> bool:
    """Push one checked layout entry (image or chart) to ``registry/<ref_name>``."""
    ref_name, digest = entry["annotations"][REF_NAME], entry["digest"]
    # Every blob of the entry is checked (and the view of it made) before the registry is asked.
    if not layout.is_chart(entry):
        with _directory_view(layout, entry) as view:
            destination = f"docker://{registry}/{ref_name}"
            return _copy_image(f"dir:{view}", destination, digest, "in the layout", registry, options)
    # oras reads a layout as it finds it; it gets one made here of the checked bytes only.
    with _chart_view(layout, entry) as chart_view:
        if oci.manifest_digest(ref_name) == digest:
            return False
        oci.push(chart_view, ref_name)
    pushed = oci.manifest_digest(ref_name)
    if pushed != digest:
        raise CopyError(f"digest changed in the copy: {digest} in the layout, {pushed} in {registry}")
    return True


def _copy_image(source: str, destination: str, digest: str, origin: str, registry: str, options: Options) -> bool:
    """Copy an image unless ``destination`` has ``digest`` already; it must arrive with that digest
    (``origin`` says where the digest was read, for the error)."""
    if remote_digest(destination, options) == digest:
        return False
    skopeo_copy(source, destination, options)
    pushed = remote_digest(destination, options)
    if pushed != digest:
        raise CopyError(f"digest changed in the copy: {digest} {origin}, {pushed} in {registry}")
    return True


@contextmanager
def _chart_view(layout: Layout, entry: dict[str, Any]) -> Iterator[Layout]:
    """A layout holding only the chart ``entry``: its manifest, config and layers, read and checked."""
    manifest = layout.read_manifest(entry, f"manifest of {entry['annotations'][REF_NAME]}")
    blobs = [layout.read_blob(entry["digest"], entry["size"])]
    for descriptor in [manifest["config"], *manifest["layers"]]:
        blobs.append(layout.read_blob(descriptor["digest"], descriptor["size"], limit=MAX_CHART_BYTES))
    with _scratch_layout() as view:
        for data in blobs:
            view.write_blob(data)
        view.add(
            entry["annotations"][REF_NAME],
            {
                "mediaType": entry.get("mediaType", OCI_MANIFEST),
                **{
                    "digest": entry["digest"],
                    "size": entry["size"],
                },
            },
        )
        yield view


@contextmanager
def _directory_view(layout: Layout, entry: dict[str, Any]) -> Iterator[Path]:
    """The layout entry as skopeo's ``dir:`` transport lays out one image, over the same blobs.

    skopeo 1.9 reads from an OCI layout only entries whose descriptor has an OCI media type,
    while it keeps Docker-format images (most of Docker Hub's) as they are when it writes
    them there, digests unchanged. Its ``dir:`` transport reads either format, so pushes go
    through a view made of hard links (copies across file systems) to checked blobs.
    """
    ref_name = entry["annotations"][REF_NAME]
    top = layout.read_blob(entry["digest"], entry["size"])
    manifest = layout.read_manifest(entry, f"manifest of {ref_name}")
    try:
        tmp = tempfile.TemporaryDirectory(prefix=".push-", dir=layout.path)
    except OSError:  # a read-only layout, e.g. on the drive it was carried on
        tmp = tempfile.TemporaryDirectory(prefix="platformctl-push-")
    with tmp as name:
        view = Path(name)
        (view / "version").write_text("Directory Transport Version: 1.1\n")
        (view / "manifest.json").write_bytes(top)
        if "manifests" in manifest:
            for i, instance in enumerate(manifest["manifests"]):
                data = layout.read_blob(instance["digest"], instance["size"])
                where = f"manifest of {ref_name}: manifests[{i}]"
                image = layout.read_manifest(instance, where)
                if "manifests" in image:
                    raise CopyError(f"{where} is an index itself; an image index lists image manifests")
                (view / f"{instance['digest'].removeprefix('sha256:')}.manifest.json").write_bytes(data)
                _link_image_blobs(layout, image, view)
        else:
            _link_image_blobs(layout, manifest, view)
        yield view


def _link_image_blobs(layout: Layout, manifest: dict[str, Any], view: Path) -> None:
    for descriptor in [manifest["config"], *manifest["layers"]]:
        target = view / descriptor["digest"].removeprefix("sha256:")
        if target.exists():
            continue
        source = layout.blob_file(descriptor)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)


def sync_image(image: Image, registry: str, options: Options) -> bool:
    source = remote_digest(f"docker://{image.reference}", options)
    if source is None:
        raise CopyError(f"{image.reference} does not exist")
    destination = f"docker://{registry}/{image.path}"
    return _copy_image(f"docker://{image.reference}", destination, source, "at the source", registry, options)


def sync_chart(chart: ChartReference, registry: str, options: Options, oci: OciRegistry) -> bool:
    with _scratch_layout() as layout:
        store_chart(layout, chart, fetch_chart(chart, options))
        entry = _entry(layout, chart_ref_name(chart))
        assert entry is not None
        return push_entry(layout, entry, registry, options, oci)


@contextmanager
def _scratch_layout() -> Iterator[Layout]:
    with tempfile.TemporaryDirectory(prefix="platformctl-mirror-") as tmp:
        layout = Layout(Path(tmp))
        layout.create()
        yield layout
