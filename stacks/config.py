"""Environment files: ``environments/<name>.hcl`` -> one typed, immutable EnvironmentConfig.

The file is parsed with python-hcl2, then checked for shape here (unknown keys, types,
missing keys, choices). Rules about values (CIDRs, counts, versions) live in the constructs,
which raise :class:`~constructs_lib.errors.ConstructArgumentError`; :class:`SourceMap` turns
those back into the file, key and line the operator wrote.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import hcl2
from lark.exceptions import UnexpectedInput
from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from constructs_lib.errors import ConstructArgumentError, PlatformError

Str = Annotated[str, Strict()]
Int = Annotated[int, Strict()]
Bool = Annotated[bool, Strict()]
StrList = tuple[Str, ...]


class EnvironmentConfigError(PlatformError):
    """An environment file is wrong. The message names the file, the key path and the line."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OpenStackConfig(_Model):
    region: Str
    #: Keystone URL, given to the cloud-controller-manager. Credentials never go in the file.
    auth_url: Str
    #: Name of the external network; omit it for a closed contour (no router, no floating IPs).
    external_network: Str | None = None


#: Allowed range of ``backend.noncurrent_version_days``: a week to undo a bad apply, ten years at most.
NONCURRENT_VERSION_DAYS_RANGE = (7, 3650)


class BackendConfig(_Model):
    kind: Literal["s3", "local"] = "s3"
    bucket: Str | None = None
    endpoint: Str | None = None
    region: Str = "us-east-1"
    local_dir: Str = "terraform-state"
    #: Days the state bucket keeps a replaced state version (``platformctl bootstrap-state``
    #: sets the bucket's lifecycle rule from it). Not part of the synthesized backend block.
    noncurrent_version_days: Int = 90

    @field_validator("noncurrent_version_days")
    @classmethod
    def _days_in_range(cls, days: int) -> int:
        low, high = NONCURRENT_VERSION_DAYS_RANGE
        if not low <= days <= high:
            raise PydanticCustomError(
                "noncurrent_version_days",
                f"a whole number of days from {low} to {high} (how long replaced state versions are kept)",
            )
        return days


class AccessConfig(_Model):
    ssh_public_key: Str


class AllocationPool(_Model):
    start: Str
    end: Str


class SubnetConfig(_Model):
    cidr: Str
    dns_servers: StrList = ()
    allocation_pool: AllocationPool | None = None


class NetworkConfig(_Model):
    subnet: dict[str, SubnetConfig] = Field(min_length=1)
    egress_cidrs: StrList = ("0.0.0.0/0",)


class BastionConfig(_Model):
    enabled: Bool = True
    flavor: Str
    image: Str
    ssh_allowed_cidrs: StrList
    ssh_user: Str = "ubuntu"


class RunnersConfig(_Model):
    count: Int
    flavor: Str = ""
    image: Str = ""
    gitlab_url: Str = ""
    group_id: Int | None = None
    project_id: Int | None = None
    tags: StrList = ("werf",)
    concurrency: Int = 2
    executor: Str = "docker"
    docker_image: Str = "alpine:3"
    affinity: Str = "anti-affinity"


class ClusterConfig(_Model):
    kubernetes_version: Str
    image: Str
    master_flavor: Str
    worker_flavor: Str
    master_count: Int = 1
    worker_count: Int = 1
    network_driver: Str = "calico"
    labels: dict[str, Any] = {}
    master_lb_enabled: Bool | None = None
    floating_ip_enabled: Bool = False
    api_allowed_cidrs: StrList | None = None
    docker_volume_size: Int | None = None


class NodeGroupConfig(_Model):
    role: Str
    flavor: Str
    count: Int
    min_count: Int | None = None
    max_count: Int | None = None
    image: Str | None = None
    volume_size: Int | None = None
    labels: dict[str, Any] = {}


class PlatformConfig(_Model):
    ha: Bool = False
    image_registry: Str | None = None
    #: Label and taint nodes of the dedicated roles (system, frontend).
    taint_dedicated_roles: Bool = True


