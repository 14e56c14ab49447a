"""Image copies with skopeo for ``platformctl mirror``: into a layout, from it, and straight across.

Every copy is checked by digest: an image keeps the digest of what its tag points to (the
whole multi-platform index, copied with ``skopeo copy --all --preserve-digests``). An image
already in place with the same digest is skipped, so a run that stopped half-way is simply
run again; it counts as copied only once its digest at the destination has been read back
and matches.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CommandError, CopyError
from .mirror_layout import REF_NAME, Layout, sha256_digest
from .mirror_options import Options, seconds
from .redact import scrub


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
        raise CopyError(f"{what} took longer than {seconds(timeout)} (no answer?); stopped") from None


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


def _without_reference(message: str, reference: str) -> str:
    """skopeo's ``message`` without the names the operator chose (the reference, its registry
    and its repository), which it quotes: only skopeo's own words say why it failed (a port
    such as 40481 is no HTTP 404, a repository named ``timeout`` no time-out)."""
    host, _, path = reference.partition("/")
    repository = path.rpartition("@")[0] or path.rpartition(":")[0] or path
    for name in sorted({reference, host, path, repository} - {""}, key=len, reverse=True):
        message = message.replace(name, " ")
    return message


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
        return sha256_digest(proc.stdout)
    message = _skopeo_message(proc)
    reason = _without_reference(message, shown)
    if any(s in reason.lower() for s in ("manifest unknown", "name unknown", "not found", "404")):
        return None
    if _timed_out(reason):
        raise CopyError(
            f"registry {_host_of(reference)} did not answer within {seconds(options.timeout)} "
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
        reason = message
        for reference in (source, destination):
            if reference.startswith("docker://"):
                reason = _without_reference(reason, reference.removeprefix("docker://"))
        if _timed_out(reason):
            limit = seconds(options.copy_timeout)
            raise CopyError(f"{what} did not finish within {limit} (--copy-timeout): {message}")
        raise CopyError(message)


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


def push_image(layout: Layout, entry: dict[str, Any], registry: str, options: Options) -> bool:
    """Push one checked layout entry that is an image to ``registry/<ref_name>``."""
    ref_name, digest = entry["annotations"][REF_NAME], entry["digest"]
    # Every blob of the entry is checked (and the view of it made) before the registry is asked.
    with _directory_view(layout, entry) as view:
        destination = f"docker://{registry}/{ref_name}"
        return _copy_image(f"dir:{view}", destination, digest, "in the layout", registry, options)


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
