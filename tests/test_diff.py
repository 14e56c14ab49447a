"""``platformctl diff``: a throwaway git repository holding a copy of the app, edited in its working tree.

Each diff runs ``python -m stacks`` twice (base and working tree, at the same time), so the
repository and the main report are built once per module.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from platformctl import cli
from platformctl.diff import compare, render_markdown
from platformctl.synth_output import read_synth_dir

ROOT = Path(__file__).resolve().parent.parent
#: The shipped environment on Magnum: the one whose cluster and node groups diff knows how to replace.
MAGNUM = (ROOT / "environments" / "magnum.hcl").read_text()

BATCH = """
node_group "batch" {
  role   = "worker"
  flavor = "m1.large"
  count  = 1
}
"""
DEV = MAGNUM + BATCH


def _edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"test setup: {old!r} moved in environments/magnum.hcl"
    return text.replace(old, new)


# The working tree's dev: a cluster label (replaces the cluster), the system group's count
# (in place), "batch" renamed to "jobs" (a destroy and create that looks like a rename), a new
# group "extra" (added), traefik switched off (removed from dev-platform).
DEV_EDITED = (
    _edit(
        _edit(DEV, 'octavia_provider = "ovn"', 'octavia_provider = "amphora"'),
        'role   = "system"\n  flavor = "m1.large"\n  count  = 1\n',
        'role   = "system"\n  flavor = "m1.large"\n  count  = 2\n',
    ).replace('node_group "batch"', 'node_group "jobs"')
    + """
node_group "extra" {
  role   = "worker"
  flavor = "m1.medium"
  count  = 3
}

