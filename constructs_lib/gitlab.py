"""The ``gitlabhq/gitlab`` Terraform provider types the library uses, on cdktf's generic classes.

The prebuilt GitLab binding package holds 164 resource types; loading it into jsii costs a
synth more than everything else in the infra stack. The runners need two of them: the provider
block and ``gitlab_user_runner``. They are written here with the same names, provider source
and version the prebuilt binding (14.0.0, provider 17.11.0) declares, so the synthesized JSON is
byte-identical (``tests/test_generic_bindings.py`` compares both).
"""

from __future__ import annotations

from collections.abc import Sequence

from constructs import Construct

from ._generic import GenericProvider, GenericResource, present

SOURCE = "gitlabhq/gitlab"
#: What the prebuilt binding 14.0.0 declares: ``required_providers`` pins the provider version.
GENERATOR_METADATA = {
    "provider_name": "gitlab",
    "provider_version": "17.11.0",
    "provider_version_constraint": "~> 17.0",
}


class GitlabProvider(GenericProvider):
    """The provider block. The token is never an argument: the provider reads ``GITLAB_TOKEN``.

    :param base_url: the GitLab API URL, ``https://<host>/api/v4``. Default: gitlab.com.
    :param alias: the provider alias, for a second GitLab in one stack.
    """

    def __init__(self, scope: Construct, id: str, *, base_url: str | None = None, alias: str | None = None) -> None:
        super().__init__(
            scope,
            id,
            terraform_resource_type="gitlab",
            terraform_generator_metadata=GENERATOR_METADATA,
            terraform_provider_source=SOURCE,
        )
        self._attributes = present({"alias": alias, "base_url": base_url})


class UserRunner(GenericResource):
    """``gitlab_user_runner``: a runner created through the API (the runner-creation flow).

    :param runner_type: ``instance_type``, ``group_type`` or ``project_type``.
    :param group_id: the group of a ``group_type`` runner.
    :param project_id: the project of a ``project_type`` runner.
    :param description: shown in GitLab's runner list.
    :param tag_list: job tags the runner picks.
    :param untagged: whether it also runs untagged jobs.
    :param locked: whether it is locked to its project.
    :param access_level: ``not_protected`` or ``ref_protected``.
    :param paused: whether it is created paused.
    :param maximum_timeout: the longest a job may run, in seconds.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        runner_type: str,
        group_id: int | None = None,
        project_id: int | None = None,
        description: str | None = None,
        tag_list: Sequence[str] | None = None,
        untagged: bool | None = None,
        locked: bool | None = None,
        access_level: str | None = None,
        paused: bool | None = None,
        maximum_timeout: int | None = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            terraform_resource_type="gitlab_user_runner",
            terraform_generator_metadata=GENERATOR_METADATA,
        )
        self._attributes = present(
            {
                "access_level": access_level,
                "description": description,
                "group_id": group_id,
                "locked": locked,
                "maximum_timeout": maximum_timeout,
                "paused": paused,
                "project_id": project_id,
                "runner_type": runner_type,
                "tag_list": list(tag_list) if tag_list is not None else None,
                "untagged": untagged,
            },
        )

    @property
    def token(self) -> str:
        """The runner's authentication token (sensitive in the provider's schema)."""
        return self.get_string_attribute("token")
