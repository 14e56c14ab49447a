"""The note ``platformctl comment`` posts: its hidden marker, the line naming the commit and
pipeline that made the report, and the report cut to the host's size limit with its open
blocks closed and a visible notice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import CommandError


def marker(name: str) -> str:
    """The hidden first line of every note posted under ``name``."""
    return f"<!-- platformctl:{name} -->"


# --- where the report comes from ---------------------------------------------------------------

_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
_SAFE_URL = re.compile(r"^https?://[^\s()<>\[\]`\"'\\]+$", re.ASCII)
PIPELINE_TAG = re.compile(r"<!-- platformctl:pipeline ([0-9]{1,19}) -->", re.ASCII)


@dataclass(frozen=True)
class Provenance:
    """The commit, pipeline and job a report was made by, from the CI host's variables."""

    sha: str
    run_id: int
    run_url: str | None
    job_url: str | None
    commit_url: str | None
    merged_sha: str | None = None  #: a merged results pipeline's own commit (the plan's code)

    @classmethod
    def gitlab(cls, env: Mapping[str, str]) -> Provenance | None:
        """``CI_COMMIT_SHA`` (in a merged results pipeline, ``CI_MERGE_REQUEST_SOURCE_BRANCH_SHA``
        is the branch's head and ``CI_COMMIT_SHA`` the merge it was planned on), ``CI_PIPELINE_ID``,
        ``CI_PIPELINE_URL``, ``CI_JOB_URL``, ``CI_PROJECT_URL``. None outside GitLab CI."""
        ran = env.get("CI_COMMIT_SHA", "").strip()
        head = env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", "").strip() or ran
        run_id = env.get("CI_PIPELINE_ID", "").strip()
        if not _SHA.fullmatch(head) or not re.fullmatch(r"[0-9]{1,19}", run_id):
            return None
        project = _url(env.get("CI_PROJECT_URL"))
        return cls(
            sha=head,
            run_id=int(run_id),
            run_url=_url(env.get("CI_PIPELINE_URL")),
            job_url=_url(env.get("CI_JOB_URL")),
            commit_url=f"{project}/-/commit/{head}" if project else None,
            merged_sha=ran if _SHA.fullmatch(ran) and ran != head else None,
        )

    @classmethod
    def github(cls, env: Mapping[str, str]) -> Provenance | None:
        """``GITHUB_SHA`` (for a pull request, its merge commit), ``GITHUB_RUN_ID``,
        ``GITHUB_SERVER_URL``/``GITHUB_REPOSITORY``. None outside GitHub Actions."""
        sha = env.get("GITHUB_SHA", "").strip()
        run_id = env.get("GITHUB_RUN_ID", "").strip()
        if not _SHA.fullmatch(sha) or not re.fullmatch(r"[0-9]{1,19}", run_id):
            return None
        server = _url(env.get("GITHUB_SERVER_URL"))
        repository = env.get("GITHUB_REPOSITORY", "").strip()
        repo = (
            f"{server}/{repository}"
            if server and re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repository)
            else None
        )
        return cls(
            sha=sha,
            run_id=int(run_id),
            run_url=f"{repo}/actions/runs/{run_id}" if repo else None,
            job_url=None,
            commit_url=f"{repo}/commit/{sha}" if repo else None,
        )

    def tag(self) -> str:
        """A hidden line: which pipeline wrote the note (a later one is never overwritten)."""
        return f"<!-- platformctl:pipeline {self.run_id} -->"

    def line(self) -> str:
        """One visible line: commit, pipeline and job, linked where the host gave addresses."""
        short = f"`{self.sha[:12]}`"
        parts = [f"Commit {f'[{short}]({self.commit_url})' if self.commit_url else short}"]
        if self.merged_sha:
            parts[0] += f" (planned as merged into the target branch: `{self.merged_sha[:12]}`)"
        parts.append(f"[pipeline {self.run_id}]({self.run_url})" if self.run_url else f"pipeline {self.run_id}")
        if self.job_url:
            parts.append(f"[job]({self.job_url})")
        return " · ".join(parts) + "\n\n"


def _url(value: str | None) -> str | None:
    value = (value or "").strip().rstrip("/")
    return value if _SAFE_URL.fullmatch(value) else None


# --- the note's body -----------------------------------------------------------------------

_NOTICE = (
    "\n\n---\n**This report was cut**: it is {size:,} characters, over {host}'s limit of {limit:,} "
    "for a comment. The whole report is in the job's log and artifacts.\n"
)
_SHORT_NOTICE = "\n\n**This report was cut** (over {host}'s limit).\n"
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def compose(report: str, name: str, limit: int, host: str) -> str:
    """Marker, then the report; over ``limit`` characters, cut at a line with a visible notice.

    The result never exceeds ``limit`` and always starts with the marker (a re-run must find
    it); a limit too small for the marker and the shortest notice is an error.
    """
    head = marker(name) + "\n"
    body = head + report.rstrip("\n") + "\n"
    if len(body) <= limit:
        return body
    for template in (_NOTICE, _SHORT_NOTICE):
        notice = template.format(size=len(body), host=host, limit=limit)
        room = limit - len(head) - len(notice)
        if room >= 0:
            return head + _cut(report, room) + notice
    smallest = len(head) + len(_SHORT_NOTICE.format(host=host))
    raise CommandError(f"{host}'s limit of {limit:,} characters cannot hold the marker and a notice ({smallest})")


def _cut(report: str, room: int) -> str:
    """The longest run of whole lines of ``report`` that, with its open blocks closed, fits ``room``."""
    kept = report[: room + 1]
    while True:
        kept = kept[: kept.rindex("\n")] if "\n" in kept else ""
        closing = _closing(kept)
        excess = len(kept) + len(closing) - room
        if excess <= 0:
            return kept + closing
        kept = kept[: len(kept) - excess]


def _closing(text: str) -> str:
    """What closes the HTML comment, code fence and ``<details>`` left open at the end of ``text``."""
    closing = ""
    if text.rfind("<!--") > text.rfind("-->"):
        closing += "\n-->"
    fence = None
    for line in text.splitlines():
        match = _FENCE.match(line)
        if match is None:
            continue
        run = match.group(1)
        if fence is None:
            fence = run
        elif run[0] == fence[0] and len(run) >= len(fence) and not line.strip().strip(run[0]):
            fence = None
    if fence is not None:
        closing += "\n" + fence
    closing += "\n</details>" * max(0, text.count("<details>") - text.count("</details>"))
    return closing