addon "traefik" {
  enabled = false
}
"""
)

BROKEN = _edit(MAGNUM, "master_count       = 3", "master_count       = 2")


def _git(repo: Path, *argv: str) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", *argv],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def _copy_app(repo: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__")
    for name in ("constructs_lib", "environment_loader", "stacks"):
        shutil.copytree(ROOT / name, repo / name, ignore=ignore, dirs_exist_ok=True)
    for name in ("cdktf.json", "pyproject.toml"):
        shutil.copy2(ROOT / name, repo / name)


def _commit(repo: Path, message: str) -> None:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """History: ``broken-base`` (stable.hcl invalid), ``old-code`` (the network is named
    ``<env>-network`` by the code), then HEAD (the project's code). Working tree: dev edited,
    an untracked new environment ``extra``."""
    repo = tmp_path_factory.mktemp("diff-repo")
    _git(repo, "init", "-q", "-b", "main")
    _copy_app(repo)
    environments = repo / "environments"
    environments.mkdir()
    (environments / "dev.hcl").write_text(DEV)
    (environments / "stable.hcl").write_text(BROKEN)
    _commit(repo, "broken stable")
    _git(repo, "tag", "broken-base")

    (environments / "stable.hcl").write_text(MAGNUM)
    network = repo / "constructs_lib" / "network.py"
    original = network.read_text()
    assert 'name=f"{name}-net"' in original, "test setup: network name literal moved"
    network.write_text(original.replace('name=f"{name}-net"', 'name=f"{name}-network"'))
    _commit(repo, "old network name")
    _git(repo, "tag", "old-code")

    network.write_text(original)
    _commit(repo, "current code")

    (environments / "dev.hcl").write_text(DEV_EDITED)
    (environments / "extra.hcl").write_text(MAGNUM)  # untracked: the working tree counts as on disk
    return repo


@contextlib.contextmanager
def _inside(directory: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(previous)


def run_diff(cwd: Path, *argv: str) -> tuple[int, str, str]:
    """``platformctl diff ARGV`` in ``cwd``: exit code, report (stdout) and stderr."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with _inside(cwd), contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = cli.main(["diff", *argv])
    return code, stdout.getvalue(), stderr.getvalue()


@pytest.fixture(scope="module")
def report(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("diff-report") / "diff.md"
    scratch = tmp_path_factory.mktemp("diff-tmp")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "tempdir", str(scratch))
        code, stdout, stderr = run_diff(repo, "--base", "old-code", "--out", str(out))
    assert code == 0, stderr
    assert stdout == ""
    assert "resources added" in stderr
    assert list(scratch.iterdir()) == [], "temporary trees left behind"
    return out.read_text()


def _section(report: str, heading: str) -> str:
    """The text under a ``###`` heading, up to the next one."""
    match = re.search(rf"^### {re.escape(heading)}\n(.*?)(?=^### |\Z)", report, re.M | re.S)
    assert match, f"no section {heading!r} in:\n{report}"
    return match.group(1)


def test_summary_table_comes_first_and_counts_each_stack(report: str) -> None:
    assert report.startswith("## Synth diff: `old-code (")
    first_table = report.split("\n\n")[1]
    rows = {line.split(" | ")[0].strip("| `"): line for line in first_table.splitlines()[2:]}
    assert set(rows) == {"dev-infra", "dev-platform", "extra-infra", "extra-platform", "stable-infra"}
    assert "| added |" in rows["extra-infra"]
    # The cluster template, the two revision digests, the cluster and its two node groups.
    assert "**6** ⚠️" in rows["dev-infra"]


def test_a_cluster_label_forces_replacement_first_and_loudly(report: str) -> None:
    warning = report.index("[!WARNING]")
    assert warning < report.index("### `dev-infra`")
    assert "6 resources would be destroyed and created again" in report
    replacements = _section(report, "⚠️ Replacements")
    # Magnum keeps labels on the cluster template, which cannot be changed in place.
    assert "#### `dev-infra` · `dev-infra/cluster/template` (a cluster template)" in replacements
    assert '| `labels.octavia_provider` | `"ovn"` | `"amphora"` | **forces replacement** |' in replacements
    # Magnum copied the labels into the cluster when it made it: the cluster's revision digest
    # changes, and replace_triggered_by replaces the cluster, and its node groups with it.
    assert "- `dev-infra/cluster/cluster`: **replaced as well** (through `lifecycle.replace_triggered_by`)" in (
        replacements
    )
    for group in ("frontend", "system"):
        assert (
            f"- `dev-infra/node-group-{group}/nodegroup`: **replaced as well** (through `cluster_id`, which refers "
            "to `dev-infra/cluster/cluster`)"
        ) in replacements
    assert "`dev-infra/cluster/cluster`: updated in place" not in replacements


def test_a_node_group_count_changes_in_place(report: str) -> None:
    dev = _section(report, "`dev-infra`")
    assert re.search(r"\*\*Changed\*\* `dev-infra/node-group-system/\S+` .*: updated in place", dev)
    assert "| `node_count` | `1` | `2` |" in dev
    assert "6 replaced resources: see Replacements above." in dev


def test_added_and_removed_resources_and_a_rename_hint(report: str) -> None:
    dev = _section(report, "`dev-infra`")
    added = dev.split("**Added: ")[1].split("**Removed")[0]
    assert "node-group-jobs" in added and "node-group-extra" in added
    assert "node-group-batch" in dev.split("**Removed: ")[1]
    hints = _section(report, "Renamed construct ids?")
    assert re.search(r"`dev-infra/node-group-batch/\S+` → `dev-infra/node-group-jobs/\S+`", hints)
    assert "node-group-extra" not in hints
    # An added resource is not "replaced with" the cluster it refers to.
    assert "node-group-jobs" not in _section(report, "⚠️ Replacements")
    # Blocks cdktf adds itself have no construct path: the address alone, read-only data sources said so.
    assert "- `data.terraform_remote_state.cross-stack-reference-input-extra-infra` (data source: read only)" in report
    platform = _section(report, "`dev-platform`")
    assert "traefik" in platform.split("**Removed: ")[1]


def test_the_base_is_synthesized_with_its_own_code(report: str) -> None:
    # stable.hcl is the same on both sides; only the base's code named the network differently.
    # Had the working tree's code (or the editable install) run for the base, stable would be unchanged.
    stable = _section(report, "`stable-infra`")
    assert '| `name` | `"stable-network"` | `"stable-net"` |' in stable
    assert "in place or replaced: not known without a plan" in stable


def test_stacks_added_from_an_untracked_environment_are_folded(report: str) -> None:
    added = _section(report, "Stacks added")
    assert re.search(r"<summary><code>extra-infra</code>: \d\d? resources created</summary>", added)
    assert "<summary><code>extra-platform</code>: " in added
    assert "<details>" in added
    assert "Stacks removed" not in report


def test_the_footer_names_the_limits(report: str) -> None:
    assert "Replacement is known only for" in report
    assert "`openstack_containerinfra_cluster_v1`" in report.split("---")[-1]
    assert "a real plan (`platformctl preview`) is the authority" in report


def test_no_changes(repo: Path) -> None:
    code, stdout, stderr = run_diff(repo, "--base", "HEAD", "stable")
    assert code == 0, stderr
    assert "**No changes**" in stdout
    assert "diff: no changes" in stderr


def test_working_tree_synth_failure_names_the_side_and_the_synth_error(repo: Path, tmp_path: Path) -> None:
    broken = repo / "environments" / "broken.hcl"
    broken.write_text(BROKEN)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(tempfile, "tempdir", str(tmp_path))
            code, stdout, stderr = run_diff(repo, "--base", "HEAD", "broken")
    finally:
        broken.unlink()
    assert code == 1 and stdout == ""
    assert re.fullmatch(
        r"error: working tree synth failed: environments/broken\.hcl:\d+: cluster\.master_count: 2 is not allowed.*\n",
        stderr,
    ), stderr
    assert list(tmp_path.iterdir()) == []


def test_base_synth_failure_names_the_side(repo: Path) -> None:
    code, _, stderr = run_diff(repo, "--base", "broken-base", "stable")
    assert code == 1
    assert re.fullmatch(
        r"error: base \(broken-base\) synth failed: environments/stable\.hcl:\d+: cluster\.master_count: .*\n", stderr
    ), stderr


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--base", "no-such-branch"], "error: --base no-such-branch: not a branch, tag or commit of "),
        (
            ["--base", "HEAD", "nope"],
            "error: no environment nope in environments/ of the working tree nor at HEAD; known: dev, extra, stable",
        ),
        (["--base", "HEAD", "--environments-dir", "/"], "error: --environments-dir /: must be inside the repository"),
        # A ref with a line break and a terminal escape is quoted visibly, on one line.
        (["--base", "main\n\x1b[2Jx"], "error: --base main\\n\\x1b[2Jx: not a branch, tag or commit of "),
    ],
)
def test_user_mistakes_are_one_line(repo: Path, argv: list[str], message: str) -> None:
    code, stdout, stderr = run_diff(repo, *argv)
    assert code == 1 and stdout == ""
    assert stderr.startswith(message) and stderr.count("\n") == 1, stderr


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe\x00n\x00o\x00t\x00 utf-8", b'cluster {\n  name = "\x1b[2J\x00\x07"\n}\n' + bytes(range(128, 256))],
    ids=["not-utf-8", "binary"],
)
def test_an_environment_file_that_is_not_text_is_one_line(repo: Path, content: bytes) -> None:
    odd = repo / "environments" / "odd.hcl"
    odd.write_bytes(content)
    try:
        code, stdout, stderr = run_diff(repo, "--base", "HEAD", "odd")
    finally:
        odd.unlink()
    assert code == 1 and stdout == ""
    assert stderr.startswith("error: working tree synth failed: ") and stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr and all(c.isprintable() for c in stderr.rstrip("\n"))


