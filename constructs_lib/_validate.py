"""Argument checks shared by the constructs. Each raises ConstructArgumentError.

Every string a construct hands to Terraform goes through one of these checks, so that what
reaches ``cdk.tf.json`` is exactly what the caller wrote:

- :func:`literal` refuses Terraform templates (``${...}`` interpolations and ``%{...}``
  directives): Terraform evaluates them in every JSON string, so a flavor of
  ``%{ if true }x%{ endif }`` would silently become ``x``. The escapes ``$${`` and ``%%{``
  are literal text for Terraform and are accepted. cdktf's own token markers are refused too:
  cdktf would replace them with a reference to some other resource.
- :func:`text` is a single-line literal with no control characters, no leading or trailing
  space and a bounded length (flavors, images, descriptions, volume types).
- :func:`name`, :func:`posix_user`, :func:`url`, :func:`repository`, :func:`bucket_name`,
  :func:`region` and :func:`availability_zone` give the strings that become names, users,
  paths or URLs a pattern. Patterns are matched with ``re.fullmatch``: ``$`` in ``re.match``
  also accepts a trailing newline.
- :func:`count` checks an integer against one of the ranges below. Every integer has an
  upper bound: numbers pass through JavaScript (jsii), which loses precision beyond 2**53.
"""

from __future__ import annotations

import contextlib
import difflib
import ipaddress
import json
import math
import re
import unicodedata
import urllib.parse
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ConstructArgumentError

if TYPE_CHECKING:  # importing constructs starts jsii: the environment loader must stay light
    from constructs import Construct

#: The largest integer JavaScript (and so jsii, which carries every argument to cdktf) holds exactly.
MAX_SAFE_INTEGER = 2**53 - 1

# Ranges, (lowest, highest), both included. The upper bounds follow the clouds' own quotas:
# a bigger value cannot be deployed anyway and is almost certainly a typo.
#: GitLab runner VMs of one fleet.
RUNNER_COUNT = (0, 50)
#: Jobs one runner VM runs at once.
RUNNER_CONCURRENCY = (1, 100)
#: Nodes of one node group (count, min_count, max_count) and of Magnum's default worker group:
#: the one general range (a driver with a lower per-group quota, such as Selectel MKS's 15,
#: keeps that cap as its own fact next to its other rules).
NODE_COUNT = (0, 100)
#: Size of a Cinder volume (boot volume, docker volume, node volume) in GB; Cinder's own
#: per-volume maximum is 16 TiB on the clouds this library targets.
VOLUME_SIZE_GB = (1, 16384)
#: Days the state bucket keeps a replaced state version: a week to undo a bad apply, ten years at most.
NONCURRENT_VERSION_DAYS = (7, 3650)
#: Where members of a network's security groups may connect to unless told otherwise (the
#: default of ``Network`` and ``SecurityGroup``): anywhere over IPv4, since nodes and VMs must
#: reach package mirrors, registries and the OpenStack APIs, and egress opens nothing inwards.
DEFAULT_EGRESS_CIDRS: tuple[str, ...] = ("0.0.0.0/0",)
#: A TCP or UDP port number.
PORT_NUMBER = (1, 65535)
#: Seconds Helm waits for one release (install or upgrade).
HELM_TIMEOUT_SECONDS = (30, 7200)
#: Revisions Helm keeps of one release.
HELM_MAX_HISTORY = (1, 100)
#: GitLab group and project ids.
GITLAB_ID = (1, MAX_SAFE_INTEGER)

#: Longest free text (flavor, image, volume type, description): OpenStack's name columns are 255.
TEXT_MAX_LENGTH = 255
#: Longest URL.
URL_MAX_LENGTH = 2048

