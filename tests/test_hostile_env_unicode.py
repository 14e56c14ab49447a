"""Digits of other scripts, leading zeros and malformed registries are refused where the file
writes them, never carried into ``cdk.tf.json``.

Python's ``\\d`` and ``int()`` accept fullwidth (``１``), Arabic-Indic (``٣``) and Devanagari
(``३``) digits; every check here is ASCII, and versions are Semantic Versioning (no leading
zeros). Each case edits one shipped environment and expects one error naming the file, the
line that holds the hostile value and the key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from constructs_lib import _validate as check
from constructs_lib.errors import ConstructArgumentError, PlatformError
from stacks.app import ENVIRONMENTS_DIR, synth
from tests._env_edit import set_key, set_or_add

FULLWIDTH = "１.３６.１"
ARABIC_INDIC = "١.٣٦.١"
DEVANAGARI = "१.३६.१"


def _addon(version: str) -> str:
    return f'addon "cert-manager" {{\n  version = "{version}"\n}}\n'


def _release(version: str) -> str:
    return (
        'helm_release "app" {\n  repository = "https://charts.example.com"\n  chart = "app"\n'
        f'  version = "{version}"\n  namespace = "apps"\n}}\n'
    )


def _platform(key: str, value: str) -> tuple[str, str]:
    return ('  registry      = "harbor.contour.internal/platform"', f'  {key} = "{value}"')


# name -> (environment, replacements, appended text, the hostile text (on the line the error
# names), the key path)
CASES: dict[str, tuple[str, tuple[tuple[str, str], ...], str, str, str]] = {
    "kubernetes minor, fullwidth": ("simple", (set_key("simple", "kubernetes_version", '"１.３６"'),), "", "１.３６", "cluster.kubernetes_version"),
    "kubernetes release, fullwidth": ("closed", (set_key("closed", "kubernetes_version", f'"{FULLWIDTH}"'),), "", FULLWIDTH, "cluster.kubernetes_version"),
    "kubernetes release, Arabic-Indic": ("closed", (set_key("closed", "kubernetes_version", f'"{ARABIC_INDIC}"'),), "", ARABIC_INDIC, "cluster.kubernetes_version"),
    "kubernetes release, Devanagari": ("closed", (set_key("closed", "kubernetes_version", f'"{DEVANAGARI}"'),), "", DEVANAGARI, "cluster.kubernetes_version"),
    "kubernetes release, leading zero": ("closed", (set_key("closed", "kubernetes_version", '"01.36.1"'),), "", "01.36.1", "cluster.kubernetes_version"),
    "kubernetes minor, leading zero": ("simple", (set_key("simple", "kubernetes_version", '"1.036"'),), "", "1.036", "cluster.kubernetes_version"),
    "addon version, fullwidth": ("simple", (), _addon("６.７.１"), "６.７.１", "addon.cert-manager.version"),
    "addon version, Arabic-Indic": ("simple", (), _addon("v١.٢.٣"), "v١.٢.٣", "addon.cert-manager.version"),
    "addon version, leading zero": ("simple", (), _addon("01.2.3"), "01.2.3", "addon.cert-manager.version"),
    "release version, Devanagari": ("simple", (), _release("१.२.३"), "१.२.३", "helm_release.app.version"),
    "release version, leading zero in a pre-release": ("simple", (), _release("1.2.3-rc.01"), "1.2.3-rc.01", "helm_release.app.version"),
    "subnet, fullwidth address": ("simple", (set_key("simple", "cidr", '"１０.30.0.0/22"'),), "", "１０.30.0.0/22", "network.subnet.nodes.cidr"),
    "subnet, fullwidth prefix": ("simple", (set_key("simple", "cidr", '"10.30.0.0/２２"'),), "", "10.30.0.0/２２", "network.subnet.nodes.cidr"),
    "subnet, prefix with a leading zero": ("simple", (set_key("simple", "cidr", '"10.30.0.0/022"'),), "", "10.30.0.0/022", "network.subnet.nodes.cidr"),
    "DNS server, Arabic-Indic": ("simple", (set_key("simple", "dns_servers", '["١٨٨.93.16.19"]'),), "", "١٨٨.93.16.19", "network.subnet.nodes.dns_servers"),
    "SSH source, Devanagari": ("ha", (set_key("ha", "ssh_allowed_cidrs", '["२०३.0.113.0/24"]'),), "", "२०३.0.113.0/24", "bastion.ssh_allowed_cidrs"),
    "node count as fullwidth text": ("simple", (("count       = 2", 'count       = "２"'),), "", '"２"', "node_group.workers.count"),
    "URL port, fullwidth": ("simple", (set_key("simple", "auth_url", '"https://cloud.api.selcloud.ru:４４３/identity/v3"'),), "", "４４３", "openstack.auth_url"),
    "URL port 0": ("simple", (set_key("simple", "endpoint", '"https://s3.ru-1.storage.selcloud.ru:0"'),), "", ":0", "backend.endpoint"),
    "URL port with a leading zero": ("simple", (set_key("simple", "endpoint", '"https://s3.ru-1.storage.selcloud.ru:0443"'),), "", ":0443", "backend.endpoint"),
    "zone, fullwidth": ("simple", (set_key("simple", "availability_zone", '"ru-７a"'),), "", "ru-７a", "openstack.availability_zone"),
    "region, Arabic-Indic": ("simple", (set_key("simple", "region", '"ru-٧"'),), "", "ru-٧", "openstack.region"),
    "registry port, fullwidth": ("closed", (_platform("registry", "harbor.contour.internal:５０００/platform"),), "", "５０００", "platform.registry"),
    "registry port 0": ("closed", (_platform("registry", "harbor.contour.internal:0/platform"),), "", ":0/", "platform.registry"),
    "registry port 99999": ("closed", (_platform("registry", "harbor.contour.internal:99999"),), "", ":99999", "platform.registry"),
    "registry, empty label": ("closed", (_platform("registry", "harbor..internal"),), "", "harbor..internal", "platform.registry"),
    "registry, label ending in '-'": ("closed", (_platform("registry", "harbor-.internal"),), "", "harbor-.internal", "platform.registry"),
    "registry, uppercase host": ("closed", (_platform("registry", "Harbor.contour.internal/platform"),), "", "Harbor.contour", "platform.registry"),
    "registry, two slashes": ("closed", (_platform("registry", "harbor.contour.internal//platform"),), "", "//platform", "platform.registry"),
    "image registry, empty label": ("closed", (_platform("image_registry", "harbor..internal"),), "", "harbor..internal", "platform.image_registry"),
    "system image registry, port 0": ("closed", (set_key("closed", "system_image_registry", '"harbor.contour.internal:0/magnum"'),), "", ":0/magnum", "cluster.system_image_registry"),
    "runner job image, empty label": ("ha", (set_or_add("ha", "runners {", "docker_image", '"harbor..internal/library/alpine:3"'),), "", "harbor..internal/library", "runners.docker_image"),
    "runner job image, port 0": ("ha", (set_or_add("ha", "runners {", "docker_image", '"harbor.internal:0/library/alpine:3"'),), "", "harbor.internal:0/library", "runners.docker_image"),
    "addon repository, empty label": ("simple", (), 'addon "traefik" {\n  repository = "oci://harbor..internal/charts"\n}\n', "harbor..internal", "addon.traefik.repository"),
}  # fmt: skip


@pytest.mark.parametrize(("env", "replace", "append", "hostile", "key"), CASES.values(), ids=CASES.keys())
def test_hostile_values_stop_at_their_key(
    env: str,
    replace: tuple[tuple[str, str], ...],
    append: str,
    hostile: str,
    key: str,
    env_dir: Callable[..., Path],
    tmp_path: Path,
) -> None:
    directory = env_dir(env, replace, append)
    path = directory / f"{env}.hcl"
    lines = path.read_text().splitlines()
    where = [number for number, line in enumerate(lines, start=1) if hostile in line]
    assert len(where) == 1, f"test setup: {hostile!r} on {len(where)} lines"
    out = tmp_path / "out"
    with pytest.raises(PlatformError) as caught:
        synth(directory, out)
    message = str(caught.value)
    assert message.startswith(f"{path}:{where[0]}: {key}: "), message
    assert "\n" not in message
    assert not out.exists()


@pytest.mark.parametrize(
    "version",
    ["１.２.３", "١.٢.٣", "१.२.३", "1.２.3", "01.2.3", "1.02.3", "1.2.03", "1.2.3-01", "v1.2.3+", "1.2.3-", "1.2"],
)
def test_chart_versions_are_ascii_semver(version: str) -> None:
    with pytest.raises(ConstructArgumentError):
        check.chart_version("x", "version", version)


@pytest.mark.parametrize("version", ["0.0.0", "1.2.3", "v1.21.1", "1.2.3-rc.1", "1.2.3-0a.1+build.007", "10.20.30"])
def test_semver_chart_versions_pass(version: str) -> None:
    assert check.chart_version("x", "version", version) == version


@pytest.mark.parametrize(
    "cidr", ["１０.0.0.0/8", "10.0.0.0/０", "10.0.0.0/08", "10.0.0.0/33", "fd00::/129", "10.0.0.0/ 8", "10.0.0.0/+8"]
)
def test_cidrs_are_ascii_with_a_plain_prefix(cidr: str) -> None:
    with pytest.raises(ConstructArgumentError):
        check.network("x", "cidr", cidr)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("harbor.internal", "harbor.internal"),
        ("harbor.internal/", "harbor.internal"),
        ("harbor.internal:5000/platform/", "harbor.internal:5000/platform"),
        ("10.0.0.5:65535/a__b/c-d/e.f", "10.0.0.5:65535/a__b/c-d/e.f"),
    ],
)
def test_one_registry_rule_normalizes_a_trailing_slash(value: str, expected: str) -> None:
    from constructs_lib.addons.registry import check_registry

    assert check.registry_reference("x", "registry", value) == expected
    assert check_registry(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "harbor..internal",
        "harbor-.internal",
        "-harbor.internal",
        "harbor.internal:0",
        "harbor.internal:99999",
        "harbor.internal:",
        "harbor.internal:08080",
        "Harbor.internal",
        "harbor.internal/Platform",
        "harbor.internal//platform",
        "harbor.internal/platform//",
        "harbor.internal/-platform",
        "https://harbor.internal",
        "harbor.internal/platform:tag",
        "harbor.ｉnternal",
        "a" * 64 + ".internal",
        "",
    ],
)
def test_every_registry_check_refuses_the_same_values(value: str) -> None:
    """The environment loader, the addons and the mirror command share the rule."""
    from constructs_lib.addons.registry import RegistryError, check_registry

    with pytest.raises(ConstructArgumentError):
        check.registry_reference("x", "registry", value)
    with pytest.raises(ConstructArgumentError):
        check.image_registry("x", "registry", value)
    with pytest.raises(RegistryError):
        check_registry(value)
    if value and "://" not in value and not value.endswith("//"):
        with pytest.raises(ConstructArgumentError):
            check.repository("x", "repository", f"oci://{value}")


def test_a_registry_written_with_a_trailing_slash_gives_the_same_stacks(
    env_dir: Callable[..., Path], tmp_path: Path, shipped_stacks: dict[str, dict[str, object]]
) -> None:
    """``registry = ".../platform/"`` is the registry ``.../platform``: no ``//`` in any image,
    chart or runner job image, and the stacks are those of the shipped file."""
    line = '  registry      = "harbor.contour.internal/platform"'
    directory = env_dir("closed", ((line, line.replace('platform"', 'platform/"')),))
    assert 'platform/"' in (directory / "closed.hcl").read_text()
    out = tmp_path / "out"
    synth(directory, out, ["closed"])
    for stack in ("closed-infra", "closed-platform"):
        text = (out / "stacks" / stack / "cdk.tf.json").read_text()
        assert "platform//" not in text
        assert json.loads(text) == shipped_stacks[stack]
    assert re.search(
        r"harbor\.contour\.internal/platform/library/alpine:3",
        (out / "stacks" / "closed-infra" / "cdk.tf.json").read_text(),
    )


def test_shipped_files_are_the_ones_edited() -> None:
    assert {case[0] for case in CASES.values()} <= {p.stem for p in ENVIRONMENTS_DIR.glob("*.hcl")}


@pytest.mark.parametrize("number", ["１２", "١٢", "१२", "1２"])
def test_a_number_in_other_digits_is_a_syntax_error_that_says_so(
    number: str, env_dir: Callable[..., Path], tmp_path: Path
) -> None:
    directory = env_dir("simple", (("count       = 2", f"count       = {number}"),))
    path = directory / "simple.hcl"
    line = next(n for n, text in enumerate(path.read_text().splitlines(), start=1) if number in text)
    with pytest.raises(PlatformError) as caught:
        synth(directory, tmp_path / "out")
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: not valid HCL near column "), message
    assert message.endswith("(numbers are written with the digits 0-9)"), message