class AddonConfig(_Model):
    enabled: Bool | None = None
    version: Str | None = None
    repository: Str | None = None
    values: dict[str, Any] = {}
    #: value path -> name of a sensitive Terraform variable holding the value.
    sensitive_values: dict[str, Str] = {}


class HelmReleaseConfig(_Model):
    repository: Str
    chart: Str
    version: Str
    namespace: Str
    values: dict[str, Any] = {}
    sensitive_values: dict[str, Str] = {}
    depends_on: StrList = ()


class EnvironmentConfig(_Model):
    """Everything one environment file says. Immutable."""

    name: Str
    description: Str = ""
    openstack: OpenStackConfig
    backend: BackendConfig
    access: AccessConfig
    network: NetworkConfig
    bastion: BastionConfig | None = None
    runners: RunnersConfig | None = None
    cluster: ClusterConfig
    node_group: dict[str, NodeGroupConfig] = {}
    platform: PlatformConfig = PlatformConfig()
    addon: dict[str, AddonConfig] = {}
    helm_release: dict[str, HelmReleaseConfig] = {}

    @property
    def has_bastion(self) -> bool:
        return self.bastion is not None and self.bastion.enabled


#: Blocks that carry a label: ``node_group "system" { ... }``.
_LABELED_BLOCKS = frozenset({"node_group", "addon", "helm_release", "subnet"})
_META = ("__start_line__", "__end_line__")


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
                if depth < len(path):
                    key = re.escape(path[depth])
                    pattern = re.compile(rf'^\s*"?{key}"?\s*[={{]')
                    for number in range(start, end + 1):
                        if pattern.match(self.lines[number - 1]):
                            return number
                return start
        return None

    def error(self, path: tuple[str, ...], message: str) -> EnvironmentConfigError:
        line = self.line_of(path)
        where = f"{self.file}:{line}" if line else self.file
        return EnvironmentConfigError(f"{where}: {'.'.join(path) or '(top level)'}: {message}")

    @contextmanager
    def origin(self, *prefix: str, renames: Mapping[str, str] | None = None) -> Iterator[None]:
        """Report a construct's argument errors as errors of the config key under ``prefix``.

        ``renames`` maps a construct argument name to the file's key name when they differ.
        Argument paths such as ``subnets['nodes'].cidr`` become ``nodes.cidr``.
        """
        try:
            yield
        except ConstructArgumentError as err:
            found = re.findall(r"\['([^']*)'\]|([A-Za-z_][A-Za-z0-9_/-]*)", err.argument)
            path = [(renames or {}).get(label or name, label or name) for label, name in found]
            path = [p for p in path if p]
            allowed = err.allowed
            for argument, key in (renames or {}).items():
                if key:
                    allowed = re.sub(rf"\b{argument}\b", key, allowed)
            problem = f"is missing: {allowed}" if err.value is None else f"{err.value!r} is not allowed: {allowed}"
            raise self.error(tuple(prefix) + tuple(path), f"{problem} (construct {err.construct_path})") from None


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
            labeled: dict[str, Any] = {}
            for item in value:
                if len(item) != 1 or not isinstance(next(iter(item.values())), dict):
                    raise source.error(path + (key,), f'needs a label, as in {key} "name" {{ ... }}')
                label, body = next(iter(item.items()))
                if label in labeled:
                    raise source.error(path + (key, label), f'{key} "{label}" is defined twice')
                labeled[label] = _normalize(body, path + (key, label), block_lines, source)
            result[key] = labeled
        elif isinstance(value, list) and value and all(isinstance(v, dict) and "__start_line__" in v for v in value):
            if len(value) > 1:
                raise source.error(path + (key,), f"block {key} may appear only once")
            result[key] = _normalize(value[0], path + (key,), block_lines, source)
        else:
            _reject_expressions(value, path + (key,), source)
            result[key] = value
    return result


