"""Record every values key each pinned catalog chart defines, from the chart's own sources.

For each chart in ``constructs_lib/addons/chart_images.json`` (which names the repository, tag,
commit and path of every catalog chart and of kube-prometheus-stack's subcharts), this reads
``values.yaml`` and, where the chart has one, ``values.schema.json`` at that tag and writes,
per chart, every key path with its kind: ``map``, ``map empty`` (a map whose keys are the
user's: ``{}`` by default, or an object the schema leaves open), ``list`` or ``scalar``.
Keys the schema allows, and keys the templates read (``.Values.a.b``), that ``values.yaml``
leaves commented out are included (kind ``read by templates``). Subchart keys are recorded
under the subchart's name, as Helm passes them.

``tests/test_chart_values.py`` checks every key the catalog sets against this record.

Usage: ``python scripts/chart_values.py [--mirrors DIR]``: DIR holds the upstream git
directories as ``owner+name/repo`` (default ``/work/.mirror``); writes
``tests/fixtures/upstream/chart_values_keys.json``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "constructs_lib" / "addons" / "chart_images.json"
OUTPUT = ROOT / "tests" / "fixtures" / "upstream" / "chart_values_keys.json"


def _show(git_dir: Path, tag: str, path: str) -> str | None:
    proc = subprocess.run(["git", "--git-dir", str(git_dir), "show", f"{tag}:{path}"], capture_output=True, text=True)
    return proc.stdout if proc.returncode == 0 else None


def flatten(node: Any, prefix: str = "") -> dict[str, str]:
    """``{"a": {"b": 1, "c": {}}}`` -> ``{"a": "map", "a.b": "scalar", "a.c": "map empty"}``."""
    kinds: dict[str, str] = {}
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                kinds[path] = "map empty" if not value else "map"
                kinds.update(flatten(value, path))
            elif isinstance(value, list):
                kinds[path] = "list"
            else:
                kinds[path] = "scalar"
    return kinds


def schema_keys(schema: dict[str, Any]) -> dict[str, str]:
    """Every key path a values schema allows, with its kind (following local ``$ref``s)."""

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        seen = 0
        while "$ref" in node and seen < 50:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                return {}
            target: Any = schema
            for part in ref[2:].split("/"):
                target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
            node, seen = target, seen + 1
        return node

    def kind(node: dict[str, Any]) -> str:
        types = node.get("type")
        types = types if isinstance(types, list) else [types]
        if "array" in types:
            return "list"
        if "object" in types or "properties" in node or "additionalProperties" in node:
            # An object with no properties of its own is the user's map; one with properties is
            # structured even where the schema leaves it open, so a misspelt key is caught.
            open_map = not node.get("properties") and node.get("additionalProperties", True) is not False
            return "map empty" if open_map else "map"
        return "scalar"

    kinds: dict[str, str] = {}

    def walk(node: dict[str, Any], prefix: str, depth: int) -> None:
        node = resolve(node)
        if depth > 40:
            return
        for alternative in node.get("allOf", []) + node.get("anyOf", []) + node.get("oneOf", []):
            walk(alternative, prefix, depth + 1)
        for key, child in node.get("properties", {}).items():
            path = f"{prefix}.{key}" if prefix else key
            resolved = resolve(child)
            kinds[path] = kind(resolved)
            walk(resolved, path, depth + 1)

    walk(schema, "", 0)
    return kinds


#: Values maps a chart's templates pass whole (``toYaml``) as a custom resource's spec, per chart
#: path: values prefix -> the CRD file at the same tag. tigera-operator renders
#: ``.Values.installation`` (less ``enabled``) as the ``operator.tigera.io/v1`` Installation.
PASSED_WHOLE: dict[str, dict[str, str]] = {
    "charts/tigera-operator": {
        "installation": "charts/projectcalico.org.v3/templates/operator.tigera.io_installations.yaml",
    },
}


def record(source: dict[str, str], git_dir: Path) -> dict[str, Any]:
    values = _show(git_dir, source["tag"], f"{source['path']}/values.yaml")
    if values is None:
        raise SystemExit(f"{source['repository']}@{source['tag']}: no {source['path']}/values.yaml")
    keys = flatten(yaml.safe_load(values) or {})
    schema_text = _show(git_dir, source["tag"], f"{source['path']}/values.schema.json")
    closed = False
    if schema_text:
        schema = json.loads(schema_text)
        allowed = schema_keys(schema)
        closed = bool(allowed) and resolve_root_closed(schema)
        for path, kind in allowed.items():
            # The schema decides where it speaks: an open object there is the user's map.
            if path not in keys or kind == "map empty":
                keys[path] = kind
    for prefix, crd_path in PASSED_WHOLE.get(source["path"], {}).items():
        # The chart hands this values map, whole, to a custom resource's spec: its keys are
        # the fields of that resource's schema at the same tag.
        crd_text = _show(git_dir, source["tag"], crd_path)
        if crd_text is None:
            raise SystemExit(f"{source['repository']}@{source['tag']}: no {crd_path}")
        crd = yaml.safe_load(crd_text)
        spec = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
        for path, kind in schema_keys(spec).items():
            keys.setdefault(f"{prefix}.{path}", kind)
    read, ranged = template_keys(git_dir, source["tag"], source["path"])
    for path in read:
        keys.setdefault(path, "read by templates")
    for path in ranged:
        # The templates range over its entries: a map whose keys are the user's.
        keys[path] = "map empty"
    return {"keys": keys, "schema_refuses_unknown_keys": closed}


_VALUES_REFERENCE = re.compile(r"\.Values\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)")
_RANGE_OVER_MAP = re.compile(
    r"range\s+\$\w+\s*,\s*\$\w+\s*:=\s*\.Values\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)",
    re.ASCII,
)


def template_keys(git_dir: Path, tag: str, chart_path: str) -> tuple[set[str], set[str]]:
    """Every ``.Values.<path>`` the chart's own templates read, and those they range over as
    key/value maps."""
    listing = subprocess.run(
        ["git", "--git-dir", str(git_dir), "ls-tree", "-r", "--name-only", tag, f"{chart_path}/templates/"],
        capture_output=True,
        text=True,
        check=True,
    )
    found: set[str] = set()
    ranged: set[str] = set()
    for name in listing.stdout.split():
        text = _show(git_dir, tag, name) or ""
        found.update(_VALUES_REFERENCE.findall(text))
        ranged.update(_RANGE_OVER_MAP.findall(text))
    return found, ranged


def resolve_root_closed(schema: dict[str, Any]) -> bool:
    node = schema
    if "$ref" in node and node["$ref"].startswith("#/"):
        for part in node["$ref"][2:].split("/"):
            node = node.get(part, {})
    return node.get("additionalProperties") is False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    args = parser.parse_args(argv)
    charts = json.loads(IMAGES.read_text())["charts"]
    out: dict[str, Any] = {}
    for name, chart in charts.items():
        source = chart["source"]
        git_dir = args.mirrors / source["repository"].replace("/", "+", 1) / "repo"
        entry = {"version": chart["version"], "source": source, **record(source, git_dir)}
        for sub in chart.get("subcharts", []):
            sub_source = sub["source"]
            sub_git = args.mirrors / sub_source["repository"].replace("/", "+", 1) / "repo"
            sub_record = record(sub_source, sub_git)
            entry["keys"].update({f"{sub['name']}.{k}": v for k, v in sub_record["keys"].items()})
            entry.setdefault("subcharts", {})[sub["name"]] = {"version": sub["version"], "source": sub_source}
        out[name] = entry
    OUTPUT.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {sum(len(c['keys']) for c in out.values())} keys", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
