"""Read a synth directory (``cdktf.out``): per stack, each Terraform address and its construct.

Terraform plans name resources by address (``openstack_containerinfra_cluster_v1.cluster_A1B2C3``);
engineers think in construct paths (``ha-infra/cluster``). cdktf writes the path into each
block's ``"//"`` metadata in ``cdk.tf.json``; terraform drops it from the plan, so the two
are joined here by address.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CommandError

# `type.name`, `data.type.name`, optionally behind `module.x.` prefixes and with an instance
# key: `[0]` or `["key"]`.
_INSTANCE_KEY = re.compile(r"\[[^\]]*\]\Z")
#: Instance keys at the end of an address, read on the reversed address: matched from its start,
#: so an address of many brackets costs linear time, not quadratic.
_REVERSED_KEYS = re.compile(r"(?:\][^\]]*\[)+")


@dataclass(frozen=True)
class SynthResource:
    """One resource or data source block of a synthesized stack."""

    address: str  #: ``type.name`` or ``data.type.name``
    type: str
    mode: str  #: ``managed`` or ``data``
    construct_path: str | None  #: ``ha-infra/cluster``; None for blocks cdktf adds itself
    body: dict[str, Any]  #: the block's arguments, without the ``"//"`` metadata


@dataclass(frozen=True)
class SynthStack:
    name: str
    directory: Path
    resources: dict[str, SynthResource] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    #: Everything of the file but its resources (backend, providers, variables, outputs), as read;
    #: None when the stack was not read from a file by :func:`read_stack`.
    settings: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def construct_path(self, address: str) -> str | None:
        """The construct path of a plan address, or None when the synth does not know it.

        Instance keys (``count``/``for_each``) and module prefixes are ignored: every instance
        belongs to the construct that declared the block.
        """
        resource = self.resources.get(config_address(address))
        return resource.construct_path if resource else None


_LOGICAL_ID = re.compile(r"^(?P<human>.+)_(?P<hash>[0-9A-F]{8})$")
#: Limits of the search when recovering a path (the candidates grow exponentially).
_MAX_RECOVERED_COMPONENTS = 6
_MAX_CANDIDATES = 20_000


@dataclass
class SearchBudget:
    """Candidate paths tried at most over many recoveries (one report): a plan of many made-up
    names must not cost minutes of hashing. Each name still has its own cap."""

    remaining: int = 200_000


def recover_construct_path(stack: str, address: str, shared: SearchBudget | None = None) -> str | None:
    """The construct path of a resource that is no longer in the code, read from its address.

    cdktf names a block ``<components joined by "_">_<HASH>``, where HASH is the first 8 hex
    digits of the MD5 of the path below the stack and a component equal to the end of the one
    before it is left out of the name (``cluster/cluster`` -> ``cluster_A4C38409``). Candidate
    paths are rebuilt from the name (each ``_`` a separator or part of an id, each component
    possibly followed by a left-out one) and only one whose hash matches is returned, so the answer is exact or
    None. A block directly below the stack is named by its id alone, which cannot be told
    from a name written by hand: None.
    """
    name = config_address(address).split(".")[-1]
    match = _LOGICAL_ID.fullmatch(name)
    if match is None:
        return None
    parts = match["human"].split("_")
    if len(parts) > _MAX_RECOVERED_COMPONENTS:
        return None
    allowed = _MAX_CANDIDATES if shared is None else min(_MAX_CANDIDATES, shared.remaining)
    budget = SearchBudget(allowed)
    try:
        return _search(stack, parts, match["hash"], budget)
    finally:
        if shared is not None:
            shared.remaining -= allowed - budget.remaining


def _search(stack: str, parts: list[str], digest: str, budget: SearchBudget) -> str | None:
    for joins in itertools.product(("/", "_"), repeat=len(parts) - 1):
        components = [parts[0]]
        for join, part in zip(joins, parts[1:], strict=True):
            if join == "/":
                components.append(part)
            else:
                components[-1] += "_" + part
        # After each component, a left-out one may follow: its whole text or an ending of it.
        options = [[(c,), *((c, e) for e in _endings(c))] for c in components]
        for choice in itertools.product(*options):
            if budget.remaining <= 0:
                return None
            budget.remaining -= 1
            path = "/".join(itertools.chain.from_iterable(choice))
            if hashlib.md5(path.encode(), usedforsecurity=False).hexdigest()[:8].upper() == digest:
                return f"{stack}/{path}"
    return None


def _endings(component: str) -> list[str]:
    """``security-group`` -> ``security-group``, ``group``: ids that end the component."""
    pieces = component.split("-")
    return ["-".join(pieces[i:]) for i in range(len(pieces))]


def split_instance_keys(address: str) -> tuple[str, str]:
    """``type.name["a"][0]`` -> (``type.name``, ``["a"][0]``); the keys are empty without any."""
    if not address.endswith("]"):
        return address, ""
    match = _REVERSED_KEYS.match(address[::-1])
    if match is None:
        return address, ""
    cut = len(address) - match.end()
    return address[:cut], address[cut:]


def config_address(address: str) -> str:
    """``module.m.aws_x.name["k"]`` -> ``aws_x.name``; ``data.t.n[0]`` -> ``data.t.n``."""
    address = split_instance_keys(address)[0]
    # Brackets only in instance keys of modules; without any, a dot separates every part.
    parts = _split_address(address) if "[" in address or "]" in address else address.split(".")
    while len(parts) >= 2 and parts[0] == "module":
        parts = parts[2:]
    return ".".join(parts)


def _split_address(address: str) -> list[str]:
    # Instance keys of modules may hold dots inside quotes: split outside brackets only.
    parts, depth, current = [], 0, ""
    for char in address:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        if char == "." and depth == 0:
            parts.append(_INSTANCE_KEY.sub("", current))
            current = ""
        else:
            current += char
    parts.append(_INSTANCE_KEY.sub("", current))
    return parts


def _json_file(path: Path, what: str) -> Any:
    """The JSON document of ``path``; one error line for a file that is missing, not UTF-8 or not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise CommandError(f"{path}: cannot be read: {err.strerror}") from None
    except json.JSONDecodeError as err:
        raise CommandError(f"{path}: not JSON ({err.msg} at line {err.lineno})") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path}: not JSON (not UTF-8 text)") from None
    except (ValueError, RecursionError):
        raise CommandError(f"{path}: not {what} (a number or nesting JSON readers refuse)") from None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def read_stack(name: str, path: Path) -> SynthStack:
    """Read one ``cdk.tf.json``. Parts of the wrong type are skipped: they are not resources."""
    document = _json_file(path, "a cdktf stack")
    if not isinstance(document, dict):
        raise CommandError(f"{path}: not a cdktf stack (expected a JSON object)")
    settings = {key: value for key, value in document.items() if key not in ("//", "resource", "data")}
    stack = SynthStack(
        name=name, directory=path.parent, outputs=dict(_object(document.get("output"))), settings=settings
    )
    for mode, section in (("managed", "resource"), ("data", "data")):
        for type_, blocks in _object(document.get(section)).items():
            for block_name, block in _object(blocks).items():
                address = f"{type_}.{block_name}" if mode == "managed" else f"data.{type_}.{block_name}"
                block = _object(block)
                construct_path = _object(_object(block.get("//")).get("metadata")).get("path")
                body = {k: v for k, v in block.items() if k != "//"}
                path_text = construct_path if isinstance(construct_path, str) and construct_path else None
                stack.resources[address] = SynthResource(address, type_, mode, path_text, body)
    return stack