def test_outside_a_git_repository(tmp_path: Path) -> None:
    code, _, stderr = run_diff(tmp_path, "--base", "main")
    assert code == 1
    assert stderr == f"error: {tmp_path}: not inside a git repository; run diff from a clone of the project\n"


def test_help_names_every_option() -> None:
    help_text = cli.build_parser()._subparsers._group_actions[0].choices["diff"].format_help()  # type: ignore[union-attr,index]
    for option in ("--base", "--environments-dir", "--out", "--app", "ENV"):
        assert option in help_text


# --- compare and render on hand-written stacks (no synth) ------------------------------------


def _write_stack(root: Path, name: str, resources: dict[str, dict[str, dict]], **settings: object) -> None:
    directory = root / "stacks" / name
    directory.mkdir(parents=True)
    document = {"//": {"metadata": {"stackName": name}}, "resource": resources, **settings}
    (directory / "cdk.tf.json").write_text(json.dumps(document))


def _block(path: str, **body: object) -> dict:
    return {"//": {"metadata": {"path": path}}, **body}


def test_settings_removed_stacks_and_long_tables_fold(tmp_path: Path) -> None:
    base, work = tmp_path / "base", tmp_path / "work"
    labels = {f"label_{i}": "a" for i in range(12)}
    _write_stack(
        base,
        "app",
        {"terraform_data": {"x": _block("app/x", input=labels)}},
        terraform={"backend": {"s3": {"key": "app/app.tfstate"}}},
    )
    _write_stack(base, "gone", {"terraform_data": {"y": _block("gone/y", input=1)}})
    _write_stack(
        work,
        "app",
        {"terraform_data": {"x": _block("app/x", input={k: "b" for k in labels})}},
        terraform={"backend": {"s3": {"key": "moved/app.tfstate"}}},
    )
    result = compare(read_synth_dir(base), read_synth_dir(work))
    report = render_markdown(result, base_label="main (0123abcd)")
    assert [(s.name, s.status) for s in result.stacks] == [("app", "changed"), ("gone", "removed")]
    assert '| `terraform.backend.s3.key` | `"app/app.tfstate"` | `"moved/app.tfstate"` |' in report
    assert (
        "<summary>Changed <code>app/x</code> (a terraform_data value): updated in place, 12 attributes</summary>"
        in report
    )
    assert "### Stacks removed" in report and "<summary><code>gone</code>: 1 resource destroyed</summary>" in report
    assert "[!WARNING]" not in report and "Renamed" not in report


