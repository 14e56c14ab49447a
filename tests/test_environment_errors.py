"""Each kind of bad environment file gives one error naming the file, key path and line,
and leaves no output behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from environment_loader import EnvironmentConfigError
from stacks.__main__ import main
from stacks.app import synth
from tests._env_edit import key_line, line_number, set_key

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(p.stem for p in (ROOT / "environments").glob("*.hcl"))
APPEND_MARK = "# appended by the test"

# name -> (replacements in simple.hcl, appended text, the line the error names (its start,
# in the edited file), the error after "<file>:<line>: ")
CASES: dict[str, tuple[tuple[tuple[str, str], ...], str, str, str]] = {
    "unknown key (typo)": (
        (set_key("simple", "auth_url", '"https://cloud.example.com/v3"\n  auth_ulr = "x"'),),
        "",
        "  auth_ulr",
        "openstack.auth_ulr: unknown key; allowed: region, auth_url, external_network, availability_zone (did you mean auth_url?)",
    ),
    "unpinned chart version": (
        (),
        'helm_release "app" {\n  repository = "https://c.example.com"\n  chart = "app"\n  version = "1.x"\n'
        '  namespace = "apps"\n}\n',
        '  version = "1.x"',
        'helm_release.app.version: "1.x" is not allowed: an exact chart version',
    ),
    "block without its label": (
        (),
        'node_group {\n  role = "worker"\n}\n',
        "node_group {",
        'node_group: needs a label, as in node_group "name" { ... }',
    ),
    "unknown key in a labeled block": (
        (),
        'addon "traefik" {\n  enbled = true\n}\n',
        "  enbled",
        "addon.traefik.enbled: unknown key; allowed: enabled, repository, values, version (did you mean enabled?)",
    ),
    "unknown top-level key": (
        (set_key("simple", "description", '"x"\ndescriptio = "y"'),),
        "",
        "descriptio ",
        "descriptio: unknown key; allowed: description, openstack, backend",
    ),
    "unknown block": (
        (("network {", "networks {"),),
        "",
        "networks {",
        "networks: unknown block; allowed: description, openstack",
    ),
    "wrong type": (
        (set_key("simple", "region", "5"),),
        "",
        "  region = 5",
        "openstack.region: 5 is not allowed: expected a string",
    ),
    "wrong type (list expected)": (
        (set_key("simple", "dns_servers", '"188.93.16.19"'),),
        "",
        "    dns_servers",
        'network.subnet.nodes.dns_servers: "188.93.16.19" is not allowed: expected a list',
    ),
    "invalid CIDR": (
        (set_key("simple", "cidr", '"10.30.0.0/33"'),),
        "",
        "    cidr = ",
        'network.subnet.nodes.cidr: "10.30.0.0/33" is not allowed: a CIDR such as 10.0.0.0/24: '
        "the prefix length after '/' must be a number from 0 to 32",
    ),
    "overlapping CIDRs": (
        (set_key("simple", "dns_servers", '["188.93.16.19"]\n  }\n  subnet "extra" {\n    cidr = "10.30.2.0/24"'),),
        "",
        '    cidr = "10.30.2.0/24"',
        'network.subnet.extra.cidr: "10.30.2.0/24" is not allowed: a range that does not overlap subnet',
    ),
    "allocation pool at the gateway": (
        (
            set_key(
                "simple",
                "dns_servers",
                '["188.93.16.19"]\n    allocation_pool = { start = "10.30.0.1", end = "10.30.0.9" }',
            ),
        ),
        "",
        "    allocation_pool",
        'network.subnet.nodes.allocation_pool: ["10.30.0.1", "10.30.0.9"] is not allowed: start <= end',
    ),
    "addon not in the catalog": (
        (),
        'addon "ingress-nginx" {\n  enabled = true\n}\n',
        'addon "ingress-nginx"',
        'addon.ingress-nginx: "ingress-nginx" is not allowed',
    ),
    "missing required key": (
        ((key_line("simple", "auth_url") + "\n", ""),),
        "",
        "openstack {",
        "openstack.auth_url: required key is missing; openstack needs: region, auth_url",
    ),
    "missing backend bucket": (
        ((key_line("simple", "bucket") + "\n", ""),),
        "",
        "backend {",
        "backend.bucket: is missing: a bucket name for the s3 backend",
    ),
    "choice not allowed": (
        (set_key("simple", "kind", '"consul"'),),
        "",
        "  kind = ",
        'backend.kind: "consul" is not allowed: one of "s3", "local"',
    ),
    "Terraform expression": (
        (set_key("simple", "region", '"${var.region}"'),),
        "",
        "  region = ",
        'openstack.region: "${var.region}": Terraform expressions are not allowed',
    ),
    "HCL syntax": ((("network {", "network {{"),), "", "network {{", "not valid HCL"),
    "block twice": (
        (),
        "platform {\n  ha = true\n}\nplatform {\n  ha = false\n}\n",
        APPEND_MARK,
        "platform: block platform may appear only once",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_environment(case: str, env_dir: Callable[..., Path], tmp_path: Path) -> None:
    edits, append, marker, expected = CASES[case]
    directory = env_dir("simple", edits, f"\n{APPEND_MARK}\n{append}")
    out = tmp_path / "cdktf.out"
    with pytest.raises(EnvironmentConfigError) as err:
        synth(directory, out)
    message = str(err.value)
    text = (directory / "simple.hcl").read_text()
    line = line_number(text, marker) + (1 if marker == APPEND_MARK else 0)
    assert message.startswith(f"{directory / 'simple.hcl'}:{line}: {expected}"), message
    assert "\n" not in message
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".cdktf.out")] == []


def test_unknown_environment_name(tmp_path: Path) -> None:
    with pytest.raises(EnvironmentConfigError, match=f"no environment nope; known: {', '.join(SHIPPED)}$"):
        synth(ROOT / "environments", tmp_path / "out", ["nope"])


def test_cli_reports_one_error_and_keeps_previous_output(
    env_dir: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good"
    synth(ROOT / "environments", good, ["simple"])
    before = {p: p.read_bytes() for p in good.rglob("*") if p.is_file()}
    directory = env_dir("simple", (set_key("simple", "kind", '"consul"'),))
    code = main(["--environments-dir", str(directory), "--out", str(good)])
    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1
    assert 'backend.kind: "consul" is not allowed' in captured.err
    assert {p: p.read_bytes() for p in good.rglob("*") if p.is_file()} == before


def test_cli_synthesizes_every_environment_without_a_banner(tmp_path: Path) -> None:
    out = tmp_path / "cdktf.out"
    result = subprocess.run(
        [sys.executable, "-m", "stacks", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert f"synthesized {2 * len(SHIPPED)} stacks" in result.stdout
    assert "end-of-life" not in result.stderr and "Traceback" not in result.stderr
    expected = sorted(f"{name}-{kind}" for name in SHIPPED for kind in ("infra", "platform"))
    assert sorted(p.name for p in (out / "stacks").iterdir()) == expected


def _stack(out: Path, name: str) -> dict[str, Any]:
    return json.loads((out / "stacks" / name / "cdk.tf.json").read_text())


def test_closed_contour_environment(env_dir: Callable[..., Path], tmp_path: Path) -> None:
    directory = env_dir(
        "ha",
        ((key_line("ha", "external_network") + "\n", ""), ("platform {\n  ha = true\n}", "")),
        '\nplatform {\n  image_registry = "harbor.internal/proxy"\n}\n',
    )
    out = tmp_path / "out"
    synth(directory, out, ["ha"])
    infra = _stack(out, "ha-infra")["resource"]
    assert "openstack_networking_router_v2" not in infra
    assert "openstack_networking_floatingip_v2" not in infra
    releases = _stack(out, "ha-platform")["resource"]["helm_release"]
    assert any("harbor.internal/proxy" in "".join(r.get("values", [])) for r in releases.values())


def test_empty_ssh_cidrs_warn(env_dir: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = env_dir("ha", (set_key("ha", "ssh_allowed_cidrs", "[]"),))
    synth(directory, tmp_path / "out", ["ha"])
    err = capsys.readouterr().err
    assert "warning: ha-infra/bastion: ssh_allowed_cidrs is empty, so no SSH rule was written" in err
    rules = _stack(tmp_path / "out", "ha-infra")["resource"]["openstack_networking_secgroup_rule_v2"]
    assert not [r for r in rules.values() if r["direction"] == "ingress" and "bastion" in r["security_group_id"]]
