"""Hostile text in plans, synths and git refs renders as inert text in the Markdown reports.

Every report is parsed with markdown-it (GFM tables, HTML and autolinks on, as GitHub and
GitLab render a note) and checked structurally: no HTML element but the report's own
``<details>``/``<summary>``/``<code>``, no link or image, and every piece of untrusted text
(each carries a probe word) inside a code span or an HTML ``<code>``, never in running text
where a mention, a reference or an emoji would come alive. The raw report holds no control
character, and a table row keeps its cells.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from platformctl.cli import main
from platformctl.diff import compare
from platformctl.diff import render_markdown as render_diff
from platformctl.markdown import code, html_code, text, visible
from platformctl.synth_output import read_synth_dir

#: One hostile piece per way out of a code span, a table cell, a list item or an HTML block.
HOSTILE = [
    "`</details><img src=x onerror=alert(1)>`",
    "``x`` ```y` `",
    "</details>\n\n<details><summary>PWN</summary>",
    "[click](https://evil.example/steal) ![img](https://evil.example/i.png)",
    "https://evil.example/path www.evil.example mailto:a@evil.example",
    "@all @channel #123 !456 ~label %9 $7 &8 ^abc :smile: :+1:",
    "\x1b[31mred\x1b[0m\x07\x00\x08\x7f\x9b",
    "line1\r\nline2\n\n# heading\n- item\n> quote",
    "\u202eevil\u200b\u2028sep\u2029\ufeff",
    "pipe | cell | break \\| and \\\\| end",
    "<script>alert(1)</script> &amp; &lt; <!-- open comment",
    "*em* _em_ **strong** ~~strike~~ $x$ {+add+} [-del-]",
    "\ud800 lone surrogate \udfff",
    "trailing backtick`",
    " spaced both ends ",
    "\\`escaped\\` \\",
]
IDS = [f"h{i}" for i in range(len(HOSTILE))]
OWN_TAGS = {"details", "summary", "code"}
#: What GitLab and GitHub turn into something live in running text.
LIVE_IN_TEXT = re.compile(r"@\w|(?<![\w&])[#!$&]\d|(?<!\w)[~%]\w|:[\w+-]+:|\w+://|www\.|mailto:\w", re.IGNORECASE)


def _parser() -> MarkdownIt:
    return MarkdownIt("gfm-like")


def _walk(tokens: list[Token]) -> list[Token]:
    found = []
    for token in tokens:
        found.append(token)
        if token.children:
            found += _walk(token.children)
    return found


def assert_inert(markdown: str, probes: list[str]) -> list[Token]:
    """Check ``markdown`` structurally; ``probes`` are words only untrusted text contains."""
    assert all(char == "\n" or char.isprintable() for char in markdown), "a control character in the report"
    markdown.encode("utf-8")  # no lone surrogate
    tokens = _walk(_parser().parse(markdown))
    for token in tokens:
        assert token.type not in ("link_open", "image"), (token.type, token.content, token.attrs)
        if token.type in ("html_block", "html_inline"):
            tags = {t.lower() for t in re.findall(r"<\s*/?\s*([A-Za-z][A-Za-z0-9-]*)", token.content)}
            assert tags <= OWN_TAGS, token.content
            assert "<!--" not in token.content
            outside_code = re.sub(r"<code>.*?</code>", "", token.content, flags=re.DOTALL)
            assert not any(p in outside_code for p in probes), token.content
        if token.type == "text":
            assert not any(p in token.content for p in probes), f"untrusted text outside code: {token.content!r}"
            assert not LIVE_IN_TEXT.search(token.content), token.content
    # A table row has as many cells in the source as its header: no pipe broke out.
    for block in re.split(r"\n(?!\|)", markdown):
        rows = [line for line in block.split("\n") if line.startswith("|")]
        if len(rows) >= 2:
            widths = {_cell_count(row) for row in rows}
            assert len(widths) == 1, rows
    return tokens


def _cell_count(row: str) -> int:
    """Cells of a table row as cmark-gfm splits them: at pipes not escaped, code spans included."""
    count, i = 0, 0
    while i < len(row):
        if row[i] == "\\":
            i += 2
            continue
        if row[i] == "|":
            count += 1
        i += 1
    return count - 1


def _code_contents(tokens: list[Token]) -> list[str]:
    return [t.content for t in tokens if t.type == "code_inline"]


# --- the writers on their own -------------------------------------------------------------


@pytest.mark.parametrize("hostile", HOSTILE, ids=IDS)
def test_code_span_holds_the_text_whole_in_a_table_cell(hostile: str) -> None:
    value = f"PROBE {hostile} PROBE"
    table = f"| a | b |\n|---|---|\n| {code(value)} | {code(value)} |\n"
    tokens = assert_inert(table, ["PROBE"])
    spans = _code_contents(tokens)
    assert len(spans) == 2
    # The cell shows the text itself, with invisible characters as visible escapes; a
    # backslash right before a pipe is shown as \x5c (the one change a table cell forces).
    expected = re.sub(r"\\+(?=\|)", lambda m: "\\x5c" * len(m.group(0)), visible(value))
    assert spans == [expected, expected]


@pytest.mark.parametrize("hostile", HOSTILE, ids=IDS)
def test_plain_text_renders_literally_and_dead(hostile: str) -> None:
    value = f"PROBE {hostile}"
    tokens = _walk(_parser().parse(f"Note: {text(value)}\n"))
    assert not [t for t in tokens if t.type not in ("paragraph_open", "inline", "text", "paragraph_close", "softbreak")]
    rendered = "".join(t.content for t in tokens if t.type == "text")
    # What a reader sees is the text itself (the word joiners are zero-width)...
    assert rendered.replace("\u2060", "") == f"Note: {visible(value)}".rstrip(" ")  # a paragraph drops trailing spaces
    # ...and no mention, reference, emoji or URL survives for GitLab's or GitHub's filters.
    assert not LIVE_IN_TEXT.search(rendered)


@pytest.mark.parametrize("hostile", HOSTILE, ids=IDS)
def test_html_code_stays_inside_its_element(hostile: str) -> None:
    block = f"<details>\n<summary>Changed {html_code('PROBE' + hostile)}</summary>\n\ninside\n\n</details>\n\nafter\n"
    tokens = assert_inert(block, ["PROBE"])
    paragraphs = [t.content for t in tokens if t.type == "inline"]
    assert paragraphs == ["inside", "after"]


# --- preview -------------------------------------------------------------------------------


def _hostile_plan(hostile: str) -> dict[str, Any]:
    probe = f"PROBE{HOSTILE.index(hostile)}"
    h = f"{probe}{hostile}"

    def entry(address: str, actions: list[str], before: Any, after: Any, **extra: Any) -> dict[str, Any]:
        change = {
            "actions": actions,
            "before": before,
            "after": after,
            "after_unknown": {},
            "before_sensitive": False if before is None else {},
            "after_sensitive": False if after is None else {},
        }
        change.update(extra.pop("change", {}))
        return {"address": address, "mode": "managed", "type": "terraform_data", "name": "x", "change": change, **extra}

    changes = [
        entry(
            f'terraform_data.values["{h}"]',
            ["update"],
            {"input": h + "a", "labels": {h: "old"}},
            {"input": h + "b", "labels": {h: "new"}},
        ),
        entry(
            "terraform_data.replaced",
            ["delete", "create"],
            {"labels": {h: "1"}},
            {"labels": {h: "2"}},
            action_reason=h,
            change={"replace_paths": [["labels", h]]},
        ),
        entry(f"terraform_data.gone_{probe}", ["delete"], {"input": h}, None, action_reason=h, deposed=h),
        entry(f"terraform_data.moved_{probe}", ["no-op"], {"input": 1}, {"input": 1}, previous_address=h),
        {**entry(f"terraform_data.typed_{probe}", ["create"], None, {"input": h}), "type": h},
    ]
    return {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "planned_values": {"root_module": {}},
        "resource_changes": changes,
        "resource_drift": [entry(h, ["update"], {"input": "a"}, {"input": h})],
        "output_changes": {
            h: {"actions": ["update"], "before": h, "after": "x", "after_unknown": False,
                "before_sensitive": False, "after_sensitive": False},
        },
        "errored": True,
    }  # fmt: skip


@pytest.mark.parametrize("hostile", HOSTILE, ids=IDS)
@pytest.mark.parametrize("max_chars", ["0", "2500"])
def test_preview_writes_hostile_plans_as_inert_text(
    hostile: str, max_chars: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no cdktf.out: stacks are named after the files
    index = HOSTILE.index(hostile)
    # The stack is named after the file: a hostile file name is a hostile stack name.
    file_name = f"PROBE{index}{hostile.replace('/', '').replace(chr(0), '')}.plan.json"
    try:
        path = tmp_path / file_name
        path.write_text(json.dumps(_hostile_plan(hostile)))
    except (OSError, UnicodeEncodeError):
        path = tmp_path / f"PROBE{index}.plan.json"
        path.write_text(json.dumps(_hostile_plan(hostile)))
    code_, out, err = main(["preview", "--plan", str(path), "--max-chars", max_chars]), *capsys.readouterr()
    assert (code_, err) == (0, "")
    tokens = assert_inert(out, [f"PROBE{index}"])
    if max_chars == "0":
        # The untrusted text is there, whole, inside code spans (as JSON where it is a value).
        spans = " ".join(_code_contents(tokens))
        assert f"PROBE{index}" in spans
        if visible(hostile) == hostile and "|" not in hostile:
            assert f"PROBE{index}{hostile}" in spans
        # Every part of the plan was listed: the replacement, the destroy with its deposed key, the move.
        assert "🔁 **replace**" in out and "🗑️ **destroy**" in out and "🚚 **move**" in out


# --- diff ----------------------------------------------------------------------------------


def _synth_dir(root: Path, hostile: str, value: str) -> Path:
    stack_dir = root / "stacks" / "demo"
    stack_dir.mkdir(parents=True)
    probe = f"PROBE{HOSTILE.index(hostile)}"
    document = {
        "resource": {
            "openstack_containerinfra_cluster_v1": {
                "cluster_A4C38409": {
                    "//": {"metadata": {"path": f"demo/{probe}{hostile}"}},
                    "labels": {f"{probe}{hostile}": value, "kube_tag": value},
                    "name": f"{probe}{hostile}{value}",
                }
            },
            "terraform_data": {
                f"{probe}{value}": {"//": {"metadata": {"path": f"demo/{probe}{value}{hostile}"}}, "input": hostile}
                for _ in range(1)
            },
        },
        "output": {f"{probe}{hostile}": {"value": value}},
    }
    (stack_dir / "cdk.tf.json").write_text(json.dumps(document))
    return root


@pytest.mark.parametrize("hostile", HOSTILE, ids=IDS)
def test_diff_writes_hostile_synths_and_refs_as_inert_text(hostile: str, tmp_path: Path) -> None:
    base = read_synth_dir(_synth_dir(tmp_path / "base", hostile, "one"))
    work = read_synth_dir(_synth_dir(tmp_path / "work", hostile, "two"))
    index = HOSTILE.index(hostile)
    report = render_diff(compare(base, work), base_label=f"PROBE{index}{hostile}")
    tokens = assert_inert(report, [f"PROBE{index}"])
    assert "### ⚠️ Replacements" in report  # a cluster label changed: the hostile path is in the loud part
    assert f"PROBE{index}" in " ".join(_code_contents(tokens))


def test_long_runs_cost_linear_time() -> None:
    """Runs of backslashes, backticks and brackets: each is scanned once, not once per position."""
    started = time.monotonic()
    for value in ("\\" * 200_000 + "a|", "`" * 200_000 + "|", "[" * 200_000, "www." * 50_000):
        assert_inert(f"| a |\n|---|\n| {code(value)} |\n", [])
        text(value)
    assert time.monotonic() - started < 10