def test_a_removed_and_added_resource_that_differ_much_are_no_rename(tmp_path: Path) -> None:
    base, work = tmp_path / "base", tmp_path / "work"
    _write_stack(base, "s", {"terraform_data": {"a": _block("s/a", input={"x": 1, "y": 2, "z": 3})}})
    _write_stack(work, "s", {"terraform_data": {"b": _block("s/b", input={"x": 9, "y": 8, "z": 3})}})
    result = compare(read_synth_dir(base), read_synth_dir(work))
    assert result.stacks[0].renames == []
    assert (
        result.summary_line()
        == "1 of 1 stacks differ, 1 resources added, 1 resources removed, 0 resources changed, 0 replaced"
    )


@pytest.mark.parametrize(
    ("old", "new", "after"),
    [("s3cret-Default-A", "s3cret-Default-B", "(sensitive), changed"), ("s3cret-Default-A", "s3cret-Default-A", None)],
    ids=["changed", "unchanged"],
)
def test_a_sensitive_variable_default_is_never_shown(tmp_path: Path, old: str, new: str, after: str | None) -> None:
    base, work = tmp_path / "base", tmp_path / "work"
    resources = {"terraform_data": {"x": _block("s/x", input=1)}}
    _write_stack(base, "s", resources, variable={"pw": {"type": "string", "sensitive": True, "default": old}})
    _write_stack(work, "s", resources, variable={"pw": {"type": "string", "sensitive": True, "default": new}})
    report = render_markdown(compare(read_synth_dir(base), read_synth_dir(work)), base_label="main")
    assert "s3cret" not in report
    if after is None:
        assert "**No changes**" in report
    else:
        assert f'| `variable.pw.default` | `"(sensitive)"` | `"{after}"` |' in report


# --- each environment's own driver, and the app of cdktf.json -------------------------------

HEAT = _edit(MAGNUM, 'driver             = "magnum-capi-helm"', 'driver             = "magnum-heat"')


def _new_version(text: str) -> str:
    """The same environment on the next patch release (a new image): a template change."""
    return text.replace("1.36.1", "1.36.2")


