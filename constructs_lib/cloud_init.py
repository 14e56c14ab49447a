"""cloud-init documents, rendered as YAML from Python data.

Values may hold Terraform tokens (a runner token, for instance); they pass through as
strings and are resolved by cdktf, so no secret is ever a literal in the output.
"""

from __future__ import annotations

from typing import Any

import yaml

# Applied on every VM the library creates: key-only SSH, no root login.
SSHD_HARDENING = "\n".join(
    [
        "PermitRootLogin no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PermitEmptyPasswords no",
        "",
    ]
)


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (file contents) as literal blocks, readable in plans and reviews."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def render(document: dict[str, Any]) -> str:
    """Render a cloud-config document with the header cloud-init requires."""
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=1000)
    return "#cloud-config\n" + body


def hardened_base(extra_files: list[dict[str, str]] | None = None, runcmd: list[str] | None = None) -> dict[str, Any]:
    """The common part: no password logins, no root, sshd reloaded with the drop-in."""
    files = [
        {
            "path": "/etc/ssh/sshd_config.d/10-platform-hardening.conf",
            "permissions": "0644",
            "content": SSHD_HARDENING,
        }
    ]
    files.extend(extra_files or [])
    return {
        "ssh_pwauth": False,
        "disable_root": True,
        "write_files": files,
        "runcmd": ["systemctl reload ssh || systemctl reload sshd", *(runcmd or [])],
    }
