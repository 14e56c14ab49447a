"""Chart copies for ``platformctl mirror``: fetched over HTTP(S), stored as Helm's OCI artifacts, pushed with oras.

Every copy is checked by digest: a chart is checked against its repository index's digest
when fetched and against the layout's manifest digest when pushed. A chart already in place
with the same digest is skipped, so a run that stopped half-way is simply run again; it
counts as copied only once its digest at the destination has been read back and matches.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from constructs_lib.addons.registry import CHARTS_PATH
from constructs_lib.addons.release import ChartReference

from .errors import CopyError
from .mirror_layout import (
    HELM_CHART,
    HELM_CONFIG,
    MAX_MANIFEST_BYTES,
    OCI_INDEX,
    OCI_MANIFEST,
    REF_NAME,
    Layout,
    entry_of,
    scratch_layout,
    sha256_digest,
)
from .mirror_options import Options, seconds
from .redact import scrub, without_userinfo

#: The largest chart archive.
MAX_CHART_BYTES = 64 * 1024 * 1024
#: The largest index.yaml of a chart repository (big public ones are tens of MB).
MAX_INDEX_BYTES = 256 * 1024 * 1024


def chart_ref_name(chart: ChartReference) -> str:
    """A chart's name in the layout and its path under the internal registry."""
    return f"{CHARTS_PATH}/{chart.name}:{chart.version}"


def chart_label(chart: ChartReference) -> str:
    """A chart as the progress and error lines name it (without a URL's credentials)."""
    return f"chart {chart.name} {chart.version} ({without_userinfo(chart.repository)})"


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
                        f"cannot fetch {shown}: not complete within {seconds(options.copy_timeout)} (--copy-timeout)"
                    )
            return bytes(body)
    except (requests.Timeout, TimeoutError):
        raise CopyError(
            f"chart repository {host} did not answer within {seconds(options.timeout)} fetching {shown} (--timeout)"
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
            f"registry {self.registry} did not answer within {seconds(self.options.timeout)} {doing} (--timeout)"
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
        return sha256_digest(response.content)

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


def pull_chart(chart: ChartReference, layout: Layout, options: Options) -> bool:
    archive = fetch_chart(chart, options)
    existing = entry_of(layout, chart_ref_name(chart))
    if existing is not None and _layer_digest(layout, existing) == sha256_digest(archive):
        return False
    store_chart(layout, chart, archive)
    return True


def _layer_digest(layout: Layout, descriptor: dict[str, Any]) -> str | None:
    try:
        manifest = layout.read_manifest(descriptor, "manifest")
        return str(manifest["layers"][0]["digest"])
    except (CopyError, KeyError, IndexError):
        return None


def push_chart(layout: Layout, entry: dict[str, Any], registry: str, oci: OciRegistry) -> bool:
    """Push one checked layout entry that is a chart to ``registry/<ref_name>``."""
    ref_name, digest = entry["annotations"][REF_NAME], entry["digest"]
    # oras reads a layout as it finds it; it gets one made here of the checked bytes only.
    with _chart_view(layout, entry) as chart_view:
        if oci.manifest_digest(ref_name) == digest:
            return False
        oci.push(chart_view, ref_name)
    pushed = oci.manifest_digest(ref_name)
    if pushed != digest:
        raise CopyError(f"digest changed in the copy: {digest} in the layout, {pushed} in {registry}")
    return True


@contextmanager
def _chart_view(layout: Layout, entry: dict[str, Any]) -> Iterator[Layout]:
    """A layout holding only the chart ``entry``: its manifest, config and layers, read and checked."""
    manifest = layout.read_manifest(entry, f"manifest of {entry['annotations'][REF_NAME]}")
    blobs = [layout.read_blob(entry["digest"], entry["size"])]
    for descriptor in [manifest["config"], *manifest["layers"]]:
        blobs.append(layout.read_blob(descriptor["digest"], descriptor["size"], limit=MAX_CHART_BYTES))
    with scratch_layout() as view:
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


def sync_chart(chart: ChartReference, registry: str, options: Options, oci: OciRegistry) -> bool:
    with scratch_layout() as layout:
        store_chart(layout, chart, fetch_chart(chart, options))
        entry = entry_of(layout, chart_ref_name(chart))
        assert entry is not None
        return push_chart(layout, entry, registry, oci)
