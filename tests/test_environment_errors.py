"""Each kind of bad environment file gives one error naming the file, key path and line,
and leaves no output behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from stacks.app import synth
from stacks.config import EnvironmentConfigError

ROOT = Path(__file__).resolve().parent.parent

CASES = {
    "unknown key (typo)": (
        (("master_count       = 1", "master_cont = 1"),),
        "simple.hcl:49: cluster.master_cont: unknown key; allowed keys: kubernetes_version",
    ),
    "unpinned chart version": (
        (
            (
                "# The catalog",
                'helm_release "app" {\n  repository = "https://c"\n  chart = "app"\n  version = "1.x"\n  namespace = "apps"\n}\n# The catalog',
            ),
        ),
        "simple.hcl:56: helm_release.app.version: '1.x' is not allowed: an exact chart version",
    ),
    "block without its label": (
        (("# The catalog", 'node_group {\n  role = "worker"\n}\n# The catalog'),),
        'simple.hcl:53: node_group: needs a label, as in node_group "name" { ... }',
    ),
    "unknown key in a labeled block": (
        (("# The catalog", 'node_group "w" {\n  rol = "worker"\n  flavor = "x"\n  count = 1\n}\n# The catalog'),),
        "simple.hcl:54: node_group.w.rol: unknown key; allowed keys: role, flavor, count, min_count",
    ),
    "unknown top-level key": (
        (("description = ", "descriptio = "),),
        "simple.hcl:9: descriptio: unknown key; allowed keys: description, openstack, backend",
    ),
    "unknown block": (
        (("cluster {", "clusters {"),),
        "simple.hcl:44: clusters: unknown key; allowed keys: description",
    ),
    "wrong type": (
        (("master_count       = 1", 'master_count = "three"'),),
        "simple.hcl:49: cluster.master_count: 'three' is not allowed: expected an integer",
    ),
    "wrong type (list expected)": (
        (('dns_servers = ["188.93.16.19", "188.93.17.19"]', 'dns_servers = "188.93.16.19"'),),
        "simple.hcl:37: network.subnet.nodes.dns_servers: '188.93.16.19' is not allowed: expected a list",
    ),
    "invalid CIDR": (
        (('cidr        = "10.10.0.0/22"', 'cidr        = "10.10.0.0/33"'),),
        "simple.hcl:36: network.subnet.nodes.cidr: '10.10.0.0/33' is not allowed: a CIDR",
    ),
    "overlapping CIDRs": (
        (
            (
                '    dns_servers = ["188.93.16.19", "188.93.17.19"]\n  }',
                '    dns_servers = ["188.93.16.19", "188.93.17.19"]\n  }\n  subnet "extra" {\n    cidr = "10.10.2.0/24"\n  }',
            ),
        ),
        "simple.hcl:40: network.subnet.extra.cidr: '10.10.2.0/24' is not allowed: a range that does not overlap subnet 'nodes'",
    ),
    "even master count": (
        (("master_count       = 1", "master_count       = 2"),),
        "simple.hcl:49: cluster.master_count: 2 is not allowed: 1, 3 or 5",
    ),
    "min greater than max": (
        (
            (
                "# The catalog",
                'node_group "w" {\n  role = "worker"\n  flavor = "x"\n  count = 3\n  min_count = 4\n  max_count = 2\n}\n# The catalog',
            ),
        ),
        "simple.hcl:57: node_group.w.min_count: 4 is not allowed: at most max_count (2)",
    ),
    "addon not in the catalog": (
        (("# The catalog", 'addon "ingress-nginx" {\n  enabled = true\n}\n# The catalog'),),
        "simple.hcl:53: addon.ingress-nginx: 'ingress-nginx' is not allowed: a catalog addon",
    ),
    "missing required key": (
        (('  image              = "fedora-coreos-40"\n', ""),),
        "simple.hcl:44: cluster.image: required key is missing",
    ),
    "missing backend bucket": (
        (('  bucket   = "platform-terraform-state"\n', ""),),
        "simple.hcl:21: backend.bucket: is missing: a bucket name for the s3 backend",
    ),
    "choice not allowed": (
        (('kind     = "s3"', 'kind     = "consul"'),),
        "simple.hcl:22: backend.kind: 'consul' is not allowed: expected 's3' or 'local'",
    ),
    "Terraform expression": (
        (('region           = "ru-1"', 'region           = "${var.region}"'),),
        "simple.hcl:14: openstack.region: '${var.region}': Terraform expressions are not allowed",
    ),
    "HCL syntax": (
        (("cluster {", "cluster {{"),),
        "simple.hcl:44: not valid HCL",
    ),
    "block twice": (
        (("# The catalog", "platform {\n  ha = true\n}\nplatform {\n  ha = false\n}\n# The catalog"),),
        "platform: block platform may appear only once",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_environment(case: str, env_dir, tmp_path: Path) -> None:
    edits, expected = CASES[case]
    directory = env_dir("simple", edits)
    out = tmp_path / "cdktf.out"
    with pytest.raises(EnvironmentConfigError) as err:
        synth(directory, out)
    message = str(err.value)
    assert expected in message
    assert message.startswith(str(directory / "simple.hcl"))
    assert "\n" not in message
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".cdktf.out")] == []


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m stacks ARGS`` in a fresh interpreter, from the project root."""
    return subprocess.run(
        [sys.executable, "-m", "stacks", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_unknown_environment_name(tmp_path: Path) -> None:
    with pytest.raises(EnvironmentConfigError, match="no environment nope; known: ha, simple"):
        synth(ROOT / "environments", tmp_path / "out", ["nope"])


def test_cli_reports_one_error_without_traceback_and_keeps_previous_output(env_dir, tmp_path: Path) -> None:
    good = tmp_path / "good"
    synth(ROOT / "environments", good, ["simple"])
    before = {p: p.read_bytes() for p in good.rglob("*") if p.is_file()}
    directory = env_dir("simple", (("master_count       = 1", "master_count       = 4"),))
    result = _run_cli("--environments-dir", str(directory), "--out", str(good))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "cluster.master_count: 4 is not allowed" in result.stderr
    assert "Traceback" not in result.stderr and "!!" not in result.stderr
    assert {p: p.read_bytes() for p in good.rglob("*") if p.is_file()} == before


def test_cli_synthesizes_every_environment(tmp_path: Path) -> None:
    out = tmp_path / "cdktf.out"
    result = _run_cli("--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "synthesized 4 stacks" in result.stdout
    assert "end-of-life" not in result.stderr
    assert sorted(p.name for p in (out / "stacks").iterdir()) == [
        "ha-infra",
        "ha-platform",
        "simple-infra",
        "simple-platform",
    ]


def _stack(out: Path, name: str) -> dict:
    import json

    return json.loads((out / "stacks" / name / "cdk.tf.json").read_text())


def test_closed_contour_environment(env_dir, tmp_path: Path) -> None:
    directory = env_dir(
        "ha",
        (
            ('  external_network = "external-network"\n', ""),
            (
                '  ssh_user          = "ubuntu"\n',
                '  ssh_user          = "ubuntu"\n}\nplatform {\n  image_registry = "harbor.internal/proxy"\n',
            ),
            ("platform {\n  ha = true\n}", ""),
        ),
    )
    out = tmp_path / "out"
    synth(directory, out)
    infra = _stack(out, "ha-infra")["resource"]
    assert "openstack_networking_router_v2" not in infra
    assert "openstack_networking_floatingip_v2" not in infra
    template = next(iter(infra["openstack_containerinfra_clustertemplate_v1"].values()))
    assert "external_network_id" not in template
    platform = _stack(out, "ha-platform")["resource"]["helm_release"]
    traefik = next(r for r in platform.values() if r["name"] == "traefik")
    assert "registry: harbor.internal/proxy" in traefik["values"][0]


def test_empty_ssh_cidrs_warn_on_the_command_line(env_dir, tmp_path: Path) -> None:
    directory = env_dir("ha", (('ssh_allowed_cidrs = ["203.0.113.0/24"]', "ssh_allowed_cidrs = []"),))
    result = _run_cli("--environments-dir", str(directory), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "warning: ha-infra/bastion: ssh_allowed_cidrs is empty, so no SSH rule was written" in result.stderr
    rules = _stack(tmp_path / "out", "ha-infra")["resource"]["openstack_networking_secgroup_rule_v2"]
    assert not [r for r in rules.values() if r["direction"] == "ingress" and "bastion" in r["security_group_id"]]


def test_custom_role_node_group(env_dir, tmp_path: Path) -> None:
    directory = env_dir(
        "simple", append='\nnode_group "gpu" {\n  role = "gpu"\n  flavor = "GL1.4-16384"\n  count = 1\n}\n'
    )
    out = tmp_path / "out"
    synth(directory, out)
    groups = _stack(out, "simple-infra")["resource"]["openstack_containerinfra_nodegroup_v1"]
    assert [g["role"] for g in groups.values()] == ["gpu"]
    assert "kubernetes_node_taint" not in _stack(out, "simple-platform")["resource"]