# Every pattern here is ASCII ([0-9] and re.ASCII, never a bare \\d): in Python's default (Unicode)
# mode \\d also matches fullwidth and other scripts' digits, which int() then reads as numbers.
#: A lowercase RFC 1123 label (resource names, hostnames, chart names, namespaces): letters,
#: digits and '-', 1-63 characters, alphanumeric at both ends. Compile with re.ASCII.
NAME_PATTERN = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
#: A tag as the OCI distribution spec writes it (image tags, chart versions kept as tags).
OCI_TAG_PATTERN = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
#: A SHA-256 content digest as the OCI distribution spec writes it.
SHA256_DIGEST_PATTERN = r"sha256:[0-9a-f]{64}"
#: One path component of a repository name (OCI distribution spec, "name" grammar).
PATH_COMPONENT_PATTERN = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
#: A Selectel pool (region), ``ru-7``; its zones add a letter, ``ru-7a``.
POOL_PATTERN = r"[a-z]{2,3}-[0-9]{1,2}"
#: A network volume type, ``<kind>.<zone>`` (``fast.ru-7a``): group 1 the kind, group 2 the zone.
#: The kind is bounded so that ``<kind>-<zone>`` stays a Kubernetes object name.
VOLUME_TYPE_PATTERN = rf"([a-z][a-z0-9]{{0,30}})\.({POOL_PATTERN}[a-z])"
_NAME = re.compile(NAME_PATTERN, re.ASCII)
# useradd's default NAME_REGEX, without the trailing '$' of machine accounts; 32 characters.
_POSIX_USER = re.compile(r"[a-z_][a-z0-9_-]{0,31}", re.ASCII)
_REGION = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,62}[A-Za-z0-9])?", re.ASCII)
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", re.ASCII)
_IPV4_FORM = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+", re.ASCII)
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]", re.ASCII)
#: Unicode categories no text may hold: controls, format characters (bidirectional overrides,
#: zero-width characters), surrogates, private use, line and paragraph separators.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
#: A whole number without leading zeros (semver's numeric identifier), at most 9 digits.
_NUMBER = r"(?:0|[1-9][0-9]{0,8})"
#: Semantic Versioning 2.0.0: pre-release identifiers (numeric ones without leading zeros)
#: and build metadata, with an optional leading 'v' as many charts write their versions.
_PRERELEASE_ID = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
#: An exact chart version (see :func:`chart_version`); the policy pack's check of
#: ``helm_release.version`` reads this same pattern.
CHART_VERSION_PATTERN = (
    rf"v?{_NUMBER}\.{_NUMBER}\.{_NUMBER}"
    rf"(?:-{_PRERELEASE_ID}(?:\.{_PRERELEASE_ID})*)?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)
_CHART_VERSION = re.compile(CHART_VERSION_PATTERN, re.ASCII)
_CHART_VERSION_MAX_LENGTH = 128
_VARIABLE = re.compile(r"[a-z][a-z0-9_]{0,63}", re.ASCII)
#: One DNS label (RFC 1123): letters, digits and '-', 1-63 characters, alphanumeric at both ends.
_DNS_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"{_DNS_LABEL}(?:\.{_DNS_LABEL})*|\[[0-9A-Fa-f:.]+\]", re.ASCII)
#: A registry host: lowercase RFC 1123 labels.
_REGISTRY_HOST = re.compile(
    r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*", re.ASCII
)
#: A port: 1-65535 written without leading zeros (the range is checked apart).
_PORT = re.compile(r"[1-9][0-9]{0,4}", re.ASCII)
_PATH_COMPONENT = re.compile(PATH_COMPONENT_PATTERN, re.ASCII)
#: Longest registry reference (host, port and path).
REGISTRY_MAX_LENGTH = 255
#: Longest host name (RFC 1123).
HOST_MAX_LENGTH = 253

#: cdktf encodes references to resources as strings holding this marker.
_CDKTF_TOKEN = "TfToken["
# A maximal run of '$' (or of '%') followed by '{'.
_TEMPLATE_RUN = re.compile(r"(?<!\$)(\$+)\{|(?<!%)(%+)\{", re.ASCII)


def forbidden_character(value: str, allow: str = "") -> str | None:
    """The first character of ``value`` no text may hold (see ``_FORBIDDEN_CATEGORIES``), other
    than those in ``allow``; ``None`` when there is none."""
    if value.isascii():
        found = _ASCII_CONTROL.search(value.translate({ord(c): None for c in allow}) if allow else value)
        return found.group() if found else None
    for character in value:
        if character not in allow and unicodedata.category(character) in _FORBIDDEN_CATEGORIES:
            return character
    return None


#: Longest value an error message shows; longer ones are cut with "...".
SHOWN_MAX_LENGTH = 200


def hcl_value(value: Any) -> str:
    """``value`` as it would be written in an environment file (HCL): ``true``, ``null``,
    ``"text"``, ``["a", 1]``, ``{ key = "v" }``. Every error message shows values this way, so a
    message never shows Python's forms (``True``, ``None``, ``('a',)``). Characters no text may
    hold are shown as escapes, and a long value is cut."""
    shown = _hcl(value, 0)
    return shown if len(shown) <= SHOWN_MAX_LENGTH else shown[: SHOWN_MAX_LENGTH - 3] + "..."


