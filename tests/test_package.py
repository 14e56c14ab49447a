"""The library as another team installs it: the wheel, in a fresh virtualenv, outside this repository.

The wheel is built once per session; its dependencies are installed at the versions of this
repository's .venv (from pip's cache or index). The consumer app imports in isort order (cdktf
and the provider bindings before constructs_lib), which is what the wheel's .pth is for: jsii's
Node end-of-life banner must not appear whatever the order.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

#: Variables of this repository's scripts and of the jsii runtime that a consumer would not have.
_REPOSITORY_VARIABLES = (
    "JSII_NODE",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION",
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION",
    "CONSTRUCTS_LIB_EAGER_BINDINGS",
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "CDKTF_OUTDIR",
)

_BANNER_MARKS = ("end-of-life", "!!!!!!!!", "not supported anymore")

CONSUMER_APP = '''
"""A team's own stack: imports sorted as isort sorts them, the library last."""

import sys

from cdktf import App, TerraformStack
from cdktf_cdktf_provider_openstack.provider import OpenstackProvider
from constructs import Construct

from constructs_lib import Network, Port, SecurityGroup, SubnetSpec


class TeamStack(TerraformStack):
    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        OpenstackProvider(self, "openstack")
        network = Network(
            self, "network", name="team", subnets=[SubnetSpec("apps", "10.30.0.0/24")], external_network="public"
        )
        web = SecurityGroup(self, "web", name="team-web", egress_cidrs=network.egress_cidrs)
        database = SecurityGroup(self, "database", name="team-db", egress_cidrs=network.egress_cidrs)
        database.connections.allow_from(web, Port.tcp(5432))


