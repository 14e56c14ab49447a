"""Terraform templates never reach cdk.tf.json: not in values, not in map keys, not in block
labels, not through a construct called from Python. Terraform's escapes stay literal."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import cdktf
import pytest
from cdktf import App, TerraformStack

from constructs_lib import (
    Bastion,
    ConstructArgumentError,
    Network,
    RunnerFleet,
    SecurityGroup,
    SshKeyPair,
    StateBackend,
    SubnetSpec,
)
from constructs_lib import _validate as check
from environment_loader import EnvironmentConfigError, load_environment
from tests._env_edit import line_number, set_key
from tests.conftest import resources, synth_stack

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0Vbw2SmHb4vJ7cfX2hKqV0M0QvSx8Rt3wq4hN8kYJv test"

# (replacements in simple.hcl, text appended, key path the error must name)
CASES: dict[str, tuple[tuple[tuple[str, str], ...], str, str]] = {
    "directive in a value": ((), "", "openstack.external_network"),
    "interpolation in a value": ((), "", "openstack.external_network"),
    "strip-marker interpolation": ((), "", "openstack.external_network"),
    "unquoted reference": ((), "", "openstack.external_network"),
    "function call": ((), "", "openstack.external_network"),
    "conditional": ((), "", "openstack.external_network"),
    "heredoc": (
        (set_key("simple", "description", "<<EOT\ndev ${var.x}\nEOT"),),
        "",
        "description",
    ),
    "three dollars": ((), "", "openstack.external_network"),
    "directive in a list item": (
        (set_key("simple", "dns_servers", '["%{ if true }1.1.1.1%{ endif }"]'),),
        "",
        "network.subnet.nodes.dns_servers",
    ),
    "interpolation in a cluster label key": (
        (("cluster {", 'cluster {\n  labels = { "${var.x}" = "v" }'),),
        "",
        "cluster.labels.${var.x}",
    ),
    "directive in a cluster label key": (
        (("cluster {", 'cluster {\n  labels = { "a%{ if true }b%{ endif }" = "v" }'),),
        "",
        "cluster.labels.a%{ if true }b%{ endif }",
    ),
    "interpolation in a node group label key": (
        (),
        'node_group "w" {\n  role = "worker"\n  flavor = "f"\n  count = 1\n  labels = { "${x}" = "1" }\n}\n',
        "node_group.w.labels.${x}",
    ),
    "interpolation in an addon values key": (
        (),
        'addon "traefik" {\n  values = {\n    deployment = {\n      "${x}" = 1\n    }\n  }\n}\n',
        "addon.traefik.values.deployment.${x}",
    ),
    "directive in a helm_release values key": (
        (),
        'helm_release "app" {\n  repository = "https://charts.example.com"\n  chart = "app"\n'
        '  version = "1.0.0"\n  namespace = "apps"\n  values = { "%{ for x in y }${x}%{ endfor }" = 1 }\n}\n',
        "helm_release.app.values.%{ for x in y }${x}%{ endfor }",
    ),
    "interpolation in a sensitive_values path": (
        (),
        'addon "cert-manager" {\n  sensitive_values = { "${x}" = "secret_name" }\n}\n',
        "addon.cert-manager.sensitive_values.${x}",
    ),
    "interpolation in a node group label": (
        (),
        'node_group "${x}" {\n  role = "worker"\n  flavor = "f"\n  count = 1\n}\n',
        "node_group.${x}",
    ),
    "directive in an addon label": ((), 'addon "%{ if true }traefik%{ endif }" {\n  enabled = true\n}\n', "addon"),
    "interpolation in a subnet label": (
        (('subnet "nodes" {', 'subnet "${x}" {'),),
        "",
        "network.subnet.${x}",
    ),
    "interpolation in a description": (
        (set_key("simple", "description", '"dev ${path.cwd}"'),),
        "",
        "description",
    ),
}
_VALUES = {
    "directive in a value": '"%{ if true }fedora%{ endif }"',
    "interpolation in a value": '"fedora-${var.release}"',
    "strip-marker interpolation": '"fedora-${~ var.release ~}"',
    "unquoted reference": "var.image",
    "function call": 'lower("FEDORA")',
    "conditional": 'true ? "a" : "b"',
    "three dollars": '"fedora-$$${var.release}"',
}


_PARSER_REFUSES = {"strip-marker interpolation"}


def _case(name: str) -> tuple[tuple[tuple[str, str], ...], str, str]:
    replace, append, key = CASES[name]
    if name in _VALUES:
        replace = (set_key("simple", "external_network", _VALUES[name]),)
    return replace, append, key


@pytest.mark.parametrize("case", sorted(CASES))
def test_templates_anywhere_in_the_file_are_refused(case: str, env_dir: Callable[..., Path]) -> None:
    replace, append, key = _case(case)
    directory = env_dir("simple", replace, "\n" + append)
    with pytest.raises(EnvironmentConfigError) as err:
        load_environment(directory / "simple.hcl")
    message = str(err.value)
    assert message.startswith(f"{directory / 'simple.hcl'}:")
    assert "\n" not in message
    if case in _PARSER_REFUSES:
        # python-hcl2 cannot read these at all: refused as syntax, with their line.
        line = line_number((directory / "simple.hcl").read_text(), replace[0][1])
        assert message.startswith(f"{directory / 'simple.hcl'}:{line}: not valid HCL")
        return
    assert f": {key}" in message
    assert "Terraform expressions are not allowed" in message


def test_the_error_names_the_line_of_a_nested_key(env_dir: Callable[..., Path]) -> None:
    directory = env_dir(
        "simple",
        append='\naddon "traefik" {\n  values = {\n    a = { b = 1 }\n    c = {\n      b = "${x}"\n    }\n  }\n}\n',
    )
    with pytest.raises(EnvironmentConfigError) as err:
        load_environment(directory / "simple.hcl")
    lines = (directory / "simple.hcl").read_text().splitlines()
    line = int(str(err.value).split(":")[1])
    assert lines[line - 1].strip() == 'b = "${x}"'
    assert "addon.traefik.values.c.b:" in str(err.value)


@pytest.mark.parametrize(
    ("written", "loaded"),
    [
        ('"costs $${x}"', "costs $${x}"),
        ('"%%{ if } kept"', "%%{ if } kept"),
        ('"$ and % and { alone"', "$ and % and { alone"),
        ('"50% {of} $5"', "50% {of} $5"),
    ],
)
def test_escapes_and_lone_characters_stay_as_written(written: str, loaded: str, env_dir: Callable[..., Path]) -> None:
    """``$${`` and ``%%{`` reach Terraform unchanged, which reads them as ``${`` and ``%{``."""
    directory = env_dir("simple", (set_key("simple", "description", written),))
    config, _ = load_environment(directory / "simple.hcl")
    assert config.description == loaded


def test_an_escaped_key_is_kept_unquoted(env_dir: Callable[..., Path]) -> None:
    directory = env_dir("simple", append='\naddon "traefik" {\n  values = { "$${a}" = "%%{b}" }\n}\n')
    config, _ = load_environment(directory / "simple.hcl")
    assert config.addon["traefik"].values == {"$${a}": "%%{b}"}


def test_cdktf_token_markers_are_refused(env_dir: Callable[..., Path]) -> None:
    directory = env_dir("simple", (set_key("simple", "external_network", '"$${TfToken[TOKEN.1]}"'),))
    with pytest.raises(EnvironmentConfigError, match=r"openstack\.external_network: .*cdktf's reference marker"):
        load_environment(directory / "simple.hcl")


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("plain", True),
        ("$${x}", True),
        ("%%{x}", True),
        ("$%%{x}", True),
        ("a$b%c{d}", True),
        ("${x}", False),
        ("%{x}", False),
        ("a${~x}", False),
        ("%${x}", False),
        ("$$${x}", False),
        ("%%%{x}", False),
        ("x${TfToken[TOKEN.1]}", False),
        ("$${TfToken[TOKEN.1]}", False),
    ],
)
def test_literal_rule(value: str, literal: bool) -> None:
    if literal:
        assert check.literal("p", "a", value) == value
    else:
        with pytest.raises(ConstructArgumentError):
            check.literal("p", "a", value)


def _network(stack: TerraformStack, **overrides: object) -> Network:
    args: dict[str, object] = dict(name="env", subnets=[SubnetSpec("nodes", "10.0.0.0/24")], external_network="ext")
    args.update(overrides)
    return Network(stack, "network", **args)  # type: ignore[arg-type]


def _bastion(stack: TerraformStack, **overrides: object) -> Bastion:
    network = _network(stack)
    keypair = SshKeyPair(stack, "keypair", name="admin", public_key=KEY)
    args: dict[str, object] = dict(
        network=network, keypair=keypair, flavor="f", image="i", ssh_allowed_cidrs=["192.0.2.0/24"]
    )
    args.update(overrides)
    return Bastion(stack, "bastion", **args)  # type: ignore[arg-type]


def _runners(stack: TerraformStack, **overrides: object) -> RunnerFleet:
    network = _network(stack)
    keypair = SshKeyPair(stack, "keypair", name="admin", public_key=KEY)
    args: dict[str, object] = dict(
        network=network,
        keypair=keypair,
        count=1,
        flavor="f",
        image="i",
        gitlab_url="https://gitlab.example.com",
        group_id=1,
    )
    args.update(overrides)
    return RunnerFleet(stack, "runners", **args)  # type: ignore[arg-type]


TEMPLATE = "%{ if true }x%{ endif }"

CONSTRUCT_CASES: dict[str, tuple[Callable[[TerraformStack], object], str]] = {
    "bastion flavor": (lambda s: _bastion(s, flavor=TEMPLATE), "flavor"),
    "bastion image": (lambda s: _bastion(s, image="img-${var.x}"), "image"),
    "bastion name": (lambda s: _bastion(s, name=TEMPLATE), "name"),
    "bastion boot volume type": (
        lambda s: _bastion(s, boot_volume_size=10, boot_volume_type="${var.t}"),
        "boot_volume_type",
    ),
    "runner flavor": (lambda s: _runners(s, flavor=TEMPLATE), "flavor"),
    "runner tag": (lambda s: _runners(s, tags=["ok", "${x}"]), "tags"),
    "runner docker image": (lambda s: _runners(s, docker_image="alpine:${v}"), "docker_image"),
    "external network": (lambda s: _network(s, external_network="${data.x.id}"), "external_network"),
    "security group name": (lambda s: SecurityGroup(s, "g", name=TEMPLATE), "name"),
    "security group description": (lambda s: SecurityGroup(s, "g", name="g", description="${x}"), "description"),
    "key pair name": (lambda s: SshKeyPair(s, "k", name="${x}", public_key=KEY), "name"),
    "public key comment": (lambda s: SshKeyPair(s, "k", name="k", public_key=KEY + "${x}"), "public_key"),
}


@pytest.mark.parametrize("case", sorted(CONSTRUCT_CASES))
def test_constructs_refuse_templates_from_python(case: str) -> None:
    build, argument = CONSTRUCT_CASES[case]
    stack = TerraformStack(cdktf.Testing.app(), "test")
    with pytest.raises(ConstructArgumentError) as err:
        build(stack)
    assert err.value.argument == argument


def test_backend_refuses_a_templated_endpoint() -> None:
    stack = TerraformStack(App(), "env-infra")
    with pytest.raises(ConstructArgumentError) as err:
        StateBackend(bucket="state", endpoint="https://${var.host}").apply(stack, "env-infra")
    assert err.value.argument == "backend.endpoint"


def test_an_escape_reaches_the_json_unchanged() -> None:
    doc = synth_stack(lambda s: _bastion(s, flavor="flavor-$${x}", image="image-%%{y}"))
    (vm,) = resources(doc, "openstack_compute_instance_v2").values()
    assert (vm["flavor_name"], vm["image_name"]) == ("flavor-$${x}", "image-%%{y}")
    assert "${x}" not in json.dumps(doc).replace("$${x}", "")


@pytest.mark.parametrize(
    "values",
    [
        {"a": {"b": "${x}"}},
        {"${x}": 1},
        {"a%{ if true }": 1},
        {"a": ["ok", "%{ for x in y }"]},
        {"key\n": 1},
        {"a": float("nan")},
        {"a": 2**60},
        {"a": object()},
        {"a": "\x1b[2J"},
    ],
)
def test_nested_values_from_python_are_literal(values: dict[str, object]) -> None:
    with pytest.raises(ConstructArgumentError):
        check.literal_tree("p", "values", values)


def test_nested_values_keep_escapes_newlines_and_numbers() -> None:
    values = {"$${a}": ["%%{b}", "line one\nline two\t", 1.5, -3, None, True], "nested": {"k": {}}}
    assert check.literal_tree("p", "values", values) is values