_HCL_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*", re.ASCII)


def _hcl(value: Any, depth: int) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        if forbidden_character(text):
            text = "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) in _FORBIDDEN_CATEGORIES else c for c in text)
        return text
    if depth > 4:
        return "..."
    if isinstance(value, Mapping):
        items = []
        for key, item in list(value.items())[:20]:
            name = key if isinstance(key, str) and _HCL_IDENTIFIER.fullmatch(key) else _hcl(key, depth + 1)
            items.append(f"{name} = {_hcl(item, depth + 1)}")
        return "{ " + ", ".join(items) + " }" if items else "{}"
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
        return "[" + ", ".join(_hcl(item, depth + 1) for item in items[:50]) + "]"
    return f"<{type(value).__name__}>"


def did_you_mean(given: Any, known: Iterable[str]) -> str:
    """``" (did you mean x?)"`` when ``given`` is a near miss of one of ``known``, else ``""``."""
    if not isinstance(given, str):
        return ""
    candidates = list(known)
    match = difflib.get_close_matches(given, candidates, n=1, cutoff=0.75)
    if not match:
        folded = {c.lower(): c for c in candidates}
        match = difflib.get_close_matches(given.lower(), list(folded), n=1, cutoff=0.75)
        match = [folded[m] for m in match]
    return f" (did you mean {match[0]}?)" if match and match[0] != given else ""


#: Each scope's construct path, asked of jsii once: a path never changes once the construct
#: exists, and asking for it is a round trip to node (most of a node group's own checking).
_SCOPE_PATHS: weakref.WeakKeyDictionary[Construct, str] = weakref.WeakKeyDictionary()


def child_path(scope: Construct, id_: str) -> str:
    """The path a construct will have, known before it is created."""
    try:
        parent = _SCOPE_PATHS[scope]
    except (KeyError, TypeError):  # TypeError: a scope that cannot be weakly referenced
        parent = scope.node.path
        with contextlib.suppress(TypeError):
            _SCOPE_PATHS[scope] = parent
    return f"{parent}/{id_}" if parent else id_


def is_reference(value: Any) -> bool:
    """Whether ``value`` is a cdktf reference (a token string), not literal text: a value from
    another resource or stack, known only when Terraform plans."""
    return isinstance(value, str) and _CDKTF_TOKEN in value


def template_start(value: str) -> int | None:
    """Index of the first Terraform template sequence (``${`` or ``%{``) in ``value``, or ``None``.

    ``$${`` and ``%%{`` are Terraform's escapes for a literal ``${`` / ``%{`` and are skipped.
    A longer run (``$$${``) is read differently by different scanners, so it counts as a
    template: refusing it is safe, guessing is not.
    """
    for match in _TEMPLATE_RUN.finditer(value):
        if len(match.group(1) or match.group(2)) != 2:
            return match.start()
    return None


def literal(path: str, argument: str, value: Any) -> str:
    """A string Terraform reads as written: no ``${...}`` / ``%{...}`` template (the escapes
    ``$${`` and ``%%{`` are fine), no cdktf token marker."""
    if not isinstance(value, str):
        raise ConstructArgumentError(path, argument, value, "a string")
    if template_start(value) is not None:
        raise ConstructArgumentError(
            path,
            argument,
            value,
            "literal text: Terraform templates (${...}, %{...}) are not allowed; write $${ or %%{ for the characters",
        )
    if _CDKTF_TOKEN in value:
        raise ConstructArgumentError(path, argument, value, "literal text, not a cdktf token")
    return value


#: An absolute file path of a VM's user data (cloud-init or Ignition).
_FILE_PATH = re.compile(r"(/[A-Za-z0-9._@+-]+)+", re.ASCII)
#: A file mode in octal, as user data writes it.
_FILE_MODE = re.compile(r"0?[0-7]{3}", re.ASCII)


@dataclass(frozen=True)
class ExtraFile:
    """A file a caller adds to a VM's user data: literal text at an absolute path."""

    path: str
    content: str
    permissions: str