app = App(outdir=sys.argv[1])
TeamStack(app, "team")
app.synth()
'''

TYPED_USE = """
from cdktf import App, TerraformStack

from constructs_lib import Network, SubnetSpec

stack = TerraformStack(App(), "team")
reveal_type(Network)
Network(stack, "network", name=42, subnets=[SubnetSpec("apps", "10.30.0.0/24")])
"""

#: A consumer's calls of add_node_group: each line marked ``# E: <text>`` must get a mypy
#: error containing the text, and no other line any error.
TYPED_NODE_GROUPS = """
from cdktf import App, TerraformStack

from constructs_lib import MagnumCluster, MagnumNodeGroup, Network, SelectelMksCluster, SelectelMksNodeGroup, SubnetSpec

stack = TerraformStack(App(), "team")
mks = SelectelMksCluster(stack, "mks", name="mks", region="ru-7", kubernetes_version="1.36.1", availability_zone="ru-7a")
group: SelectelMksNodeGroup = mks.add_node_group("ok", name="ok", role="worker", flavor="f", volume_size=32, count=1)
mks.add_node_group("a", name="a", role="worker", flavour="f", volume_size=32, count=1)  # E: "flavour"
mks.add_node_group("b", name="b", role="worker", flavor="f", volume_size=32, count="1")  # E: "count"
mks.add_node_group("c", role="worker", flavor="f", volume_size=32, count=1)  # E: Missing named argument "name"
mks.add_node_group("d", name="d", role="worker", flavor="f", volume_size=32, count=1, image="i")  # E: "image"
network = Network(stack, "network", name="n", subnets=[SubnetSpec("nodes", "10.0.0.0/24")], external_network="ext")
magnum = MagnumCluster(
    stack, "magnum", name="m", network=network, kubernetes_version="1.36.1", image="i", master_flavor="m", worker_flavor="w"
)
other: MagnumNodeGroup = magnum.add_node_group("ok", name="ok", role="system", flavor="f", count=1, volume_size=50)
magnum.add_node_group("e", name="e", role="system", count=1)  # E: Missing named argument "flavor"
magnum.add_node_group("f", name="f", role="system", flavor="f", count=1, cpus=2)  # E: "cpus"
magnum.add_node_group("g", name="g", role="system", flavor="f", count=1.5)  # E: "count"
"""


@dataclass(frozen=True)
class Installed:
    wheel: Path
    python: Path
    site_packages: Path
    workdir: Path


def _consumer_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _REPOSITORY_VARIABLES}
    # Only the system's own tools on PATH: not this repository's .venv (its node, its python).
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p and p != venv_bin)
    if shutil.which("node", path=env["PATH"]) is None:
        # No Node.js on this machine: jsii needs one, so use the one the node extra provides.
        env["JSII_NODE"] = str(Path(sys.executable).parent.parent / "jsii" / "node")
    return env


def _run(cmd: list[str | Path], cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=900, **kwargs)  # type: ignore[call-overload]


@dataclass(frozen=True)
class Built:
    wheel: Path
    #: The versions of this repository's .venv, for every dependency the wheel names.
    constraints: Path


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    result = _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", dist, ROOT], cwd=tmp)
    assert result.returncode == 0, result.stderr[-3000:]
    (wheel,) = dist.glob("openstack_platform_constructs-*.whl")
    frozen = _run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"], cwd=tmp)
    constraints = tmp / "constraints.txt"
    constraints.write_text(frozen.stdout)
    return Built(wheel, constraints)


def _install(built: Built, tmp: Path, extras: str = "") -> Installed:
    """The wheel (with ``extras``, e.g. ``[platformctl]``) in a fresh virtualenv under ``tmp``."""
    venv = tmp / "venv"
    created = _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp)
    assert created.returncode == 0, created.stderr
    python = venv / "bin" / "python"
    # This .venv's pip installs into the new one: no second pip to bootstrap.
    install = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "--quiet",
            "--no-compile",
            "-c",
            built.constraints,
            f"{built.wheel}{extras}",
        ],
        cwd=tmp,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    site = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp)
    workdir = tmp / "team"
    workdir.mkdir()
    return Installed(built.wheel, python, Path(site.stdout.strip()), workdir)


@pytest.fixture(scope="session")
def installed(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The core wheel, no extras: what a team composing constructs installs."""
    return _install(built, tmp_path_factory.mktemp("package"))


@pytest.fixture(scope="session")
def installed_platformctl(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel with the ``platformctl`` extra: what the command's users install."""
    return _install(built, tmp_path_factory.mktemp("package-platformctl"), "[platformctl]")


def test_wheel_holds_the_library_the_loader_and_the_command_only(installed: Installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    top = {n.split("/", 1)[0] for n in names if not n.split("/", 1)[0].endswith(".dist-info")}
    assert top == {"constructs_lib", "environment_loader", "platformctl", "openstack_platform_constructs.pth"}
    assert "constructs_lib/py.typed" in names
    license_text = next(n for n in names if n.endswith(".dist-info/licenses/LICENSE"))
    assert "Apache License" in zipfile.ZipFile(installed.wheel).read(license_text).decode()
    metadata = zipfile.ZipFile(installed.wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    core = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert not [line for line in core if any(p in line.lower() for p in ("boto3", "hcl2", "pydantic", "gitlab"))]


def test_consumer_app_synthesizes_without_the_banner(installed: Installed) -> None:
    app = installed.workdir / "app.py"
    app.write_text(CONSUMER_APP)
    out = installed.workdir / "cdktf.out"
    result = _run([installed.python, app, out], cwd=installed.workdir, env=_consumer_env())
    assert result.returncode == 0, result.stderr[-3000:]
    for stream in (result.stdout, result.stderr):
        assert not [mark for mark in _BANNER_MARKS if mark in stream], stream[:2000]
    doc = json.loads((out / "stacks" / "team" / "cdk.tf.json").read_text())
    (network,) = doc["resource"]["openstack_networking_network_v2"].values()
    assert network["name"].startswith("team")
    rules = doc["resource"]["openstack_networking_secgroup_rule_v2"].values()
    db = [r for r in rules if r["direction"] == "ingress" and r.get("port_range_min") == 5432]
    assert len(db) == 1 and db[0]["remote_group_id"].startswith("${openstack_networking_secgroup_v2.web")


def test_banner_check_would_see_the_banner_on_an_end_of_life_node(installed: Installed) -> None:
    env = _consumer_env()
    node = env.get("JSII_NODE") or shutil.which("node", path=env["PATH"]) or "node"
    major = int(_run([node, "--version"], cwd=installed.workdir).stdout.strip().lstrip("v").split(".")[0])
    if major > 20:
        pytest.skip(f"Node {major} is supported by jsii: it prints no banner to look for")
    # An empty value silences nothing, and the .pth keeps a value that is set.
    env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = ""
    result = _run([installed.python, "-c", "import cdktf"], cwd=installed.workdir, env=env)
    assert any(mark in result.stderr for mark in _BANNER_MARKS), result.stderr[-2000:]


def test_pth_sets_the_silencing_variables_only_when_unset(installed: Installed) -> None:
    code = "import os; print(os.environ.get('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION'))"
    env = _consumer_env()
    assert _run([installed.python, "-c", code], cwd=installed.workdir, env=env).stdout.strip() == "18,20"
    env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "none"
    assert _run([installed.python, "-c", code], cwd=installed.workdir, env=env).stdout.strip() == "none"


def test_the_app_is_not_installed_and_constructs_need_no_extras(installed: Installed) -> None:
    env = _consumer_env()
    result = _run([installed.python, "-c", "import stacks"], cwd=installed.workdir, env=env)
    assert result.returncode != 0 and "No module named 'stacks'" in result.stderr
    # Every construct module imports with the core dependencies alone (policies run in checkov);
    # the environment loader is installed but needs the platformctl extra.
    check = textwrap.dedent(
        """
        import importlib, importlib.util, pkgutil, sys
        import constructs_lib
        skipped = ("constructs_lib.policies",)
        for info in pkgutil.walk_packages(constructs_lib.__path__, "constructs_lib."):
            if not info.name.startswith(skipped):
                importlib.import_module(info.name)
        missing = [m for m in ("boto3", "hcl2", "pydantic", "cdktf_cdktf_provider_gitlab") if importlib.util.find_spec(m)]
        print("extras present:", missing)
        assert importlib.util.find_spec("environment_loader") is not None, "the loader is not installed"
        try:
            import environment_loader
        except ModuleNotFoundError as err:
            print("the loader needs:", err.name)
            assert err.name in ("hcl2", "pydantic"), err.name
        else:
            sys.exit("the loader imported without its extra")
        sys.exit(1 if missing else 0)
        """
    )
    result = _run([installed.python, "-c", check], cwd=installed.workdir, env=env)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]


def test_the_platformctl_extra_installs_the_environment_loader(installed_platformctl: Installed) -> None:
    """With the ``platformctl`` extra, the loader is the installed package's (not this
    repository's) and reads a shipped environment file."""
    check = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        import environment_loader
        from environment_loader import load_environment
        config, source = load_environment(Path(sys.argv[1]))
        print(Path(environment_loader.__file__).parent.parent)
        print(config.name, config.cluster.driver, source.file)
        """
    )
    shipped = ROOT / "environments" / "simple.hcl"
    result = _run(
        [installed_platformctl.python, "-c", check, shipped], cwd=installed_platformctl.workdir, env=_consumer_env()
    )
    assert result.returncode == 0, result.stderr[-3000:]
    location, loaded = result.stdout.splitlines()
    assert Path(location) == installed_platformctl.site_packages
    assert loaded.split()[0] == "simple" and loaded.split()[2] == str(shipped)
    assert (installed_platformctl.site_packages / "environment_loader" / "reading.py").is_file()


def test_mypy_sees_the_library_as_typed(installed: Installed) -> None:
    assert (installed.site_packages / "constructs_lib" / "py.typed").is_file()
    use = installed.workdir / "typed_use.py"
    use.write_text(TYPED_USE)
    # cdktf's and the bindings' own annotations are megabytes that are not under test here:
    # skipping them keeps this check to the library's (and saves seconds).
    config = installed.workdir / "mypy.ini"
    config.write_text(
        "[mypy]\n[mypy-cdktf.*,cdktf_cdktf_provider_openstack.*,cdktf_cdktf_provider_helm.*,jsii.*]\n"
        "follow_imports = skip\n"
    )
    mypy = Path(sys.executable).with_name("mypy")
    result = _run(
        [
            mypy,
            "--config-file",
            config,
            "--python-executable",
            installed.python,
            "--no-incremental",
            "--cache-dir=/dev/null",
            use,
        ],
        cwd=installed.workdir,
        env=_consumer_env(),
    )
    output = result.stdout + result.stderr
    assert "missing library stubs" not in output and "import-untyped" not in output, output
    assert 'Revealed type is "def (scope: constructs.Construct, id: str, *, name: str' in output, output
    assert "-> constructs_lib.network.Network" in output, output
    assert 'Argument "name" to "Network" has incompatible type "int"; expected "str"' in output, output


def test_mypy_checks_the_arguments_of_add_node_group(installed: Installed) -> None:
    """The README says a type checker checks calls: ``add_node_group`` is typed with the
    arguments of the driver's node group construct, not ``**kwargs: Any``."""
    use = installed.workdir / "typed_node_groups.py"
    use.write_text(TYPED_NODE_GROUPS)
    config = installed.workdir / "mypy.ini"
    config.write_text(
        "[mypy]\n[mypy-cdktf.*,cdktf_cdktf_provider_openstack.*,cdktf_cdktf_provider_helm.*,jsii.*]\n"
        "follow_imports = skip\n"
    )
    mypy = Path(sys.executable).with_name("mypy")
    result = _run(
        [
            mypy,
            "--config-file",
            config,
            "--python-executable",
            installed.python,
            "--no-incremental",
            "--cache-dir=/dev/null",
            "--no-error-summary",
            "--hide-error-context",
            use,
        ],
        cwd=installed.workdir,
        env=_consumer_env(),
    )
    output = result.stdout + result.stderr
    errors: dict[int, str] = {}
    for line in output.splitlines():
        place, _, message = line.partition(": error: ")
        if message:
            number = int(place.rsplit(":", 1)[1])
            errors[number] = errors.get(number, "") + message
    lines = TYPED_NODE_GROUPS.splitlines()
    expected = {n: line.split("# E: ", 1)[1] for n, line in enumerate(lines, start=1) if "# E: " in line}
    assert set(errors) == set(expected), output
    for number, text in expected.items():
        assert text in errors[number], (lines[number - 1], errors[number])


def test_platformctl_from_the_core_wheel_names_the_extra_to_install(installed: Installed) -> None:
    env = _consumer_env()
    script = installed.python.parent / "platformctl"
    helped = _run([script, "--help"], cwd=installed.workdir, env=env)
    assert helped.returncode == 0 and "mirror" in helped.stdout, helped.stderr
    for command in (["mirror", "list", "simple"], ["bootstrap-state", "simple"]):
        result = _run([script, *command, "--environments-dir", ROOT / "environments"], cwd=installed.workdir, env=env)
        assert result.returncode == 1
        assert re.fullmatch(
            rf"error: platformctl {command[0]} needs the Python module \w+, which comes with the \[platformctl\] "
            r"extra \(the core package leaves it out\): pip install 'openstack-platform-constructs\[platformctl\]'\n",
            result.stderr,
        ), result.stderr
