"""The checks of :class:`~constructs_lib.runners.RunnerFleet`'s settings (everything but the
constructs it is given), apart from the build: plain Python (no cdktf, no jsii)."""

from __future__ import annotations

import re
from typing import Any

from . import _validate as check
from .errors import ConstructArgumentError

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
