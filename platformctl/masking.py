"""Hiding sensitive values of a plan: one rule for every JSON type, for map keys and for whole objects.

A plan holds sensitive values in plain text; ``before_sensitive``/``after_sensitive`` say which.
Those masks are trusted only as far as they fit the value they describe:

- ``true`` hides the whole value below it, whatever its type (object, list, string, number,
  bool), map keys included;
- an object mask is read key by key against an object value, a list mask item by item against
  a list of the same length;
- any other mask (a list against an object, a list shorter or longer than the value, an
  object against a string, a mask that is neither a bool, an object nor a list) cannot be
  read, and hides the whole value: when unsure, hide.

Terraform also does not mark every place a sensitive value flows to (``terraform_data.output``
repeats a sensitive ``input`` unmarked). So every scalar the plan marks sensitive anywhere
becomes a :class:`Secrets` entry, and a value elsewhere is hidden when it equals one (any
type: ``5432`` and ``"5432"`` alike) or, for secrets of :data:`MIN_SECRET_LENGTH` characters
or more, contains one. A map with such a key is hidden whole, and addresses and paths have
such parts replaced by ``(sensitive)`` (:meth:`Secrets.scrub`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .values import ABSENT, KNOWN_AFTER_APPLY, SENSITIVE, AttributeChange, attribute_changes

#: Secrets shorter than this are matched as whole values only (a sensitive ``"on"`` must not
#: hide every value containing it); longer ones also inside other strings, addresses and paths.
MIN_SECRET_LENGTH = 4
#: Secrets at least this long are also replaced in the finished report, as a last net.
REPORT_NET_LENGTH = 8
_WORDS = frozenset({"true", "false"})


def printed_forms(secret: str) -> frozenset[str]:
    """Every form in which a report may print ``secret``: as it is and escaped every way it escapes.

    A secret used as a map key is printed inside an attribute path or an address, where it is
    JSON-escaped (``labels["a\\"b"]``); Terraform writes HCL escapes (``$${``, ``%%{``); a report
    writes text through :func:`platformctl.markdown.visible` (control characters as ``\\n``),
    inside code spans (``|`` as ``\\|``), as Markdown text (punctuation backslashed, entities,
    word joiners) and as HTML (``&quot;``). Comparing only the raw text would miss all of them.
    """
    from .markdown import code, html_code, text, visible

    base = {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        _hcl_escaped(secret),
    }
    forms = set(base)
    for form in base:
        shown = visible(form)
        forms.add(shown)
        forms.add(_code_inner(code(form)))
        forms.add(html_code(form).removeprefix("<code>").removesuffix("</code>"))
        forms.add(text(form))
        forms.add(shown.replace("|", "\\|"))
    return frozenset(f for f in forms if f)


def _hcl_escaped(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return escaped.replace("\t", "\\t").replace("${", "$${").replace("%{", "%%{")


def _code_inner(span: str) -> str:
    """The text of an inline code span written by :func:`platformctl.markdown.code`."""
    fence = len(span) - len(span.lstrip("`"))
    inner = span[fence : len(span) - fence]
    if len(inner) >= 2 and inner[0] == " " and inner[-1] == " ":
        inner = inner[1:-1]
    return inner


def scalar_text(value: Any) -> str | None:
    """How a scalar is compared with secrets: strings as they are, numbers and bools as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        value = int(value)  # 5.0 is the same secret as 5
    if isinstance(value, bool | int | float):
        try:
            return json.dumps(value)
        except ValueError:  # an integer beyond the interpreter's digit limit
            return None
    return None


@dataclass(frozen=True)
class Secrets:
    """The sensitive scalars of one or more plans, as text (see :func:`scalar_text`)."""

    exact: frozenset[str] = frozenset()
    _long: tuple[str, ...] = field(default=(), repr=False)
    #: Finds whether a text holds any of :attr:`_long` (None when there are none).
    _finder: _Finder | None = field(default=None, repr=False)
    _short: re.Pattern[str] | None = field(default=None, repr=False)

    @classmethod
    def of(cls, texts: Iterable[str]) -> Secrets:
        # An empty value carries nothing to hide, and hiding every "" would hide much for nothing.
        exact = frozenset(t for t in texts if t)
        # Each secret is searched in every form a report prints it in (see printed_forms).
        # A sensitive bool hides equal values, not every text with the word "true" in it.
        long_forms: set[str] = set()
        short_forms: set[str] = set()
        for secret in exact:
            if secret in _WORDS:
                continue
            forms = printed_forms(secret) if not secret.isalnum() else frozenset({secret})
            (long_forms if len(secret) >= MIN_SECRET_LENGTH else short_forms).update(forms)
        long = tuple(sorted((t for t in long_forms if len(t) >= MIN_SECRET_LENGTH), key=lambda t: (-len(t), t)))
        short_forms |= {t for t in long_forms if len(t) < MIN_SECRET_LENGTH}
        short = sorted(short_forms, key=lambda t: (-len(t), t))
        # A short secret is a whole token of an address or a path: `vm["ab"]`, `labels.ab`.
        pattern = (
            re.compile(r"(?<![A-Za-z0-9_-])(?:" + "|".join(map(re.escape, short)) + r")(?![A-Za-z0-9_-])")
            if short
            else None
        )
        return cls(exact, long, _Finder.of(long) if long else None, pattern)

    def union(self, other: Secrets) -> Secrets:
        return self if not other.exact else other if not self.exact else Secrets.of(self.exact | other.exact)

    def __bool__(self) -> bool:
        return bool(self.exact)

    def _contains(self, text: str) -> bool:
        return self._finder is not None and len(text) >= MIN_SECRET_LENGTH and self._finder.found_in(text)

    def hides(self, value: Any) -> bool:
        """Whether a scalar value or a map key equals or contains a secret."""
        text = scalar_text(value)
        return text is not None and (text in self.exact or self._contains(text))

    def mask(self, value: Any) -> Any:
        """A mask true at every leaf that :meth:`hides`, and at every map with a key that does."""
        if not self.exact:
            return False
        if isinstance(value, dict):
            if any(self.hides(key) for key in value):
                return True
            found = {key: m for key, item in value.items() if (m := self.mask(item)) is not False}
            return found or False
        if isinstance(value, list):
            items = [self.mask(item) for item in value]
            return items if any(m is not False for m in items) else False
        return self.hides(value)

    def scrub(self, text: str) -> str:
        """``text`` (an address, a path, a reason) with every secret in it replaced by ``(sensitive)``."""
        if not self.exact:
            return text
        if text in self.exact:
            return SENSITIVE
        if self._contains(text):
            for secret in self._long:
                text = text.replace(secret, SENSITIVE)
        if self._short is not None:
            text = self._short.sub(SENSITIVE, text)
        return text

    def net(self, report: str) -> str:
        """The finished report with any long secret that still got into it replaced."""
        if not self._contains(report):  # none of the long secrets, so none of these
            return report
        for secret in self._long:
            if len(secret) >= REPORT_NET_LENGTH and secret in report:
                report = report.replace(secret, SENSITIVE)
        return report


#: Forms are looked up by their first characters, at most this many: the pattern that finds
#: where they start stays small whatever a secret's length (a kubeconfig, a certificate).
_KEY_LENGTH = 16


@dataclass(frozen=True)
class _Finder:
    """Whether a text holds any of many strings: a pattern finds, in C, each place where one of
    their keys (first :data:`_KEY_LENGTH` characters) starts, and only there are the strings
    with that key compared. The keys are written as a trie (``ab(?:c|d)``), so the pattern
    tries each character once per place instead of every string in turn."""

    starts: re.Pattern[str]
    by_key: dict[str, tuple[str, ...]]
    key_lengths: tuple[int, ...]

    @classmethod
    def of(cls, forms: Iterable[str]) -> _Finder:
        by_key: dict[str, list[str]] = {}
        for form in forms:
            by_key.setdefault(form[:_KEY_LENGTH], []).append(form)
        starts = re.compile("(?=" + _trie(by_key) + ")")
        lengths = tuple(sorted({len(key) for key in by_key}))
        return cls(starts, {key: tuple(found) for key, found in by_key.items()}, lengths)

    def found_in(self, text: str) -> bool:
        for match in self.starts.finditer(text):
            start = match.start()
            for length in self.key_lengths:
                found = self.by_key.get(text[start : start + length])
                if found and any(text.startswith(form, start) for form in found):
                    return True
        return False


def _trie(words: Iterable[str]) -> str:
    """A pattern matching any of ``words`` (non-empty, at most :data:`_KEY_LENGTH` characters,
    so the groups nest at most that deep)."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        parts: list[str] = []
        branches = [char for char in node if char]
        while len(branches) == 1 and "" not in node:  # one way on: plain characters
            parts.append(re.escape(branches[0]))
            node = node[branches[0]]
            branches = [char for char in node if char]
        if branches:
            group = "|".join(re.escape(char) + build(node[char]) for char in sorted(branches))
            parts.append(f"(?:{group})" + ("?" if "" in node else ""))
        return "".join(parts)

    return build(root)


NO_SECRETS = Secrets()

#: The path shown when the whole value (a resource's every attribute, an output) is hidden.
WHOLE_VALUE = "(whole value)"


# --- masks ---------------------------------------------------------------------------------


def conform(mask: Any, value: Any) -> Any:
    """``mask`` read against ``value``: ``True``, ``False``, or an object/list of ``value``'s shape.

    A mask that does not fit the value (see the module's docstring) hides it whole.
    """
    if mask is True:
        return True
    if mask is False or mask is None or value is None:
        return False
    if isinstance(mask, dict) and isinstance(value, dict):
        found = {}
        for key, item_mask in mask.items():
            if key in value and (m := conform(item_mask, value[key])) is not False:
                found[key] = m
        return found or False
    if isinstance(mask, list) and isinstance(value, list) and len(mask) == len(value):
        items = [conform(m, v) for m, v in zip(mask, value, strict=True)]
        return items if any(m is not False for m in items) else False
    return True


def union(a: Any, b: Any) -> Any:
    """A mask true wherever ``a`` or ``b`` is; two masks of different shapes at one place hide it."""
    if a is True or b is True:
        return True
    if a is False or a is None:
        return b if b is not None else False
    if b is False or b is None:
        return a
    if isinstance(a, dict) and isinstance(b, dict):
        merged = {key: union(a.get(key, False), b.get(key, False)) for key in a.keys() | b.keys()}
        return {key: m for key, m in merged.items() if m is not False} or False
    if isinstance(a, list) and isinstance(b, list):
        length = max(len(a), len(b))
        padded_a, padded_b = a + [False] * (length - len(a)), b + [False] * (length - len(b))
        return [union(x, y) for x, y in zip(padded_a, padded_b, strict=True)]
    return True


def any_true(mask: Any) -> bool:
    if mask is True:
        return True
    if isinstance(mask, dict):
        return any(any_true(v) for v in mask.values())
    if isinstance(mask, list):
        return any(any_true(v) for v in mask)
    return False


def child(container: Any, key: Any) -> Any:
    if isinstance(container, dict) and isinstance(key, str):
        return container.get(key)
    if isinstance(container, list) and isinstance(key, int) and not isinstance(key, bool):
        return container[key] if 0 <= key < len(container) else None
    return None


def sensitive_scalars(value: Any, mask: Any, found: set[str]) -> None:
    """Add to ``found`` the text of every scalar that ``mask`` (read with :func:`conform`) hides."""
    if mask is False or mask is None or value is None or (type(mask) is dict and not mask and type(value) is dict):
        return  # nothing marked (what terraform writes for most values): conform would say False
    _collect(value, conform(mask, value), found)


def _collect(value: Any, mask: Any, found: set[str]) -> None:
    if mask is True:
        _all_scalars(value, found)
    elif isinstance(mask, dict) and isinstance(value, dict):
        for key, item_mask in mask.items():
            _collect(value.get(key), item_mask, found)
    elif isinstance(mask, list) and isinstance(value, list):
        for item_mask, item in zip(mask, value, strict=False):
            _collect(item, item_mask, found)


def _all_scalars(value: Any, found: set[str]) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        else:
            text = scalar_text(item)
            if text is not None:
                found.add(text)


# --- redaction -----------------------------------------------------------------------------


def _redact(before: Any, after: Any, hidden: Any, unknown: Any) -> tuple[Any, Any, Any]:
    """Replace every hidden subtree by a token that says only whether it changed.

    Returns the new ``before``, ``after`` and ``after_unknown``: an unknown value anywhere
    inside a hidden subtree makes the whole subtree unknown, so no path below it is shown.
    """
    if hidden is True:
        token_before = None if before is None else 0
        token_after = None if after is None else (0 if after == before else 1)
        return token_before, token_after, any_true(unknown)
    if not any_true(hidden):
        return before, after, unknown
    if isinstance(hidden, dict):
        new_before = dict(before) if isinstance(before, dict) else before
        new_after = dict(after) if isinstance(after, dict) else after
        new_unknown = dict(unknown) if isinstance(unknown, dict) else unknown
        for key, mask in hidden.items():
            b, a, u = _redact(child(before, key), child(after, key), mask, child(unknown, key))
            if isinstance(new_before, dict) and key in new_before:
                new_before[key] = b
            if isinstance(new_after, dict) and key in new_after:
                new_after[key] = a
            if isinstance(new_unknown, dict) and (key in new_unknown or u is True):
                new_unknown[key] = u
        return new_before, new_after, new_unknown
    if isinstance(hidden, list):
        new_before = list(before) if isinstance(before, list) else before
        new_after = list(after) if isinstance(after, list) else after
        new_unknown = list(unknown) if isinstance(unknown, list) else unknown
        for index, mask in enumerate(hidden):
            b, a, u = _redact(child(before, index), child(after, index), mask, child(unknown, index))
            if isinstance(new_before, list) and index < len(new_before):
                new_before[index] = b
            if isinstance(new_after, list) and index < len(new_after):
                new_after[index] = a
            if isinstance(new_unknown, list) and index < len(new_unknown):
                new_unknown[index] = u
        return new_before, new_after, new_unknown
    return before, after, unknown


def hidden_mask(change: Mapping[str, Any], secrets: Secrets) -> Any:
    """Where ``change`` (a plan's change: ``before``, ``after`` and their ``*_sensitive``
    masks) must not be shown: marked on either side, or holding a secret of the plan."""
    before, after = change.get("before"), change.get("after")
    hidden = union(conform(change.get("before_sensitive"), before), conform(change.get("after_sensitive"), after))
    if secrets:
        hidden = union(hidden, union(secrets.mask(before), secrets.mask(after)))
    return hidden


def cut_at_mask(steps: list[Any], mask: Any, secrets: Secrets) -> list[str | int]:
    """The steps of a path up to and including the first one that is hidden or is a secret."""
    kept: list[str | int] = []
    node = mask
    for step in steps:
        if node is True:
            break
        if isinstance(step, str) and secrets.hides(step):
            kept.append(SENSITIVE)
            break
        kept.append(step)
        node = child(node, step)
    return kept


def masked_changes(
    change: Mapping[str, Any], *, limit: int = 120, secrets: Secrets = NO_SECRETS
) -> list[AttributeChange]:
    """:func:`platformctl.values.attribute_changes` for a plan's ``change`` (its ``before``,
    ``after``, ``after_unknown`` and the ``*_sensitive`` masks), safe to print.

    A value hidden on either side is hidden on both sides, and as a whole: the change is
    shown at the hidden attribute (``kubeconfig``), never at paths below it, whose map keys
    may themselves be secret. Unset attributes (``null`` before and after) are left out.
    """
    hidden = hidden_mask(change, secrets)
    before, after, after_unknown = _redact(
        change.get("before"), change.get("after"), hidden, change.get("after_unknown")
    )
    changes = attribute_changes(
        before, after, after_unknown=after_unknown, before_sensitive=hidden, after_sensitive=hidden, limit=limit
    )
    shown = [
        AttributeChange(secrets.scrub(c.path) or WHOLE_VALUE, c.before, c.after)
        for c in changes
        if not (c.before == ABSENT and c.after == ABSENT)
    ]
    # `output: (none) -> (known after apply)` says nothing `output.name: "c" -> (known after apply)` does not.
    kept = []
    for i, c in enumerate(shown):
        if c.before == ABSENT and c.after == KNOWN_AFTER_APPLY and i + 1 < len(shown):
            following = shown[i + 1].path
            if following.startswith(c.path) and following[len(c.path) : len(c.path) + 1] in (".", "["):
                continue
        kept.append(c)
    return kept
