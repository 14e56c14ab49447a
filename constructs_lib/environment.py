"""Environment files: ``environments/<name>.hcl`` -> one typed, immutable EnvironmentConfig.

The file is parsed with python-hcl2, then checked for shape here (unknown keys, types,
missing keys, choices). Blocks that configure one construct (``cluster``, ``node_group``,
``bastion``, ``runners``) have no schema of their own: their keys are that construct's
keyword arguments, and its signature and checks are the rules, written once. Errors of
constructs (:class:`~constructs_lib.errors.ConstructArgumentError`) are turned back into the
file, key and line the operator wrote by :class:`SourceMap`.

It lives in the library, not the app, because ``platformctl`` reads environment files too;
it needs the ``platformctl`` extra (python-hcl2, pydantic).
"""

from __future__ import annotations

import math
import re
import types
import typing
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import hcl2
import hcl2.parser
import hcl2.transformer
from lark import Token, Tree
from lark.exceptions import UnexpectedInput, VisitError
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from constructs_lib import _validate as check
from constructs_lib.access import CiDeployTarget, GitOpsApplication, GroupRoleBinding, issuer_url
from constructs_lib.addons.settings import AddonSettings, ExtraChart
from constructs_lib.authentication import JwtIssuer, authentication_configuration, gitlab_ci_issuer, people_issuer
from constructs_lib.backend import StateBackend
from constructs_lib.cluster_drivers import DRIVER_NAMES, DRIVERS, ClusterDriver
from constructs_lib.errors import ConstructArgumentError, PlatformError

Str = Annotated[str, Strict()]
Int = Annotated[int, Strict()]
Bool = Annotated[bool, Strict()]
StrList = tuple[Str, ...]


def _rule(rule: Callable[[str, str, Any], object]) -> AfterValidator:
    """A value rule of ``constructs_lib._validate`` applied when the file is loaded, for values no
    construct sees before something acts on them (the state bucket of ``platformctl
    bootstrap-state``, the provider's region) or that must hold before the stacks are built."""

    def run(value: Any) -> Any:
        if value is not None:
            try:
                rule("", "", value)
            except ConstructArgumentError as err:
                raise PydanticCustomError("value", "{allowed}", {"allowed": err.allowed}) from None
        return value

    return AfterValidator(run)


def _within(limits: tuple[int, int]) -> AfterValidator:
    return _rule(lambda path, argument, value: check.count(path, argument, value, limits))


Text = Annotated[Str, _rule(check.text)]


def _registry(value: Any) -> Any:
    """The one registry rule; the value kept is the normalized one (no trailing '/')."""
    try:
        return check.Registry.parse("", "", value).reference
    except ConstructArgumentError as err:
        raise PydanticCustomError("value", "{allowed}", {"allowed": err.allowed}) from None


#: A registry reference (``platform.registry``, ``platform.image_registry``): see
#: :meth:`constructs_lib._validate.Registry.parse`.
Registry = Annotated[Str, AfterValidator(_registry)]


