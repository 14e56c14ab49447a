"""Where each key of an environment file was written: errors name the file, key path and line."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from constructs_lib import _validate as check
from constructs_lib.errors import ConstructArgumentError

from .errors import EnvironmentConfigError


@dataclass
class SourceMap:
    """Where each key of an environment file was written, to point errors at a line."""

    file: str
    lines: list[str]
    block_lines: dict[tuple[str, ...], tuple[int, int]]

    def line_of(self, path: tuple[str, ...]) -> int | None:
        for depth in range(len(path), -1, -1):
            head = path[:depth]
            if head in self.block_lines:
                start, end = self.block_lines[head]
                # Keys below the block are looked for in order, each after the one above it,
                # so that a key repeated in sibling maps is found under the right parent.
                line = start
                for key in path[depth:]:
                    pattern = re.compile(rf'[ \t]*"?{re.escape(key)}"?[ \t]*[={{]')
                    found = next(
                        (n for n in range(line, end + 1) if pattern.match(self.lines[n - 1])),
                        None,
                    )
                    if found is None:
                        break
                    line = found
                return line
        return None

    def error(
        self, path: tuple[str, ...], message: str, line: int | None = None, *, locate: bool = True
    ) -> EnvironmentConfigError:
        """One error: ``<file>:<line>: <key path>: <message>``. ``line`` defaults to the line
        that sets ``path``; with ``locate=False`` and no ``line`` the error names the file only."""
        line = line or (self.line_of(path) if locate else None)
        where = f"{self.file}:{line}" if line else self.file
        # A key may hold a newline or another control character: shown escaped, the error stays one line.
        shown = ".".join(
            p.encode("unicode_escape").decode("ascii") if check.forbidden_character(p) else p for p in path
        )
        return EnvironmentConfigError(f"{where}: {shown or '(top level)'}: {message}")

    @contextmanager
    def origin(self, *prefix: str, renames: Mapping[str, str] | None = None) -> Iterator[None]:
        """Report a construct's argument errors as errors of the config key under ``prefix``.

        ``renames`` maps a construct argument name to the file's key name where the file's
        structure differs (``subnets`` are ``subnet`` blocks); the message is the construct's
        own. Argument paths such as ``subnets['nodes'].cidr`` become ``subnet.nodes.cidr``.
        """
        try:
            yield
        except ConstructArgumentError as err:
            path = _key_path(err.argument, renames or {})
            raise self.error(tuple(prefix) + path, f"{_problem(err)} (construct {err.construct_path})") from None


def _key_path(argument: str, renames: Mapping[str, str]) -> tuple[str, ...]:
    """A construct's argument path (``subnets['nodes'].cidr``) as the file's key path."""
    found = re.findall(r"\['([^']*)'\]|([A-Za-z_][A-Za-z0-9_/-]*)", argument)
    path: list[str] = []
    for label, name in found:
        if label:
            path.append(label)
        else:
            # A rename may point into another block: "cluster.kubernetes_version".
            path.extend(key for key in renames.get(name, name).split(".") if key)
    return tuple(path)


def _problem(err: ConstructArgumentError) -> str:
    """What is wrong with the argument, in the file's words."""
    allowed = err.allowed
    shown = check.hcl_value(err.value)
    if isinstance(err, check.UnknownArgumentError):
        return f"unknown key; allowed: {', '.join(err.known)}{check.did_you_mean(err.argument, err.known)}"
    if err.value is None:
        return f"is missing: {allowed}"
    return f"{shown} is not allowed: {allowed}"
