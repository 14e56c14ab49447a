"""Flatcar worker VMs that join a cluster by bootstrap token (the ``kamaji`` driver's nodes).

One ``openstack_compute_instance_v2`` per node, in an anti-affinity server group, booting from
a volume made from a Flatcar image, with an Ignition config written by
:func:`constructs_lib.flatcar.worker_ignition` as user data. Each VM's user data carries its own
host name (the Node name: ``<name>-<index>``), the cluster CA and a bootstrap token; Terraform
ignores later changes of user data (``user_data`` forces a new server in the OpenStack
provider), so a token rotation never replaces a running node.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cdktf import Fn, TerraformProvider, TerraformResourceLifecycle, Token
from cdktf_cdktf_provider_openstack.compute_servergroup_v2 import ComputeServergroupV2
from constructs import Construct

from . import _validate as check
from . import flatcar
from ._construct import LibraryConstruct
from ._server import PART_TYPES, private_server
from .flatcar_node_group_arguments import (  # noqa: F401  (re-exported: part of this module's API)
    SERVER_GROUP_POLICIES,
    check_kubelet,
    check_kubelet_skew,
    check_node_group_arguments,
)
from .keypair import SshKeyPair
from .network import Network
from .security_group import Port, SecurityGroup

#: The most nodes of one group, :data:`constructs_lib._validate.NODE_COUNT` (a server group with
#: ``anti-affinity`` needs as many hosts).
MAX_NODES = check.NODE_COUNT[1]


def _worker_configs(path: str, name: str, count: int, settings: flatcar.WorkerSettings) -> list[flatcar.WorkerIgnition]:
    """The Ignition config of each of the ``count`` nodes (``<name>-<index>``)."""
    return [
        flatcar.worker_ignition(settings, path=path, hostname=f"{name}-{index}", token_encoder=_base64)
        for index in range(count)
    ]


def _base64(content: str) -> str:
    """Terraform's ``base64encode`` of a text holding references (as a string token)."""
    return Token.as_string(Fn.base64encode(content))