@pytest.fixture(scope="module")
def drivers_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two environments, one per driver, each moved to a new Kubernetes version in the working tree."""
    repo = tmp_path_factory.mktemp("diff-drivers")
    _git(repo, "init", "-q", "-b", "main")
    _copy_app(repo)
    environments = repo / "environments"
    environments.mkdir()
    (environments / "capi.hcl").write_text(MAGNUM)
    (environments / "heat.hcl").write_text(HEAT)
    _commit(repo, "two drivers")
    (environments / "capi.hcl").write_text(_new_version(MAGNUM))
    (environments / "heat.hcl").write_text(_new_version(HEAT))
    return repo


def _cluster_line(report: str, env: str) -> list[str]:
    return [line for line in report.splitlines() if line.startswith(f"- `{env}-infra/cluster/cluster`: ")]


@pytest.mark.parametrize(("env", "driver"), [("capi", "magnum-capi-helm"), ("heat", "magnum-heat")])
def test_a_new_template_is_judged_by_the_environments_own_driver(drivers_repo: Path, env: str, driver: str) -> None:
    from constructs_lib.cluster_drivers import driver as cluster_driver

    code, report, err = run_diff(drivers_repo, "--base", "main")

    assert code == 0, err
    # What the driver table says of moving a cluster to another template.
    upgrades = "cluster_template_id" in cluster_driver(driver).in_place["openstack_containerinfra_cluster_v1"]
    lines = _cluster_line(report, env)
    assert lines, report
    if upgrades:
        assert all("updated in place (through `cluster_template_id`" in line for line in lines), lines
        assert f"`{env}-infra/node-group-system/nodegroup`: **replaced as well**" not in report
    else:
        assert any("**replaced as well** (through `cluster_template_id`" in line for line in lines), lines
        assert (
            f"- `{env}-infra/node-group-system/nodegroup`: **replaced as well** (through `cluster_id`, which refers "
            f"to `{env}-infra/cluster/cluster`)"
        ) in report


def test_the_drivers_of_the_shipped_environments_are_read_from_their_files() -> None:
    from platformctl.drivers import environment_drivers, stack_driver

    drivers = environment_drivers(ROOT / "environments")
    assert drivers["magnum"] == "magnum-capi-helm" and drivers["ha"] == "selectel-mks"
    assert stack_driver("magnum-infra", drivers) == "magnum-capi-helm"
    assert stack_driver("unknown-infra", drivers) is None
    # Only the files of the environments a diff synthesized are read.
    assert environment_drivers(ROOT / "environments", {"magnum"}) == {"magnum": "magnum-capi-helm"}


def _consumer_app(repo: Path, main_py: str) -> None:
    """A repository whose cdktf.json runs its own program, not ``python -m stacks``."""
    (repo / "main.py").write_text(main_py)
    config = json.loads((repo / "cdktf.json").read_text())
    config["app"] = "python main.py"
    (repo / "cdktf.json").write_text(json.dumps(config))


CONSUMER_MAIN = """
import os
from pathlib import Path

from stacks.app import synth