def same_stack(a: SynthStack, b: SynthStack) -> bool:
    """Whether two synthesized stacks are one file's content: the same object, or files equal byte for byte."""
    if a is b:
        return True
    try:
        return (a.directory / "cdk.tf.json").read_bytes() == (b.directory / "cdk.tf.json").read_bytes()
    except OSError:
        return False


def read_synth_dir(directory: Path) -> dict[str, SynthStack]:
    """Every stack of a synth directory, by stack name.

    Uses cdktf's ``manifest.json`` when present, else every ``stacks/*/cdk.tf.json``.
    """
    manifest = directory / "manifest.json"
    stacks: dict[str, SynthStack] = {}
    if manifest.is_file():
        entries = _object(_json_file(manifest, "a cdktf manifest")).get("stacks")
        if not isinstance(entries, dict):
            raise CommandError(f"{manifest}: not a cdktf manifest (no stacks object)")
        for name, entry in sorted(entries.items()):
            stack_path = _object(entry).get("synthesizedStackPath")
            if not isinstance(stack_path, str) or not stack_path:
                raise CommandError(f"{manifest}: not a cdktf manifest (stack {name!r} has no synthesizedStackPath)")
            # A stack's file is read only from inside the synth directory.
            target = directory / stack_path
            if not target.resolve().is_relative_to(directory.resolve()):
                raise CommandError(
                    f"{manifest}: stack {name!r}: synthesizedStackPath {json.dumps(stack_path)} leads out of "
                    f"{directory}; cdktf writes stacks/<stack>/cdk.tf.json"
                )
            stacks[name] = read_stack(name, target)
    else:
        for path in sorted(directory.glob("stacks/*/cdk.tf.json")):
            stacks[path.parent.name] = read_stack(path.parent.name, path)
    if not stacks:
        raise CommandError(
            f"{directory}: no synthesized stacks (expected manifest.json or stacks/*/cdk.tf.json); "
            "run `scripts/synth` or `cdktf synth` first"
        )
    return stacks
