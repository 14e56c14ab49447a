"""Loading environment files: the file name is the environment's name; the file is read, its
values checked as written, validated against the schema, and its releases, delivery and
cluster version checked by the library's value types, before any construct is built."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import ValidationError

from .delivery import check_delivery
from .errors import EnvironmentConfigError
from .literals import reject_expressions
from .reading import read_blocks
from .schema import EnvironmentConfig
from .schema_errors import validation_error
from .source_map import SourceMap

_ENVIRONMENT_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?", re.ASCII)


def load_environment(path: Path) -> tuple[EnvironmentConfig, SourceMap]:
    """Parse and check one environment file."""
    display = str(path)
    name = path.stem
    if not _ENVIRONMENT_NAME.fullmatch(name):
        raise EnvironmentConfigError(
            f"{display}: the file name {name!r} is the environment name and must be lowercase letters, digits and '-'"
        )
    data, source = read_blocks(path, display)
    reject_expressions(data, (), source)
    if "name" in data:
        raise source.error(("name",), "unknown key: the environment name is the file name")
    try:
        config = EnvironmentConfig.model_validate({"name": name, **data})
    except ValidationError as err:
        raise validation_error(err, source) from None
    _check_releases(config, source)
    check_delivery(config, source)
    _check_cluster_version(config, source)
    return config, source


def _check_releases(config: EnvironmentConfig, source: SourceMap) -> None:
    """Releases are checked now, by their own value types: platformctl reads them (mirror)
    without building any construct."""
    for addon, addon_block in config.addon.items():
        with source.origin("addon", addon):
            addon_block.settings()
    for release, release_block in config.helm_release.items():
        with source.origin("helm_release", release):
            release_block.chart(release)


def _check_cluster_version(config: EnvironmentConfig, source: SourceMap) -> None:
    """A driver that knows the newest Kubernetes it accepts (a self-managed control plane:
    Kamaji's webhook refuses a newer minor) has the version checked as the file is loaded."""
    if config.cluster.driver_facts.max_kubernetes is None:
        return
    from constructs_lib.kamaji import check_tenant_version

    with source.origin("cluster"):
        check_tenant_version("cluster", config.cluster.arguments.get("kubernetes_version"))


def _shown(name: str) -> str:
    """A name as typed, quoted when it could not be an environment name (spaces, newlines)."""
    return name if _ENVIRONMENT_NAME.fullmatch(name) else repr(name)


def environment_files(directory: Path) -> list[Path]:
    """The environment files of ``directory``, sorted: ``*.hcl``, but not hidden files (an
    editor's lock or backup file, ``.#ha.hcl``, is no environment)."""
    return sorted(p for p in directory.glob("*.hcl") if not p.name.startswith("."))


def load_environments(directory: Path, names: list[str] | None = None) -> list[tuple[EnvironmentConfig, SourceMap]]:
    """Every ``*.hcl`` in ``directory`` (sorted), or only ``names``, each at most once."""
    files = environment_files(directory)
    if names:
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise EnvironmentConfigError(
                f"{directory}: environment {', '.join(twice)} is named more than once; name each environment once"
            )
        known = {f.stem: f for f in files}
        missing = [n for n in names if n not in known]
        if missing:
            raise EnvironmentConfigError(
                f"{directory}: no environment {', '.join(map(_shown, missing))}; known: {', '.join(known) or 'none'}"
            )
        files = [known[n] for n in names]
    if not files:
        raise EnvironmentConfigError(f"{directory}: no environment files (*.hcl)")
    return [load_environment(f) for f in files]