class EnvironmentConfigError(PlatformError):
    """An environment file is wrong. The message names the file, the key path and the line."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OpenStackConfig(_Model):
    region: Annotated[Str, _rule(check.region)]
    #: Keystone URL, given to the cloud-controller-manager. Credentials never go in the file.
    auth_url: Annotated[Str, _rule(check.url)]
    #: Name of the external network; omit it for a closed contour (no router, no floating IPs).
    external_network: Text | None = None
    #: Nova availability zone of every VM (bastion, runners), e.g. ``ru-7a``. Default: the cloud's choice.
    availability_zone: Annotated[Str, _rule(check.availability_zone)] | None = None


#: Allowed range of ``backend.noncurrent_version_days``: a week to undo a bad apply, ten years at most.
NONCURRENT_VERSION_DAYS_RANGE = check.NONCURRENT_VERSION_DAYS


class BackendConfig(_Model):
    """The ``backend`` block: a :class:`~constructs_lib.backend.StateBackend` (its defaults and
    rules), and how long the state bucket keeps replaced versions."""

    kind: Str | None = None
    #: Checked here, not only by the backend: ``platformctl bootstrap-state`` sends it to the store.
    bucket: Annotated[Str, _rule(check.bucket_name)] | None = None
    endpoint: Annotated[Str, _rule(check.url)] | None = None
    region: Annotated[Str, _rule(check.region)] | None = None
    local_dir: Str | None = None
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
    """A ``subnet "<name>"`` block: a :class:`~constructs_lib.network.SubnetSpec` (its defaults)."""

    cidr: Str
    dns_servers: StrList | None = None
    allocation_pool: AllocationPool | None = None


class NetworkConfig(_Model):
    """The ``network`` block: the subnets and egress of :class:`~constructs_lib.network.Network`
    (its defaults)."""

    subnet: dict[str, SubnetConfig] = Field(min_length=1)
    egress_cidrs: StrList | None = None


class ConstructBlock(_Model):
    """A block whose keys are the keyword arguments of one construct (checked there, with its
    defaults): nothing about them is restated here."""

    model_config = ConfigDict(extra="allow", frozen=True)

    @property
    def arguments(self) -> dict[str, Any]:
        """The construct arguments the block sets."""
        return dict(self.model_extra or {})


class BastionConfig(ConstructBlock):
    """The ``bastion`` block: :class:`~constructs_lib.bastion.Bastion`'s arguments, and
    ``enabled`` (``false`` keeps the block but builds no bastion)."""

    enabled: Bool = True


class RunnersConfig(ConstructBlock):
    """The ``runners`` block: :class:`~constructs_lib.runners.RunnerFleet`'s arguments. With
    ``count = 0`` no runner is built."""

    #: Checked here too: with 0 the stack builds no fleet at all, so nothing else would.
    count: Annotated[Int, _within(check.RUNNER_COUNT)]


class ClusterConfig(ConstructBlock):
    """The ``cluster`` block. ``driver`` picks the construct that builds the cluster
    (:class:`~constructs_lib.selectel_mks.SelectelMksCluster`,
    :class:`~constructs_lib.magnum.MagnumCluster` or
    :class:`~constructs_lib.kamaji_cluster.KamajiCluster`); every other key is an argument of
    that construct, checked there: its signature and its checks are this block's schema, so no
    default or rule is written twice."""

    # The names come from the driver table (an unknown one is refused with the list).
    driver: Literal[DRIVER_NAMES]  # type: ignore[valid-type]

    @property
    def driver_facts(self) -> ClusterDriver:
        """The :class:`~constructs_lib.cluster_drivers.ClusterDriver` the block names."""
        return DRIVERS[self.driver]


class NodeGroupConfig(ConstructBlock):
    """A ``node_group "<name>"`` block: the arguments of the cluster driver's node group
    construct (checked there)."""

    @property
    def autoscaled(self) -> bool:
        low, high = self.arguments.get("min_count"), self.arguments.get("max_count")
        return high is not None and high != (low if low is not None else self.arguments.get("count"))


class PlatformConfig(_Model):
    ha: Bool = False
    #: A closed contour's internal registry: every chart, image and runner job image comes
    #: from there (see README, "Closed contours").
    registry: Registry | None = None
    #: The registry needs a login to pull charts: TF_VAR_registry_username / _password.
    registry_auth: Bool = False
    #: A mirror for images only; charts stay public.
    image_registry: Registry | None = None
    #: Label and taint nodes of the dedicated roles (system, frontend).
    taint_dedicated_roles: Bool = True


Version = Annotated[Str, _rule(check.chart_version)]
Repository = Annotated[Str, _rule(check.repository)]
#: value path (literal text) -> name of a sensitive Terraform variable holding the value.
SensitiveValues = dict[Text, Annotated[Str, _rule(check.variable_name)]]


class AddonConfig(ConstructBlock):
    """An ``addon "<catalog name>"`` block: the arguments of
    :class:`~constructs_lib.addons.AddonSettings` (checked there when the file is loaded), but
    ``sensitive_values`` maps a value path to the NAME of a sensitive Terraform variable
    (``TF_VAR_<name>`` at deploy time)."""

    sensitive_values: SensitiveValues = {}

    def settings(self, sensitive: Mapping[str, str] | None = None) -> AddonSettings:
        """The :class:`~constructs_lib.addons.AddonSettings`, with ``sensitive`` (value path ->
        Terraform reference) for the variable names."""
        check.keyword_arguments("addon", AddonSettings, self.arguments, supplied=("sensitive_values",))
        return AddonSettings(**self.arguments, sensitive_values=dict(sensitive or {}))


class HelmReleaseConfig(ConstructBlock):
    """A ``helm_release "<name>"`` block: the arguments of
    :class:`~constructs_lib.addons.ExtraChart` (checked there when the file is loaded; the
    label is its name), ``sensitive_values`` as in ``addon`` blocks."""

    sensitive_values: SensitiveValues = {}

    def chart(self, name: str, sensitive: Mapping[str, str] | None = None) -> ExtraChart:
        """The :class:`~constructs_lib.addons.ExtraChart` called ``name``."""
        check.keyword_arguments("helm_release", ExtraChart, self.arguments, supplied=("name", "sensitive_values"))
        return ExtraChart(name=name, **self.arguments, sensitive_values=dict(sensitive or {}))


HttpsUrl = Annotated[Str, _rule(issuer_url)]


class GitOpsApplicationConfig(ConstructBlock):
    """An ``application "<name>"`` block of ``gitops``: the arguments of
    :class:`~constructs_lib.access.GitOpsApplication` (the label is its name)."""

    def application(self, name: str) -> GitOpsApplication:
        check.keyword_arguments("gitops.application", GitOpsApplication, self.arguments, supplied=("name",))
        return GitOpsApplication(name=name, **self.arguments)


class GitOpsConfig(_Model):
    """The ``gitops`` block: Argo CD (the ``argo-cd`` addon) and the applications it pulls from
    the registry. The registry's read-only login comes from TF_VAR_gitops_registry_username and
    TF_VAR_gitops_registry_password."""

    #: Where the bundles are (host and path, no scheme): every application's chart is under it.
    registry: Registry
    application: dict[str, GitOpsApplicationConfig] = Field(min_length=1)

    def applications(self) -> list[GitOpsApplication]:
        return [block.application(name) for name, block in self.application.items()]


class CiDeployTargetConfig(ConstructBlock):
    """A ``target "<name>"`` block of ``ci_deploy``: the arguments of
    :class:`~constructs_lib.access.CiDeployTarget` (the label is its name)."""

    def target(self, name: str) -> CiDeployTarget:
        check.keyword_arguments("ci_deploy.target", CiDeployTarget, self.arguments, supplied=("name",))
        return CiDeployTarget(name=name, **self.arguments)


class CiDeployConfig(_Model):
    """The ``ci_deploy`` block: the namespaces GitLab CI deploys into with werf, and who may."""

    #: The GitLab instance: the issuer of its CI jobs' ID tokens (https only).
    gitlab_url: HttpsUrl
    #: The ``aud`` of the jobs' ID tokens. On Selectel MKS it is the cluster's OIDC client_id.
    audience: Text
    #: What the API server puts before a job's ``sub`` claim. Default: ``<gitlab_url>#``, the
    #: API server's own default for a user name claim other than ``email`` (MKS sets no
    #: prefix of its own); check it from a job with ``kubectl auth whoami``. ``""``: none.
    username_prefix: (
        Annotated[Str, _rule(lambda path, argument, value: check.text(path, argument, value, allow_empty=True))] | None
    ) = None
    target: dict[str, CiDeployTargetConfig] = Field(min_length=1)

    def targets(self) -> list[CiDeployTarget]:
        return [block.target(name) for name, block in self.target.items()]


class DexConfig(_Model):
    """``people.dex``: run the ``dex`` addon as the people's issuer, with GitLab upstream. The
    GitLab OAuth application's id and secret come from TF_VAR_dex_gitlab_client_id and
    TF_VAR_dex_gitlab_client_secret."""

    #: The GitLab instance people sign in with (https only).
    gitlab_url: HttpsUrl
    #: Only members of these GitLab groups may sign in. Default: anyone GitLab lets in.
    gitlab_groups: StrList = ()


class PeopleConfig(_Model):
    """The ``people`` block: the OIDC issuer people sign in through and the ClusterRole each
    group gets."""

    #: The issuer (https only): Dex's address, or GitLab itself where the cluster takes one issuer.
    issuer_url: HttpsUrl
    #: The client id of kubectl's login at that issuer.
    client_id: Text
    #: The claim that carries the groups.
    groups_claim: Text = "groups"
    #: group -> ClusterRole, e.g. {"platform-admins" = "cluster-admin", "developers" = "view"}.
    groups: dict[Text, Text] = Field(min_length=1)
    #: Run Dex at ``issuer_url`` with GitLab as its upstream connector. Default: none
    #: (``issuer_url`` is an issuer of its own, such as GitLab).
    dex: DexConfig | None = None

    def bindings(self) -> list[GroupRoleBinding]:
        return [GroupRoleBinding(group=group, cluster_role=role) for group, role in self.groups.items()]


class EnvironmentConfig(_Model):
    """Everything one environment file says. Immutable."""

    name: Str
    #: One line of at most 255 characters, no control characters.
    description: Annotated[
        Str, _rule(lambda path, argument, value: check.text(path, argument, value, allow_empty=True))
    ] = ""
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
    gitops: GitOpsConfig | None = None
    ci_deploy: CiDeployConfig | None = None
    people: PeopleConfig | None = None

    def state_backend(self) -> StateBackend:
        """Where this environment's stacks keep their state: keys ``<env>/<stack>.tfstate``."""
        given = self.backend.model_dump(exclude={"noncurrent_version_days"}, exclude_none=True)
        return StateBackend(key_prefix=self.name, **given)

    @property
    def has_bastion(self) -> bool:
        return self.bastion is not None and self.bastion.enabled


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
_ENVIRONMENT_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?", re.ASCII)
_STRING_ESCAPE = re.compile(r'\\(?:([nrt"\\])|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))', re.ASCII)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


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
            found = re.findall(r"\['([^']*)'\]|([A-Za-z_][A-Za-z0-9_/-]*)", err.argument)
            path: list[str] = []
            for label, name in found:
                if label:
                    path.append(label)
                else:
                    # A rename may point into another block: "cluster.kubernetes_version".
                    path.extend(key for key in (renames or {}).get(name, name).split(".") if key)
            allowed = err.allowed
            shown = check.hcl_value(err.value)
            if isinstance(err, check.UnknownArgumentError):
                problem = f"unknown key; allowed: {', '.join(err.known)}{check.did_you_mean(err.argument, err.known)}"
            elif err.value is None:
                problem = f"is missing: {allowed}"
            else:
                problem = f"{shown} is not allowed: {allowed}"
            raise self.error(tuple(prefix) + tuple(path), f"{problem} (construct {err.construct_path})") from None


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
        elif node.data == "object":
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
        nesting = depth + (node.data in ("block", "object", "tuple"))
        for child in children:
            child_path = path
            if child.data in ("attribute", "object_elem"):
                key = _tree_key(child.children[0])
                child_path = path + (key,)
                if key.strip('"') in _META:
                    # python-hcl2 marks blocks with these keys: one written in the file would pass for a block.
                    raise source.error(
                        child_path, "a reserved name: use another key", getattr(child.meta, "line", None)
                    )
            elif child.data == "block":
                labels = [_tree_key(c) for c in child.children[:-1] if isinstance(c, Tree)]
                child_path = path + tuple(labels)
                if any(label.strip('"') in _META for label in labels):
                    raise source.error(
                        child_path, "a reserved name: use another name", getattr(child.meta, "line", None)
                    )
                wanted = 1 if labels[0] in _LABELED_BLOCKS else 0
                if len(labels) - 1 != wanted and (wanted == 0 or len(labels) > 2):
                    form = f'{labels[0]} "name" {{ ... }}' if wanted else f"{labels[0]} {{ ... }}"
                    raise source.error(
                        child_path, f"wrong number of labels: write {form}", getattr(child.meta, "line", None)
                    )
            stack.append((child, child_path, nesting, tree_depth + 1))


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
            result[key] = value
    return result