class FlatcarNodeGroup(LibraryConstruct):
    """Flatcar workers of one role.

    :param name: the group's name; nodes are ``<name>-0``, ``<name>-1``, ... (DNS labels,
        which kubelet-csr-approver's ``providerRegex`` must match: :attr:`node_name_regex`).
    :param role: the nodes' role; dedicated roles register with their taint.
    :param count: number of nodes, 0 to 100.
    :param network: the :class:`~constructs_lib.network.Network` (its primary subnet).
    :param keypair: the :class:`~constructs_lib.keypair.SshKeyPair` for the ``core`` user.
    :param flavor: Nova flavor.
    :param image: the Flatcar Glance image's name (OpenStack build, Ignition 2.14 or newer).
    :param boot_volume_size: GB of the boot volume (nodes always boot from a volume).
    :param boot_volume_type: its Cinder type. Default: the cloud's default.
    :param availability_zone: Nova zone. Default: the cloud's choice.
    :param server_group_policy: ``anti-affinity`` (default: one node per hypervisor) or
        ``soft-anti-affinity``.
    :param sysext: the pinned kubelet image (:class:`~constructs_lib.flatcar.KubernetesSysext`).
    :param control_plane_version: the tenant's Kubernetes version; the kubelet must be within
        the version skew policy of it.
    :param api_server: the tenant API address (``KamajiControlPlane.address``).
    :param api_server_port: its port. Default 6443.
    :param ca_certificate: the tenant CA's PEM (a certificate; never a key) or a reference.
    :param bootstrap_token: ``BootstrapToken.value``.
    :param cluster_dns: the cluster DNS service addresses.
    :param labels: more node labels (outside ``kubernetes.io`` and ``k8s.io``).
    :param mirrors: registry mirrors (:class:`~constructs_lib.flatcar.RegistryMirror`).
    :param resources: kubelet reservations and limits.
    :param extra_files: more files for every node (literal text, no private keys).
    :param security_group: an existing :class:`SecurityGroup`. Default: a group of its own,
        open between its members (node-to-node and pod traffic) and egress to the network's
        egress CIDRs. The control plane needs no way in: konnectivity agents dial out.
    :param provider: the OpenStack provider. Default: the stack's.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        role: str,
        count: int,
        network: Network,
        keypair: SshKeyPair,
        flavor: str,
        image: str,
        boot_volume_size: int,
        sysext: flatcar.KubernetesSysext,
        control_plane_version: str,
        api_server: str,
        ca_certificate: str,
        bootstrap_token: str,
        cluster_dns: Sequence[str],
        api_server_port: int = 6443,
        boot_volume_type: str | None = None,
        availability_zone: str | None = None,
        server_group_policy: str = "anti-affinity",
        labels: Mapping[str, str] | None = None,
        mirrors: Sequence[flatcar.RegistryMirror] = (),
        resources: flatcar.KubeletResources | None = None,
        extra_files: Sequence[Mapping[str, str]] = (),
        security_group: SecurityGroup | None = None,
        provider: TerraformProvider | None = None,
    ) -> None:
        path = check.child_path(scope, id)
        boot_volume = check_node_group_arguments(
            path,
            types=PART_TYPES,
            name=name,
            role=role,
            count=count,
            network=network,
            keypair=keypair,
            flavor=flavor,
            image=image,
            boot_volume_size=boot_volume_size,
            boot_volume_type=boot_volume_type,
            availability_zone=availability_zone,
            server_group_policy=server_group_policy,
            security_group=security_group,
        )
        check.provider(path, "provider", provider)
        check_kubelet(path, sysext, control_plane_version)
        # Every node's config is built (and checked: size, private keys) before anything is created.
        settings = flatcar.WorkerSettings(
            api_server=api_server,
            api_server_port=api_server_port,
            bootstrap_token=bootstrap_token,
            ca_certificate=ca_certificate,
            sysext=sysext,
            role=role,
            cluster_dns=cluster_dns,
            labels=labels,
            mirrors=mirrors,
            resources=resources,
            extra_files=extra_files,
        )
        configs = _worker_configs(path, name, count, settings)
        super().__init__(scope, id)
        self.name = name
        self.role = role
        self.count = self.min_count = self.max_count = count
        self.volume_type = boot_volume_type
        self.ignition = configs
        self._build_groups(network, security_group, server_group_policy, provider)
        self.instances = [
            self._instance(index, config, network, flavor, image, keypair, boot_volume, availability_zone, provider)
            for index, config in enumerate(configs)
        ]

    def _build_groups(
        self, network: Network, security_group: SecurityGroup | None, policy: str, provider: TerraformProvider | None
    ) -> None:
        """The nodes' security group (the one given, or one open between the group's nodes)
        and their server group."""
        self.security_group = security_group or SecurityGroup(
            self,
            "security-group",
            name=f"{self.name}-nodes",
            description=f"{self.role} nodes",
            egress_cidrs=network.egress_cidrs,
            provider=provider,
        )
        if security_group is None:
            self.security_group.connections.allow_internally(Port.all_traffic(), "between nodes of the group")
        self.server_group = ComputeServergroupV2(
            self, "server-group", name=f"{self.name}-nodes", policies=[policy], provider=provider
        )
        self.resource = self.server_group

    def _instance(
        self,
        index: int,
        config: Any,
        network: Network,
        flavor: str,
        image: str,
        keypair: SshKeyPair,
        boot_volume: Any,
        availability_zone: str | None,
        provider: TerraformProvider | None,
    ) -> Any:
        """Node ``index``: its port and its server, booting with ``config``."""
        _port, instance = private_server(
            self,
            port_id=f"port-{index}",
            instance_id=f"node-{index}",
            name=f"{self.name}-{index}",
            network=network,
            security_group=self.security_group,
            flavor=flavor,
            image=image,
            keypair=keypair,
            user_data=config.json,
            role=self.role,
            server_group_id=self.server_group.id,
            boot_volume=boot_volume,
            availability_zone=availability_zone,
            provider=provider,
        )
        # A token rotation or a new config must not replace running nodes.
        instance.lifecycle = TerraformResourceLifecycle(ignore_changes=["user_data"])
        return instance

    @property
    def node_name_regex(self) -> str:
        """A regular expression matching exactly this group's Node names."""
        return f"^{self.name}-[0-9]+$"
