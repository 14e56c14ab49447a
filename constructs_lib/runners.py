"""GitLab runner VMs: private, spread over hypervisors, registered through the GitLab API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cdktf import TerraformProvider
from cdktf_cdktf_provider_openstack.compute_instance_v2 import ComputeInstanceV2
from cdktf_cdktf_provider_openstack.compute_servergroup_v2 import ComputeServergroupV2
from constructs import Construct

from . import _validate as check
from . import cloud_init
from ._construct import LibraryConstruct
from ._server import PART_TYPES, private_server, vm_security_group
from .gitlab import UserRunner
from .keypair import SshKeyPair
from .network import Network
from .runner_arguments import (  # noqa: F401  (re-exported: part of this module's API)
    AFFINITY_POLICIES,
    EXECUTORS,
    MAX_TAGS,
    RunnerArguments,
    check_arguments,
    check_settings,
)
from .security_group import Connections, HasConnections, Port, SecurityGroup
from .server_arguments import VmExtras


def runner_config_toml(*, name: str, url: str, token: str, executor: str, concurrency: int, docker_image: str) -> str:
    """The gitlab-runner ``config.toml`` of one VM. ``token`` is a Terraform token, not a literal."""
    lines = [
        f"concurrent = {concurrency}",
        "check_interval = 0",
        "",
        "[[runners]]",
        f'  name = "{name}"',
        f'  url = "{url}"',
        f'  token = "{token}"',
        f'  executor = "{executor}"',
    ]
    if executor == "docker":
        lines += [
            "  [runners.docker]",
            f'    image = "{docker_image}"',
            "    privileged = false",
            '    volumes = ["/cache"]',
        ]
    return "\n".join(lines) + "\n"


#: The default job image of the docker executor (Docker Hub's ``library/alpine``).
DEFAULT_JOB_IMAGE = "alpine:3"


class RunnerFleet(LibraryConstruct):
    """``count`` GitLab runner VMs with no floating IP, in an anti-affinity server group.

    Each VM gets its own runner registered with the gitlab provider's ``user_runner``
    (the runner-creation flow that replaced registration tokens). The runner's token is a
    computed, sensitive attribute; it reaches the VM only through cloud-init as a Terraform
    reference, never as a literal. The image must carry gitlab-runner (and Docker for the
    docker executor): closed contours have no package mirrors to install them from.

    :param network: the :class:`Network` whose primary subnet the runners join. Egress goes
        through its router.
    :param keypair: the :class:`SshKeyPair` that may log in.
    :param count: number of VMs, 0 to 50. ``0`` is valid and creates nothing: no VM, server
        group, registration, security group or rule (``security_group`` and ``connections``
        are then the given group, untouched, or ``None``).
    :param flavor: Nova flavor name.
    :param image: Glance image name.
    :param gitlab_url: base URL of the GitLab instance, e.g. ``https://gitlab.example.com``
        (http(s), no credentials).
    :param group_id: register group runners for this group. Exactly one of ``group_id`` and
        ``project_id`` must be given: runners are always scoped, never instance-wide.
    :param project_id: register project runners for this project.
    :param tags: runner tags (1 to 50, one line each, no commas). Default ``("werf",)``.
        Untagged jobs are never picked up.
    :param concurrency: jobs one VM runs at once, 1 to 100. Default ``2``.
    :param executor: ``docker`` (default) or ``shell``.
    :param docker_image: default job image for the docker executor. Default ``alpine:3``.
    :param ssh_from: who may SSH to the runners, usually the :class:`~constructs_lib.bastion.Bastion`.
        Default: nobody.
    :param affinity: ``anti-affinity`` (default: never two runners on one hypervisor) or
        ``soft-anti-affinity`` (spread when possible, for small clouds).
    :param name: OpenStack name prefix (a DNS label). Default ``<network name>-runner``.
    :param boot_volume_size: boot each VM from a new volume of this many GB (1-16384) made from
        ``image``, for flavors without a local disk. Default ``None``: the flavor's local disk.
    :param boot_volume_type: Cinder type of those volumes, e.g. ``fast.ru-7a``. Default: the
        cloud's default type. Needs ``boot_volume_size``.
    :param availability_zone: Nova availability zone, e.g. ``ru-7a``. Default: the cloud's choice.
    :param security_group: an existing :class:`SecurityGroup` to use (its rules are added
        there). Default: a group of its own.
    :param extra_files: cloud-init files to write at first boot, ``{"path", "content",
        "permissions"}`` with literal text (never a secret: user data is readable). Default: none.
    :param extra_commands: commands to run at first boot, after the library's. Default: none.
    :param provider: the OpenStack provider to use. Default: the stack's.

    ``resource`` is the fleet's server group (``openstack_compute_servergroup_v2``; ``None``
    with no runners); ``instances`` and ``registrations`` are the VMs and their GitLab runners.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        network: Network,
        keypair: SshKeyPair,
        count: int,
        flavor: str,
        image: str,
        gitlab_url: str,
        group_id: int | None = None,
        project_id: int | None = None,
        tags: Sequence[str] = ("werf",),
        concurrency: int = 2,
        executor: str = "docker",
        docker_image: str = DEFAULT_JOB_IMAGE,
        ssh_from: HasConnections | None = None,
        affinity: str = "anti-affinity",
        name: str | None = None,
        boot_volume_size: int | None = None,
        boot_volume_type: str | None = None,
        availability_zone: str | None = None,
        security_group: SecurityGroup | None = None,
        extra_files: Sequence[Mapping[str, str]] = (),
        extra_commands: Sequence[str] = (),
        provider: TerraformProvider | None = None,
    ) -> None:
        given = check_arguments(
            check.child_path(scope, id),
            types=PART_TYPES,
            network=network,
            keypair=keypair,
            ssh_from=ssh_from,
            boot_volume_size=boot_volume_size,
            boot_volume_type=boot_volume_type,
            availability_zone=availability_zone,
            security_group=security_group,
            extra_files=extra_files,
            extra_commands=extra_commands,
            provider=provider,
            count=count,
            flavor=flavor,
            image=image,
            gitlab_url=gitlab_url,
            name=name,
            group_id=group_id,
            project_id=project_id,
            tags=tags,
            concurrency=concurrency,
            executor=executor,
            docker_image=docker_image,
            affinity=affinity,
        )
        super().__init__(scope, id)
        self.count = count
        self.instances: list[ComputeInstanceV2] = []
        self.registrations: list[UserRunner] = []
        self.resource: ComputeServergroupV2 | None = None
        # No runners, nothing at all: no group of its own and no rule in a given one.
        self.security_group: SecurityGroup | None = given.extras.security_group
        self.connections: Connections | None = self.security_group.connections if self.security_group else None
        if count == 0:
            return
        self.security_group = self._security_group(network, given, ssh_from)
        self.resource = ComputeServergroupV2(
            self, "server-group", name=given.name, policies=[affinity], provider=provider
        )
        for index in range(1, count + 1):
            self._add_runner(index, network, keypair, self.security_group, self.resource, given)

    def _security_group(
        self, network: Network, given: RunnerArguments, ssh_from: HasConnections | None
    ) -> SecurityGroup:
        """The runners' security group (their own unless one was given), with SSH from ``ssh_from``."""
        group = vm_security_group(self, network, given.name, "GitLab runners", given.extras)
        self.connections = group.connections
        if ssh_from is not None:
            self.connections.allow_from(ssh_from, Port.tcp(22), "SSH from the bastion")
        return group

    def _add_runner(
        self,
        index: int,
        network: Network,
        keypair: SshKeyPair,
        security_group: SecurityGroup,
        server_group: ComputeServergroupV2,
        given: RunnerArguments,
    ) -> None:
        """Runner ``index``: its GitLab registration, and its VM with the runner's config."""
        vm_name = f"{given.name}-{index}"
        registration = UserRunner(
            self,
            f"registration-{index}",
            runner_type="group_type" if given.group_id is not None else "project_type",
            group_id=given.group_id,
            project_id=given.project_id,
            description=vm_name,
            tag_list=list(given.tags),
            untagged=False,
            locked=True,
            access_level="not_protected",
        )
        config = runner_config_toml(
            name=vm_name,
            url=given.gitlab_url,
            token=registration.token,
            executor=given.executor,
            concurrency=given.concurrency,
            docker_image=given.docker_image,
        )
        _, instance = private_server(
            self,
            port_id=f"port-{index}",
            instance_id=f"instance-{index}",
            name=vm_name,
            network=network,
            security_group=security_group,
            flavor=given.flavor,
            image=given.image,
            keypair=keypair,
            user_data=_user_data(config, given.extras),
            role="gitlab-runner",
            server_group_id=server_group.id,
            boot_volume=given.boot_volume,
            availability_zone=given.availability_zone,
            provider=given.extras.provider,
        )
        self.registrations.append(registration)
        self.instances.append(instance)

    @property
    def private_addresses(self) -> list[str]:
        return [i.access_ip_v4 for i in self.instances]


def _user_data(config: str, extras: VmExtras) -> str:
    """A runner VM's cloud-init: its ``config.toml``, the given files, gitlab-runner started."""
    return cloud_init.render(
        cloud_init.hardened_base(
            extra_files=[
                {"path": "/etc/gitlab-runner/config.toml", "permissions": "0600", "content": config},
                *extras.files,
            ],
            runcmd=[
                "systemctl enable --now gitlab-runner",
                "systemctl restart gitlab-runner",
                *extras.commands,
            ],
        )
    )
