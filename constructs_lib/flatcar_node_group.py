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
from ._server import check_parts, check_placement, private_server
from .errors import ConstructArgumentError
from .keypair import SshKeyPair
from .network import Network
from .node_roles import check_role
from .security_group import Port, SecurityGroup

#: Nova server group policies a node group may use.
SERVER_GROUP_POLICIES = ("anti-affinity", "soft-anti-affinity")
#: The most nodes of one group, :data:`constructs_lib._validate.NODE_COUNT` (a server group with
#: ``anti-affinity`` needs as many hosts).
MAX_NODES = check.NODE_COUNT[1]


def _base64(content: str) -> str:
    """Terraform's ``base64encode`` of a text holding references (as a string token)."""
    return Token.as_string(Fn.base64encode(content))


def check_kubelet_skew(path: str, sysext: flatcar.KubernetesSysext, control_plane_version: str) -> None:
    """The kubelet is not newer than the control plane, nor more than three minors older
    (Kubernetes' version skew policy)."""
    major, minor = (int(p) for p in control_plane_version.lstrip("v").split(".")[:2])
    kubelet_major, kubelet_minor = sysext.minor
    if kubelet_major != major or kubelet_minor > minor or kubelet_minor < minor - 3:
        raise ConstructArgumentError(
            path,
            "sysext.version",
            sysext.version,
            f"a kubelet from {major}.{max(minor - 3, 0)} to {major}.{minor} "
            f"(the control plane is {control_plane_version})",
        )


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
        check.name(path, "name", name)
        check_role(path, role)
        check.count(path, "count", count, check.NODE_COUNT)
        check_parts(path, network, keypair)
        check.text(path, "flavor", flavor)
        check.text(path, "image", image)
        if boot_volume_size is None:
            raise ConstructArgumentError(
                path, "boot_volume_size", None, "a size in GB: Flatcar nodes boot from a volume"
            )
        boot_volume = check_placement(path, boot_volume_size, boot_volume_type, availability_zone)
        check.choice(path, "server_group_policy", server_group_policy, SERVER_GROUP_POLICIES)
        if security_group is not None and not isinstance(security_group, SecurityGroup):
            raise ConstructArgumentError(path, "security_group", security_group, "a SecurityGroup construct")
        check.provider(path, "provider", provider)
        if not isinstance(sysext, flatcar.KubernetesSysext):
            raise ConstructArgumentError(path, "sysext", sysext, "a KubernetesSysext")
        check_kubelet_skew(path, sysext, _version(path, control_plane_version))
        # Every node's config is built (and checked: size, private keys) before anything is created.
        configs = [
            flatcar.worker_ignition(
                path=path,
                hostname=f"{name}-{index}",
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
                token_encoder=_base64,
            )
            for index in range(count)
        ]
        super().__init__(scope, id)
        self.name = name
        self.role = role
        self.count = self.min_count = self.max_count = count
        self.volume_type = boot_volume_type
        self.ignition = configs
        self.security_group = security_group or SecurityGroup(
            self,
            "security-group",
            name=f"{name}-nodes",
            description=f"{role} nodes",
            egress_cidrs=network.egress_cidrs,
            provider=provider,
        )
        if security_group is None:
            self.security_group.connections.allow_internally(Port.all_traffic(), "between nodes of the group")
        self.server_group = ComputeServergroupV2(
            self, "server-group", name=f"{name}-nodes", policies=[server_group_policy], provider=provider
        )
        self.instances = []
        for index, config in enumerate(configs):
            _port, instance = private_server(
                self,
                port_id=f"port-{index}",
                instance_id=f"node-{index}",
                name=f"{name}-{index}",
                network=network,
                security_group=self.security_group,
                flavor=flavor,
                image=image,
                keypair=keypair,
                user_data=config.json,
                role=role,
                server_group_id=self.server_group.id,
                boot_volume=boot_volume,
                availability_zone=availability_zone,
                provider=provider,
            )
            # A token rotation or a new config must not replace running nodes.
            instance.lifecycle = TerraformResourceLifecycle(ignore_changes=["user_data"])
            self.instances.append(instance)
        self.resource = self.server_group

    @property
    def node_name_regex(self) -> str:
        """A regular expression matching exactly this group's Node names."""
        return f"^{self.name}-[0-9]+$"


def _version(path: str, value: Any) -> str:
    if not isinstance(value, str) or not value.lstrip("v").count(".") == 2:
        raise ConstructArgumentError(path, "control_plane_version", value, "a release such as 1.36.2")
    return value
