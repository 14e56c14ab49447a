"""Shared pieces of the policy checks: Terraform template scanning and file-level graph checks.

Checkov loads every ``.py`` file of the checks directory as a top-level module, with the
directory on ``sys.path``, inside its own virtualenv: this module may use only the standard
library and checkov, and the checks import it by its bare name.
"""

from __future__ import annotations

import ast
import json
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from checkov.common.checks_infra.registry import get_graph_checks_registry
from checkov.common.graph.checks_infra.base_check import BaseGraphCheck
from checkov.common.graph.checks_infra.enums import SolverType
from checkov.common.graph.checks_infra.solvers.base_solver import BaseSolver
from checkov.common.models.enums import CheckResult
from checkov.runner_filter import RunnerFilter

# References that start with one of these are not resource or data-source attributes
# ("data" alone: "data.x" names no attribute).
_NOT_RESOURCES = frozenset({"var", "local", "module", "path", "terraform", "each", "count", "self", "data"})
_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
_TRAVERSAL = rf"(?:\.{_NAME}|\[[0-9]+\]|\[\"[^\"\\]*\"\])*"
_RESOURCE_REFERENCE = re.compile(rf"(?:data\.)?({_NAME})\.{_NAME}{_TRAVERSAL}")
_VARIABLE_REFERENCE = re.compile(rf"var\.({_NAME}){_TRAVERSAL}")

# Secrets recognisable by their text wherever they are written.
PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")
# GitLab's token prefixes (personal, runner, deploy, trigger, ... tokens) and the legacy
# runner registration token prefix.
GITLAB_TOKEN = re.compile(
    r"\b(?:gl(?:pat|rt|dt|ptt|ft|imt|oas|cbt|soat|ffct|agent)-|GR1348941)[0-9A-Za-z_-]{16,}", re.ASCII
)


#: The library's argument rules, beside this directory (``constructs_lib/_validate.py``).
_LIBRARY_RULES = Path(__file__).resolve().parent.parent / "_validate.py"