def extra_files(path: str, value: Any) -> list[ExtraFile]:
    """The ``extra_files`` argument of a VM construct: a list of ``{path, content[, permissions]}``
    maps, each path absolute, each content :func:`literal`, permissions an octal mode (0644 by
    default)."""
    if isinstance(value, (str, Mapping)) or not isinstance(value, (list, tuple)):
        raise ConstructArgumentError(path, "extra_files", value, "a list of {path, content, permissions} maps")
    files = []
    for item in value:
        if not isinstance(item, Mapping) or not {"path", "content"} <= set(item) <= {"path", "content", "permissions"}:
            raise ConstructArgumentError(path, "extra_files", item, "a map with path, content and optional permissions")
        file_path = matching(path, "extra_files.path", item["path"], _FILE_PATH, "an absolute path such as /etc/x.conf")
        content = literal(path, "extra_files.content", item["content"])
        permissions = item.get("permissions", "0644")
        matching(path, "extra_files.permissions", permissions, _FILE_MODE, "an octal mode such as 0644")
        files.append(ExtraFile(file_path, content, permissions))
    return files


def literal_tree(path: str, argument: str, value: Any, depth: int = 0) -> Any:
    """Nested maps and lists (Helm values, labels) as Terraform must receive them: every key a
    one-line :func:`literal` string, every string value :func:`literal` (newlines and tabs
    allowed, no other control characters), numbers finite and within ±(2**53 - 1), nothing
    but strings, numbers, booleans, null, lists and maps, nested at most 32 deep."""
    if depth > 32:
        raise ConstructArgumentError(path, argument, "...", "maps and lists nested at most 32 deep")
    if isinstance(value, str):
        literal(path, argument, value)
        if forbidden_character(value, allow="\n\t"):
            raise ConstructArgumentError(path, argument, value, "text without control characters but newlines and tabs")
    elif isinstance(value, bool) or value is None:
        pass
    elif isinstance(value, (int, float)):
        if not math.isfinite(value) or abs(value) > MAX_SAFE_INTEGER:
            raise ConstructArgumentError(
                path, argument, value, f"a finite number from -{MAX_SAFE_INTEGER} to {MAX_SAFE_INTEGER}"
            )
    elif isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{argument}[{key!r}]"
            literal(path, where, key)
            if forbidden_character(key):
                raise ConstructArgumentError(path, where, key, "a key without control characters")
            literal_tree(path, where, item, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            literal_tree(path, argument, item, depth + 1)
    else:
        raise ConstructArgumentError(path, argument, value, "strings, numbers, booleans, null, lists and maps")
    return value


def text(path: str, argument: str, value: Any, *, max_length: int = TEXT_MAX_LENGTH, allow_empty: bool = False) -> str:
    """One line of literal text: no control characters, no leading or trailing space,
    1 to ``max_length`` characters (or empty when ``allow_empty``)."""
    literal(path, argument, value)
    if value == "" and allow_empty:
        return value
    if not value or len(value) > max_length or value != value.strip() or forbidden_character(value):
        raise ConstructArgumentError(
            path,
            argument,
            value,
            f"one line of 1 to {max_length} characters, no control characters, no leading or trailing space",
        )
    return value


def non_empty(path: str, argument: str, value: Any) -> str:
    """A flavor, image or other free name: see :func:`text`."""
    return text(path, argument, value)


def matching(path: str, argument: str, value: Any, pattern: re.Pattern[str], allowed: str) -> str:
    """``value`` when it is a string that ``pattern`` matches whole; otherwise the argument error
    saying what is ``allowed``. The one form of every check by pattern below."""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ConstructArgumentError(path, argument, value, allowed)
    return value


def name(path: str, argument: str, value: Any) -> str:
    """A DNS label: lowercase letters, digits and '-', 1-63 characters, alphanumeric at both ends."""
    allowed = "lowercase letters, digits and '-', 1-63 characters, starting and ending alphanumeric"
    return matching(path, argument, value, _NAME, allowed)


#: Kept for the constructs that call it by its older name.
dns_label = name


def posix_user(path: str, argument: str, value: Any) -> str:
    """A POSIX login name: a lowercase letter or '_', then lowercase letters, digits, '_' or '-';
    at most 32 characters."""
    allowed = "a user name: a lowercase letter or '_' then lowercase letters, digits, '_' or '-', at most 32 characters"
    return matching(path, argument, value, _POSIX_USER, allowed)


def region(path: str, argument: str, value: Any) -> str:
    """A region name (``ru-1``, ``RegionOne``): letters, digits, '.', '_' and '-', 1-64 characters,
    alphanumeric at both ends."""
    allowed = "letters, digits, '.', '_' and '-', 1-64 characters, starting and ending alphanumeric"
    return matching(path, argument, value, _REGION, allowed)


def availability_zone(path: str, argument: str, value: Any) -> str:
    """An availability zone (``ru-7a``, ``nova``): the same characters as :func:`region`."""
    return region(path, argument, value)


def url(path: str, argument: str, value: Any, schemes: Sequence[str] = ("https", "http")) -> str:
    """An absolute URL with one of ``schemes`` and a host (RFC 1123 labels or an IP address,
    optional port 1-65535); no credentials, whitespace, control characters, query or fragment;
    ASCII only; at most 2048 characters."""
    allowed = (
        "a URL starting with "
        + " or ".join(f"{s}://" for s in schemes)
        + " with a host (DNS labels: letters, digits and '-', not starting or ending with '-'), an optional"
        " port from 1 to 65535, and no credentials, spaces, query or fragment"
    )
    if not isinstance(value, str) or len(value) > URL_MAX_LENGTH or not value.isascii() or _URL_FORBIDDEN.search(value):
        raise ConstructArgumentError(path, argument, value, allowed)
    literal(path, argument, value)
    if forbidden_character(value):
        raise ConstructArgumentError(path, argument, value, allowed)
    try:
        parts = urllib.parse.urlsplit(value)
    except ValueError:
        raise ConstructArgumentError(path, argument, value, allowed) from None
    host, port = _split_port(parts.netloc)
    if (
        parts.scheme not in schemes
        or not value.startswith(f"{parts.scheme}://")
        or "@" in parts.netloc
        or not parts.hostname
        or not _HOST.fullmatch(host)
        or len(host) > HOST_MAX_LENGTH
        or (port is not None and not _valid_port(port))
        or parts.query
        or parts.fragment
        or "?" in value
        or "#" in value
    ):
        raise ConstructArgumentError(path, argument, value, allowed)
    return value


_URL_FORBIDDEN = re.compile(r"[ \t\n\r\f\v\\\"'<>`^{}|]", re.ASCII)


def _split_port(netloc: str) -> tuple[str, str | None]:
    """``host:port`` -> (host, port text); a bracketed IPv6 host keeps its colons."""
    if netloc.startswith("["):
        host, _, rest = netloc.partition("]")
        return host + "]", (rest[1:] if rest.startswith(":") else (None if not rest else rest))
    host, colon, port = netloc.rpartition(":")
    return (host, port) if colon else (netloc, None)


def _valid_port(port: str) -> bool:
    """A port written as a whole number from 1 to 65535 (ASCII digits, no leading zero)."""
    return bool(_PORT.fullmatch(port)) and PORT_NUMBER[0] <= int(port) <= PORT_NUMBER[1]


def repository(path: str, argument: str, value: Any) -> str:
    """A Helm chart repository: an ``https://`` or ``http://`` URL (see :func:`url`), or
    ``oci://`` followed by a :func:`registry_reference` (the same rule as every registry)."""
    if isinstance(value, str) and value.startswith("oci://"):
        literal(path, argument, value)
        try:
            registry_reference(path, argument, value[len("oci://") :], trailing_slash=False)
        except ConstructArgumentError as err:
            allowed = err.allowed.replace(REGISTRY_RULE, "oci:// followed by " + REGISTRY_RULE)
            raise ConstructArgumentError(path, argument, value, allowed) from None
        return value
    return url(path, argument, value, schemes=("https", "http", "oci"))


def bucket_name(path: str, argument: str, value: Any) -> str:
    """An S3 bucket name: 3-63 characters of lowercase letters, digits, '.' and '-',
    alphanumeric at both ends, no '..', not in the form of an IPv4 address."""
    if (
        not isinstance(value, str)
        or not _BUCKET.fullmatch(value)
        or ".." in value
        or ".-" in value
        or "-." in value
        or _IPV4_FORM.fullmatch(value)
    ):
        raise ConstructArgumentError(
            path,
            argument,
            value,
            "an S3 bucket name: 3-63 lowercase letters, digits, '.' and '-', alphanumeric at both ends, "
            "not an IP address",
        )
    return value


def chart_version(path: str, argument: str, value: Any) -> str:
    """An exact chart version (Semantic Versioning 2.0.0): ``1.2.3`` or ``v1.2.3``, numbers
    without leading zeros, an optional ``-pre`` and ``+build`` part; ASCII only."""
    allowed = "an exact chart version such as 1.2.3 (no ranges; digits 0-9, numbers without leading zeros)"
    if isinstance(value, str) and len(value) > _CHART_VERSION_MAX_LENGTH:
        raise ConstructArgumentError(path, argument, value, allowed)
    return matching(path, argument, value, _CHART_VERSION, allowed)


def chart_name(path: str, argument: str, value: Any) -> str:
    """A chart's name in its repository: letters, digits, '.', '_' and '-', 1-63 characters,
    alphanumeric at both ends (no URL or path: those would carry a location, and perhaps
    credentials, into the output)."""
    return matching(path, argument, value, _REGION, "a chart name: letters, digits, '.', '_' and '-', 1-64 characters")


def variable_name(path: str, argument: str, value: Any) -> str:
    """A Terraform variable name: a lowercase letter, then lowercase letters, digits and '_'; 1-64 characters."""
    allowed = "a variable name: a lowercase letter then lowercase letters, digits and '_', 1-64"
    return matching(path, argument, value, _VARIABLE, allowed)


#: What every registry check says is allowed.
REGISTRY_RULE = (
    "a registry host of lowercase DNS labels (letters, digits and '-', not starting or ending with '-'), "
    "an optional :port from 1 to 65535 and an optional /path of lowercase components (letters and digits "
    "joined by '.', '_', '__' or '-'), no scheme, such as harbor.internal:5000/platform"
)


@dataclass(frozen=True)
class Registry:
    """A container registry reference, parsed once: ``host[:port][/path]``, normalised (no
    trailing ``/``). :meth:`parse` is the one registry rule.

    :param host: the registry's DNS name (lowercase).
    :param port: its port, or None.
    :param path: the repository path under the host (``platform/cache``), or ``""``.
    """

    host: str
    port: str | None
    path: str

    @classmethod
    def parse(cls, path: str, argument: str, value: Any, *, trailing_slash: bool = True) -> Registry:
        """``value`` as a registry, or one :class:`ConstructArgumentError` naming ``path``
        and ``argument`` (the user's key) and what is allowed."""
        return _parse_registry(path, argument, value, trailing_slash=trailing_slash)

    @property
    def address(self) -> str:
        """``host[:port]``: where the registry answers."""
        return self.host if self.port is None else f"{self.host}:{self.port}"

    @property
    def reference(self) -> str:
        """``host[:port][/path]``, as environment files write it (without a trailing ``/``)."""
        return f"{self.address}/{self.path}" if self.path else self.address

    def __str__(self) -> str:
        return self.reference


def registry_reference(path: str, argument: str, value: Any, *, trailing_slash: bool = True) -> str:
    """A container registry and optional path, no scheme: ``harbor.internal``,
    ``harbor.internal:5000/proxy``. The host is lowercase RFC 1123 labels, the port 1-65535, each
    path component the OCI distribution spec's (lowercase letters and digits joined by ``.``,
    ``_``, ``__`` or ``-``); at most 255 characters. One trailing ``/`` is accepted when
    ``trailing_slash`` and dropped: the value returned has none. Every place that takes a
    registry (``platform.registry``, ``platform.image_registry``, ``system_image_registry``,
    ``oci://`` repositories, ``platformctl mirror --registry``) checks it here
    (:meth:`Registry.parse`, whose normalised reference this is)."""
    return Registry.parse(path, argument, value, trailing_slash=trailing_slash).reference


def _parse_registry(path: str, argument: str, value: Any, *, trailing_slash: bool) -> Registry:
    def refuse(problem: str) -> ConstructArgumentError:
        return ConstructArgumentError(path, argument, value, f"{problem}: {REGISTRY_RULE}")

    if not isinstance(value, str):
        raise ConstructArgumentError(path, argument, value, REGISTRY_RULE)
    reference = value
    if trailing_slash and reference.endswith("/") and not reference.endswith("//"):
        reference = reference[:-1]
    if len(reference) > REGISTRY_MAX_LENGTH or not reference.isascii():
        raise refuse(f"at most {REGISTRY_MAX_LENGTH} ASCII characters")
    if "://" in reference:
        raise refuse("no scheme")
    hostport, _, repository_path = reference.partition("/")
    host, port = _split_port(hostport)
    if not _REGISTRY_HOST.fullmatch(host) or len(host) > HOST_MAX_LENGTH:
        if host.lower() != host and _REGISTRY_HOST.fullmatch(host.lower()):
            raise refuse(f"the host {host} is not lowercase")
        raise refuse(f"the host {host or '(empty)'} is not a DNS name")
    if port is not None and not _valid_port(port):
        raise refuse(f"the port {port or '(empty)'} is not a number from 1 to 65535")
    if "/" in reference:
        for component in repository_path.split("/"):
            if not _PATH_COMPONENT.fullmatch(component):
                raise refuse(f"the path component {hcl_value(component)} is not allowed")
    return Registry(host=host, port=port, path=repository_path if "/" in reference else "")


def image_registry(path: str, argument: str, value: Any) -> str:
    """A registry for images: :func:`registry_reference` (kept under this name for its callers)."""
    return registry_reference(path, argument, value)


def choice(path: str, argument: str, value: Any, allowed: Iterable[Any]) -> Any:
    """One of ``allowed`` (a bool is not taken for 0 or 1); a near miss is named ("did you mean")."""
    allowed = tuple(allowed)
    if (isinstance(value, bool) and not any(isinstance(a, bool) for a in allowed)) or value not in allowed:
        hint = did_you_mean(value, [a for a in allowed if isinstance(a, str)]) if isinstance(value, str) else ""
        raise ConstructArgumentError(path, argument, value, "one of " + ", ".join(hcl_value(a) for a in allowed) + hint)
    return value


def int_range(path: str, argument: str, value: Any, low: int, high: int | None = None) -> int:
    """An integer (not a bool) from ``low`` to ``high``; without ``high``, up to
    :data:`MAX_SAFE_INTEGER`, the largest one jsii carries exactly."""
    top = MAX_SAFE_INTEGER if high is None else high
    if isinstance(value, bool) or not isinstance(value, int) or value < low or value > top:
        raise ConstructArgumentError(path, argument, value, f"an integer from {low} to {top}")
    return value


def count(path: str, argument: str, value: Any, limits: tuple[int, int]) -> int:
    """An integer within ``limits``, one of the named ranges of this module
    (:data:`NODE_COUNT`, :data:`RUNNER_COUNT`, :data:`VOLUME_SIZE_GB`, ...)."""
    return int_range(path, argument, value, limits[0], limits[1])


def network(path: str, argument: str, value: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """A CIDR, IPv4 or IPv6, with no host bits set and no surrounding space; ASCII digits, a
    prefix length without leading zeros (0-32 for IPv4, 0-128 for IPv6)."""
    example = "a CIDR such as 10.0.0.0/24"
    if not isinstance(value, str) or value != value.strip() or not value or not value.isascii():
        raise ConstructArgumentError(path, argument, value, example)
    address_text, slash, prefix = value.partition("/")
    try:
        address = ipaddress.ip_address(address_text)
    except ValueError:
        raise ConstructArgumentError(path, argument, value, f"{example}: {address_text} is not an IP address") from None
    bits = address.max_prefixlen
    if slash and (not _PREFIX_LENGTH.fullmatch(prefix) or int(prefix) > bits):
        raise ConstructArgumentError(
            path, argument, value, f"{example}: the prefix length after '/' must be a number from 0 to {bits}"
        )
    try:
        return ipaddress.ip_network(value, strict=True)
    except ValueError:
        base = ipaddress.ip_network(value, strict=False)
        raise ConstructArgumentError(
            path, argument, value, f"{example} with no host bits set: the network is {base}"
        ) from None


_PREFIX_LENGTH = re.compile(r"0|[1-9][0-9]{0,2}", re.ASCII)


def address(path: str, argument: str, value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """One IP address, IPv4 or IPv6, with no surrounding space."""
    try:
        if not isinstance(value, str) or value != value.strip():
            raise ValueError(value)
        return ipaddress.ip_address(value)
    except (ValueError, TypeError):
        raise ConstructArgumentError(path, argument, value, "an IP address such as 10.0.0.10") from None


def cidrs(path: str, argument: str, values: Sequence[str]) -> tuple[str, ...]:
    """A list (not a single string) of :func:`network` CIDRs; may be empty."""
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise ConstructArgumentError(path, argument, values, "a list of CIDRs, not a single string")
    for v in values:
        network(path, argument, v)
    return tuple(values)


def boolean(path: str, argument: str, value: Any) -> bool:
    """``True`` or ``False`` (not 0/1, not a string)."""
    if not isinstance(value, bool):
        raise ConstructArgumentError(path, argument, value, "true or false")
    return value


_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]{0,127}", re.ASCII)


def words(path: str, argument: str, values: Any) -> tuple[str, ...]:
    """A list of distinct identifiers (feature gates, admission plugins): letters and digits."""
    if isinstance(values, str) or not isinstance(values, (list, tuple)):
        raise ConstructArgumentError(path, argument, values, "a list of names")
    for value in values:
        matching(path, argument, value, _WORD, "a name of letters and digits, such as NodeSwap")
    if len(set(values)) != len(values):
        raise ConstructArgumentError(path, argument, list(values), "names listed once each")
    return tuple(values)


_LABEL_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?", re.ASCII)
_LABEL_PREFIX = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*", re.ASCII)


def labels(path: str, argument: str, value: Any) -> dict[str, str]:
    """Kubernetes node labels: keys ``[prefix/]name`` (prefix a DNS subdomain of at most 253
    characters, name at most 63), values empty or at most 63 characters of the same kind."""
    if not isinstance(value, dict):
        raise ConstructArgumentError(path, argument, value, "a map of label keys to string values")
    for key, item in value.items():
        prefix, _, name = key.rpartition("/") if isinstance(key, str) else ("", "", "")
        if not (
            isinstance(key, str)
            and _LABEL_NAME.fullmatch(name)
            and (not prefix or (len(prefix) <= 253 and _LABEL_PREFIX.fullmatch(prefix)))
        ):
            raise ConstructArgumentError(
                path, f"{argument}[{key!r}]", key, "a Kubernetes label key such as example.com/tier"
            )
        if not isinstance(item, str) or not (item == "" or _LABEL_NAME.fullmatch(item)):
            raise ConstructArgumentError(
                path, f"{argument}[{key!r}]", item, "a label value: empty or up to 63 letters, digits, '-', '_', '.'"
            )
    return dict(value)


class UnknownArgumentError(ConstructArgumentError):
    """An argument the target does not take (a misspelt key): ``known`` lists those it takes."""

    def __init__(self, known: Sequence[str], construct_path: str, argument: str, value: Any, allowed: str) -> None:
        super().__init__(construct_path, argument, value, allowed)
        self.known = tuple(known)


def keyword_arguments(path: str, target: Any, given: Mapping[str, Any], supplied: Iterable[str] = ()) -> None:
    """``given`` are keyword arguments a caller may set on ``target`` (a construct class):
    every key is one of its parameters, and every required parameter is there. ``supplied``
    names the parameters the caller's own code fills in (the scope, the network, ...), which
    ``given`` may not hold. This is what lets an environment block be handed to a construct
    as it is: the construct's signature is the block's schema."""
    import inspect

    # A class takes its arguments in __init__; a function (a value type's flat form) in itself.
    callable_: Any = target
    parameters = inspect.signature(callable_.__init__ if isinstance(target, type) else target).parameters
    fixed = {"self", "scope", "id", *supplied}
    # Keyword-only for constructs; a dataclass value type takes its fields by keyword too.
    keyword = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    allowed = [name for name, parameter in parameters.items() if name not in fixed and parameter.kind in keyword]
    for key, value in given.items():
        if key not in allowed:
            raise UnknownArgumentError(
                sorted(allowed),
                path,
                key,
                value,
                f"one of the arguments {target.__name__} takes: {', '.join(sorted(allowed))}"
                + did_you_mean(key, allowed),
            )
    missing = [name for name in allowed if parameters[name].default is inspect.Parameter.empty and name not in given]
    if missing:
        raise ConstructArgumentError(path, missing[0], None, f"a value: {target.__name__} needs {', '.join(missing)}")


def provider(path: str, argument: str, value: Any) -> Any:
    """``None`` (the stack's default provider) or a cdktf ``TerraformProvider``."""
    if value is None:
        return value
    from cdktf import TerraformProvider

    if not isinstance(value, TerraformProvider):
        raise ConstructArgumentError(path, argument, value, "a TerraformProvider (or None for the stack's default)")
    return value
