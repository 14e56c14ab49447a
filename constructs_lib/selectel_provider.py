"""The ``selectel/selectel`` Terraform provider, on cdktf's generic classes.

No prebuilt cdktf binding exists for this provider, so the few types the library uses are
written here on cdktf's generic classes (:mod:`constructs_lib._generic`). The constructs in
:mod:`constructs_lib.selectel_mks` are the typed surface; this module only writes attributes.
The source of truth for every attribute is the provider's schema at the pinned release, kept
with its commit in
``tests/fixtures/upstream/selectel_provider_schema.json``; a test checks every attribute the
library emits against it (name, type, every required one set).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cdktf import TerraformProvider, TerraformStack
from constructs import Construct

from ._construct import ConstructContract
from ._generic import AttributeResource, GenericDataSource, GenericProvider, present

SOURCE = "selectel/selectel"
#: The release whose schema the fixture records; 8.3.1 is the first 8.x release that no longer
#: resets a cluster's other Kubernetes options when one changes.
VERSION_CONSTRAINT = ">= 8.3.1, < 9.0.0"


class SelectelProvider(ConstructContract, GenericProvider):
    """The provider block. Credentials are never arguments: the provider reads ``OS_USERNAME``,
    ``OS_PASSWORD``, ``OS_DOMAIN_NAME`` (and ``OS_AUTH_URL`` / ``OS_REGION_NAME`` when the
    arguments here are left out) at deploy time.

    :param auth_url: Keystone URL (not secret). Default: ``OS_AUTH_URL``.
    :param auth_region: Keystone region (not secret). Default: ``OS_REGION_NAME``.
    """

    def __init__(
        self, scope: Construct, id: str, *, auth_url: str | None = None, auth_region: str | None = None
    ) -> None:
        super().__init__(
            scope,
            id,
            terraform_resource_type="selectel",
            terraform_provider_source=SOURCE,
            terraform_generator_metadata={
                "provider_name": "selectel",
                "provider_version_constraint": VERSION_CONSTRAINT,
            },
        )
        self._attributes = present({"auth_url": auth_url, "auth_region": auth_region})

    @staticmethod
    def of(scope: Construct) -> SelectelProvider:
        """The stack's Selectel provider; one with credentials from the environment is added
        (as ``selectel``) when the stack has none."""
        stack = TerraformStack.of(scope)
        for child in stack.node.children:
            if isinstance(child, SelectelProvider):
                return child
        return SelectelProvider(stack, "selectel")


class SelectelResource(AttributeResource):
    """One ``selectel_*`` resource with its attributes (``None`` values are left out), given the
    stack's Selectel provider (:meth:`SelectelProvider.of`) as ``provider``."""


class SelectelDataSource(GenericDataSource):
    """One ``selectel_*`` data source with its arguments."""

    def __init__(
        self, scope: Construct, id: str, data_type: str, attributes: Mapping[str, Any], *, provider: TerraformProvider
    ) -> None:
        super().__init__(scope, id, terraform_resource_type=data_type, provider=provider)
        self._attributes = present(attributes)
