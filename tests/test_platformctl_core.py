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
COMMANDS = ("bootstrap-state", "preview", "diff", "comment")


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as top:
        cli.main(["--help"])
    assert top.value.code == 0
    listing = capsys.readouterr().out
    (subcommands,) = [a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    for command in COMMANDS:
        assert command in listing
        with pytest.raises(SystemExit) as sub:
            cli.main([command, "--help"])
        assert sub.value.code == 0
        text = capsys.readouterr().out
        assert text.startswith(f"usage: platformctl {command}")
        # The help shows the command's own description (argparse rewraps it).
        description = " ".join((subcommands.choices[command].description or "").split())
        assert len(description) > 40
        assert description[:60] in " ".join(text.split())
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
