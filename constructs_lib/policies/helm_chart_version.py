"""CKV_OSPLAT_7: every Helm release pins its chart to one exact version.

Without ``version`` Helm installs the newest chart, and a constraint (``^1.2``, ``~1``,
``>=1.0``, ``1.x``, ``1.2.*``, ``*``, ``latest``, ``1.0 - 2.0``) lets the next apply install
another chart than the one reviewed. A version passes only when it is one exact SemVer 2
version: ``MAJOR.MINOR.PATCH`` with an optional leading ``v``, pre-release and build, by the
library's own chart version rule (``constructs_lib._validate.CHART_VERSION_PATTERN``). A chart
given as a packaged archive (``.tgz``) or a local path needs no version: the file is the pin.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

try:
    from ._policy_support import first, library_pattern
except ImportError:  # loaded by checkov as a top-level module
    from _policy_support import first, library_pattern  # type: ignore[no-redef]

#: One exact chart version: the library's rule, read from its source.
EXACT_VERSION = library_pattern("CHART_VERSION_PATTERN")


def _is_file_chart(chart: Any, repository: Any) -> bool:
    if not isinstance(chart, str) or repository:
        return False
    return chart.endswith((".tgz", ".tar.gz")) or chart.startswith(("/", "./", "../"))


class HelmChartVersion(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=(
                "Helm release does not pin its chart (no version, or a range such as ^1.2, ~1, >=1, 1.x, * or "
                "latest): set version to one exact chart version, e.g. 1.21.1"
            ),
            id="CKV_OSPLAT_7",
            categories=[CheckCategories.SUPPLY_CHAIN],
            supported_resources=["helm_release"],
            guideline=(
                "A plan must install the chart that was reviewed, and the same chart again on the next apply. "
                "Pin version to an exact SemVer version (MAJOR.MINOR.PATCH, optional v prefix, pre-release "
                "and build); bump it deliberately in a change of its own."
            ),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        self.evaluated_keys = ["version"]
        if _is_file_chart(first(conf.get("chart")), first(conf.get("repository"))):
            return CheckResult.PASSED
        version = first(conf.get("version"))
        if version is None or version == "":
            self.details.append("no version: Helm installs the newest chart")
            return CheckResult.FAILED
        if not isinstance(version, str) or not EXACT_VERSION.fullmatch(version.strip()):
            self.details.append(f"version {version!r} is not one exact version")
            return CheckResult.FAILED
        return CheckResult.PASSED


check = HelmChartVersion()