def _reject_expressions(value: Any, path: tuple[str, ...], source: SourceMap) -> None:
    """Every key and value of the file must reach Terraform as written.

    Terraform evaluates ``${...}`` and ``%{...}`` in every string of ``cdk.tf.json`` (map
    keys included), so none may hold one; the escapes ``$${`` and ``%%{`` stay as written
    and Terraform reads them as the characters. Numbers must survive JavaScript (jsii)
    exactly, and text holds no control characters: a name ending in a newline would pass
    many a pattern and break what it is pasted into (an ssh_config line, a TOML file). Only
    chart values may hold newlines and tabs.
    """
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                key_text = str(key)
                _check_string(key_text, where + (key_text,), source, is_key=True)
                stack.append((child, where + (key_text,)))
        elif isinstance(item, list):
            stack.extend((child, where) for child in item)
        elif isinstance(item, str):
            _check_string(item, where, source, is_key=False, multiline=_is_helm_values(where))
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if abs(item) > check.MAX_SAFE_INTEGER:
                raise source.error(
                    where,
                    f"{item} is not allowed: numbers from -{check.MAX_SAFE_INTEGER} to {check.MAX_SAFE_INTEGER} "
                    "(larger ones lose digits on their way to Terraform)",
                )
        elif isinstance(item, float):
            if not math.isfinite(item) or abs(item) > check.MAX_SAFE_INTEGER:
                raise source.error(where, f"{item} is not allowed: a finite number up to {check.MAX_SAFE_INTEGER}")


