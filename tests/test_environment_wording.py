"""What an environment file error says: near misses are named ("did you mean"), a missing
block lists what the file needs, a CIDR's prefix and host bits are told apart, a syntax error
names the unclosed block and a line of the file, values are shown as HCL writes them, Windows
line endings are line endings, and a role one letter off a standard role is warned about."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from constructs_lib import _validate as check
from constructs_lib.errors import PlatformError
from stacks.__main__ import main
from stacks.app import ENVIRONMENTS_DIR, synth
from tests._env_edit import key_line, line_number, set_key

SHIPPED = sorted(p.stem for p in ENVIRONMENTS_DIR.glob("*.hcl"))
NETWORK_BLOCK = re.compile(r"(?ms)^network \{.*?^\}\n", re.ASCII)


def _error(env_dir: Callable[..., Path], tmp_path: Path, env: str, replace=(), append: str = "") -> tuple[str, Path]:
    directory = env_dir(env, replace, append)
    out = tmp_path / "out"
    with pytest.raises(PlatformError) as caught:
        synth(directory, out)
    assert not out.exists()
    return str(caught.value), directory / f"{env}.hcl"


# --- did you mean -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "replace", "append", "key", "suggestion"),
    [
        ("simple", (set_key("simple", "auth_url", '"https://a.example.com/v3"\n  auth_ulr = "x"'),), "", "openstack.auth_ulr", "auth_url"),
        ("simple", (("network {", "netwrok {"),), "", "netwrok", "network"),
        ("simple", (), 'addon "traefk" {\n  enabled = true\n}\n', "addon.traefk", "traefik"),
        ("simple", (set_key("simple", "driver", '"selectel-msk"'),), "", "cluster.driver", "selectel-mks"),
        ("magnum", (set_key("magnum", "driver", '"magnum-cluster-apl"'),), "", "cluster.driver", "magnum-cluster-api"),
        ("simple", (("flavor      = ", "flavour     = "),), "", "node_group.workers.flavour", "flavor"),
        ("simple", (set_key("simple", "control_plane", '"basik"'),), "", "cluster.control_plane", "basic"),
        ("simple", (set_key("simple", "kind", '"S3"'),), "", "backend.kind", "s3"),
    ],
    ids=["key", "block", "addon", "selectel driver", "magnum driver", "construct argument", "choice", "choice case"],
)  # fmt: skip
def test_a_near_miss_is_named(
    env: str, replace: Any, append: str, key: str, suggestion: str, env_dir: Callable[..., Path], tmp_path: Path
) -> None:
    message, _ = _error(env_dir, tmp_path, env, replace, append)
    assert f": {key}: " in message
    assert f"(did you mean {suggestion}?)" in message, message


def test_an_unknown_key_is_not_called_a_bad_value(env_dir: Callable[..., Path], tmp_path: Path) -> None:
    message, path = _error(env_dir, tmp_path, "simple", (), 'addon "traefik" {\n  enbled = true\n}\n')
    line = line_number((path).read_text(), "  enbled")
    assert message.startswith(f"{path}:{line}: addon.traefik.enbled: unknown key; allowed: enabled, repository, values")
    assert "is not allowed" not in message


# --- what is missing ------------------------------------------------------------------------------


def test_a_missing_block_lists_what_the_file_needs(env_dir: Callable[..., Path], tmp_path: Path) -> None:
    text = (ENVIRONMENTS_DIR / "simple.hcl").read_text()
    block = NETWORK_BLOCK.search(text)
    assert block, "test setup: no network block in simple.hcl"
    message, path = _error(env_dir, tmp_path, "simple", ((block.group(0), ""),))
    assert message == (
        f"{path}: network: required block is missing; an environment file needs: "
        "openstack { ... }, backend { ... }, access { ... }, network { ... }, cluster { ... }"
    )


def test_a_missing_key_points_at_its_block_and_lists_the_block_s_keys(
    env_dir: Callable[..., Path], tmp_path: Path
) -> None:
    message, path = _error(env_dir, tmp_path, "simple", ((key_line("simple", "region") + "\n", ""),))
    line = line_number(path.read_text(), "openstack {")
    assert message == f"{path}:{line}: openstack.region: required key is missing; openstack needs: region, auth_url"


# --- CIDRs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cidr", "words"),
    [
        ("10.30.0.0/33", "the prefix length after '/' must be a number from 0 to 32"),
        ("10.30.0.1/22", "with no host bits set: the network is 10.30.0.0/22"),
        ("10.30.0.0.1/22", "10.30.0.0.1 is not an IP address"),
    ],
)
def test_a_cidr_error_says_which_part_is_wrong(
    cidr: str, words: str, env_dir: Callable[..., Path], tmp_path: Path
) -> None:
    message, _ = _error(env_dir, tmp_path, "simple", (set_key("simple", "cidr", f'"{cidr}"'),))
    assert f'network.subnet.nodes.cidr: "{cidr}" is not allowed: ' in message
    assert words in message
    if "/33" in cidr:
        assert "host bits" not in message


# --- syntax ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("append", "line_text", "words"),
    [
        ('node_group "extra" {\n  role = "worker"\n  count = 1\n', 'node_group "extra" {', 'the block node_group "extra" opened at line {line} is not closed'),
        ('platform {\n  ha = true\n}\nnode_group "x" {\n  labels = {\n    a = "b"\n', "  labels = {", "the map labels opened at line {line} is not closed"),
        ("}\n", "}", "'}' closes nothing"),
        ('platform {\n  ha = [true}\n}\n', "  ha = [true}", "'}' does not close the '[' opened at line {line}"),
    ],
    ids=["unclosed block", "unclosed map", "stray brace", "crossed brackets"],
)  # fmt: skip
def test_a_syntax_error_names_the_bracket_and_a_line_of_the_file(
    append: str, line_text: str, words: str, env_dir: Callable[..., Path], tmp_path: Path
) -> None:
    message, path = _error(env_dir, tmp_path, "simple", (), append)
    text = path.read_text()
    line = max(n for n, current in enumerate(text.splitlines(), start=1) if current == line_text)
    assert message.startswith(f"{path}:{line}: not valid HCL: {words.replace('{line}', str(line))}"), message


def test_other_syntax_errors_stay_inside_the_file(env_dir: Callable[..., Path], tmp_path: Path) -> None:
    message, path = _error(env_dir, tmp_path, "simple", (), "platform {\n  ha = \n}\n")
    found = re.match(rf"{re.escape(str(path))}:([0-9]+): not valid HCL near column [0-9]+", message)
    assert found, message
    assert 1 <= int(found.group(1)) <= len(path.read_text().splitlines())


# --- values as HCL writes them ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("replace", "shown"),
    [
        (("flavor      = \"SL1.2-4096\"", "flavor      = true"), "node_group.workers.flavor: true is not allowed"),
        (set_key("simple", "region", "false"), "openstack.region: false is not allowed"),
        (set_key("simple", "cidr", '["10.30.0.0/22"]'), 'network.subnet.nodes.cidr: ["10.30.0.0/22"] is not allowed'),
        (set_key("simple", "region", "null"), "openstack.region: null is not allowed"),
        (set_key("simple", "dns_servers", '["188.93.16.19", null]'), "nodes.dns_servers[1]: null is not allowed"),
        (set_key("simple", "kind", '"consul"'), 'backend.kind: "consul" is not allowed: one of "s3", "local"'),
    ],
    ids=["true", "false", "list", "null", "list item", "string and choices"],
)  # fmt: skip
def test_values_are_shown_as_hcl(
    replace: tuple[str, str], shown: str, env_dir: Callable[..., Path], tmp_path: Path
) -> None:
    message, _ = _error(env_dir, tmp_path, "simple", (replace,))
    assert shown in message, message
    for python_form in ("True", "False", "None", "['", "('", "'consul'"):
        assert python_form not in message, message


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (True, "true"),
        (None, "null"),
        ((None, None), "[null, null]"),
        (["a"], '["a"]'),
        ({"a b": 1, "c": [False]}, '{ "a b" = 1, c = [false] }'),
        ('it\'s "x"', '"it\'s \\"x\\""'),
        ("a\u202eb", '"a\\u202eb"'),
        ("x" * 500, '"' + "x" * 196 + "..."),
    ],
)
def test_one_formatting_for_every_value(value: object, shown: str) -> None:
    assert check.hcl_value(value) == shown


# --- Windows line endings ----------------------------------------------------------------------------


@pytest.mark.parametrize("env", SHIPPED)
def test_crlf_files_give_the_same_stacks(env: str, tmp_path: Path, shipped_stacks: dict[str, dict[str, Any]]) -> None:
    directory = tmp_path / "environments"
    directory.mkdir()
    (directory / f"{env}.hcl").write_bytes((ENVIRONMENTS_DIR / f"{env}.hcl").read_bytes().replace(b"\n", b"\r\n"))
    out = tmp_path / "out"
    synth(directory, out)
    for stack in (f"{env}-infra", f"{env}-platform"):
        assert json.loads((out / "stacks" / stack / "cdk.tf.json").read_text()) == shipped_stacks[stack]


def test_crlf_errors_keep_their_line_numbers(env_dir: Callable[..., Path], tmp_path: Path) -> None:
    directory = env_dir("simple", (set_key("simple", "kind", '"consul"'),))
    path = directory / "simple.hcl"
    line = line_number(path.read_text(), '  kind = "consul"')
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    with pytest.raises(PlatformError, match=rf"^{re.escape(str(path))}:{line}: backend\.kind: "):
        synth(directory, tmp_path / "out")


def test_a_lone_carriage_return_is_named(env_dir: Callable[..., Path], tmp_path: Path) -> None:
    directory = env_dir("simple")
    path = directory / "simple.hcl"
    path.write_bytes(path.read_bytes().replace(b"\nopenstack {", b"\ropenstack {", 1))
    with pytest.raises(
        PlatformError, match=r"simple\.hcl:[0-9]+: a carriage return \(U\+000D\) not followed by a line feed"
    ):
        synth(directory, tmp_path / "out")


# --- roles ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typo", "standard"), [("wroker", "worker"), ("workr", "worker"), ("sytem", "system")])
def test_a_role_near_a_standard_one_is_warned_about(
    typo: str, standard: str, env_dir: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    role = key_line("simple", "role")
    directory = env_dir("simple", ((role, role.replace('"worker"', f'"{typo}"')),))
    assert main(["--environments-dir", str(directory), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert (
        f'warning: simple-infra/node-group-workers: role "{typo}" is taken as a custom role (did you mean {standard}?)'
        in err
    )


def test_a_custom_role_far_from_the_standard_ones_is_not_warned_about(
    env_dir: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    role = key_line("simple", "role")
    directory = env_dir("simple", ((role, role.replace('"worker"', '"gpu"')),))
    assert main(["--environments-dir", str(directory), "--out", str(tmp_path / "out")]) == 0
    assert "custom role" not in capsys.readouterr().err


def test_every_missing_argument_is_named_at_once(env_dir: Callable[..., Path], tmp_path: Path) -> None:
    """Not one run per missing key: the construct's required arguments are listed together."""
    flavor = key_line("magnum", "master_flavor")
    text = (ENVIRONMENTS_DIR / "magnum.hcl").read_text()
    cluster_image = next(line for line in text.splitlines() if line.startswith("  image ") and "kube" in line)
    message, _ = _error(env_dir, tmp_path, "magnum", ((cluster_image + "\n", ""), (flavor + "\n", "")))
    assert "cluster.image: is missing: a value: MagnumCluster needs image, master_flavor" in message


@pytest.mark.parametrize(
    ("value", "shown"), [(True, "true"), (None, "null"), ((None, None), "[null, null]"), ("x", '"x"')]
)
def test_construct_errors_show_values_the_same_way(value: object, shown: str) -> None:
    from constructs_lib.errors import ConstructArgumentError

    assert str(ConstructArgumentError("stack/thing", "argument", value, "what is allowed")) == (
        f"stack/thing: argument = {shown} is not allowed: what is allowed"
    )
