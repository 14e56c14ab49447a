"""CDK for Terraform constructs for a Kubernetes platform on OpenStack.

One OpenStack concept per module: :mod:`~constructs_lib.network`, :mod:`~constructs_lib.bastion`,
:mod:`~constructs_lib.runners`, :mod:`~constructs_lib.cluster` (the common cluster surface) with
:mod:`~constructs_lib.cluster_drivers`, :mod:`~constructs_lib.selectel_mks`,
:mod:`~constructs_lib.magnum` and :mod:`~constructs_lib.kamaji_cluster` (with
:mod:`~constructs_lib.kamaji` and :mod:`~constructs_lib.flatcar_node_group`),
:mod:`~constructs_lib.node_groups`, :mod:`~constructs_lib.node_roles`,
:mod:`~constructs_lib.node_taints`, :mod:`~constructs_lib.storage_classes`,
:mod:`~constructs_lib.addons`, :mod:`~constructs_lib.backend`.
"""

import os as _os

# jsii prints a large Node end-of-life banner on every start. The library's users cannot act
# on it, so it is silenced unless they chose otherwise. Must happen before cdktf is imported.
_os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")
_os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

from typing import TYPE_CHECKING

from . import _lazy_bindings
from ._lazy import lazy_exports as _lazy_exports

# Before any provider package is imported: they then load only the resource types a stack uses.
_lazy_bindings.install()

# Names are loaded on first use (PEP 562), so that ``constructs_lib.errors`` and the other
# light modules can be imported without loading cdktf and the provider bindings (seconds):
# the ``platformctl`` commands need that. ``from constructs_lib import Network`` works as usual.
_EXPORTS = {
    "ChartReference": "addons",
    "HelmAddon": "addons",
    "HelmRelease": "addons",
    "OpenStackCloud": "addons",
    "PlatformAddons": "addons",
    "ReleaseOverrides": "addons",
    "helm_release": "addons",
    "plan_releases": "addons",
    "StateBackend": "backend",
    "CiDeployTarget": "access",
    "GitOpsApplication": "access",
    "GroupRoleBinding": "access",
    "CiDeployAccess": "delivery",
    "DexGitLabSecret": "delivery",
    "GitOpsDelivery": "delivery",
    "PeopleAccess": "delivery",
    "Bastion": "bastion",
    "ClusterProfile": "cluster",
    "KubernetesAccess": "cluster",
    "ManagedCluster": "cluster",
    "DRIVERS": "cluster_drivers",
    "ClusterDriver": "cluster_drivers",
    "BootstrapToken": "kamaji",
    "BootstrapTokenSecret": "kamaji",
    "KamajiControlPlane": "kamaji",
    "KamajiDataStore": "kamaji",
    "ManagementClusterProvider": "kamaji",
    "SecretKeyRef": "kamaji",
    "TenantCertificateAuthority": "kamaji",
    "KamajiCluster": "kamaji_cluster",
    "KamajiNodeGroup": "kamaji_cluster",
    "FlatcarNodeGroup": "flatcar_node_group",
    "KubeletResources": "flatcar",
    "KubernetesSysext": "flatcar",
    "RegistryMirror": "flatcar",
    "MagnumCluster": "magnum",
    "MagnumNodeGroup": "magnum",
    "MksOidc": "selectel_mks",
    "SelectelMksCluster": "selectel_mks",
    "SelectelMksNodeGroup": "selectel_mks",
    "SelectelProvider": "selectel_provider",
    "VolumeStorageClasses": "storage_classes",
    "NodePlacement": "node_roles",
    "ConstructArgumentError": "errors",
    "PlatformError": "errors",
    "SshKeyPair": "keypair",
    "Network": "network",
    "SubnetSpec": "network",
    "DEDICATED_ROLES": "node_roles",
    "FRONTEND": "node_roles",
    "STANDARD_ROLES": "node_roles",
    "SYSTEM": "node_roles",
    "WORKER": "node_roles",
    "NodeGroup": "node_groups",
    "NodeRoleTaints": "node_taints",
    "RunnerFleet": "runners",
    "Connections": "security_group",
    "Port": "security_group",
    "SecurityGroup": "security_group",
}


__getattr__ = _lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:
    from .access import CiDeployTarget, GitOpsApplication, GroupRoleBinding
    from .addons import (
        ChartReference,
        HelmAddon,
        HelmRelease,
        OpenStackCloud,
        PlatformAddons,
        ReleaseOverrides,
        helm_release,
        plan_releases,
    )
    from .backend import StateBackend
    from .bastion import Bastion
    from .cluster import ClusterProfile, KubernetesAccess, ManagedCluster
    from .cluster_drivers import DRIVERS, ClusterDriver
    from .delivery import CiDeployAccess, DexGitLabSecret, GitOpsDelivery, PeopleAccess
    from .errors import ConstructArgumentError, PlatformError
    from .flatcar import KubeletResources, KubernetesSysext, RegistryMirror
    from .flatcar_node_group import FlatcarNodeGroup
    from .kamaji import (
        BootstrapToken,
        BootstrapTokenSecret,
        KamajiControlPlane,
        KamajiDataStore,
        ManagementClusterProvider,
        SecretKeyRef,
        TenantCertificateAuthority,
    )
    from .kamaji_cluster import KamajiCluster, KamajiNodeGroup
    from .keypair import SshKeyPair
    from .magnum import MagnumCluster, MagnumNodeGroup
    from .network import Network, SubnetSpec
    from .node_groups import NodeGroup
    from .node_roles import DEDICATED_ROLES, FRONTEND, STANDARD_ROLES, SYSTEM, WORKER, NodePlacement
    from .node_taints import NodeRoleTaints
    from .runners import RunnerFleet
    from .security_group import Connections, Port, SecurityGroup
    from .selectel_mks import MksOidc, SelectelMksCluster, SelectelMksNodeGroup
    from .selectel_provider import SelectelProvider
    from .storage_classes import VolumeStorageClasses

__all__ = [
    "DRIVERS",
    "BootstrapToken",
    "BootstrapTokenSecret",
    "FlatcarNodeGroup",
    "KamajiCluster",
    "KamajiControlPlane",
    "KamajiDataStore",
    "KamajiNodeGroup",
    "KubeletResources",
    "KubernetesSysext",
    "ManagementClusterProvider",
    "RegistryMirror",
    "SecretKeyRef",
    "TenantCertificateAuthority",
    "ClusterDriver",
    "ClusterProfile",
    "MagnumCluster",
    "MagnumNodeGroup",
    "MksOidc",
    "NodePlacement",
    "SelectelMksCluster",
    "SelectelMksNodeGroup",
    "SelectelProvider",
    "VolumeStorageClasses",
    "DEDICATED_ROLES",
    "FRONTEND",
    "STANDARD_ROLES",
    "SYSTEM",
    "WORKER",
    "Bastion",
    "ChartReference",
    "Connections",
    "ConstructArgumentError",
    "HelmAddon",
    "HelmRelease",
    "KubernetesAccess",
    "ManagedCluster",
    "Network",
    "NodeGroup",
    "NodeRoleTaints",
    "OpenStackCloud",
    "PlatformAddons",
    "PlatformError",
    "ReleaseOverrides",
    "helm_release",
    "plan_releases",
    "Port",
    "RunnerFleet",
    "SecurityGroup",
    "SshKeyPair",
    "StateBackend",
    "SubnetSpec",
    "CiDeployAccess",
    "CiDeployTarget",
    "DexGitLabSecret",
    "GitOpsApplication",
    "GitOpsDelivery",
    "GroupRoleBinding",
    "PeopleAccess",
]
