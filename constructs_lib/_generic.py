"""Terraform provider, resource and data source types on cdktf's generic classes.

For providers whose prebuilt binding is too heavy to load for the few types the library uses
(:mod:`constructs_lib.gitlab`, :mod:`constructs_lib.kubernetes`). The attributes are handed to
cdktf the way the prebuilt bindings do it, from ``synthesizeAttributes`` (not by overrides,
which cdktf records in the stack's metadata), so the JSON is the same byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cdktf import (
    ITerraformDependable,
    ITerraformIterator,
    TerraformDataSource,
    TerraformProvider,
    TerraformResource,
    TerraformResourceLifecycle,
)
from constructs import Construct


def present(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """The attributes that are set: the prebuilt bindings leave out the ones that are None."""
    return {name: value for name, value in attributes.items() if value is not None}


class GenericProvider(TerraformProvider):
    _attributes: dict[str, Any] = {}

    def _synthesize_attributes(self) -> Mapping[str, Any]:
        return self._attributes


class GenericResource(TerraformResource):
    _attributes: dict[str, Any] = {}

    def _synthesize_attributes(self) -> Mapping[str, Any]:
        return self._attributes


class AttributeResource(GenericResource):
    """One resource of any type, written with the attributes given (those that are None left out)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        resource_type: str,
        attributes: Mapping[str, Any],
        *,
        provider: TerraformProvider | None = None,
        lifecycle: TerraformResourceLifecycle | None = None,
        depends_on: Sequence[ITerraformDependable] = (),
        metadata: Mapping[str, Any] | None = None,
        for_each: ITerraformIterator | None = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            terraform_resource_type=resource_type,
            terraform_generator_metadata=dict(metadata) if metadata else None,
            provider=provider,
            lifecycle=lifecycle,
            depends_on=list(depends_on) or None,
            for_each=for_each,
        )
        self._attributes = present(attributes)


class GenericDataSource(TerraformDataSource):
    _attributes: dict[str, Any] = {}

    def _synthesize_attributes(self) -> Mapping[str, Any]:
        return self._attributes
