"""Security policy over every shipped stack: checkov, plus what checkov does not look at.

Checkov's OpenStack checks are few and it can parse nothing and still exit 0, so the scan
must prove it saw the resources: every stack with OpenStack resources must have had checks
run, on exactly the instances and rules the stack holds.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _checkov() -> str:
    for candidate in (
        os.environ.get("CHECKOV"),
        str(ROOT / ".venv-checkov" / "bin" / "checkov"),
        shutil.which("checkov"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail("checkov not found: run scripts/setup (it installs checkov into .venv-checkov) or set CHECKOV")


@pytest.fixture(scope="module")
def checkov_report(shipped_out: Path) -> dict[str, Any]:
    result = subprocess.run(
        [
            _checkov(),
            "-d",
            str(shipped_out / "stacks"),
            "--framework",
            "terraform_json",
            "--skip-download",
            "-o",
            "json",
            "--compact",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode in (0, 1) and result.stdout.lstrip().startswith("{"), (
        f"checkov did not produce a report: {result.stderr[-2000:]}"
    )
    report = json.loads(result.stdout)
    assert isinstance(report, dict) and report.get("check_type") == "terraform_json", result.stdout[:500]
    return report


def test_checkov_parsed_every_stack_without_errors(checkov_report, shipped_stacks) -> None:
    summary = checkov_report["summary"]
    assert summary["parsing_errors"] == 0, checkov_report["results"].get("parsing_errors")
    checked: dict[str, set[str]] = defaultdict(set)
    results = checkov_report["results"]
    for check in results.get("passed_checks", []) + results.get("failed_checks", []):
        checked[Path(check["file_path"]).parent.name].add(check["resource"])
    for stack, doc in shipped_stacks.items():
        resources = doc.get("resource", {})
        instances = set(resources.get("openstack_compute_instance_v2", {}))
        rules = {
            name
            for name, rule in resources.get("openstack_networking_secgroup_rule_v2", {}).items()
            if rule["direction"] == "ingress"
        }
        expected = {f"resource.{name}" for name in instances | rules}
        if "openstack" in doc.get("provider", {}):
            expected.add("provider.openstack")  # CKV_OPENSTACK_1: no credentials in the provider block
        # Each instance (admin_pass) and ingress rule (22/3389 from anywhere) must have been checked.
        assert expected <= checked[stack], f"{stack}: checkov did not check {sorted(expected - checked[stack])}"
        if instances:
            assert checked[stack], f"{stack}: checkov ran no check"


def test_checkov_finds_no_failure(checkov_report) -> None:
    failed = checkov_report["results"].get("failed_checks", [])
    assert [(f["check_id"], f["resource"], f["file_path"]) for f in failed] == []
    assert checkov_report["summary"]["passed"] > 0


def _ingress_rules(doc):
    rules = doc.get("resource", {}).get("openstack_networking_secgroup_rule_v2", {})
    return {name: rule for name, rule in rules.items() if rule["direction"] == "ingress"}


def test_nothing_is_open_to_the_internet_unless_written(shipped_stacks) -> None:
    for stack, doc in shipped_stacks.items():
        for name, rule in _ingress_rules(doc).items():
            prefix = rule.get("remote_ip_prefix")
            assert prefix is None or ipaddress.ip_network(prefix).prefixlen > 0, f"{stack}: {name} open to {prefix}"


def test_only_the_bastion_has_a_floating_ip_and_nodes_have_none(shipped_stacks) -> None:
    for stack, doc in shipped_stacks.items():
        resources = doc.get("resource", {})
        for assoc in resources.get("openstack_networking_floatingip_associate_v2", {}).values():
            assert assoc["port_id"].startswith("${openstack_networking_port_v2.bastion_"), stack
        for kind in ("openstack_containerinfra_cluster_v1", "openstack_containerinfra_clustertemplate_v1"):
            for item in resources.get(kind, {}).values():
                assert item["floating_ip_enabled"] is False, stack
                assert item["labels"].get("master_lb_floating_ip_enabled", "false") == "false", stack


def test_no_secret_is_a_literal(shipped_stacks) -> None:
    for stack, doc in shipped_stacks.items():
        text = json.dumps(doc)
        for marker in ("PRIVATE KEY", "glrt-", '"admin_pass":', '"password":'):
            assert marker not in text, f"{stack}: {marker}"
        variables = doc.get("variable", {})
        for release in doc.get("resource", {}).get("helm_release", {}).values():
            for item in release.get("set_sensitive", []):
                assert item["value"].startswith("${var."), (stack, item["name"])
                assert variables[item["value"][6:-1]]["sensitive"] is True
        for name, output in doc.get("output", {}).items():
            if "kubeconfig" in name:
                assert output["sensitive"] is True, (stack, name)


def test_platform_providers_come_from_the_infra_stack_state(shipped_stacks) -> None:
    for stack, doc in shipped_stacks.items():
        if not stack.endswith("-platform"):
            continue
        infra = stack.replace("-platform", "-infra")
        remote = doc["data"]["terraform_remote_state"]
        assert list(remote) == [f"cross-stack-reference-input-{infra}"]
        assert "openstack_containerinfra_cluster_v1" not in doc.get("resource", {})
        (helm,) = doc["provider"]["helm"]
        for key in ("host", "cluster_ca_certificate", "client_certificate", "client_key"):
            assert helm["kubernetes"][key].startswith(
                f"${{data.terraform_remote_state.cross-stack-reference-input-{infra}."
            )