def library_pattern(name: str) -> re.Pattern[str]:
    """The regular expression ``name`` of the library's rules (``constructs_lib._validate``),
    so that a check and the library hold one definition. The library is not installed where
    checkov runs: its source is read instead, and only module-level text assignments (plain
    strings, f-strings of earlier names, ``+``) are evaluated on the way to ``name``."""
    known: dict[str, str] = {}
    for node in ast.parse(_LIBRARY_RULES.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                known[node.targets[0].id] = _text(node.value, known)
            except (KeyError, ValueError):
                continue
            if node.targets[0].id == name:
                return re.compile(known[name], re.ASCII)
    raise RuntimeError(f"{_LIBRARY_RULES} defines no text {name}")


def _text(node: ast.AST, known: Mapping[str, str]) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return known[node.id]
    if isinstance(node, ast.FormattedValue) and node.conversion == -1 and node.format_spec is None:
        return _text(node.value, known)
    if isinstance(node, ast.JoinedStr):
        return "".join(_text(part, known) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _text(node.left, known) + _text(node.right, known)
    raise ValueError(ast.dump(node))


def first(value: Any) -> Any:
    """Checkov wraps every argument in a one-item list; this unwraps it (and leaves others)."""
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value


class Template(NamedTuple):
    """One template sequence of a Terraform string: ``kind`` is ``${`` (an interpolation) or
    ``%{`` (a directive); ``text[start:end]`` is the whole sequence."""

    kind: str
    expression: str
    start: int
    end: int


def templates(text: str) -> Iterator[Template]:
    """The template sequences in a Terraform string. ``$${`` and ``%%{`` are Terraform's escapes
    for a literal ``${`` / ``%{`` and are skipped. An unclosed sequence runs to the end."""
    i = 0
    while i < len(text) - 1:
        pair = text[i : i + 2]
        if pair in ("$$", "%%") and text[i + 2 : i + 3] == "{":
            i += 3
            continue
        if pair not in ("${", "%{"):
            i += 1
            continue
        depth, j, quoted = 1, i + 2, False
        while j < len(text) and depth:
            char = text[j]
            if quoted:
                if char == "\\":
                    j += 1
                elif char == '"':
                    quoted = False
            elif char == '"':
                quoted = True
            elif char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            j += 1
        yield Template(pair, text[i + 2 : j - 1 if depth == 0 else j].strip(), i, j)
        i = j


def is_attribute_reference(expression: str) -> bool:
    """``expression`` is exactly one reference to a resource or data-source attribute
    (``openstack_networking_subnet_v2.nodes.id``, ``data.terraform_remote_state.infra.outputs.x``),
    with no function call or operator."""
    match = _RESOURCE_REFERENCE.fullmatch(expression)
    return match is not None and match.group(1) not in _NOT_RESOURCES


def variable_of(expression: str) -> str | None:
    """The variable name if ``expression`` is exactly ``var.<name>`` (with attribute or index
    traversals), else None."""
    match = _VARIABLE_REFERENCE.fullmatch(expression)
    return match.group(1) if match else None


def only_reference(text: str) -> str | None:
    """The expression of ``text`` when the whole string is one interpolation ``${...}``."""
    found = list(templates(text))
    if len(found) != 1:
        return None
    (template,) = found
    closed = text[template.end - 1] == "}"
    if template.kind == "${" and closed and not text[: template.start].strip() and not text[template.end :].strip():
        return template.expression
    return None


def strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string inside ``value`` with its dotted path (checkov's wrapping lists are
    walked through); the ``//`` metadata of cdktf and checkov's line markers are skipped."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if key == "//" or (isinstance(key, str) and key.startswith("__") and key.endswith("__")):
                continue
            yield from strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for item in value:
            yield from strings(item, path)


class _FileSolver(BaseSolver):
    """Runs a :class:`FileGraphCheck` over the graph's vertices, judging each on its file."""

    def __init__(self, check: FileGraphCheck) -> None:
        super().__init__(SolverType.COMPLEX)
        self.check = check

    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        return None

    def _get_operation(self, *args: Any, **kwargs: Any) -> Any:
        return None

    def run(self, graph_connector: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        try:  # networkx
            vertices = [data for _, data in graph_connector.nodes(data=True)]
        except TypeError:  # rustworkx (checkov's default): each node is (index, attributes)
            vertices = [node[1] for node in graph_connector.nodes()]
        documents: dict[str, dict[str, Any] | None] = {}
        results: dict[CheckResult, list[dict[str, Any]]] = {
            CheckResult.PASSED: [],
            CheckResult.FAILED: [],
            CheckResult.UNKNOWN: [],
        }
        for vertex in vertices:
            block_type = vertex.get("block_type_")
            if block_type != self.check.block_type:
                continue
            resource_type = vertex.get("resource_type") if block_type == "resource" else None
            if resource_type is not None and resource_type not in self.check.resource_types:
                continue
            path = str(vertex.get("file_path_", ""))
            if path not in documents:
                documents[path] = _load(path)
            document = documents[path]
            name = str(vertex.get("block_name_", ""))
            if resource_type is not None:
                name = name.split(".", 1)[-1]
            block = _block(document, block_type, resource_type, name)
            if document is None or block is None:
                continue
            try:
                result = self.check.evaluate(document, name, block, resource_type)
            except Exception:  # checkov runs graph checks in threads and drops what they raise unseen
                logging.getLogger(__name__).exception("%s could not check %s in %s", self.check.id, name, path)
                result = CheckResult.UNKNOWN
            results[result].append(_reportable(vertex, block, block_type, resource_type, name))
        return results[CheckResult.PASSED], results[CheckResult.FAILED], results[CheckResult.UNKNOWN]


def _load(path: str) -> dict[str, Any] | None:
    if not path.endswith(".json"):
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def _block(
    document: dict[str, Any] | None, block_type: str, resource_type: str | None, name: str
) -> dict[str, Any] | None:
    if document is None:
        return None
    section = document.get(block_type)
    if resource_type is not None and isinstance(section, dict):
        section = section.get(resource_type)
    block = section.get(name) if isinstance(section, dict) else None
    return block if isinstance(block, dict) else None


def _reportable(
    vertex: dict[str, Any], block: dict[str, Any], block_type: str, resource_type: str | None, name: str
) -> dict[str, Any]:
    """The vertex as checkov's report needs it: output vertices carry neither line numbers nor
    an id, so they are taken from the parsed configuration."""
    entity = dict(vertex)
    if "__startline__" not in entity:
        config = entity.get("config_", {}).get(name, {})
        entity["__startline__"] = config.get("__startline__", 1) if isinstance(config, dict) else 1
        entity["__endline__"] = config.get("__endline__", entity["__startline__"]) if isinstance(config, dict) else 1
    if not entity.get("id_"):
        entity["id_"] = f"{resource_type or block_type}.{name}"
    return entity


class FileGraphCheck(BaseGraphCheck):
    """A check over blocks that needs the rest of their file: outputs (which checkov's Python
    and YAML checks cannot inspect), or resources judged by other blocks (the instance a
    port belongs to, the variable a value comes from).

    The blocks are read from the ``.tf.json`` file itself rather than from the graph, whose
    attributes checkov has already rendered (references replaced by the values they point to).
    """

    def __init__(
        self, *, check_id: str, name: str, guideline: str, block_type: str, resource_types: Sequence[str] = ()
    ) -> None:
        super().__init__()
        self.id = check_id
        self.name = name
        self.guideline = guideline
        self.category = "GENERAL_SECURITY"
        self.block_type = block_type
        self.resource_types = list(resource_types)
        self.set_solver(_FileSolver(self))
        registry = get_graph_checks_registry("terraform")
        if not any(existing.id == check_id for existing in registry.checks):
            registry.checks.append(self)
            RunnerFilter.notify_external_check(check_id)

    def evaluate(
        self, document: dict[str, Any], name: str, block: dict[str, Any], resource_type: str | None
    ) -> CheckResult:
        raise NotImplementedError
