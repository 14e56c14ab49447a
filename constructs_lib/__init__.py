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

from typing import TYPE_CHECKING, Any

from . import _lazy_bindings

# Before any provider package is imported: they then load only the resource types a stack uses.
_lazy_bindings.install()

# Names are loaded on first use (PEP 562), so that ``constructs_lib.errors`` and the other
# light modules can be imported without loading cdktf and the provider bindings (seconds):
# the ``platformctl`` commands need that. ``from constructs_lib import Network`` works as usual.
_EXPORTS = {
    "AddonSettings": "addons",
    "ExtraChart": "addons",
    "HelmAddon": "addons",
    "OpenStackCloud": "addons",
    "PlatformAddons": "addons",
    "StateBackend": "backend",
    "Bastion": "bastion",
    "KubernetesAccess": "cluster",
    "ManagedCluster": "cluster",
    "ConstructArgumentError": "errors",
    "PlatformError": "errors",
    "SshKeyPair": "keypair",
    "Network": "network",
    "SubnetSpec": "network",
    "DEDICATED_ROLES": "node_groups",
    "FRONTEND": "node_groups",
    "STANDARD_ROLES": "node_groups",
    "SYSTEM": "node_groups",
    "WORKER": "node_groups",
    "NodeGroup": "node_groups",
    "NodeRoleTaints": "node_taints",
    "RunnerFleet": "runners",
    "Connections": "security_group",
    "Port": "security_group",
    "SecurityGroup": "security_group",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'constructs_lib' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from .addons import AddonSettings, ExtraChart, HelmAddon, OpenStackCloud, PlatformAddons
    from .backend import StateBackend
    from .bastion import Bastion
    from .cluster import KubernetesAccess, ManagedCluster
    from .errors import ConstructArgumentError, PlatformError
    from .keypair import SshKeyPair
    from .network import Network, SubnetSpec
    from .node_groups import DEDICATED_ROLES, FRONTEND, STANDARD_ROLES, SYSTEM, WORKER, NodeGroup
    from .node_taints import NodeRoleTaints
    from .runners import RunnerFleet
    from .security_group import Connections, Port, SecurityGroup

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
