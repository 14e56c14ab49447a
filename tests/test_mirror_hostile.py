"""platformctl mirror against hostile inputs: credentials in URLs, servers that never answer,
OCI layouts that point out of themselves, and list files of the wrong shape."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_mirror import CHART_NAME, CHART_VERSION, _chart_archive, _chart_repository

from constructs_lib.addons.release import ChartReference
from platformctl.cli import main
from platformctl.mirror_charts import store_chart
from platformctl.mirror_layout import Layout

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s3cret-value"
needs_skopeo = pytest.mark.skipif(not shutil.which("skopeo"), reason="needs skopeo: apt-get install -y skopeo")


def _mirror(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["mirror", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _one_error_line(err: str) -> None:
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert "unexpected" not in err and "Traceback" not in err, err


# --- credentials -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def chart_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The test chart repository, plus repositories whose index.yaml is broken in several ways."""
    root = tmp_path_factory.mktemp("charts") / "repo"
    server = _chart_repository(root)
    for name, text in {
        "not-yaml": "entries: [unclosed",
        "a-list": "- 1\n- 2\n",
        "deep": "[" * 50_000,
        "bad-digest": json.dumps(
            {"entries": {CHART_NAME: [{"version": CHART_VERSION, "urls": ["x.tgz"], "digest": "../../etc/passwd"}]}}
        ),
        "file-url": json.dumps(
            {"entries": {CHART_NAME: [{"version": CHART_VERSION, "urls": ["file:///etc/passwd"], "digest": "0" * 64}]}}
        ),
    }.items():
        (root / name).mkdir()
        (root / name / "index.yaml").write_text(text)
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@needs_skopeo
@pytest.mark.parametrize(
    ("repository", "version", "reason"),
    [
        (f"http://mirror-user:{SECRET}@{{server}}/", "9.9.9", "index.yaml has no demo 9.9.9"),
        (f"http://mirror-user:{SECRET}@{{server}}/not-yaml/", CHART_VERSION, "not-yaml/index.yaml is not YAML"),
        (f"http://mirror-user:{SECRET}@{{server}}/a-list/", CHART_VERSION, "is not a Helm repository index"),
        (f"http://mirror-user:{SECRET}@{{server}}/deep/", CHART_VERSION, "is nested too deeply to be read"),
        (f"http://mirror-user:{SECRET}@{{server}}/bad-digest/", CHART_VERSION, "gives no SHA-256 digest"),
        (f"https://mirror-user:{SECRET}@{{server}}/", CHART_VERSION, "cannot fetch https://{server}/index.yaml"),
        (f"http://mirror-user:{SECRET}@{{server}}/file-url/", CHART_VERSION, "is not HTTP(S)"),
        (f"ftp://mirror-user:{SECRET}@{{server}}/charts/", CHART_VERSION, "only HTTP(S) chart repositories"),
        (f"mirror-user:{SECRET}@{{server}}/charts/", CHART_VERSION, "only HTTP(S) chart repositories"),
        # A password with an unencoded '/' or '@' in it still counts as user info.
        (f"http://mirror-user:{SECRET}/x@y@{{server}}/", "9.9.9", "cannot fetch"),
    ],
)
def test_credentials_in_a_repository_url_are_in_no_message_or_listing(
    chart_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], repository: str, version: str, reason: str
) -> None:
    listing = tmp_path / "list.json"
    repository = repository.format(server=chart_server)
    listing.write_text(json.dumps({"charts": [{"repository": repository, "name": CHART_NAME, "version": version}]}))

    code, out, err = _mirror(capsys, "pull", "--list", str(listing), "--to", str(tmp_path / "layout"), "--timeout", "5")

    assert code == 1 and out.strip() == "mirror pull: 0 copied, 0 skipped, 1 failed", err
    assert reason.format(server=chart_server) in err, err
    assert f"[1/1] failed chart {CHART_NAME} {version}" in err
    printed = [out, err]
    for extra in ([], ["--json"]):
        code, out, err = _mirror(capsys, "list", "--list", str(listing), *extra)
        assert code == 0
        printed += [out, err]
    assert chart_server in "".join(printed)
    assert SECRET not in "".join(printed) and "mirror-user" not in "".join(printed)


