"""CKV_OSPLAT_4: cloud-init user data holds no literal secret.

User data is readable by anyone who can read the server (the metadata service, the compute
API) and sits in the synthesized JSON and the plan. Secrets reach it as Terraform references
(``token = "${gitlab_user_runner.x.token}"``), which this check accepts; literal values fail.

Rules, applied to the text with every ``${...}`` reference taken out (user data that looks
like base64 is read both as it is and decoded; an Ignition config is read with each file's
``data:`` contents decoded too, percent-encoded or base64, gzip-compressed or not):
- a line ``<key> = <value>`` / ``<key>: <value>`` (YAML, TOML, INI, shell ``export``) whose key
  names a password, passphrase, secret, token, API or access key, private key or credential
  and whose value is a literal (not empty, a boolean, a number, a reference, or a YAML block
  marker whose content the other rules read);
- a private key block (``-----BEGIN ... PRIVATE KEY-----``);
- a GitLab token (``glpat-``, ``glrt-``, ...) or legacy runner registration token (``GR1348941``);
- cloud-init ``chpasswd`` with a ``list`` (literal ``user:password`` lines).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import urllib.parse
import zlib
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

try:
    from ._policy_support import GITLAB_TOKEN, PRIVATE_KEY, first, templates
except ImportError:  # loaded by checkov as a top-level module
    from _policy_support import GITLAB_TOKEN, PRIVATE_KEY, first, templates  # type: ignore[no-redef]

_REFERENCE = "\x00"
_KEY_VALUE = re.compile(
    r"""^\s*(?:-\s+)?(?:export\s+)?["']?(?P<key>[A-Za-z0-9_.-]+)["']?\s*(?::|=)\s*(?P<value>.*?)\s*,?\s*$""",
    re.ASCII,
)
_SECRET_KEY = re.compile(r"pass(?:word|wd|phrase)|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential")
# Keys that name where a secret lives or how it behaves, not the secret itself.
_NOT_A_SECRET = re.compile(r"(?:_|-)(?:file|path|url|ttl|expiry|expires|type|length|id|name)$")
_HARMLESS = {"", "null", "~", "true", "false", "yes", "no", "on", "off", "none", "|", ">", "|-", ">-", "|+", ">+"}
_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?", re.ASCII)
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]+", re.ASCII)


def readable_texts(user_data: str) -> list[str]:
    """The user data, and its decoded form too when it looks like base64 (as some APIs want)."""
    texts = [user_data]
    if _BASE64.fullmatch(user_data) and len(user_data.strip()) >= 8:
        try:
            texts.append(base64.b64decode(user_data, validate=False).decode("utf-8"))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            pass
    return texts + ignition_file_texts(user_data)


_IGNITION_SOURCE = re.compile(r'"source"[ \t]*:[ \t]*"data:([^,"]*),([^"]*)"', re.ASCII)


def ignition_file_texts(user_data: str) -> list[str]:
    """The literal contents of an Ignition config's files (``data:`` URLs); contents made from
    Terraform references are left to the references."""
    if not user_data.lstrip().startswith("{") or '"ignition"' not in user_data:
        return []
    texts = []
    for match in _IGNITION_SOURCE.finditer(user_data):
        media, data = match.groups()
        if "${" in data:
            continue
        try:
            raw = base64.b64decode(data, validate=False) if media.endswith(";base64") else None
            if raw is None:
                raw = urllib.parse.unquote_to_bytes(data)
            if raw[:2] == b"\x1f\x8b":
                raw = gzip.decompress(raw)
            texts.append(raw.decode("utf-8"))
        except (binascii.Error, UnicodeDecodeError, ValueError, OSError, EOFError, zlib.error):
            texts.append(data)
    return texts


def literal_text(user_data: str) -> str:
    """``user_data`` with each Terraform template sequence replaced by a marker: references are
    allowed, and their values are not known here anyway."""
    parts, position = [], 0
    for template in templates(user_data):
        parts.append(user_data[position : template.start] + _REFERENCE)
        position = template.end
    parts.append(user_data[position:])
    return "".join(parts)


def _chpasswd_list(text: str) -> bool:
    """cloud-init's ``chpasswd: {list: ...}`` sets passwords from literal ``user:password`` lines."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        stripped = line.lstrip()
        if not stripped.startswith("chpasswd:"):
            continue
        if re.search(r"\blist\s*:", stripped, re.ASCII):
            return True
        indent = len(line) - len(stripped)
        for following in lines[index + 1 :]:
            content = following.lstrip()
            if content and len(following) - len(content) <= indent:
                break
            if content.startswith("list:"):
                return True
    return False


def _literal_secret_keys(lines: list[str]) -> list[str]:
    """Keys of ``key: value`` / ``key = value`` lines that give a secret a literal value; YAML
    flow mappings and lists (``{name: a, password: b}``) are read item by item."""
    found = []
    for line in lines:
        match = _KEY_VALUE.match(line)
        if not match:
            continue
        value = match.group("value").strip()
        if value[:1] in ("{", "["):
            found += _literal_secret_keys(re.split(r"[{}\[\],]", value))
            continue
        key = match.group("key")
        if not _SECRET_KEY.search(key.lower()) or _NOT_A_SECRET.search(key.lower()):
            continue
        value = value.strip("\"'").strip()
        if value.lower() in _HARMLESS or _NUMBER.fullmatch(value) or not value.replace(_REFERENCE, "").strip("\"' "):
            continue
        found.append(key)
    return found


def findings(user_data: str) -> list[str]:
    """What makes ``user_data`` fail, in words that do not repeat the secret."""
    found: list[str] = []
    for text in map(literal_text, readable_texts(user_data)):
        found += [f"{key} is a literal" for key in _literal_secret_keys(text.splitlines())]
        if PRIVATE_KEY.search(text):
            found.append("a private key block")
        if GITLAB_TOKEN.search(text):
            found.append("a GitLab token")
        if _chpasswd_list(text):
            found.append("chpasswd with a literal list of passwords")
    return sorted(set(found))


class UserDataSecrets(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=(
                "User data (cloud-init) holds a literal password, token, key or credential: pass secrets as "
                "Terraform references to sensitive variables or generated resources, never as text"
            ),
            id="CKV_OSPLAT_4",
            categories=[CheckCategories.SECRETS],
            supported_resources=["openstack_compute_instance_v2", "selectel_mks_nodegroup_v1"],
            guideline=(
                "Anyone who can read the server can read its user data, and the literal also lands in the "
                "synthesized JSON and the plan. Write the value as a reference (${var.x} of a sensitive "
                "variable, ${gitlab_user_runner.x.token}, ${random_password.x.result}); use SSH keys instead of "
                "chpasswd passwords."
            ),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        user_data = first(conf.get("user_data"))
        if not isinstance(user_data, str):
            return CheckResult.PASSED
        self.evaluated_keys = ["user_data"]
        found = findings(user_data)
        self.details.extend(found)
        return CheckResult.FAILED if found else CheckResult.PASSED


check = UserDataSecrets()