def _reject_expressions(value: Any, path: tuple[str, ...], source: SourceMap) -> None:
    """Environment files hold plain values: an interpolation would be pasted into Terraform."""
    if isinstance(value, str) and "${" in value:
        raise source.error(path, f"{value!r}: Terraform expressions are not allowed in environment files")
    if isinstance(value, dict):
        for k, v in value.items():
            _reject_expressions(v, path + (str(k),), source)
    elif isinstance(value, list):
        for v in value:
            _reject_expressions(v, path, source)


_TYPE_WORDS = {
    "int_type": "an integer",
    "bool_type": "true or false",
    "string_type": "a string",
    "dict_type": "a map or block",
    "model_type": "a block",
    "tuple_type": "a list",
    "list_type": "a list",
}


def _without_none(annotation: Any) -> Any:
    """``X | None`` -> ``X``; anything else unchanged."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        return args[0]
    return annotation


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys the block holding ``loc``'s last key accepts."""
    model: Any = EnvironmentConfig
    for part in loc[:-1]:
        model = _without_none(model)
        if isinstance(model, type) and issubclass(model, BaseModel):
            model = model.model_fields[part].annotation
        elif typing.get_origin(model) is dict:
            model = typing.get_args(model)[1]
        else:
            return []
    model = _without_none(model)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [k for k in model.model_fields if not (model is EnvironmentConfig and k == "name")]
    return []


def _explain(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    given = error.get("input")
    if kind == "extra_forbidden":
        return "unknown key; allowed keys: " + ", ".join(_allowed_keys(tuple(error["loc"])))
    if kind == "missing":
        return "required key is missing"
    if kind in _TYPE_WORDS:
        return f"{given!r} is not allowed: expected {_TYPE_WORDS[kind]}"
    if kind == "literal_error":
        return f"{given!r} is not allowed: expected {error['ctx']['expected']}"
    if kind == "too_short":
        return "needs at least one entry"
    return f"{given!r} is not allowed: {error['msg']}"


def load_environment(path: Path) -> tuple[EnvironmentConfig, SourceMap]:
    """Parse and check one environment file."""
    display = str(path)
    name = path.stem
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise EnvironmentConfigError(f"{display}: cannot be read: {err.strerror}") from None
    source = SourceMap(display, text.splitlines(), {})
    if not re.match(r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$", name):
        raise EnvironmentConfigError(
            f"{display}: the file name {name!r} is the environment name and must be lowercase letters, digits and '-'"
        )
    try:
        raw = hcl2.loads(text + "\n", with_meta=True)
    except UnexpectedInput as err:
        raise EnvironmentConfigError(f"{display}:{err.line}: not valid HCL near column {err.column}") from None
    except Exception as err:  # python-hcl2 raises bare exceptions for some syntax errors
        raise EnvironmentConfigError(f"{display}: not valid HCL: {str(err).splitlines()[0]}") from None
    source.block_lines[()] = (1, len(source.lines))
    data = _normalize(raw, (), source.block_lines, source)
    if "name" in data:
        raise source.error(("name",), "unknown key: the environment name is the file name")
    try:
        config = EnvironmentConfig.model_validate({"name": name, **data})
    except ValidationError as err:
        errors = err.errors()
        # A typo shows up as an unknown key and, often, as a missing one: report the typo.
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        raise source.error(tuple(str(p) for p in first["loc"]), _explain(first)) from None
    return config, source


def load_environments(directory: Path, names: list[str] | None = None) -> list[tuple[EnvironmentConfig, SourceMap]]:
    """Every ``*.hcl`` in ``directory`` (sorted), or only ``names``."""
    files = sorted(directory.glob("*.hcl"))
    if names:
        known = {f.stem: f for f in files}
        missing = [n for n in names if n not in known]
        if missing:
            raise EnvironmentConfigError(
                f"{directory}: no environment {', '.join(missing)}; known: {', '.join(known) or 'none'}"
            )
        files = [known[n] for n in names]
    if not files:
        raise EnvironmentConfigError(f"{directory}: no environment files (*.hcl)")
    return [load_environment(f) for f in files]
