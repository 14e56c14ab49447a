"""CDK for Terraform constructs for a Kubernetes platform on OpenStack.

One OpenStack concept per module: :mod:`~constructs_lib.network`, :mod:`~constructs_lib.bastion`,
:mod:`~constructs_lib.runners`, :mod:`~constructs_lib.cluster`, :mod:`~constructs_lib.node_groups`,
:mod:`~constructs_lib.node_taints`, :mod:`~constructs_lib.addons`, :mod:`~constructs_lib.backend`.
"""

import os as _os

# jsii prints a large Node end-of-life banner on every start. The library's users cannot act
# on it, so it is silenced unless they chose otherwise. Must happen before cdktf is imported.
_os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")
_os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

from .addons import AddonSettings, ExtraChart, HelmAddon, OpenStackCloud, PlatformAddons  # noqa: E402
from .backend import StateBackend  # noqa: E402
from .bastion import Bastion  # noqa: E402
from .cluster import KubernetesAccess, ManagedCluster  # noqa: E402
from .errors import ConstructArgumentError, PlatformError  # noqa: E402
from .keypair import SshKeyPair  # noqa: E402
from .network import Network, SubnetSpec  # noqa: E402
from .node_groups import (  # noqa: E402
    DEDICATED_ROLES,
    FRONTEND,
    STANDARD_ROLES,
    SYSTEM,
    WORKER,
    NodeGroup,
)
from .node_taints import NodeRoleTaints  # noqa: E402
from .runners import RunnerFleet  # noqa: E402
from .security_group import Connections, Port, SecurityGroup  # noqa: E402

__all__ = [
    "DEDICATED_ROLES",
    "FRONTEND",
    "STANDARD_ROLES",
    "SYSTEM",
    "WORKER",
    "AddonSettings",
    "Bastion",
    "Connections",
    "ConstructArgumentError",
    "ExtraChart",
    "HelmAddon",
    "KubernetesAccess",
    "ManagedCluster",
    "Network",
    "NodeGroup",
    "NodeRoleTaints",
    "OpenStackCloud",
    "PlatformAddons",
    "PlatformError",
    "Port",
    "RunnerFleet",
    "SecurityGroup",
    "SshKeyPair",
    "StateBackend",
    "SubnetSpec",
]
