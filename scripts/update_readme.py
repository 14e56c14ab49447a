"""Regenerate the generated parts of README.md (the addon catalog and the cluster driver tables)."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from constructs_lib.addons.catalog import markdown_table as catalog_table  # noqa: E402
from constructs_lib.cluster_drivers import markdown_table as drivers_table  # noqa: E402

#: marker name -> what goes between ``<!-- name:start -->`` and ``<!-- name:end -->``.
SECTIONS: dict[str, Callable[[], str]] = {"catalog": catalog_table, "drivers": drivers_table}


def render(readme: str) -> str:
    for name, table in SECTIONS.items():
        start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
        pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
        readme = pattern.sub(lambda _, s=start, e=end, t=table: f"{s}\n{t()}\n{e}", readme)
    return readme


if __name__ == "__main__":
    path = ROOT / "README.md"
    path.write_text(render(path.read_text()))
