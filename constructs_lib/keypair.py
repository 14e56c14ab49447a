"""An SSH key pair registered in Nova from a public key the operator supplies."""

from __future__ import annotations

from cdktf_cdktf_provider_openstack.compute_keypair_v2 import ComputeKeypairV2
from constructs import Construct

from . import _validate as check
from .errors import ConstructArgumentError

_KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521")


class SshKeyPair(Construct):
    """A Nova key pair. Only the public key is ever handled: the library never generates
    private keys, so none can end up in state.

    :param name: key pair name in Nova.
    :param public_key: an OpenSSH public key line (``ssh-ed25519 AAAA... comment``).
    """

    def __init__(self, scope: Construct, id: str, *, name: str, public_key: str) -> None:
        path = check.child_path(scope, id)
        check.non_empty(path, "name", name)
        parts = public_key.split() if isinstance(public_key, str) else []
        if len(parts) < 2 or parts[0] not in _KEY_TYPES:
            raise ConstructArgumentError(
                path, "public_key", public_key, "an OpenSSH public key starting with one of " + ", ".join(_KEY_TYPES)
            )
        super().__init__(scope, id)
        self.resource = ComputeKeypairV2(self, "keypair", name=name, public_key=public_key.strip())
        self.name: str = self.resource.name