def _is_helm_values(path: tuple[str, ...]) -> bool:
    """Chart values may hold multi-line text (a config file, a script); nothing else may."""
    return len(path) >= 3 and path[0] in ("addon", "helm_release") and path[2] == "values"


def _check_string(
    text: str, where: tuple[str, ...], source: SourceMap, *, is_key: bool, multiline: bool = False
) -> None:
    what = "key" if is_key else "value"
    if check.template_start(text) is not None:
        raise source.error(
            where,
            f"{check.hcl_value(text)}: Terraform expressions are not allowed in environment files (in a {what}: "
            "${...} and %{...} are evaluated by Terraform; write $${ or %%{ for the characters)",
        )
    if "TfToken[" in text:
        raise source.error(where, f"{check.hcl_value(text)} is not allowed: 'TfToken[' is cdktf's reference marker")
    control = check.forbidden_character(text, allow="\n\t" if multiline else "")
    if control:
        raise source.error(
            where,
            f"{check.hcl_value(text)} is not allowed: control character U+{ord(control):04X} in a {what}"
            + (" (chart values may hold newlines and tabs, nothing else)" if multiline else " (one line of text)"),
        )


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


def _model_at(loc: tuple[Any, ...]) -> Any:
    """The model (or type) that holds the value at ``loc``: the block ``loc`` points into."""
    model: Any = EnvironmentConfig
    for part in loc:
        model = _without_none(model)
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get(str(part))
            if field is None:
                return None
            model = field.annotation
        elif typing.get_origin(model) is dict:
            model = typing.get_args(model)[1]
        else:
            return None
    return _without_none(model)


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys the block holding ``loc``'s last key accepts."""
    model = _model_at(loc[:-1])
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [k for k in model.model_fields if not (model is EnvironmentConfig and k == "name")]
    return []


