"""CKV_OSPLAT_9: every Helm ``set_sensitive`` value comes from a sensitive source.

``set_sensitive`` hides a value in plans, but only the value's source keeps it out of the
synthesized JSON: each value must be exactly one reference, either to a variable declared
``sensitive = true`` in the same stack (set through ``TF_VAR_<name>``) or to a resource or
data-source attribute (a generated password, a credential's secret). A literal, a
non-sensitive variable, an undeclared variable or any other expression fails.

A graph check: it needs the stack's variable declarations beside the release.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckResult

try:
    from ._policy_support import FileGraphCheck, is_attribute_reference, only_reference, variable_of
except ImportError:  # loaded by checkov as a top-level module
    from _policy_support import (  # type: ignore[no-redef]
        FileGraphCheck,
        is_attribute_reference,
        only_reference,
        variable_of,
    )


def _items(value: Any) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else [value] if value is not None else []
    return [item for item in items if isinstance(item, dict)]


class HelmSetSensitive(FileGraphCheck):
    def evaluate(
        self, document: dict[str, Any], name: str, block: dict[str, Any], resource_type: str | None
    ) -> CheckResult:
        variables = document.get("variable")
        variables = variables if isinstance(variables, dict) else {}
        for item in _items(block.get("set_sensitive")):
            expression = only_reference(str(item.get("value", "")))
            if expression is None:
                return CheckResult.FAILED
            variable = variable_of(expression)
            if variable is not None:
                declared = variables.get(variable)
                if not isinstance(declared, dict) or declared.get("sensitive") is not True:
                    return CheckResult.FAILED
            elif not is_attribute_reference(expression):
                return CheckResult.FAILED
        return CheckResult.PASSED


check = HelmSetSensitive(
    check_id="CKV_OSPLAT_9",
    name=(
        "Helm set_sensitive value is a literal, a non-sensitive variable or an expression: set it from a "
        "variable declared sensitive = true or from a resource attribute"
    ),
    guideline=(
        "set_sensitive hides the value in plans, not in the configuration: a literal there is a secret in "
        "the synthesized JSON. Declare a variable with sensitive = true, pass it through TF_VAR_<name>, and "
        "reference it (${var.<name>}), or reference the attribute of the resource that generates the secret."
    ),
    block_type="resource",
    resource_types=["helm_release"],
)
