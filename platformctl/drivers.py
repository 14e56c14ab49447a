"""Which cluster driver each environment uses, read from its environment file.

What a change replaces depends on the driver (a new template moves a cluster in place on the
Cluster API drivers, replaces it on Heat), so previews and diffs look each stack's driver up
here: stack ``<env>-infra`` belongs to ``environments/<env>.hcl``, whose ``cluster { driver }``
names it. The file is only read, not checked (that is the synth's job, and the base side of a
diff may be of an older format); a file that cannot be read, or has no driver, gives none,
and the caller then claims only what every driver does (the loud side).
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path


def environment_drivers(directory: Path, only: Collection[str] | None = None) -> dict[str, str]:
    """Environment name -> the ``driver`` of its ``cluster`` block, for every readable ``*.hcl``
    (with ``only``, for those environments alone: the others' files are not read)."""
    try:
        import hcl2
    except ImportError:  # the core package without the [platformctl] extra: nothing is claimed
        return {}
    from constructs_lib.cluster_drivers import DRIVERS

    found: dict[str, str] = {}
    if not directory.is_dir():
        return found
    for path in sorted(directory.glob("*.hcl")):
        if only is not None and path.stem not in only:
            continue
        try:
            document = hcl2.loads(path.read_text(encoding="utf-8-sig"))
        except Exception:  # noqa: BLE001 - any unreadable file: its stacks get no driver
            continue
        blocks = document.get("cluster") if isinstance(document, dict) else None
        block = blocks[0] if isinstance(blocks, list) and len(blocks) == 1 else None
        driver = block.get("driver") if isinstance(block, dict) else None
        if isinstance(driver, str) and driver in DRIVERS:
            found[path.stem] = driver
    return found


def stack_driver(stack: str, drivers: dict[str, str]) -> str | None:
    """The driver of stack ``<env>-<part>``: that of the longest environment name it starts with."""
    matches = [env for env in drivers if stack.startswith(f"{env}-")]
    return drivers[max(matches, key=len)] if matches else None
