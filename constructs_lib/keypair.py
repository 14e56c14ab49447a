"""An SSH key pair registered in Nova from a public key the operator supplies."""

from __future__ import annotations

import base64
import binascii
import re

from cdktf import TerraformProvider
from cdktf_cdktf_provider_openstack.compute_keypair_v2 import ComputeKeypairV2
from constructs import Construct

from . import _validate as check
from ._construct import LibraryConstruct
from .errors import ConstructArgumentError

_KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521")
# A 16384-bit RSA key is about 2,800 characters; anything far longer is not one key line.
_MAX_KEY_LENGTH = 8192
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")


class SshKeyPair(LibraryConstruct):
    """A Nova key pair. Only the public key is ever handled: the library never generates
    private keys, so none can end up in state.

    :param name: key pair name in Nova.
    :param public_key: one OpenSSH public key line (``ssh-ed25519 AAAA... comment``): a known
        key type, the key in base64 (of that type), an optional one-line comment.
    :param provider: the OpenStack provider to use. Default: the stack's.
    """

    def __init__(
        self, scope: Construct, id: str, *, name: str, public_key: str, provider: TerraformProvider | None = None
    ) -> None:
        path = check.child_path(scope, id)
        check.provider(path, "provider", provider)
        check.text(path, "name", name)
        if not _is_public_key(public_key):
            raise ConstructArgumentError(
                path,
                "public_key",
                public_key,
                "one OpenSSH public key line starting with one of " + ", ".join(_KEY_TYPES),
            )
        super().__init__(scope, id)
        self.resource = ComputeKeypairV2(self, "keypair", name=name, public_key=public_key.strip(), provider=provider)
        self.name: str = self.resource.name


def _is_public_key(value: object) -> bool:
    """One line ``<type> <base64 blob of that type> [comment]``, literal text throughout."""
    if not isinstance(value, str) or len(value) > _MAX_KEY_LENGTH:
        return False
    line = value.strip()
    if check.template_start(line) is not None or "TfToken[" in line or check.forbidden_character(line, allow="\t"):
        return False
    parts = line.split(None, 2)
    if len(parts) < 2 or parts[0] not in _KEY_TYPES or not _BASE64.fullmatch(parts[1]):
        return False
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        return False
    # The blob starts with its own type name, length-prefixed: a key pasted under the wrong type is caught.
    kind = parts[0].encode()
    return blob[:4] == len(kind).to_bytes(4, "big") and blob[4 : 4 + len(kind)] == kind