def _is_block(annotation: Any) -> bool:
    """Whether a field is written as a block (``network { }``, ``node_group "x" { }``)."""
    annotation = _without_none(annotation)
    if typing.get_origin(annotation) is dict:
        annotation = typing.get_args(annotation)[1]
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _required(loc: tuple[Any, ...]) -> list[str]:
    """The required keys and blocks of the block at ``loc``, as the file writes them."""
    model = _model_at(loc)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return []
    return [
        f"{name} {{ ... }}" if _is_block(field.annotation) else name
        for name, field in model.model_fields.items()
        if field.is_required() and not (model is EnvironmentConfig and name == "name")
    ]


def _literal_choices(loc: tuple[Any, ...]) -> list[str]:
    """The values a ``Literal`` field accepts."""
    model = _model_at(loc)
    return [a for a in typing.get_args(model) if isinstance(a, str)] if typing.get_origin(model) is Literal else []


def _explain(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    loc = tuple(error["loc"])
    given = check.hcl_value(error.get("input"))
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc)
        what = "block" if isinstance(error.get("input"), (dict, list)) else "key"
        return f"unknown {what}; allowed: {', '.join(allowed)}{check.did_you_mean(str(loc[-1]), allowed)}"
    if kind == "missing":
        field = getattr(_model_at(loc[:-1]), "model_fields", {}).get(loc[-1])
        what = "block" if field is not None and _is_block(field.annotation) else "key"
        where = ".".join(map(str, loc[:-1])) or "an environment file"
        return f"required {what} is missing; {where} needs: {', '.join(_required(loc[:-1]))}"
    if kind in _TYPE_WORDS:
        return f"{given} is not allowed: expected {_TYPE_WORDS[kind]}"
    if kind == "literal_error":
        choices = _literal_choices(loc)
        return (
            f"{given} is not allowed: expected one of {', '.join(map(check.hcl_value, choices))}"
            + check.did_you_mean(error.get("input"), choices)
        )
    if kind == "too_short":
        return "needs at least one entry"
    return f"{given} is not allowed: {error['msg']}"


