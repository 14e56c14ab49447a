"""The app: for each ``environments/<name>.hcl``, an ``<name>-infra`` and an ``<name>-platform`` stack."""

import constructs_lib as _constructs_lib  # noqa: F401  (silences the jsii banner before cdktf loads)