synth(Path("environments"), Path(os.environ["CDKTF_OUTDIR"]), None)
"""


def test_diff_runs_the_app_of_cdktf_json(tmp_path: Path) -> None:
    repo = tmp_path / "consumer"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _copy_app(repo)
    _consumer_app(repo, CONSUMER_MAIN)
    (repo / "other.py").write_text(CONSUMER_MAIN)
    (repo / "environments").mkdir()
    (repo / "environments" / "capi.hcl").write_text(MAGNUM)
    _commit(repo, "a consumer repository")
    (repo / "environments" / "capi.hcl").write_text(_new_version(MAGNUM))

    code, report, err = run_diff(repo, "--base", "main")

    assert code == 0, err
    assert "capi-infra/cluster/template" in report and "kube_tag" not in err

    # An app that fails without an `error:` line: its exit code and last line.
    (repo / "main.py").write_text("raise SystemExit('the consumer app could not start')\n")
    code, _, err = run_diff(repo, "--base", "main")
    assert code == 1
    assert err == (
        "error: working tree synth failed: `python main.py` exited with 1: the consumer app could not start\n"
    )

    # --app overrides cdktf.json on both sides.
    code, report, err = run_diff(repo, "--base", "main", "--app", "python other.py")
    assert code == 0, err
    assert "capi-infra/cluster/template" in report


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"language": "python"}', '"app" is missing or not a command'),
        ('{"app": ["python", "-m", "stacks"]}', '"app" is missing or not a command'),
        ("[1, 2]", '"app" is missing or not a command'),
        ("{not json", "not JSON"),
    ],
)
def test_a_broken_cdktf_json_is_one_error_line(tmp_path: Path, content: str, reason: str) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "environments").mkdir()
    (repo / "environments" / "a.hcl").write_text("")
    (repo / "cdktf.json").write_text(content)
    _commit(repo, "broken config")

    code, _, err = run_diff(repo, "--base", "main")

    assert code == 1 and err.startswith("error: main:cdktf.json: ") and reason in err, err
    assert err.count("\n") == 1


def test_an_app_of_its_own_needs_no_environments_directory(tmp_path: Path) -> None:
    repo = tmp_path / "consumer"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _copy_app(repo)
    # The consumer keeps its environment files elsewhere, and its program knows where.
    _consumer_app(repo, CONSUMER_MAIN.replace('Path("environments")', 'Path("deploy/envs")'))
    (repo / "deploy" / "envs").mkdir(parents=True)
    (repo / "deploy" / "envs" / "capi.hcl").write_text(MAGNUM)
    _commit(repo, "a consumer repository")
    (repo / "deploy" / "envs" / "capi.hcl").write_text(_new_version(MAGNUM))

    code, report, err = run_diff(repo, "--base", "main")

    assert code == 0, err
    assert "capi-infra/cluster/template" in report


# --- this project's app through its typed function ----------------------------------------------


def _tree_with(tmp_path: Path, environments: dict[str, str]) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    _copy_app(tree)
    (tree / "environments").mkdir()
    for name, text in environments.items():
        (tree / "environments" / f"{name}.hcl").write_text(text)
    return tree


def test_a_tree_of_other_code_is_synthesized_by_a_process_of_its_own_with_a_typed_error(tmp_path: Path) -> None:
    from platformctl import diff_synth

    tree = _tree_with(tmp_path, {"broken": BROKEN})
    # The library this process imported is not the tree's: its own code must run, elsewhere.
    assert not diff_synth.runs_in_process(tree)
    work = diff_synth.Side(tree, ["broken"], tmp_path / "work-out", "working tree")
    base = diff_synth.Side(tree, [], tmp_path / "base-out", "base (main)")
    with pytest.raises(diff_synth.AppRejected) as caught:
        diff_synth.synth_both(base, work, Path("environments"), explicit=True)
    assert caught.value.error_type == "EnvironmentConfigError"
    assert re.fullmatch(r"environments/broken\.hcl:\d+: cluster\.master_count: 2 is not allowed.*", caught.value.reason)
    assert str(caught.value) == f"working tree synth failed: {caught.value.reason}"


@pytest.mark.parametrize("elsewhere", ["constructs_lib", "environment_loader", "stacks"])
def test_a_tree_runs_in_this_process_only_when_every_package_the_app_imports_is_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, elsewhere: str
) -> None:
    """The library, the environment loader and the app this process imported must all be files
    of the tree: one imported from another checkout would synthesize with other code."""
    import types

    from platformctl import diff_synth

    tree = tmp_path / "tree"
    (tree / "stacks").mkdir(parents=True)
    (tree / "stacks" / "app.py").write_text("")
    other = tmp_path / "other"
    packages = ("constructs_lib", "environment_loader", "stacks")
    for name in packages:
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
        sys.modules[name].__file__ = str(tree / name / "__init__.py")
    assert diff_synth.runs_in_process(tree)

    sys.modules[elsewhere].__file__ = str(other / elsewhere / "__init__.py")
    assert not diff_synth.runs_in_process(tree)


def test_the_working_tree_of_this_process_runs_in_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import stacks.app  # noqa: F401  (this checkout's app, as platformctl run from its clone imports it)
    from platformctl import diff_synth

    assert diff_synth.runs_in_process(ROOT)
    cwd, path = Path.cwd(), list(sys.path)

    def no_process(*args: object) -> None:
        raise AssertionError("started a process for the app this process has")

    monkeypatch.setattr(diff_synth, "_start", no_process)
    work = diff_synth.Side(ROOT, ["magnum"], tmp_path / "work-out", "working tree")
    base = diff_synth.Side(ROOT, [], tmp_path / "base-out", "base (main)")
    _, stacks = diff_synth.synth_both(base, work, Path("environments"), explicit=True)
    assert sorted(stacks) == ["magnum-infra", "magnum-platform"]
    # Run from the tree, as `python -m stacks` is, leaving this process's directory and path as they were.
    assert Path.cwd() == cwd and sys.path == path

    # Its mistakes are typed, and name the file as the app run from the tree does.
    broken = _tree_with(tmp_path, {"broken": BROKEN})
    with pytest.raises(diff_synth.AppRejected) as caught:
        diff_synth.synth_in_process(broken, Path("environments"), tmp_path / "out", ["broken"], "working tree")
    assert caught.value.error_type == "EnvironmentConfigError"
    assert re.fullmatch(r"environments/broken\.hcl:\d+: cluster\.master_count: 2 is not allowed.*", caught.value.reason)
    assert not (tmp_path / "out").exists()