def _read(path: Path, display: str) -> str:
    """The file's text: UTF-8 (a byte-order mark is dropped), no control characters."""
    try:
        if path.exists() and not path.is_file():
            # A directory, a device or a pipe: reading one could fail late or never end.
            raise EnvironmentConfigError(f"{display}: cannot be read: not a regular file")
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise EnvironmentConfigError(f"{display}: cannot be read: {err.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise EnvironmentConfigError(f"{display}: larger than {MAX_FILE_BYTES // 1024} KiB: not an environment file")
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
    # Windows line endings (CRLF) are line endings: read as LF, so every line keeps its number.
    text = text.replace("\r\n", "\n")
    if "\r" in text:
        line = text.count("\n", 0, text.index("\r")) + 1
        raise EnvironmentConfigError(
            f"{display}:{line}: a carriage return (U+000D) not followed by a line feed: "
            "save the file with LF or CRLF line endings"
        )
    return text


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


def load_environment(path: Path) -> tuple[EnvironmentConfig, SourceMap]:
    """Parse and check one environment file."""
    display = str(path)
    name = path.stem
    if not _ENVIRONMENT_NAME.fullmatch(name):
        raise EnvironmentConfigError(
            f"{display}: the file name {name!r} is the environment name and must be lowercase letters, digits and '-'"
        )
    text = _read(path, display)
    source = SourceMap(display, text.splitlines(), {})
    raw = _parse(text, source)
    source.block_lines[()] = (1, len(source.lines))
    data = _normalize(raw, (), source.block_lines, source)
    _reject_expressions(data, (), source)
    if "name" in data:
        raise source.error(("name",), "unknown key: the environment name is the file name")
    try:
        config = EnvironmentConfig.model_validate({"name": name, **data})
    except ValidationError as err:
        errors = err.errors()
        # A typo shows up as an unknown key and, often, as a missing one: report the typo.
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        loc = tuple(str(p) for p in first["loc"])
        if first["type"] == "missing":
            # Nothing sets a missing key: point at the block that lacks it (the file, at the top).
            parent = loc[:-1]
            raise source.error(loc, _explain(first), source.line_of(parent) if parent else None, locate=False) from None
        keys = tuple(str(p) for p in first["loc"] if not isinstance(p, int))
        if len(keys) < len(loc):
            # A list item: the line of its list, the path with the index as written in HCL (x[0]).
            shown: list[str] = []
            for part in first["loc"]:
                if isinstance(part, int) and shown:
                    shown[-1] += f"[{part}]"
                else:
                    shown.append(str(part))
            raise source.error(tuple(shown), _explain(first), source.line_of(keys)) from None
        raise source.error(loc, _explain(first)) from None
    # Releases are checked now, by their own value types: platformctl reads them (mirror)
    # without building any construct.
    for addon, addon_block in config.addon.items():
        with source.origin("addon", addon):
            addon_block.settings()
    for release, release_block in config.helm_release.items():
        with source.origin("helm_release", release):
            release_block.chart(release)
    _check_delivery(config, source)
    _check_cluster_version(config, source)
    return config, source


def _check_cluster_version(config: EnvironmentConfig, source: SourceMap) -> None:
    """A driver that knows the newest Kubernetes it accepts (a self-managed control plane:
    Kamaji's webhook refuses a newer minor) has the version checked as the file is loaded."""
    if config.cluster.driver_facts.max_kubernetes is None:
        return
    from constructs_lib.kamaji import check_tenant_version

    with source.origin("cluster"):
        check_tenant_version("cluster", config.cluster.arguments.get("kubernetes_version"))


def _check_delivery(config: EnvironmentConfig, source: SourceMap) -> None:
    """``gitops``, ``ci_deploy`` and ``people`` by their value types, and against the cluster's
    OIDC: Selectel MKS trusts one issuer, so CI and people must agree with ``cluster.oidc``."""
    if config.gitops is not None:
        for name, app_block in config.gitops.application.items():
            with source.origin("gitops", "application", name):
                app = app_block.application(name)
            if not f"{app.reference.registry}/".startswith(f"{config.gitops.registry}/"):
                raise source.error(
                    ("gitops", "application", name, "chart"),
                    f"{check.hcl_value(app.chart)} is not allowed: a bundle under gitops.registry"
                    f" ({config.gitops.registry}), whose read-only login Argo CD is given",
                )
    targets = {}
    if config.ci_deploy is not None:
        for name, block in config.ci_deploy.target.items():
            with source.origin("ci_deploy", "target", name):
                targets[name] = block.target(name)
    if config.people is not None:
        for group in config.people.groups:
            with source.origin("people", "groups"):
                GroupRoleBinding(group=group, cluster_role=config.people.groups[group])
    if config.gitops is not None:
        delivered = {b.arguments.get("namespace"): n for n, b in config.gitops.application.items()}
        for name, target in targets.items():
            if target.namespace in delivered:
                raise source.error(
                    ("ci_deploy", "target", name, "namespace"),
                    f"{check.hcl_value(target.namespace)} is not allowed: a namespace Argo CD does not own"
                    f" (application {delivered[target.namespace]} is delivered there by GitOps)",
                )
    if config.cluster.driver_facts.self_managed:
        _check_structured_authentication(config, source)
    if config.cluster.driver_facts.oidc != "one-issuer" or (config.ci_deploy is None and config.people is None):
        return
    oidc = config.cluster.arguments.get("oidc")
    want: dict[str, str] = {}
    if config.ci_deploy is not None:
        ci = config.ci_deploy
        want = {"issuer_url": ci.gitlab_url, "client_id": ci.audience, "username_claim": "sub"}
    if config.people is not None:
        people = {"issuer_url": config.people.issuer_url, "client_id": config.people.client_id}
        for key, value in people.items():
            if key in want and want[key] != value:
                raise source.error(
                    ("people", key),
                    f"{check.hcl_value(value)} is not allowed: Selectel MKS trusts one OIDC issuer, and ci_deploy"
                    f" uses {check.hcl_value(want[key])}: sign people in through the same GitLab (its groups claim"
                    " is groups_direct), or drop ci_deploy (see README, People's access)",
                )
        want.update(people, groups_claim=config.people.groups_claim)
    if not isinstance(oidc, Mapping):
        raise source.error(
            ("cluster", "oidc"),
            "is missing: Selectel MKS authenticates CI and people only through its one OIDC issuer: "
            + ", ".join(f"{k} = {check.hcl_value(v)}" for k, v in want.items()),
            source.line_of(("cluster",)),
            locate=False,
        )
    for key, value in want.items():
        if oidc.get(key) != value:
            needs = "ci_deploy" if config.ci_deploy is not None and key in _CI_OIDC_KEYS else "people"
            raise source.error(
                ("cluster", "oidc"),
                f"{key} = {check.hcl_value(oidc.get(key))} is not allowed: {check.hcl_value(value)}, as {needs} needs",
            )


def oidc_issuers(config: EnvironmentConfig) -> list[JwtIssuer]:
    """The JWT issuers a cluster whose API server the library configures (the ``kamaji``
    driver) trusts: GitLab for ``ci_deploy``'s jobs, the people's issuer for ``people``."""
    issuers = []
    if config.ci_deploy is not None:
        ci = config.ci_deploy
        issuers.append(gitlab_ci_issuer(ci.gitlab_url, ci.audience, ci.username_prefix))
    if config.people is not None:
        people = config.people
        issuers.append(people_issuer(people.issuer_url, people.client_id, people.groups_claim))
    return issuers


def _check_structured_authentication(config: EnvironmentConfig, source: SourceMap) -> None:
    """On a self-managed cluster CI and people are two issuers of one AuthenticationConfiguration:
    the API server refuses two with one URL."""
    if config.ci_deploy is not None and config.people is not None:
        gitlab, people = config.ci_deploy.gitlab_url, config.people.issuer_url
        if gitlab.rstrip("/") == people.rstrip("/"):
            raise source.error(
                ("people", "issuer_url"),
                f"{check.hcl_value(people)} is not allowed: an issuer other than ci_deploy.gitlab_url (the API server"
                " trusts each issuer URL once, with one set of claim mappings): sign people in through Dex"
                " (people.dex) in front of GitLab",
            )
    with source.origin("ci_deploy", renames={"issuers": "username_prefix"}):
        issuers = oidc_issuers(config)
        if issuers:
            authentication_configuration(issuers, path="ci_deploy")


#: The keys of ``cluster.oidc`` that ``ci_deploy`` decides on Selectel MKS.
_CI_OIDC_KEYS = ("issuer_url", "client_id", "username_claim")


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
