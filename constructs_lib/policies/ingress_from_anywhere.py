"""CKV_OSPLAT_1: no security group rule lets anyone in, on any protocol or port.

Checkov's own OpenStack checks look only at ports 22 and 3389. Neutron also treats an
ingress rule with neither ``remote_ip_prefix`` nor a remote group as open to every address,
so a rule that names no source fails too.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

try:
    from ._policy_support import first, templates
except ImportError:  # loaded by checkov as a top-level module
    from _policy_support import first, templates  # type: ignore[no-redef]

# Anything wider than these is "the internet" for practical purposes: 0.0.0.0/1 plus
# 128.0.0.0/1 open as much as 0.0.0.0/0 does.
_NARROWEST_WIDE_PREFIX = {4: 8, 6: 16}


class IngressFromAnywhere(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=(
                "Security group rule allows ingress from anywhere (0.0.0.0/0, ::/0, a prefix wider than /8 "
                "or /16, or no remote at all): set remote_ip_prefix to the networks that need access, "
                "or remote_group_id"
            ),
            id="CKV_OSPLAT_1",
            categories=[CheckCategories.NETWORKING],
            supported_resources=["openstack_networking_secgroup_rule_v2"],
            guideline=(
                "Nothing is reachable from the internet unless an operator wrote that CIDR. Restrict "
                "remote_ip_prefix to known networks (an IPv4 prefix of /8 or longer, IPv6 /16 or longer) or "
                "use remote_group_id; a rule without either is open to every address, on every port when "
                "protocol is unset."
            ),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        if str(first(conf.get("direction", ""))).lower() != "ingress":
            return CheckResult.PASSED
        if first(conf.get("remote_group_id")) or first(conf.get("remote_address_group_id")):
            self.evaluated_keys = ["remote_group_id"]
            return CheckResult.PASSED
        self.evaluated_keys = ["remote_ip_prefix"]
        prefix = first(conf.get("remote_ip_prefix"))
        if prefix is None or prefix == "":
            self.details.append("no remote_ip_prefix and no remote group: Neutron opens the rule to every address")
            return CheckResult.FAILED
        if not isinstance(prefix, str) or any(True for _ in templates(prefix)):
            return CheckResult.UNKNOWN  # a reference: its value is known only at apply time
        try:
            network = ipaddress.ip_network(prefix, strict=False)
        except ValueError:
            return CheckResult.UNKNOWN
        if network.prefixlen < _NARROWEST_WIDE_PREFIX[network.version]:
            self.details.append(f"remote_ip_prefix {prefix} covers {network.num_addresses:,} addresses")
            return CheckResult.FAILED
        return CheckResult.PASSED


check = IngressFromAnywhere()
