"""The OCI image layout on disk that ``platformctl mirror`` pulls into and pushes from.

Its directories, blobs and their digests, and ``index.json`` with one entry per ``ref.name``;
everything read from a layout is checked first (see :class:`Layout`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from constructs_lib._files import NotRegularFile, read_regular_file
from constructs_lib._validate import OCI_TAG_PATTERN, PATH_COMPONENT_PATTERN, SHA256_DIGEST_PATTERN

from .errors import CommandError, CopyError
from .redact import redact_value, scrub

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json"
HELM_CHART = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
REF_NAME = "org.opencontainers.image.ref.name"

#: A blob's digest as the layout names it: SHA-256 only, 64 lowercase hex digits (ASCII).
DIGEST = re.compile(SHA256_DIGEST_PATTERN, re.ASCII)
#: A registry path with its tag (``prometheus/prometheus:v3.0.0``, ``charts/traefik:41.3.0``):
#: the distribution spec's repository name and tag grammar, ASCII only.
REF_NAME_FORM = re.compile(
    rf"{PATH_COMPONENT_PATTERN}(?:/{PATH_COMPONENT_PATTERN})*:{OCI_TAG_PATTERN}",
    re.ASCII,
)
#: The largest manifest, index or chart config read (the distribution spec lets registries
#: refuse manifests over 4 MiB).
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
#: The largest index.json of a layout (thousands of entries).
MAX_LAYOUT_INDEX_BYTES = 64 * 1024 * 1024


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
        if sha256_digest(data) != digest:
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
        digest = sha256_digest(data)
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
    try:
        data = read_regular_file(resolved, limit, follow_links=False)
    except NotRegularFile:
        raise CopyError(f"{path}: {what} is not a regular file; refused") from None
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


def sha256_digest(data: bytes) -> str:
    """``data``'s digest as OCI names it: ``sha256:`` and 64 hex digits."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def entry_of(layout: Layout, ref_name: str) -> dict[str, Any] | None:
    """The layout's checked entry named ``ref_name``, if it has one."""
    return next((e for e in layout.entries() if e["annotations"][REF_NAME] == ref_name), None)


@contextmanager
def scratch_layout() -> Iterator[Layout]:
    """A new, empty layout in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="platformctl-mirror-") as tmp:
        layout = Layout(Path(tmp))
        layout.create()
        yield layout
