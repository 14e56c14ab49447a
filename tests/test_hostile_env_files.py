"""Files that are not well-formed environment files end in one error line naming the file
(and the line where there is one), exit code 1, no traceback and nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from environment_loader import MAX_DEPTH, EnvironmentConfigError, load_environment, load_environments
from stacks.__main__ import main
from tests._env_edit import line_number

ROOT = Path(__file__).resolve().parent.parent
SIMPLE = (ROOT / "environments" / "simple.hcl").read_bytes()


def _nested(depth: int) -> bytes:
    return b'\naddon "traefik" {\n  values = {\n    deep = ' + b"[" * depth + b"1" + b"]" * depth + b"\n  }\n}\n"


# name -> (file bytes, line the error names or None, words of the error)
FILES: dict[str, tuple[bytes, int | None, str]] = {
    "latin-1 text": (SIMPLE.replace(b"Single-master", "Einzel-Master für".encode("latin-1")), 9, "not UTF-8 text"),
    "UTF-16 with a byte-order mark": (b"\xff\xfe" + SIMPLE.decode().encode("utf-16-le"), 1, "not UTF-8 text"),
    "a PNG image": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), 1, "not UTF-8 text"),
    "a NUL byte": (SIMPLE.replace(b"Single", b"Sin\x00gle"), 9, "control character U+0000"),
    "an escape character": (SIMPLE.replace(b"# The cloud", b"# The \x1b[2Jcloud"), 11, "control character U+001B"),
    "a line separator": (SIMPLE.replace(b"# The cloud", "# The\u2028cloud".encode()), 11, "control character U+2028"),
    "larger than 1 MiB": (SIMPLE + b"#" * (1024 * 1024), None, "larger than 1024 KiB"),
    "an unterminated string": (SIMPLE + b'\nplatform {\n  image_registry = "harbor\n}\n', None, "not valid HCL"),
    "an unbalanced brace": (SIMPLE + b"\nplatform {\n", None, "not valid HCL"),
    "an escape python-hcl2 cannot read": (
        SIMPLE + b'\nplatform {\n  image_registry = "$${"\n}\n',
        None,
        "not valid HCL",
    ),
    "garbage": (b"\x7fELF" + b"\x01" * 40, 1, "control character"),
    "an attribute set twice at the top": (SIMPLE + b'\ndescription = "again"\n', None, "description is set twice"),
    "an attribute set twice in a block": (
        SIMPLE.replace(b"openstack {\n", b'openstack {\n  region = "ru-9"\n'),
        None,
        "region is set twice in this block",
    ),
    "a map key set twice": (
        SIMPLE + b'\naddon "traefik" {\n  values = {\n    a = 1\n    "a" = 2\n  }\n}\n',
        None,
        "a is set twice in this map",
    ),
    "a key and a block of one name": (
        SIMPLE + b"\nplatform = {}\nplatform {\n}\n",
        None,
        "set as a key and as a block",
    ),
    "a block label twice": (
        SIMPLE + b'\naddon "traefik" {\n  enabled = true\n}\naddon "traefik" {\n  enabled = false\n}\n',
        None,
        'addon "traefik" is defined twice',
    ),
    "python-hcl2's line key at the top": (SIMPLE + b"\n__start_line__ = 5\n", None, "a reserved name"),
    "python-hcl2's line key in chart values": (
        SIMPLE + b'\naddon "traefik" {\n  values = { "__end_line__" = 1 }\n}\n',
        None,
        "addon.traefik.values.__end_line__: a reserved name",
    ),
    "python-hcl2's line key as a block": (SIMPLE + b"\n__start_line__ {\n}\n", None, "a reserved name"),
    "python-hcl2's line key as a label": (
        SIMPLE + b'\nnode_group "__end_line__" {\n  role = "worker"\n}\n',
        None,
        "node_group.__end_line__: a reserved name",
    ),
    "two labels on a labeled block": (
        SIMPLE + b'\naddon "traefik" "x" {\n}\n',
        None,
        'addon.traefik.x: wrong number of labels: write addon "name" { ... }',
    ),
    "a label on a plain block": (
        SIMPLE + b'\nplatform "x" {\n}\n',
        None,
        "platform.x: wrong number of labels: write platform { ... }",
    ),
    "lists 300 deep": (SIMPLE + _nested(300), None, f"nest at most {MAX_DEPTH} levels"),
    "lists 200,000 deep": (SIMPLE + _nested(200_000), None, f"nest at most {MAX_DEPTH} levels"),
    "lists 40 deep": (SIMPLE + _nested(40), None, f"nest at most {MAX_DEPTH} levels"),
    "parentheses 500 deep": (SIMPLE + b"\nx = " + b"(" * 500 + b"1" + b")" * 500 + b"\n", None, "nested too deep"),
    "maps 100 deep": (
        SIMPLE + b'\naddon "traefik" {\n  values = ' + b"{ a = " * 100 + b"1" + b" }" * 100 + b"\n}\n",
        None,
        "nested too deep",
    ),
}


def _expected_line(case: str, content: bytes) -> int | None:
    """The line an error about ``case`` must name, found in the file itself."""
    text = content.decode("utf-8", "replace")
    markers = {
        "an attribute set twice at the top": 'description = "again"',
        "an attribute set twice in a block": "  region",
        "a map key set twice": '    "a" = 2',
        "lists 300 deep": "    deep = ",
        "lists 40 deep": "    deep = ",
        "lists 200,000 deep": "    deep = ",
        "parentheses 500 deep": "x = ",
        "an unterminated string": '  image_registry = "harbor',
        "python-hcl2's line key at the top": "__start_line__ = 5",
        "two labels on a labeled block": 'addon "traefik" "x"',
        "a label on a plain block": 'platform "x"',
        "python-hcl2's line key in chart values": "  values = {",
        "python-hcl2's line key as a block": "__start_line__ {",
        "python-hcl2's line key as a label": 'node_group "__end_line__"',
    }
    if case in markers:
        lines = text.splitlines()
        if case == "an attribute set twice in a block":
            # the second region line of the block, not the first
            return [n for n, line in enumerate(lines, start=1) if line.lstrip().startswith("region")][1]
        return line_number(text, markers[case])
    return FILES[case][1]


@pytest.mark.parametrize("case", sorted(FILES))
def test_bad_files_give_one_error_line(case: str, tmp_path: Path) -> None:
    content, _, words = FILES[case]
    path = tmp_path / "simple.hcl"
    path.write_bytes(content)
    with pytest.raises(EnvironmentConfigError) as err:
        load_environment(path)
    message = str(err.value)
    assert message.startswith(f"{path}:")
    assert words in message
    assert "\n" not in message and "\r" not in message
    line = _expected_line(case, content)
    if line is not None:
        assert message.startswith(f"{path}:{line}: ")


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "simple.hcl").write_bytes(b"\xef\xbb\xbf" + SIMPLE)
    config, _ = load_environment(tmp_path / "simple.hcl")
    assert config.name == "simple"


def test_nesting_up_to_the_limit_is_fine(tmp_path: Path) -> None:
    # addon block, values map and the lists: MAX_DEPTH levels in all.
    (tmp_path / "simple.hcl").write_bytes(SIMPLE + _nested(MAX_DEPTH - 2))
    config, _ = load_environment(tmp_path / "simple.hcl")
    assert "deep" in config.addon["traefik"].values


def test_a_directory_named_like_an_environment(tmp_path: Path) -> None:
    (tmp_path / "simple.hcl").mkdir()
    with pytest.raises(EnvironmentConfigError, match=r"simple\.hcl: cannot be read: not a regular file$"):
        load_environment(tmp_path / "simple.hcl")


def test_a_pipe_named_like_an_environment_is_not_waited_for(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "simple.hcl")
    with pytest.raises(EnvironmentConfigError, match=r"simple\.hcl: cannot be read: not a regular file$"):
        load_environment(tmp_path / "simple.hcl")


def test_a_device_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "simple.hcl").symlink_to("/dev/zero")
    with pytest.raises(EnvironmentConfigError, match="not a regular file"):
        load_environment(tmp_path / "simple.hcl")


@pytest.mark.parametrize("name", ["Simple", "simple\n", "a_b", "-a", "a" * 33])
def test_file_names_that_cannot_be_environment_names(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.hcl"
    path.write_bytes(SIMPLE)
    with pytest.raises(EnvironmentConfigError, match="is the environment name and must be"):
        load_environment(path)


def _main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_an_environment_named_twice(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "cdktf.out"
    code, stdout, stderr = _main(
        capsys, "--environments-dir", str(ROOT / "environments"), "--out", str(out), "ha", "ha"
    )
    assert code == 1 and stdout == ""
    assert (
        stderr
        == f"error: {ROOT / 'environments'}: environment ha is named more than once; name each environment once\n"
    )
    assert not out.exists()


@pytest.mark.parametrize("name", ["simple\n", "../environments/simple", "nope"])
def test_unknown_environment_names_on_the_command_line(
    name: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, stderr = _main(
        capsys, "--environments-dir", str(ROOT / "environments"), "--out", str(tmp_path / "o"), name
    )
    assert code == 1
    assert stderr.startswith("error: ") and stderr.count("\n") == 1
    assert "no environment" in stderr


def test_a_binary_file_stops_the_command_line_with_nothing_written(
    capsys: pytest.CaptureFixture[str], env_dir: Callable[..., Path], tmp_path: Path
) -> None:
    directory = env_dir("simple")
    (directory / "broken.hcl").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    out = tmp_path / "cdktf.out"
    code, stdout, stderr = _main(capsys, "--environments-dir", str(directory), "--out", str(out))
    assert code == 1 and stdout == ""
    assert (
        stderr == f"error: {directory / 'broken.hcl'}:1: not UTF-8 text (byte 0x89): environment files are UTF-8 HCL "
        "(every environment is synthesized, or none; to synthesize the others without this one, name them: "
        "python -m stacks simple)\n"
    )
    assert not out.exists()
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".cdktf.out")] == []


def test_every_file_is_checked_before_anything_is_built(env_dir: Callable[..., Path]) -> None:
    directory = env_dir("simple")
    (directory / "other.hcl").write_bytes(SIMPLE + b'\ndescription = "twice"\n')
    with pytest.raises(EnvironmentConfigError, match=r"other\.hcl:\d+: description: description is set twice"):
        load_environments(directory)


def test_no_traceback_from_a_fresh_interpreter(tmp_path: Path) -> None:
    directory = tmp_path / "environments"
    directory.mkdir()
    (directory / "deep.hcl").write_bytes(SIMPLE.replace(b"Single", "Ünïcode".encode("latin-1")) + _nested(5000))
    result = subprocess.run(
        [sys.executable, "-m", "stacks", "--environments-dir", str(directory), "--out", str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert result.returncode == 1
    assert (
        result.stderr
        == f"error: {directory / 'deep.hcl'}:9: not UTF-8 text (byte 0xdc): environment files are UTF-8 HCL\n"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\xff", "x.hcl:1: not UTF-8 text (byte 0x89)"),
        (
            SIMPLE.replace(b'"platform-terraform-state"', b'"192.168.1.1"'),
            'x.hcl:{line}: backend.bucket: "192.168.1.1"',
        ),
    ],
    ids=["binary file", "bucket in IP form"],
)
def test_bootstrap_state_reads_files_through_the_same_checks(
    content: bytes, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Refused before any request: the bucket name is checked when the file is loaded."""
    from platformctl.cli import main as platformctl

    (tmp_path / "x.hcl").write_bytes(content)
    code = platformctl(["bootstrap-state", "x", "--environments-dir", str(tmp_path)])
    err = capsys.readouterr().err
    line = line_number(content.decode("utf-8", "replace"), "  bucket") if b"192.168" in content else 0
    assert code == 1
    assert err.startswith(f"error: {tmp_path / expected.format(line=line)}") and err.count("\n") == 1
