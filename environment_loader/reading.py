"""Reading an environment file: its bytes as UTF-8 text (CRLF read as LF), the HCL parse, and
its blocks as plain dicts with the lines each was written on.

The errors of this step are about the file as a whole or its syntax: too large, not UTF-8,
control characters, a stray carriage return, brackets that do not match, nesting too deep,
a key set twice, a block with the wrong number of labels.
"""

from __future__ import annotations

import re
import typing
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import hcl2
import hcl2.parser
import hcl2.transformer
from lark import Token, Tree
from lark.exceptions import UnexpectedInput, VisitError

from constructs_lib import _validate as check
from constructs_lib._files import NotRegularFile, read_regular_file

from .errors import EnvironmentConfigError
from .source_map import SourceMap

#: Blocks that carry a label: ``node_group "system" { ... }``.
_LABELED_BLOCKS = frozenset({"node_group", "addon", "helm_release", "subnet", "application", "target"})
_META = ("__start_line__", "__end_line__")
#: Deepest nesting of blocks, maps and lists an environment file may use.
MAX_DEPTH = 32
#: Deepest syntax tree python-hcl2 is given to transform (it recurses once per level).
_MAX_TREE_DEPTH = 300
#: Largest environment file read.
MAX_FILE_BYTES = 1024 * 1024
_CONTROL_IN_FILE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
_STRING_ESCAPE = re.compile(r'\\(?:([nrt"\\])|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))', re.ASCII)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def read_blocks(path: Path, display: str) -> tuple[dict[str, Any], SourceMap]:
    """The file's top-level keys and blocks (a labeled block as a dict keyed by its label), and
    where each was written. ``display`` is how errors name the file."""
    text = _read(path, display)
    source = SourceMap(display, text.splitlines(), {})
    raw = _parse(text, source)
    source.block_lines[()] = (1, len(source.lines))
    return _normalize(raw, (), source.block_lines, source), source


# --- the file's text --------------------------------------------------------------------------


