"""``python -m platformctl.ci_preview``: the merge request note of the GitLab CI template.

The plan jobs of ``ci/gitlab/platform.gitlab-ci.yml`` leave, per stack, in the plans
directory: ``<stack>.status`` (``changes``, ``no-changes``, ``failed`` or ``skipped``),
``<stack>.job`` (the job's address), ``<stack>.skipped`` (why), and for a finished plan
``<stack>.plan.json`` and ``<stack>.plan.txt`` (``terraform show``). This writes one report
for every stack of the synth directory:

- a result table: each stack's plan result, a link to its job and to its full plan text;
  a failed plan, a skipped one (a new environment whose infra has no state yet) and a stack
  whose plan job never reported (cancelled, or its environment not in the matrix) are said
  so at the top, so a note never shows a stale or partial success;
- the ``platformctl preview`` report of the plans that finished;
- the full plan text of each stack, scrubbed of every value any of the plans marks
  sensitive, into ``--text-dir`` (the job's artifacts the note links to);
- with ``--gitlab-report``, GitLab's terraform report of the finished plans.

Exit status: 0, or with ``--fail-on-changes`` (the scheduled drift check) 1 when a plan
failed, did not report, or has changes.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import CommandError
from .markdown import code, text, write_output
from .masking import NO_SECRETS, Secrets
from .preview import load
from .report import DEFAULT_MAX_CHARS, StackPlan, render_gitlab_report, render_markdown

STATUSES = ("changes", "no-changes", "failed", "skipped")
_STACK = re.compile(r"^[A-Za-z0-9_.-]+$")
_URL = re.compile(r"^https?://[^\s()<>\[\]`\"']+$", re.ASCII)

_RESULT = {
    "changes": "changes",
    "no-changes": "no changes",
    "failed": "❌ **plan failed**",
    "skipped": "⏭️ skipped",
    None: "❔ **no result** (the plan job did not finish or did not run)",
}


@dataclass
class StackResult:
    name: str
    status: str | None  #: one of STATUSES, or None when the job left nothing
    job_url: str | None
    reason: str | None  #: why it was skipped
    plan_json: Path | None
    plan_text: Path | None

    @property
    def planned(self) -> bool:
        return self.status in ("changes", "no-changes") and self.plan_json is not None


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None


def collect(plans_dir: Path, synth_dir: Path) -> tuple[list[StackResult], bool]:
    """Every stack of the synth directory and every stack with a status file; whether the synth was found."""
    stacks_dir = synth_dir / "stacks"
    synthesized = stacks_dir.is_dir()
    names = {p.name for p in stacks_dir.iterdir() if p.is_dir()} if synthesized else set()
    if plans_dir.is_dir():
        names |= {p.name[: -len(".status")] for p in plans_dir.glob("*.status")}
    results = []
    for name in sorted(n for n in names if _STACK.fullmatch(n)):
        status = _read(plans_dir / f"{name}.status")
        if status not in STATUSES:
            status = None
        job = _read(plans_dir / f"{name}.job")
        plan_json = plans_dir / f"{name}.plan.json"
        plan_text = plans_dir / f"{name}.plan.txt"
        results.append(
            StackResult(
                name=name,
                status=status,
                job_url=job if job and _URL.fullmatch(job) else None,
                reason=_read(plans_dir / f"{name}.skipped") if status == "skipped" else None,
                plan_json=plan_json if plan_json.is_file() else None,
                plan_text=plan_text if plan_text.is_file() else None,
            )
        )
    return results, synthesized


def _link(label: str, url: str | None) -> str:
    return f"[{label}]({url})" if url and _URL.fullmatch(url) else ""


def load_plans(results: list[StackResult], synth_dir: Path | None) -> tuple[list[StackPlan], list[str], str | None]:
    """The finished plans as preview reads them; a plan that cannot be read is a problem for the report."""
    planned = [r for r in results if r.planned]
    if not planned:
        return [], [], None
    try:
        stacks, notes = load([f"{r.name}={r.plan_json}" for r in planned], synth_dir)
    except CommandError as err:
        return [], [], f"❌ **The plans could not be read**: {text(str(err))}"
    return stacks, notes, None


def secrets_of(stacks: list[StackPlan]) -> Secrets:
    secrets = NO_SECRETS
    for stack in stacks:
        secrets = secrets.union(stack.plan.secrets)
    return secrets


def render(
    results: list[StackResult],
    synthesized: bool,
    stacks: list[StackPlan],
    notes: list[str],
    problem: str | None = None,
    *,
    text_dir: Path | None = None,
    artifacts_url: str | None = None,
    max_chars: int | None = DEFAULT_MAX_CHARS,
) -> str:
    """The report: results first (failed, missing, skipped), then the preview of the finished plans."""
    problems = [problem] if problem else []
    secrets = secrets_of(stacks)

    failed = [r for r in results if r.status == "failed"]
    missing = [r for r in results if r.status is None]
    skipped = [r for r in results if r.status == "skipped"]
    lines = ["## Plan preview", ""]
    if not synthesized:
        lines += [
            "❌ **The synth failed** (no `cdktf.out/stacks`): nothing was planned. See the pipeline's synth job.",
            "",
        ]
    if failed:
        names = ", ".join(code(r.name) for r in failed)
        lines += [
            f"❌ **{len(failed)} of {len(results)} plans failed** ({names}): what follows is incomplete. "
            "Fix the failure (see the job) and run the pipeline again.",
            "",
        ]
    if missing:
        names = ", ".join(code(r.name) for r in missing)
        lines += [f"❔ **No plan result for** {names}: the job was cancelled or did not run.", ""]
    for result in skipped:
        reason = text(result.reason or "its infra stack is not applied yet")
        lines += [f"⏭️ {code(result.name)} **was not planned**: {reason}.", ""]
    if results:
        lines += ["| stack | plan | job | full plan |", "|---|---|---|---|"]
        for result in results:
            outcome = _RESULT[result.status]
            full = ""
            if result.planned and result.plan_text is not None and text_dir is not None:
                full = _link(f"{result.name}.txt", f"{artifacts_url}/{text_dir.as_posix()}/{result.name}.txt")
            lines.append(f"| {code(result.name)} | {outcome} | {_link('job', result.job_url)} | {full} |")
        lines.append("")
    header = "\n".join(lines) + "\n"
    body = ""
    if stacks:
        limit = None if not max_chars else max(max_chars - len(header), 1000)
        report = render_markdown(stacks, notes=notes, max_chars=limit)
        body = report.replace("## Plan preview\n", "### Changes\n", 1)
    elif not problems and not failed and not missing:
        body = "No plan to show.\n" if not results else ""
    report = header + "".join(p + "\n\n" for p in problems) + body
    return secrets.net(report.rstrip("\n") + "\n")


def write_texts(results: list[StackResult], secrets: Secrets, text_dir: Path) -> None:
    """Each finished plan's ``terraform show`` text, every sensitive value of the plans scrubbed."""
    text_dir.mkdir(parents=True, exist_ok=True)
    for result in results:
        if result.plan_text is None:
            continue
        raw = result.plan_text.read_text(encoding="utf-8", errors="replace")
        scrubbed = "\n".join(secrets.scrub(line) for line in raw.splitlines())
        (text_dir / f"{result.name}.txt").write_text(secrets.net(scrubbed) + "\n", encoding="utf-8")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m platformctl.ci_preview", description=__doc__.split("\n\n")[0])
    parser.add_argument("--plans-dir", type=Path, default=Path("plans"))
    parser.add_argument("--synth-dir", type=Path, default=Path("cdktf.out"))
    parser.add_argument("--out", type=Path, help="the Markdown report (default: standard output)")
    parser.add_argument("--gitlab-report", type=Path, help="also write GitLab's terraform report here")
    parser.add_argument("--text-dir", type=Path, help="write each stack's scrubbed plan text here")
    parser.add_argument("--artifacts-url", help="where --text-dir is served from (the job's artifacts/file address)")
    parser.add_argument(
        "--stacks-ending-with",
        default="",
        metavar="SUFFIX",
        help="report only the stacks whose name ends with SUFFIX, e.g. -infra (default: every stack)",
    )
    parser.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS)
    parser.add_argument("--fail-on-changes", action="store_true", help="exit 1 on changes or on a plan without result")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        results, synthesized = collect(args.plans_dir, args.synth_dir)
        results = [r for r in results if r.name.endswith(args.stacks_ending_with)]
        stacks, notes, problem = load_plans(results, args.synth_dir if synthesized else None)
        read = {s.name for s in stacks}
        artifacts = (
            args.artifacts_url.rstrip("/") if args.artifacts_url and _URL.fullmatch(args.artifacts_url) else None
        )
        report = render(
            results,
            synthesized,
            stacks,
            notes,
            problem,
            text_dir=args.text_dir if artifacts else None,
            artifacts_url=artifacts,
            max_chars=args.max_chars or None,
        )
        if args.text_dir is not None:
            write_texts([r for r in results if r.name in read], secrets_of(stacks), args.text_dir)
        write_output(report, args.out)
        if args.gitlab_report is not None:
            write_output(render_gitlab_report([s.plan for s in stacks]), args.gitlab_report)
    except CommandError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if args.fail_on_changes:
        bad = [r.name for r in results if r.status in ("failed", "changes", None)]
        if problem or not synthesized:
            bad.append("the plans" if synthesized else "the synth")
        if bad:
            print(f"drift check: changes or failures in {', '.join(bad)} (see the report)", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
