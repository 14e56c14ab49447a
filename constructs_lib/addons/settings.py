"""What the platform's cloud controller is given: a plain, self-checking value type.

:class:`OpenStackCloud` checks its own fields when made and imports neither cdktf nor the
bindings. The releases themselves are :mod:`~constructs_lib.addons.release`'s types.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import _validate as check
from ..errors import ConstructArgumentError


@dataclass(frozen=True)
class OpenStackCloud:
    """What the cloud-controller-manager needs to talk to OpenStack.

    :param auth_url: Keystone URL.
    :param region: region name.
    :param application_credential_id: a Terraform reference (sensitive variable), never a literal.
    :param application_credential_secret: a Terraform reference (sensitive variable), never a literal.
    :param subnet_id: subnet for the VIPs of Octavia load balancers of Services. Default: the
        controller's choice (the nodes' subnet).
    :param floating_network_id: network floating IPs of public load balancers come from.
        Default: the controller's choice.
    """

    auth_url: str
    region: str
    application_credential_id: str
    application_credential_secret: str
    subnet_id: str | None = None
    floating_network_id: str | None = None

    def __post_init__(self) -> None:
        where = "OpenStackCloud"
        check.url(where, "auth_url", self.auth_url)
        check.region(where, "region", self.region)
        for argument in ("application_credential_id", "application_credential_secret"):
            # References to sensitive variables: strings, never checked for their content here.
            if not isinstance(getattr(self, argument), str) or not getattr(self, argument):
                raise ConstructArgumentError(where, argument, "(hidden)", "a Terraform reference to a secret")
        for argument in ("subnet_id", "floating_network_id"):
            if getattr(self, argument) is not None and not isinstance(getattr(self, argument), str):
                raise ConstructArgumentError(where, argument, getattr(self, argument), "an id (a string) or None")
