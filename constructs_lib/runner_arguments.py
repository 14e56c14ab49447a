"""The checks of :class:`~constructs_lib.runners.RunnerFleet`'s arguments, apart from the
build: plain Python (no cdktf, no jsii).

:func:`check_settings` checks its settings (everything but the constructs it is given);
:func:`check_arguments` checks them all and returns what the build needs
(:class:`RunnerArguments`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from . import _validate as check
from .errors import ConstructArgumentError
from .server_arguments import VM_ARGUMENTS, BootVolume, PartTypes, VmExtras, check_parts, check_vm

EXECUTORS = ("docker", "shell")
# A Docker image reference, [registry[:port]/]path[:tag][@sha256:digest], as the distribution
# spec writes it: no credentials (user:password@host), nothing that would break out of the
# quoted TOML string it is written into.
_DOCKER_IMAGE = re.compile(
    r"(?:[A-Za-z0-9.-]+(?::[0-9]{1,5})?/)?"
    r"[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*"
    rf"(?::{check.OCI_TAG_PATTERN})?(?:@{check.SHA256_DIGEST_PATTERN})?"
)
#: Most tags one runner may carry.
MAX_TAGS = 50
AFFINITY_POLICIES = ("anti-affinity", "soft-anti-affinity")


def check_settings(
    path: str,
    *,
    count: Any,
    flavor: Any,
    image: Any,
    gitlab_url: Any,
    name: Any,
    group_id: Any,
    project_id: Any,
    tags: Any,
    concurrency: Any,
    executor: Any,
    docker_image: Any,
    affinity: Any,
) -> None:
    """Check a runner fleet's settings; ``path`` names the construct in errors."""
    check.count(path, "count", count, check.RUNNER_COUNT)
    check.text(path, "flavor", flavor)
    check.text(path, "image", image)
    check.url(path, "gitlab_url", gitlab_url)
    if name is not None:
        check.name(path, "name", name)
    for argument, value in (("group_id", group_id), ("project_id", project_id)):
        if value is not None:
            check.count(path, argument, value, check.GITLAB_ID)
    if (group_id is None) == (project_id is None):
        raise ConstructArgumentError(
            path,
            "group_id/project_id",
            (group_id, project_id),
            "exactly one of them (runners are group or project scoped)",
        )
    if not isinstance(tags, (list, tuple)) or not tags or len(tags) > MAX_TAGS:
        raise ConstructArgumentError(
            path, "tags", tags, f"a list of 1 to {MAX_TAGS} tags (untagged jobs are turned off)"
        )
    for tag in tags:
        check.text(path, "tags", tag)
        if "," in tag:
            raise ConstructArgumentError(path, "tags", tag, "a tag without commas (GitLab splits tags at commas)")
    check.count(path, "concurrency", concurrency, check.RUNNER_CONCURRENCY)
    check.choice(path, "executor", executor, EXECUTORS)
    if not isinstance(docker_image, str) or len(docker_image) > 255 or not _DOCKER_IMAGE.fullmatch(docker_image):
        raise ConstructArgumentError(
            path,
            "docker_image",
            docker_image,
            "an image reference such as alpine:3 or registry.example.com/group/image:tag",
        )
    registry, slash, _ = docker_image.partition("/")
    if slash and ("." in registry or ":" in registry or registry == "localhost"):
        # The first component names a registry (as Docker reads it): the one registry rule.
        try:
            check.Registry.parse(path, "docker_image", registry, trailing_slash=False)
        except ConstructArgumentError as err:
            raise ConstructArgumentError(
                path, "docker_image", docker_image, f"an image reference whose registry is {err.allowed}"
            ) from None
    check.choice(path, "affinity", affinity, AFFINITY_POLICIES)


@dataclass(frozen=True)
class RunnerArguments:
    """A runner fleet's arguments, checked, with what follows from them (the settings as
    :class:`~constructs_lib.runners.RunnerFleet` documents them).

    :param name: the OpenStack name prefix (defaulted from the network's name).
    :param boot_volume: the boot volume of each VM, or None for the flavor's local disk.
    :param extras: the security group, extra files and commands, provider.
    """

    name: str
    count: int
    flavor: str
    image: str
    gitlab_url: str
    group_id: int | None
    project_id: int | None
    tags: tuple[str, ...]
    concurrency: int
    executor: str
    docker_image: str
    affinity: str
    boot_volume: BootVolume | None
    availability_zone: str | None
    extras: VmExtras


def check_arguments(
    path: str,
    *,
    types: PartTypes,
    network: Any,
    keypair: Any,
    ssh_from: Any,
    **arguments: Any,
) -> RunnerArguments:
    """Check a runner fleet's arguments (``path`` names the construct in errors): the
    constructs it is given against ``types``, then its settings (:func:`check_settings`), then
    the arguments of every VM construct (:data:`~constructs_lib.server_arguments.VM_ARGUMENTS`:
    placement and extras, :func:`~constructs_lib.server_arguments.check_vm`)."""
    check_parts(path, network, keypair, types)
    if ssh_from is not None and not isinstance(ssh_from, types.peer):
        raise ConstructArgumentError(
            path, "ssh_from", ssh_from, "None, a SecurityGroup or a construct with .connections"
        )
    vm = {key: arguments.pop(key) for key in VM_ARGUMENTS}
    settings = arguments
    check_settings(path, **settings)
    boot_volume, extras = check_vm(path, types, **vm)
    return RunnerArguments(
        **{**settings, "name": settings["name"] or f"{network.name}-runner", "tags": tuple(settings["tags"])},
        boot_volume=boot_volume,
        availability_zone=vm["availability_zone"],
        extras=extras,
    )
