"""The pieces every platformctl command shares: the command line, the synth reader, masks."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from platformctl import cli, resource_kinds
from platformctl.errors import CommandError
from platformctl.synth_output import config_address, read_synth_dir, recover_construct_path
from platformctl.values import KNOWN_AFTER_APPLY, SENSITIVE, attribute_changes, flatten, format_path

ROOT = Path(__file__).resolve().parent.parent


def _command_paths(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and nested command of ``parser``, as read from the parser itself."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((*path, name))
                found += _command_paths(sub, (*path, name))
    return found


def _parser_of(path: tuple[str, ...]) -> argparse.ArgumentParser:
    parser = cli.build_parser()
    for name in path:
        (subparsers,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        parser = subparsers.choices[name]
    return parser


COMMAND_PATHS = _command_paths(cli.build_parser())


def test_the_command_list_comes_from_the_parser() -> None:
    # Every module of cli.COMMAND_MODULES is seen, nested commands included.
    assert {path[0] for path in COMMAND_PATHS} >= {"bootstrap-state", "preview", "diff", "comment", "mirror"}
    assert ("mirror", "push") in COMMAND_PATHS and len(COMMAND_PATHS) >= len(cli.COMMAND_MODULES) + 4


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as top:
        cli.main(["--help"])
    assert top.value.code == 0
    listing = capsys.readouterr().out
    for path in COMMAND_PATHS:
        if len(path) == 1:
            assert re.search(rf"^    {re.escape(path[0])}(\s|$)", listing, re.MULTILINE), path


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=" ".join)
def test_every_command_has_help(capsys: pytest.CaptureFixture[str], path: tuple[str, ...]) -> None:
    parser = _parser_of(path)
    with pytest.raises(SystemExit) as sub:
        cli.main([*path, "--help"])
    assert sub.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith(f"usage: platformctl {' '.join(path)}")
    # The help shows the command's own description (argparse rewraps it).
    description = " ".join((parser.description or "").split())
    assert len(description) > 40, f"platformctl {' '.join(path)} has no description"
    assert description[:60] in " ".join(text.split())
    nested = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if nested:
        # A command group lists each of its commands with a line of help.
        for name in nested[0].choices:
            assert re.search(rf"^    {re.escape(name)}(\s|$)", text, re.MULTILINE), (name, text)
    else:
        # Every command takes arguments of its own and explains itself.
        assert re.search(r"^  (--(?!help)|[a-z])", text, re.MULTILINE), text


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("platformctl")
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "bootstrap-state" in result.stdout


def test_missing_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main([])
    assert exc.value.code == 2
    assert "required: COMMAND" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("openstack_containerinfra_cluster_v1.cluster_A1B2C3", "openstack_containerinfra_cluster_v1.cluster_A1B2C3"),
        ('kubernetes_node_taint.taints_1234["node-a.example"]', "kubernetes_node_taint.taints_1234"),
        ("terraform_data.items[3]", "terraform_data.items"),
        ("data.kubernetes_nodes.nodes_ABCD", "data.kubernetes_nodes.nodes_ABCD"),
        ('module.net["a.b"].openstack_networking_network_v2.n[0]', "openstack_networking_network_v2.n"),
    ],
)
def test_config_address_drops_instance_keys_and_modules(address: str, expected: str) -> None:
    assert config_address(address) == expected


def test_construct_paths_come_from_the_shipped_synth(shipped_out: Path) -> None:
    stacks = read_synth_dir(shipped_out)
    environments = sorted(p.stem for p in (ROOT / "environments").glob("*.hcl"))
    assert set(stacks) == {f"{env}-{part}" for env in environments for part in ("infra", "platform")}
    infra = stacks["magnum-infra"]
    (cluster,) = [r for r in infra.resources.values() if r.type == "openstack_containerinfra_cluster_v1"]
    assert cluster.construct_path == "magnum-infra/cluster/cluster"
    assert "//" not in cluster.body
    assert infra.construct_path(cluster.address + "[0]") == "magnum-infra/cluster/cluster"
    assert infra.construct_path("openstack_containerinfra_cluster_v1.not_there") is None
    # Every block cdktf wrote metadata for is found by its address.
    document = json.loads((shipped_out / "stacks" / "magnum-infra" / "cdk.tf.json").read_text())
    for type_, blocks in document["resource"].items():
        for name, block in blocks.items():
            assert infra.construct_path(f"{type_}.{name}") == block["//"]["metadata"]["path"]


def test_synth_dir_errors_name_the_directory(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=f"{tmp_path}: no synthesized stacks"):
        read_synth_dir(tmp_path)
    broken = tmp_path / "stacks" / "x"
    broken.mkdir(parents=True)
    (broken / "cdk.tf.json").write_text("{not json")
    with pytest.raises(CommandError, match="cdk.tf.json: not JSON"):
        read_synth_dir(tmp_path)


def test_flatten_names_paths_like_terraform() -> None:
    value = {"labels": {"kube_tag": "v1.31", "magnum.openstack.org/role": "worker"}, "ips": [{"a": 1}], "empty": {}}
    assert flatten(value) == {
        "labels.kube_tag": "v1.31",
        'labels["magnum.openstack.org/role"]': "worker",
        "ips[0].a": 1,
        "empty": {},
    }
    assert format_path(["labels", "kube_tag"]) == "labels.kube_tag"
    assert format_path(["fixed_ip", 0, "subnet_id"]) == "fixed_ip[0].subnet_id"


def test_attribute_changes_mask_secrets_and_unknowns() -> None:
    secret_before, secret_after = "s3cret-old-value", "s3cret-new-value"
    changes = attribute_changes(
        {"name": "a", "password": secret_before, "kubeconfig": {"client_key": secret_before}, "same": 1},
        {"name": "b", "password": secret_after, "kubeconfig": {"client_key": secret_after}, "same": 1, "id": None},
        after_unknown={"id": True},
        before_sensitive={"password": True, "kubeconfig": True},
        after_sensitive={"password": True, "kubeconfig": {"client_key": True}},
    )
    by_path = {c.path: c for c in changes}
    assert set(by_path) == {"name", "password", "kubeconfig.client_key", "id"}
    assert (by_path["name"].before, by_path["name"].after) == ('"a"', '"b"')
    assert (by_path["password"].before, by_path["password"].after) == (SENSITIVE, SENSITIVE)
    assert by_path["kubeconfig.client_key"].after == SENSITIVE
    assert by_path["id"].after == KNOWN_AFTER_APPLY
    assert by_path["kubeconfig.client_key"].top_level == "kubeconfig"
    rendered = repr(changes)
    assert secret_before not in rendered and secret_after not in rendered


def test_a_wholly_sensitive_value_is_masked_at_every_leaf() -> None:
    changes = attribute_changes(None, {"input": {"token": "abc-123", "list": ["x-secret"]}}, after_sensitive=True)
    assert changes and all(c.after == SENSITIVE for c in changes)


def test_replacement_knowledge_for_magnum() -> None:
    cluster = "openstack_containerinfra_cluster_v1"
    assert resource_kinds.forces_replacement(cluster, "labels") is True
    assert resource_kinds.forces_replacement(cluster, "flavor") is True
    assert resource_kinds.forces_replacement(cluster, "node_count") is False
    assert resource_kinds.forces_replacement("openstack_containerinfra_nodegroup_v1", "max_node_count") is False
    assert resource_kinds.forces_replacement("helm_release", "values") is None
    assert "Kubernetes cluster" in (resource_kinds.describe(cluster) or "")


def test_construct_paths_are_recovered_from_cdktf_names(shipped_out: Path) -> None:
    recovered = 0
    for name, stack in read_synth_dir(shipped_out).items():
        for address, resource in stack.resources.items():
            if resource.construct_path and resource.construct_path.count("/") > 1:
                assert recover_construct_path(name, address) == resource.construct_path, address
                recovered += 1
    assert recovered > 40
    # `security-group/group` is named `security-group_<hash>`: the left-out id is found too.
    assert recover_construct_path("ha-infra", "openstack_networking_secgroup_v2.bastion_security-group_5D23A879") == (
        "ha-infra/bastion/security-group/group"
    )
    # A wrong hash, a hand-written name and an instance key.
    assert (
        recover_construct_path("ha-infra", "openstack_networking_secgroup_v2.bastion_security-group_5D23A870") is None
    )
    assert recover_construct_path("ha-infra", "openstack_networking_network_v2.main") is None
    assert recover_construct_path("x", 'terraform_data.cluster_A4C38409["a"]') == "x/cluster/cluster"


def test_attribute_paths_quote_keys_that_are_not_plain_names() -> None:
    from platformctl.values import format_path

    assert format_path(["labels", "kube_tag"]) == "labels.kube_tag"
    # A key ending in a line break is not a plain name: it is quoted, never printed raw.
    assert format_path(["labels", "tag\n"]) == 'labels["tag\\n"]'


@pytest.mark.parametrize(
    ("args", "module", "evicted"),
    [
        (
            ["mirror", "list", "simple", "--environments-dir", str(ROOT / "environments")],
            "hcl2",
            "environment_loader",
        ),
        (
            ["bootstrap-state", "simple", "--environments-dir", str(ROOT / "environments")],
            "pydantic",
            "environment_loader",
        ),
        (["bootstrap-state", "simple", "--environments-dir", str(ROOT / "environments")], "boto3", None),
    ],
)
def test_a_module_of_the_extra_missing_names_it_and_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    module: str,
    evicted: str | None,
) -> None:
    # As installed from the core wheel: importing the extra's module fails.
    monkeypatch.setitem(sys.modules, module, None)
    for name in [n for n in sys.modules if evicted and (n == evicted or n.startswith(evicted + "."))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")

    code = cli.main(args)

    err = capsys.readouterr().err
    assert code == 1
    assert err == (
        f"error: platformctl {args[0]} needs the Python module {module}, which comes with the [platformctl] extra "
        "(the core package leaves it out): pip install 'openstack-platform-constructs[platformctl]'\n"
    )


def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path: Path) -> None:
    # More than a pipe holds, so the writer meets the closed pipe whatever the timing.
    listing = tmp_path / "list.json"
    images = [{"reference": f"quay.io/team/image-{i:05d}:v1.0.0"} for i in range(4000)]
    listing.write_text(json.dumps({"images": images}))
    for args in (["mirror", "list", "--list", str(listing)], ["mirror", "list", "--list", str(listing), "--json"]):
        process = subprocess.Popen(
            [sys.executable, "-m", "platformctl", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
        )
        assert process.stdout is not None and process.stderr is not None
        process.stdout.read(10)  # `| head -c 10`
        process.stdout.close()
        err = process.stderr.read().decode()
        process.wait(timeout=60)
        assert err == "", err
        assert process.returncode == 141
    # --help as well (argparse prints it, then exits); the reader is gone before it starts.
    process = subprocess.Popen(
        [sys.executable, "-m", "platformctl", "mirror", "push", "--help"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdout is not None
    process.stdout.close()
    _, err_bytes = process.communicate(timeout=60)
    assert err_bytes == b"", err_bytes
    assert process.returncode in (0, 141)


@pytest.mark.parametrize("stack_path", ["../outside/cdk.tf.json", "/etc/passwd", "stacks/../../outside/cdk.tf.json"])
def test_a_manifest_cannot_point_a_stack_out_of_the_synth_dir(tmp_path: Path, stack_path: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "cdk.tf.json").write_text(json.dumps({"resource": {"t": {"x": {}}}}))
    synth_dir = tmp_path / "cdktf.out"
    synth_dir.mkdir()
    manifest = {"stacks": {"app": {"synthesizedStackPath": stack_path}}}
    (synth_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="leads out of"):
        read_synth_dir(synth_dir)