@pytest.mark.parametrize(
    "content",
    [
        # An entry of the wrong shape is quoted in the error, without the credentials.
        {"charts": [{"repository": f"https://mirror-user:{SECRET}@charts.example/", "name": "demo"}]},
        {"charts": [{"repository": f"mirror-user:{SECRET}@charts.example", "name": "demo", "version": 1}]},
        {"images": [{"reference": f"mirror-user:{SECRET}@quay.io/team/app:1.0"}]},
        {"images": [{"reference": f"https://mirror-user:{SECRET}@quay.io/team/app:1.0"}]},
    ],
)
def test_a_bad_list_entry_is_quoted_without_credentials(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: dict[str, Any]
) -> None:
    listing = tmp_path / "list.json"
    listing.write_text(json.dumps(content))
    code, out, err = _mirror(capsys, "list", "--list", str(listing))
    assert code == 1 and out == ""
    _one_error_line(err)
    assert "is not allowed" in err and SECRET not in err


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_a_list_that_is_not_a_regular_file_is_refused_without_reading_it(tmp_path: Path, kind: str) -> None:
    """A pipe given to --list would block the command forever (nothing ever writes to it), a
    directory fail late: both are refused before they are opened, naming the file."""
    listing = tmp_path / "list.json"
    if kind == "fifo":
        os.mkfifo(listing)
    else:
        listing.mkdir()
    # In a process of its own, so that a command that waits on the pipe fails this test instead of hanging the suite.
    run = subprocess.run(
        [sys.executable, "-m", "platformctl", "mirror", "list", "--list", str(listing)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert run.returncode == 1 and run.stdout == "", run.stderr
    _one_error_line(run.stderr)
    assert run.stderr.startswith(f"error: {listing}: cannot be read: not a regular file"), run.stderr


@needs_skopeo
def test_credentials_in_the_registry_option_are_refused_unshown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _mirror(capsys, "push", str(tmp_path), "--registry", f"mirror-user:{SECRET}@127.0.0.1:5000")
    assert code == 1
    assert err == (
        "error: --registry must not hold credentials (user:password@): log in with skopeo login "
        "(or REGISTRY_AUTH_FILE, ~/.docker/config.json) and give host[:port][/path]\n"
    )


def test_scrub_drops_user_info_of_every_url_in_a_text() -> None:
    from platformctl.redact import scrub, without_userinfo

    text = f"GET https://u:{SECRET}@a.example/x failed, then oci://{SECRET}@b.example:5000/c and http://c.example/"
    assert scrub(text) == "GET https://a.example/x failed, then oci://b.example:5000/c and http://c.example/"
    assert without_userinfo(f"u:{SECRET}@host/path") == "host/path"
    digest = "sha256:" + "a" * 64
    assert without_userinfo(f"quay.io/team/app@{digest}") == f"quay.io/team/app@{digest}"
    assert without_userinfo(f"https://u:p@quay.io/team/app@{digest}") == f"https://quay.io/team/app@{digest}"


# --- servers that accept connections and never answer ---------------------------------


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A TCP server on 127.0.0.1 that accepts every connection and never sends a byte."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(timeout=5)
    for connection in held:
        connection.close()
    listener.close()


def _chart_layout(path: Path) -> Layout:
    layout = Layout(path)
    layout.create()
    store_chart(layout, ChartReference("http://unused.example/", CHART_NAME, CHART_VERSION), _chart_archive())
    return layout


@needs_skopeo
def test_a_chart_repository_that_never_answers_fails_in_the_timeout(
    silent_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = tmp_path / "list.json"
    repository = f"http://mirror-user:{SECRET}@{silent_server}/"
    listing.write_text(json.dumps({"charts": [{"repository": repository, "name": CHART_NAME, "version": "1.0.0"}]}))
    started = time.monotonic()

    code, out, err = _mirror(capsys, "pull", "--list", str(listing), "--to", str(tmp_path / "l"), "--timeout", "1")

    assert time.monotonic() - started < 15
    assert code == 1 and out.strip() == "mirror pull: 0 copied, 0 skipped, 1 failed"
    assert (
        f"chart repository {silent_server} did not answer within 1 s fetching http://{silent_server}/index.yaml "
        "(--timeout)"
    ) in err
    assert SECRET not in err


@needs_skopeo
@pytest.mark.parametrize("how", ["option", "variable"])
def test_a_registry_that_never_answers_fails_a_chart_push_in_the_timeout(
    silent_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    layout = _chart_layout(tmp_path / "layout")
    extra = ["--timeout", "1"] if how == "option" else []
    if how == "variable":
        monkeypatch.setenv("PLATFORMCTL_MIRROR_TIMEOUT", "1")
    started = time.monotonic()

    code, out, err = _mirror(capsys, "push", str(layout.path), "--registry", silent_server, "--insecure", *extra)

    assert time.monotonic() - started < 15
    assert code == 1 and out.strip() == "mirror push: 0 copied, 0 skipped, 1 failed"
    ref = f"charts/{CHART_NAME}:{CHART_VERSION}"
    assert f"error: {ref} -> {silent_server}/{ref}: registry {silent_server} did not answer within 1 s" in err


@needs_skopeo
def test_a_registry_that_never_answers_fails_a_chart_sync_in_the_timeout(
    silent_server: str, chart_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = tmp_path / "list.json"
    chart = {"repository": f"http://{chart_server}/", "name": CHART_NAME, "version": CHART_VERSION}
    listing.write_text(json.dumps({"charts": [chart]}))
    started = time.monotonic()

    code, _, err = _mirror(
        capsys, "sync", "--list", str(listing), "--registry", silent_server, "--insecure", "--timeout", "1"
    )

    assert time.monotonic() - started < 15
    assert code == 1 and f"registry {silent_server} did not answer within 1 s" in err, err


@needs_skopeo
@pytest.mark.parametrize("command", ["sync", "pull"])
def test_an_image_registry_that_never_answers_fails_in_the_timeout(
    silent_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    listing = tmp_path / "list.json"
    listing.write_text(json.dumps({"images": [{"reference": f"{silent_server}/team/app:1.0"}]}))
    target = ["--registry", "127.0.0.1:1"] if command == "sync" else ["--to", str(tmp_path / "layout")]
    started = time.monotonic()

    code, _, err = _mirror(capsys, command, "--list", str(listing), *target, "--insecure", "--timeout", "1")

    assert time.monotonic() - started < 20
    assert code == 1
    assert f"registry {silent_server} did not answer within 1 s reading {silent_server}/team/app:1.0" in err, err


def test_a_timeout_that_is_not_a_number_of_seconds_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SystemExit):
        main(["mirror", "push", str(tmp_path), "--registry", "127.0.0.1:1", "--timeout", "0"])
    assert "'0' is not allowed: seconds, more than 0 and at most 86400" in capsys.readouterr().err
    if shutil.which("skopeo"):
        monkeypatch.setenv("PLATFORMCTL_MIRROR_TIMEOUT", "soon")
        _chart_layout(tmp_path / "layout")
        code, _, err = _mirror(capsys, "push", str(tmp_path / "layout"), "--registry", "127.0.0.1:1")
        assert code == 1
        assert (
            err == "error: $PLATFORMCTL_MIRROR_TIMEOUT: 'soon' is not allowed: seconds, more than 0 and at most 86400\n"
        )


# --- OCI layouts that lead out of themselves ------------------------------------------


def _index(layout: Path) -> dict[str, Any]:
    return dict(json.loads((layout / "index.json").read_text()))


def _set_index(layout: Path, index: Any) -> None:
    (layout / "index.json").write_text(json.dumps(index))


def _blob(layout: Path, digest: str) -> Path:
    return layout / "blobs" / "sha256" / digest.removeprefix("sha256:")


def _manifest_of(layout: Path) -> tuple[str, dict[str, Any]]:
    digest = _index(layout)["manifests"][0]["digest"]
    return digest, json.loads(_blob(layout, digest).read_text())


def _rewrite_manifest(layout: Path, change: Any) -> None:
    """Change the chart's manifest and point the index at the changed one (a valid digest)."""
    import hashlib

    _, manifest = _manifest_of(layout)
    change(manifest)
    data = json.dumps(manifest).encode()
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    _blob(layout, digest).write_bytes(data)
    index = _index(layout)
    index["manifests"][0].update(digest=digest, size=len(data))
    _set_index(layout, index)


def _raw_manifest(layout: Path, data: bytes) -> None:
    """The index's entry pointed at a manifest blob of exactly ``data`` (its digest and size right)."""
    import hashlib

    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    _blob(layout, digest).write_bytes(data)
    index = _index(layout)
    index["manifests"][0].update(digest=digest, size=len(data))
    _set_index(layout, index)


def _index_of_index(layout: Path) -> None:
    """The entry pointed at an image index whose one instance is an index again."""
    import hashlib

    inner = json.dumps({"schemaVersion": 2, "manifests": []}).encode()
    digest = "sha256:" + hashlib.sha256(inner).hexdigest()
    _blob(layout, digest).write_bytes(inner)
    outer = {"schemaVersion": 2, "manifests": [{"mediaType": "x", "digest": digest, "size": len(inner)}]}
    _raw_manifest(layout, json.dumps(outer).encode())


def _entry_field(field: str, value: Any) -> Any:
    def edit(layout: Path) -> None:
        index = _index(layout)
        if field == "ref":
            index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"] = value
        else:
            index["manifests"][0][field] = value
        _set_index(layout, index)

    return edit


def _layer_digest(value: str) -> Any:
    def edit(layout: Path) -> None:
        _rewrite_manifest(layout, lambda m: m["layers"][0].update(digest=value))

    return edit


def _blob_replaced(target: str) -> Any:
    """The chart's layer blob replaced by a symbolic link to ``target`` (/dev/zero, /etc/passwd)."""

    def edit(layout: Path) -> None:
        _, manifest = _manifest_of(layout)
        blob = _blob(layout, manifest["layers"][0]["digest"])
        blob.unlink()
        blob.symlink_to(target)

    return edit


def _manifest_blob(edit_blob: Any) -> Any:
    def edit(layout: Path) -> None:
        digest, _ = _manifest_of(layout)
        edit_blob(_blob(layout, digest))

    return edit


def _index_text(text: str) -> Any:
    def edit(layout: Path) -> None:
        (layout / "index.json").write_text(text)

    return edit


def _index_link(target: str) -> Any:
    def edit(layout: Path) -> None:
        (layout / "index.json").unlink()
        (layout / "index.json").symlink_to(target)

    return edit


def _duplicate_entry(layout: Path) -> None:
    index = _index(layout)
    index["manifests"].append(index["manifests"][0])
    _set_index(layout, index)


def _replace_with_directory(path: Path) -> None:
    path.unlink()
    path.mkdir()


#: (edit, whether the whole run stops (index.json) or the entry fails, expected reason)
HOSTILE_LAYOUTS = {
    "digest-to-dev-zero": (
        _entry_field("digest", "sha256:../../../dev/zero"),
        'manifests[0].digest = "sha256:../../../dev/zero" is not allowed: sha256: and 64 hex digits',
    ),
    "digest-to-passwd": (_entry_field("digest", "sha256:../../../../etc/passwd"), "is not allowed: sha256: and 64"),
    "digest-uppercase": (_entry_field("digest", "sha256:" + "A" * 64), "is not allowed: sha256: and 64 hex digits"),
    "digest-unicode-digits": (_entry_field("digest", "sha256:" + "\u0663" * 64), "is not allowed: sha256: and 64"),
    "digest-sha512": (_entry_field("digest", "sha512:" + "a" * 128), "is not allowed: sha256: and 64 hex digits"),
    "size-missing": (_entry_field("size", None), "manifests[0].size = null is not allowed"),
    "size-huge": (_entry_field("size", 10**15), "declared as 1000000000000000 bytes, more than the"),
    "size-short": (_entry_field("size", 10), "is larger than its declared size (10 bytes)"),
    "ref-traversal": (_entry_field("ref", "../../etc/passwd:1"), 'ref.name] = "../../etc/passwd:1" is not allowed'),
    "ref-not-text": (_entry_field("ref", ["a"]), 'ref.name] = ["a"] is not allowed'),
    "ref-twice": (_duplicate_entry, "is given twice; one entry per name is allowed"),
    "entry-not-object": (lambda layout: _set_index(layout, {"manifests": ["x"]}), "manifests[0] is not allowed"),
    "manifests-not-list": (lambda layout: _set_index(layout, {"manifests": {"a": 1}}), "manifests is an object"),
    "index-a-list": (lambda layout: _set_index(layout, [1, 2]), "index.json: is a list, not allowed"),
    "index-not-json": (_index_text("{"), "index.json: cannot be read as JSON"),
    "index-nested": (_index_text('{"manifests": ' + "[" * 100_000 + "]" * 100_000 + "}"), "nested too deeply"),
    "index-to-dev-zero": (_index_link("/dev/zero"), "index.json leads out of the layout"),
    "layer-digest-traversal": (
        _layer_digest("sha256:../../../dev/zero"),
        'layers[0].digest = "sha256:../../../dev/zero" is not allowed',
    ),
    "layer-to-dev-zero": (_blob_replaced("/dev/zero"), "leads out of the layout (to /dev/zero); refused"),
    "layer-to-passwd": (_blob_replaced("/etc/passwd"), "leads out of the layout (to /etc/passwd); refused"),
    "manifest-to-passwd": (
        _manifest_blob(lambda blob: (blob.unlink(), blob.symlink_to("/etc/passwd"))),
        "leads out of the layout (to /etc/passwd); refused",
    ),
    "manifest-a-directory": (_manifest_blob(_replace_with_directory), "is not a regular file; refused"),
    "manifest-a-list": (
        lambda layout: _rewrite_manifest(layout, lambda m: (m.clear(), m.update(layers=5))),
        "config is null, not allowed: a descriptor",
    ),
    "index-of-index": (_index_of_index, "manifests[0] is an index itself; an image index lists image manifests"),
    "manifest-nested": (
        lambda layout: _raw_manifest(layout, b"[" * 100_000),
        "nested too deeply",
    ),
}


@needs_skopeo
@pytest.mark.parametrize("case", HOSTILE_LAYOUTS, ids=str)
def test_push_of_a_hostile_layout_reads_nothing_outside_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    edit, reason = HOSTILE_LAYOUTS[case]
    layout = _chart_layout(tmp_path / "layout")
    edit(layout.path)
    started = time.monotonic()

    code, out, err = _mirror(capsys, "push", str(layout.path), "--registry", "127.0.0.1:1", "--timeout", "1")

    assert time.monotonic() - started < 10
    assert code == 1
    assert reason in err, err
    assert "unexpected" not in err and "Traceback" not in err
    if out:  # the entry failed, the run went on
        assert out.strip() == "mirror push: 0 copied, 0 skipped, 1 failed"
    else:  # the index is unusable: one error line, nothing tried
        _one_error_line(err)
        assert str(layout.path / "index.json") in err


def test_an_index_that_is_fine_and_a_layer_inside_the_layout_pass_the_checks(tmp_path: Path) -> None:
    layout = _chart_layout(tmp_path / "layout")
    # A symbolic link that stays inside blobs/ is followed (as copies across drives may make).
    _, manifest = _manifest_of(layout.path)
    blob = _blob(layout.path, manifest["layers"][0]["digest"])
    moved = blob.with_name("moved")
    blob.rename(moved)
    blob.symlink_to(moved.name)
    (entry,) = layout.entries()
    assert layout.is_chart(entry)
    assert layout.blob_file(manifest["layers"][0]) == moved.resolve()


# --- list files and environment names ---------------------------------------------------


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"charts": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply to be read"),
        ('{"images": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply to be read"),
        ('{"charts": {"a": 1}}', 'charts = {"a": 1} is not allowed: a list'),
        ('{"notes": 5}', "notes = 5 is not allowed: a list"),
        ('{"charts": [[[[[[[[1]]]]]]]]}', "charts[0] = [[[[[[[1]]]]]]] is not allowed"),
        (
            '{"images": [{"reference": "quay.io/team/app:1.0", "mirror_path": 5}]}',
            "images[0].mirror_path = 5 is not allowed: a registry path and tag",
        ),
        (
            '{"images": [{"reference": "quay.io/team/app:1.0", "mirror_path": "../../x:1"}]}',
            'images[0].mirror_path = "../../x:1" is not allowed',
        ),
        (
            '{"charts": [{"repository": "https://c.example/", "name": "../x", "version": "1.0.0"}]}',
            'charts[0].name = "../x" is not allowed: a chart name',
        ),
        (
            '{"charts": [{"repository": "https://c.example/", "name": "x", "version": "\\uff11.0.0"}]}',
            'charts[0].version = "\\uff11.0.0" is not allowed',
        ),
        (
            '{"charts": [{"repository": "https://c.example/", "name": "x", "version": "latest"}]}',
            'charts[0].version = "latest" is not allowed: a chart version',
        ),
        (
            '{"charts": [{"repository": "https://c.example/", "name": "x", "version": "1.2.3+build"}]}',
            'charts[0].version = "1.2.3+build" is not allowed: a chart version',
        ),
        ('{"images": [{"reference": "quay.io/team/app:\\uff11.0"}]}', "images[0].reference ="),
    ],
)
def test_a_list_of_the_wrong_shape_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, reason: str
) -> None:
    listing = tmp_path / "list.json"
    listing.write_text(content)
    code, out, err = _mirror(capsys, "list", "--list", str(listing))
    assert code == 1 and out == ""
    _one_error_line(err)
    assert err.startswith(f"error: {listing}: ") and reason in err, err


@pytest.mark.parametrize("name", ["../outside", str(Path("/tmp/outside")), "simple.hcl", "Simple", "sub/simple"])
def test_env_is_an_environment_name_not_a_path(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    environments = tmp_path / "environments"
    environments.mkdir()
    shutil.copy(ROOT / "environments" / "simple.hcl", environments / "simple.hcl")
    # A valid environment file outside the directory is never read by name.
    shutil.copy(ROOT / "environments" / "simple.hcl", tmp_path / "outside.hcl")
    (environments / "sub").mkdir()
    shutil.copy(ROOT / "environments" / "simple.hcl", environments / "sub" / "simple.hcl")

    code, out, err = _mirror(capsys, "list", name, "--environments-dir", str(environments))

    assert code == 1 and out == ""
    _one_error_line(err)
    assert f"{environments}: no environment " in err and "; known: simple" in err, err
    code, out, _ = _mirror(capsys, "list", "simple", "--environments-dir", str(environments))
    assert code == 0 and out.startswith("charts (")


@pytest.fixture
def dripping_server() -> Iterator[str]:
    """An HTTP server that answers 200 and then sends one byte every 0.2 s, for ever."""
    stop = threading.Event()

    class Drip(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            while not stop.is_set():
                try:
                    self.wfile.write(b"a")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.2)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Drip)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    stop.set()
    server.shutdown()
    server.server_close()


@needs_skopeo
def test_a_chart_repository_that_drips_its_answer_fails_in_the_copy_timeout(
    dripping_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = tmp_path / "list.json"
    chart = {"repository": f"http://{dripping_server}/", "name": CHART_NAME, "version": CHART_VERSION}
    listing.write_text(json.dumps({"charts": [chart]}))
    started = time.monotonic()

    code, _, err = _mirror(
        capsys, "pull", "--list", str(listing), "--to", str(tmp_path / "l"), "--timeout", "1", "--copy-timeout", "2"
    )

    assert time.monotonic() - started < 10
    assert code == 1
    assert f"cannot fetch http://{dripping_server}/index.yaml: not complete within 2 s (--copy-timeout)" in err, err


def test_an_answer_sent_gzip_encoded_is_read_decoded() -> None:
    import gzip

    from platformctl.mirror_charts import _http_get
    from platformctl.mirror_options import Options

    body = b"apiVersion: v1\nentries: {}\n" * 500

    class Gzipped(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = gzip.compress(body)
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Gzipped)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert _http_get(f"http://127.0.0.1:{server.server_address[1]}/index.yaml", Options(), 10**6) == body
    finally:
        server.shutdown()
        server.server_close()