def _read(path: Path, display: str) -> str:
    """The file's text: UTF-8 (a byte-order mark is dropped), no control characters."""
    try:
        # A directory, a device or a pipe: reading one could fail late or never end.
        data = read_regular_file(path, MAX_FILE_BYTES)
    except NotRegularFile:
        raise EnvironmentConfigError(f"{display}: cannot be read: not a regular file") from None
    except OSError as err:
        raise EnvironmentConfigError(f"{display}: cannot be read: {err.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise EnvironmentConfigError(f"{display}: larger than {MAX_FILE_BYTES // 1024} KiB: not an environment file")
    return _line_endings(_decode(data, display), display)


def _decode(data: bytes, display: str) -> str:
    """UTF-8 text (a byte-order mark is dropped) with no control characters."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise EnvironmentConfigError(
            f"{display}:{line}: not UTF-8 text (byte 0x{data[err.start]:02x}): environment files are UTF-8 HCL"
        ) from None
    bad = _CONTROL_IN_FILE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise EnvironmentConfigError(
            f"{display}:{line}: control character U+{ord(bad.group()):04X}: environment files are text"
        )
    return text


def _line_endings(text: str, display: str) -> str:
    """Windows line endings (CRLF) are line endings: read as LF, so every line keeps its number."""
    text = text.replace("\r\n", "\n")
    if "\r" in text:
        line = text.count("\n", 0, text.index("\r")) + 1
        raise EnvironmentConfigError(
            f"{display}:{line}: a carriage return (U+000D) not followed by a line feed: "
            "save the file with LF or CRLF line endings"
        )
    return text


# --- the HCL parse ----------------------------------------------------------------------------

# Strings, comments and heredocs (whose brackets do not nest), brackets, and newlines.
_SCAN = re.compile(
    r'"(?:[^"\\\n]|\\.)*"'
    r"|#[^\n]*|//[^\n]*|/\*.*?\*/"
    r"|<<-?([A-Za-z_][A-Za-z0-9_-]*)\n.*?\n[ \t]*\1[ \t]*(?=\n|$)"
    r"|[\[{(]|[\]})]|\n",
    re.DOTALL,
)


def _check_brackets(text: str, source: SourceMap) -> None:
    """A fast bound on nesting before the parser runs, whose time grows with it. Generous, so
    that the exact check on the syntax tree (with the key path) reports ordinary cases."""
    depth = 0
    line = 1
    for match in _SCAN.finditer(text):
        token = match.group()
        if token in "[{(":
            depth += 1
            if depth > 4 * MAX_DEPTH:
                raise source.error(
                    (), f"nested too deep: blocks, maps and lists may nest at most {MAX_DEPTH} levels", line
                )
        elif token in "]})":
            depth -= 1
        line += token.count("\n")


def _parse(text: str, source: SourceMap) -> dict[str, Any]:
    """python-hcl2's parse, checked before its recursive transformer runs; any failure of
    either is one error naming the file and, where known, the line."""
    display = source.file
    _check_brackets(text, source)
    try:
        tree = hcl2.parser.parser().parse(text + "\n")
    except UnexpectedInput as err:
        raise _syntax_error(text, source, err) from None
    except Exception as err:  # noqa: BLE001  python-hcl2 and lark raise bare exceptions too
        raise EnvironmentConfigError(f"{display}: not valid HCL: {_first_line(err)}") from None
    _check_tree(tree, source)
    try:
        return typing.cast(dict[str, Any], _Transformer(with_meta=True).transform(tree))
    except VisitError as err:
        line = getattr(getattr(err.obj, "meta", None), "line", None)
        where = f"{display}:{line}" if line else display
        raise EnvironmentConfigError(f"{where}: not valid HCL: {_first_line(err.orig_exc)}") from None
    except Exception as err:  # noqa: BLE001
        raise EnvironmentConfigError(f"{display}: not valid HCL: {_first_line(err)}") from None


def _syntax_error(text: str, source: SourceMap, err: UnexpectedInput) -> EnvironmentConfigError:
    """The parser's complaint in the file's terms: an unclosed or stray bracket names the line
    that opened it (the parser only sees the end of the file); anything else names the line and
    column, never past the file's last line, and the text found there."""
    problem = _bracket_problem(text)
    if problem is not None:
        line, message = problem
        return EnvironmentConfigError(f"{source.file}:{line}: not valid HCL: {message}")
    last = max(len(source.lines), 1)
    line = err.line if isinstance(err.line, int) and 1 <= err.line <= last else last
    column = err.column if isinstance(err.column, int) and err.column >= 1 else 1
    token = getattr(err, "token", None)
    found = ""
    shown = str(token).strip().split("\n")[0][:40] if token is not None else ""
    if shown:
        found = f": unexpected {check.hcl_value(shown)}"
        if any(not c.isascii() and unicodedata.category(c) == "Nd" for c in shown):
            found += " (numbers are written with the digits 0-9)"
    elif token is not None or err.line == -1:
        found = ": unexpected end of the file"
    return EnvironmentConfigError(f"{source.file}:{line}: not valid HCL near column {column}{found}")


_CLOSING = {"{": "}", "[": "]", "(": ")"}


def _bracket_problem(text: str) -> tuple[int, str] | None:
    """The first unbalanced bracket outside strings, comments and heredocs, as (line, message)."""
    opened: list[tuple[str, int, str]] = []
    line = 1
    for match in _SCAN.finditer(text):
        token = match.group()
        if token in _CLOSING:
            start = text.rfind("\n", 0, match.start()) + 1
            opened.append((token, line, text[start : match.start()].strip()[:80]))
        elif token in _CLOSING.values():
            if not opened:
                return line, f"'{token}' closes nothing (no block, map or list is open here)"
            bracket, at, _ = opened.pop()
            if _CLOSING[bracket] != token:
                return line, f"'{token}' does not close the '{bracket}' opened at line {at}"
        line += token.count("\n")
    if not opened:
        return None
    bracket, at, before = opened[-1]
    if bracket == "{" and before and not before.endswith(("=", ",", "(", "[", "{")):
        what = f"block {before}"
    else:
        name = before.rstrip("=").strip()
        what = {"{": "map", "[": "list", "(": "parenthesis"}[bracket] + (f" {name}" if name else "")
    return at, f"the {what} opened at line {at} is not closed: add '{_CLOSING[bracket]}' at its end"


def _first_line(err: BaseException) -> str:
    lines = str(err).strip().splitlines()
    return lines[0] if lines else type(err).__name__


def _decode_escapes(value: str) -> str:
    """HCL's string escapes in one pass (python-hcl2 7.3 replaces them one kind at a time, so
    ``\\\\n`` became a backslash and a newline, and leaves ``\\u`` escapes undecoded)."""

    def one(match: re.Match[str]) -> str:
        simple, short, long = match.groups()
        if simple:
            return _SIMPLE_ESCAPES[simple]
        code = int(short or long, 16)
        # A surrogate or an out-of-range code is no character: keep the text, the value checks refuse it.
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group(0)

    return _STRING_ESCAPE.sub(one, value)


class _Transformer(hcl2.transformer.DictTransformer):  # type: ignore[misc]
    """python-hcl2's transformer with its two string quirks fixed."""

    def process_escape_sequences(self, value: str) -> str:
        return _decode_escapes(value) if isinstance(value, str) else value

    def object_elem(self, args: list[Any]) -> dict[str, Any]:
        # python-hcl2 keeps the quotes of a key that looks like an interpolation, which would
        # turn an escaped "$${x}" key into '"$${x}"'; keys are always unquoted here.
        key = self.strip_quotes(str(args[0].children[0]))
        return {key: self.to_string_dollar(args[2])}


# --- the syntax tree, checked -----------------------------------------------------------------


def _tree_key(node: Tree) -> str:
    """The text of an identifier, label or map key in the syntax tree."""
    return "".join(str(token) for token in node.scan_values(lambda v: isinstance(v, Token)))


def _check_tree(tree: Tree, source: SourceMap) -> None:
    """Checks python-hcl2 cannot make with line numbers: nesting depth and keys set twice.

    Iterative, so that no depth of input can exhaust the interpreter's stack.
    """
    stack: list[tuple[Tree, tuple[str, ...], int, int]] = [(tree, (), 0, 0)]
    while stack:
        node, path, depth, tree_depth = stack.pop()
        line = getattr(node.meta, "line", None)
        if depth > MAX_DEPTH or tree_depth > _MAX_TREE_DEPTH:
            raise source.error(
                path, f"nested too deep: blocks, maps and lists may nest at most {MAX_DEPTH} levels", line
            )
        children = [c for c in node.children if isinstance(c, Tree)]
        if node.data == "body":
            _check_body_keys(children, path, source)
        elif node.data == "object":
            _check_map_keys(children, path, source)
        nesting = depth + (node.data in ("block", "object", "tuple"))
        for child in children:
            stack.append((child, _child_path(child, path, source), nesting, tree_depth + 1))


def _check_body_keys(children: list[Tree], path: tuple[str, ...], source: SourceMap) -> None:
    """In one block: no key set twice, and no name used as a key and as a block."""
    seen: dict[str, str] = {}
    for child in children:
        if child.data == "attribute":
            key = _tree_key(child.children[0])
            if key in seen:
                raise source.error(
                    path + (key,),
                    f"{key} is set twice in this block: set it once",
                    getattr(child.meta, "line", None),
                )
            seen[key] = "attribute"
        elif child.data == "block":
            key = _tree_key(child.children[0])
            if seen.get(key) == "attribute":
                raise source.error(
                    path + (key,),
                    f"{key} is set as a key and as a block: use one",
                    getattr(child.meta, "line", None),
                )
            seen.setdefault(key, "block")


def _check_map_keys(children: list[Tree], path: tuple[str, ...], source: SourceMap) -> None:
    """In one map: no key set twice."""
    keys: set[str] = set()
    for child in children:
        if child.data == "object_elem":
            key = _tree_key(child.children[0])
            if key in keys:
                raise source.error(
                    path + (key,),
                    f"{key} is set twice in this map: set it once",
                    getattr(child.meta, "line", None),
                )
            keys.add(key)


def _child_path(child: Tree, path: tuple[str, ...], source: SourceMap) -> tuple[str, ...]:
    """The key path of a child node; a key or label python-hcl2 reserves, or a block with the
    wrong number of labels, is refused."""
    if child.data in ("attribute", "object_elem"):
        key = _tree_key(child.children[0])
        if key.strip('"') in _META:
            # python-hcl2 marks blocks with these keys: one written in the file would pass for a block.
            raise source.error(path + (key,), "a reserved name: use another key", getattr(child.meta, "line", None))
        return path + (key,)
    if child.data == "block":
        labels = [_tree_key(c) for c in child.children[:-1] if isinstance(c, Tree)]
        child_path = path + tuple(labels)
        if any(label.strip('"') in _META for label in labels):
            raise source.error(child_path, "a reserved name: use another name", getattr(child.meta, "line", None))
        wanted = 1 if labels[0] in _LABELED_BLOCKS else 0
        if len(labels) - 1 != wanted and (wanted == 0 or len(labels) > 2):
            form = f'{labels[0]} "name" {{ ... }}' if wanted else f"{labels[0]} {{ ... }}"
            raise source.error(child_path, f"wrong number of labels: write {form}", getattr(child.meta, "line", None))
        return child_path
    return path


# --- blocks -----------------------------------------------------------------------------------


def _normalize(
    node: Mapping[str, Any],
    path: tuple[str, ...],
    block_lines: dict[tuple[str, ...], tuple[int, int]],
    source: SourceMap,
) -> dict[str, Any]:
    """hcl2's block lists -> plain dicts keyed by block name (and label), lines recorded."""
    result: dict[str, Any] = {}
    if "__start_line__" in node:
        block_lines[path] = (node["__start_line__"], node["__end_line__"])
    for key, value in node.items():
        if key in _META:
            continue
        if key in _LABELED_BLOCKS and isinstance(value, list) and all(isinstance(v, dict) for v in value):
            result[key] = _labeled_blocks(key, value, path, block_lines, source)
        elif isinstance(value, list) and value and all(isinstance(v, dict) and "__start_line__" in v for v in value):
            if len(value) > 1:
                raise source.error(path + (key,), f"block {key} may appear only once")
            result[key] = _normalize(value[0], path + (key,), block_lines, source)
        else:
            result[key] = value
    return result


def _labeled_blocks(
    key: str,
    value: list[dict[str, Any]],
    path: tuple[str, ...],
    block_lines: dict[tuple[str, ...], tuple[int, int]],
    source: SourceMap,
) -> dict[str, Any]:
    """The blocks ``key "<label>" { ... }`` as one dict keyed by label, each label once."""
    labeled: dict[str, Any] = {}
    for item in value:
        if len(item) != 1 or not isinstance(next(iter(item.values())), dict):
            raise source.error(path + (key,), f'needs a label, as in {key} "name" {{ ... }}')
        label, body = next(iter(item.items()))
        if label in labeled:
            raise source.error(path + (key, label), f'{key} "{label}" is defined twice')
        labeled[label] = _normalize(body, path + (key, label), block_lines, source)
    return labeled
