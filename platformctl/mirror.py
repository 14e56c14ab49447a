"""``platformctl mirror``: the charts and images of an environment, for a registry with no internet.

- ``mirror list ENV``: every chart and image the environment installs.
- ``mirror pull ENV --to DIR``: copies them into one OCI image layout on disk (to carry across).
- ``mirror push DIR --registry R``: copies a layout into the internal registry.
- ``mirror sync ENV --registry R``: copies straight from the public side to the registry.

In the internal registry, charts live at ``R/charts/<chart>:<version>`` and every image at
``R/<its repository path>:<tag>``: exactly where ``platform.image_registry = "R"`` makes the
catalog's charts look for them. ``--list FILE`` replaces the environment with a list in the
form ``mirror list --json`` prints.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constructs_lib._files import NotRegularFile, read_regular_file
from constructs_lib._validate import NAME_PATTERN, OCI_TAG_PATTERN, chart_version
from constructs_lib.addons.release import ChartReference, HelmRelease
from constructs_lib.errors import ConstructArgumentError

from .errors import CommandError, CopyError
from .mirror_charts import OciRegistry, chart_label, pull_chart, push_chart, sync_chart
from .mirror_images import Image, pull_image, push_image, skopeo_path, sync_image
from .mirror_layout import Layout, check_ref_name
from .mirror_options import COPY_TIMEOUT, COPY_TIMEOUT_VARIABLE, REQUEST_TIMEOUT, TIMEOUT_VARIABLE, Options
from .mirror_progress import Summary, run_all
from .redact import redact_value, scrub, without_userinfo

#: A chart name as Helm allows it, and a chart version (the library's rule,
#: :func:`constructs_lib._validate.chart_version`) that is also a registry tag (ASCII).
_CHART_NAME = re.compile(NAME_PATTERN, re.ASCII)
_CHART_VERSION = re.compile(OCI_TAG_PATTERN, re.ASCII)
#: The largest list file read.
_MAX_LIST_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Artifacts:
    """What to mirror: charts, images, and what could not be known."""

    charts: tuple[ChartReference, ...]
    images: tuple[Image, ...]
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            # As every output of mirror: without the credentials of a repository URL (add them back
            # in the file given to --list, or better, use a repository that needs none).
            "charts": [
                {"repository": without_userinfo(c.repository), "name": c.name, "version": c.version}
                for c in self.charts
            ],
            "images": [{"reference": i.reference, "mirror_path": i.path} for i in self.images],
            "notes": list(self.notes),
        }


# --- what an environment uses ---------------------------------------------------------------


def environment_artifacts(environment: str, environments_dir: Path, *, all_images: bool = False) -> Artifacts:
    """The charts and images of the releases the environment's platform installs (the
    planner's list, :func:`constructs_lib.addons.planner.plan_releases`), the runners' default
    job image and the gitops applications' chart and bundles."""
    from constructs_lib.addons.catalog import CATALOG
    from constructs_lib.cluster_drivers import DRIVERS
    from environment_loader import load_environments

    # ENV is a name: the file environments/<ENV>.hcl, never a path elsewhere.
    [(config, source)] = load_environments(environments_dir, [environment])
    charts: list[ChartReference] = []
    images: dict[str, Image] = {}
    notes: list[str] = []
    releases = planned_releases(config, source, DRIVERS[config.cluster.driver])
    # Listed as always: the catalog's in catalog order, then the helm_release blocks' in file order.
    order = {name: i for i, name in enumerate([*CATALOG, *config.helm_release])}
    for release in sorted(releases, key=lambda r: order[r.name]):
        chart = release.mirror_source
        charts.append(chart)
        spec = CATALOG.get(release.name)
        if release.images is None:
            if spec is None:
                notes.append(
                    f'helm_release "{release.name}": images of {chart.name} {chart.version} are unknown;'
                    " add them with --list"
                )
            else:
                notes.append(
                    f"addon {spec.name}: images of version {chart.version} are unknown (recorded: {spec.chart.version})"
                )
            continue
        for image in release.images:
            if not (image.used_by_default or all_images):
                continue
            if image.tag is None:
                notes.append(
                    f"addon {release.name}: {image.value_path} ({image.registry}/{image.repository}) has no tag"
                )
                continue
            _add_image(images, Image(reference=image.reference, path=f"{image.repository}:{image.tag}"))
    runners = config.runners
    if runners is not None and runners.count > 0 and "docker_image" not in runners.arguments:
        from constructs_lib.runners import DEFAULT_JOB_IMAGE

        # The runners' default job image (Docker Hub's library image).
        _add_image(
            images, Image(reference=f"docker.io/library/{DEFAULT_JOB_IMAGE}", path=f"library/{DEFAULT_JOB_IMAGE}")
        )
    if config.gitops is not None:
        _add_gitops(config.gitops.applications(), charts, images, notes)
    return Artifacts(tuple(charts), tuple(images.values()), tuple(notes))


def planned_releases(config: Any, source: Any, driver: Any) -> tuple[HelmRelease, ...]:
    """The releases the platform stack installs for ``config`` (an EnvironmentConfig), from the
    planner; mistakes are the environment file's errors, as the synth reports them."""
    from constructs_lib.addons.planner import plan_releases
    from environment_loader.platform_arguments import RENAMES, platform_arguments

    arguments = platform_arguments(config, source, driver, _reference, _no_values)
    with source.origin(renames=RENAMES):
        return plan_releases(
            _MirroredCluster(driver, config), **arguments.as_keywords(), path=f"{config.name}-platform/addons"
        )


def _reference(name: str, description: str) -> str:
    """A sensitive variable, as a name: the mirror copies charts and images, never values."""
    return f"var.{name}"


def _no_values(**_: Any) -> dict[str, Any]:
    return {}


class _MirroredCluster:
    """The cluster as the mirror sees it before it is built: its driver and Kubernetes version
    decide which releases it gets, and so every chart and image. Where its nodes are, their
    names and its pod range change only values, which the mirror does not copy: any role has
    nodes here, and the rest is what a cluster the library builds has (checked when the stacks
    are synthesized)."""

    def __init__(self, driver: Any, config: Any) -> None:
        from constructs_lib._versions import kubernetes_release_or_minor

        self.driver = driver
        self.name = config.name
        self.kubernetes_version = kubernetes_release_or_minor(
            "cluster.kubernetes_version", config.cluster.arguments.get("kubernetes_version")
        )
        major, minor = self.kubernetes_version.split(".")[:2]
        self.kubernetes_minor = (int(major), int(minor))
        self.provided_addons = driver.provided_addons
        self.placements: dict[str, Any] = {}
        self.node_name_regex = "^$"
        self.node_cidrs: tuple[str, ...] = ()
        self.pod_cidr = "10.244.0.0/16"
        self.kube_proxy = True

    def placement(self, role: str) -> Any:
        from constructs_lib.node_roles import NodePlacement

        return NodePlacement(role=role, label_key=self.driver.role_label.key_for(role), label_values=(role,))


def _add_gitops(
    applications: list[Any], charts: list[ChartReference], images: dict[str, Image], notes: list[str]
) -> None:
    """argo-helm's argocd-apps chart (it renders the Applications), and each application's
    bundle: an OCI artifact copied as an image is, under its own path and tag."""
    from constructs_lib._validate import Registry
    from constructs_lib.delivery import ARGOCD_APPS_CHART, ARGOCD_APPS_REPOSITORY, ARGOCD_APPS_VERSION

    charts.append(ChartReference(ARGOCD_APPS_REPOSITORY, ARGOCD_APPS_CHART, ARGOCD_APPS_VERSION))
    for app in applications:
        ref = app.reference
        tag = ref.tag or app.version
        path = Registry.parse("", "gitops.registry", ref.registry).path
        mirror_path = f"{path}/{ref.chart}" if path else ref.chart
        if tag is None:
            notes.append(
                f'gitops application "{app.name}": {ref.registry}/{ref.chart}@{ref.digest} has no tag to keep it'
                " under in the mirror; add it with --list"
            )
            continue
        source = f"{ref.registry}/{ref.chart}@{ref.digest}" if ref.digest else f"{ref.registry}/{ref.chart}:{tag}"
        _add_image(images, Image(reference=source, path=f"{mirror_path}:{tag}"))


def _add_image(images: dict[str, Image], image: Image) -> None:
    # One mirror path must not be claimed by two public images (same path, other registry).
    known = images.get(image.path)
    if known is not None and known.reference != image.reference:
        raise CommandError(
            f"images {known.reference} and {image.reference} would both be mirrored as {image.path}; "
            "leave one out (mirror list --json, edit, then --list FILE)"
        )
    images[image.path] = image


def list_artifacts(path: Path) -> Artifacts:
    """A list in the form ``mirror list --json`` prints (``notes`` and ``mirror_path`` optional).

    Its shape is checked before use; each mistake is one error naming the file, the entry and
    what is allowed (values are quoted as JSON, without the credentials of a URL).
    """
    try:
        # A directory, a device or a pipe: reading one could fail late or never end.
        raw = read_regular_file(path, _MAX_LIST_BYTES)
    except NotRegularFile:
        raise CommandError(f"{path}: cannot be read: not a regular file (a list is a JSON file)") from None
    except OSError as err:
        raise CommandError(f"{path}: cannot be read ({err.strerror})") from None
    if len(raw) > _MAX_LIST_BYTES:
        raise CommandError(f"{path}: larger than the {_MAX_LIST_BYTES} bytes allowed for a list")
    try:
        data = json.loads(raw)
    except RecursionError:
        raise CommandError(f"{path}: nested too deeply to be read; a list is an object of flat lists") from None
    except ValueError as err:
        raise CommandError(f"{path}: not JSON ({err})") from None
    if not isinstance(data, dict) or set(data) - {"charts", "images", "notes"}:
        raise CommandError(f"{path}: expected an object with the keys charts, images (and notes)")
    for key in ("charts", "images", "notes"):
        if not isinstance(data.get(key, []), list):
            raise CommandError(f"{path}: {key} = {_shown(data[key])} is not allowed: a list")
    charts = []
    for i, item in enumerate(data.get("charts", [])):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) and item[k] for k in _CHART_KEYS):
            raise CommandError(
                f"{path}: charts[{i}] = {_shown(item)} is not allowed: an object with {', '.join(_CHART_KEYS)} (text)"
            )
        if set(item) - set(_CHART_KEYS):
            unknown = ", ".join(sorted(map(str, set(item) - set(_CHART_KEYS))))
            raise CommandError(f"{path}: charts[{i}]: unknown key {unknown}; allowed: {', '.join(_CHART_KEYS)}")
        if not _CHART_NAME.fullmatch(item["name"]):
            raise CommandError(
                f"{path}: charts[{i}].name = {_shown(item['name'])} is not allowed: a chart name "
                "(lowercase letters, digits and '-')"
            )
        if not _is_chart_version(item["version"]):
            raise CommandError(
                f"{path}: charts[{i}].version = {_shown(item['version'])} is not allowed: a chart version that is "
                "also a registry tag (Semantic Versioning such as 1.2.3 or v1.2.3-rc.1, no '+'; up to 128)"
            )
        charts.append(ChartReference(item["repository"], item["name"], item["version"]))
    images: dict[str, Image] = {}
    for i, item in enumerate(data.get("images", [])):
        reference = item.get("reference") if isinstance(item, dict) else None
        parsed = _parse_reference(reference) if isinstance(reference, str) else None
        if parsed is None or not isinstance(reference, str):
            raise CommandError(
                f"{path}: images[{i}].reference = {_shown(reference)} is not allowed: registry/repository:tag"
                " (e.g. quay.io/prometheus/prometheus:v3.0.0)"
            )
        assert isinstance(item, dict)
        mirror_path = item.get("mirror_path", parsed)
        try:
            check_ref_name(mirror_path, f"images[{i}].mirror_path")
        except CopyError as err:
            raise CommandError(f"{path}: {err}") from None
        _add_image(images, Image(reference=reference, path=mirror_path))
    return Artifacts(tuple(charts), tuple(images.values()))


def _shown(value: object) -> str:
    """A value of a list file as an error quotes it: JSON, short, without a URL's credentials."""
    try:
        text = json.dumps(redact_value(value), ensure_ascii=True)
    except (ValueError, RecursionError, TypeError):
        text = type(value).__name__
    text = scrub(text)
    return text if len(text) <= 100 else text[:97] + "..."


_CHART_KEYS = ("repository", "name", "version")


def _is_chart_version(value: str) -> bool:
    """An exact chart version, as the library accepts one, that a registry can also use as a tag."""
    try:
        chart_version("", "version", value)
    except ConstructArgumentError:
        return False
    return _CHART_VERSION.fullmatch(value) is not None


def _parse_reference(reference: str) -> str | None:
    """``registry/path:tag`` -> ``path:tag`` (the mirror path), None if it is not one."""
    host, _, rest = reference.partition("/")
    name, _, tag = rest.rpartition(":")
    if not rest or "." not in host and ":" not in host and host != "localhost":
        return None
    if not name or not tag or "/" in tag or "@" in reference or not reference.isascii():
        return None
    if not reference.isprintable() or any(c.isspace() for c in reference):
        return None
    return rest


# --- the command -------------------------------------------------------------------------


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "mirror",
        help="copy an environment's charts and images into an internal registry (closed contours)",
        description=(
            "Charts go to REGISTRY/charts/<chart>:<version>, images to REGISTRY/<repository path>:<tag>, as "
            "platform.image_registry expects them. Images are copied with skopeo (all platforms, digests kept), "
            "charts with oras as Helm OCI artifacts. Copies are checked by digest; what is already there is "
            "skipped, so a stopped run is simply run again. Registry credentials come from skopeo's auth file "
            "(skopeo login, REGISTRY_AUTH_FILE) or ~/.docker/config.json."
        ),
    )
    commands = parser.add_subparsers(title="mirror commands", metavar="COMMAND", required=True)

    def source_arguments(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("environment", metavar="ENV", nargs="?", help="environment name: environments/<ENV>.hcl")
        sub.add_argument(
            "--list", type=Path, metavar="FILE", help="a list as `mirror list --json` prints, instead of ENV"
        )
        sub.add_argument(
            "--environments-dir", type=Path, default=Path("environments"), metavar="DIR", help="default: environments"
        )
        sub.add_argument(
            "--all-images",
            action="store_true",
            help="also the images of chart components that are off by default",
        )

    def transport_arguments(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--timeout",
            type=_positive_seconds,
            metavar="SECONDS",
            help=(
                "seconds a registry or chart repository may take to connect, and to send each part of an answer "
                f"(default {REQUEST_TIMEOUT}, or ${TIMEOUT_VARIABLE})"
            ),
        )
        sub.add_argument(
            "--copy-timeout",
            type=_positive_seconds,
            metavar="SECONDS",
            help=(
                f"seconds one image copy or chart download may take in all (default {COPY_TIMEOUT}, "
                f"or ${COPY_TIMEOUT_VARIABLE})"
            ),
        )
        sub.add_argument(
            "--insecure",
            "--tls-verify=false",
            dest="insecure",
            action="store_true",
            help="plain HTTP without TLS verification, for local test registries only",
        )

    listing = commands.add_parser(
        "list",
        help="the charts and images an environment uses",
        description=(
            "Print the charts (repository, name, version) and images an environment installs: the enabled "
            "catalog addons' charts and the images their components run by default, each helm_release chart, "
            "and the runners' default job image. --json prints the form --list FILE reads."
        ),
    )
    source_arguments(listing)
    listing.add_argument("--json", action="store_true", help="print JSON (the form --list reads)")
    listing.set_defaults(run=run_list)

    pull = commands.add_parser(
        "pull",
        help="copy an environment's charts and images into an OCI layout on disk",
        description=(
            "Copy an environment's charts and images into one OCI image layout on disk (DIR), to carry to a "
            "contour with no internet. Each entry's ref.name is its path in the internal registry; what is "
            "already there with the same digest is skipped."
        ),
    )
    source_arguments(pull)
    pull.add_argument("--to", type=Path, required=True, metavar="DIR", help="the OCI layout (created if missing)")
    transport_arguments(pull)
    pull.set_defaults(run=run_pull)

    push = commands.add_parser(
        "push",
        help="copy an OCI layout written by pull into the internal registry",
        description=(
            "Copy every entry of an OCI layout written by mirror pull into REGISTRY, at its ref.name. The "
            "layout is checked first: digests are sha256 of 64 hex digits, every blob is read from inside "
            "the layout and up to its declared size."
        ),
    )
    push.add_argument("layout", type=Path, metavar="DIR", help="the OCI layout")
    push.add_argument("--registry", required=True, metavar="REGISTRY", help="host[:port][/path] of the registry")
    transport_arguments(push)
    push.set_defaults(run=run_push)

    sync = commands.add_parser(
        "sync",
        help="copy an environment's charts and images straight into the registry",
        description=(
            "Copy an environment's charts and images from their public sources straight into REGISTRY, for a "
            "machine that reaches both; the same places and checks as pull followed by push."
        ),
    )
    source_arguments(sync)
    sync.add_argument("--registry", required=True, metavar="REGISTRY", help="host[:port][/path] of the registry")
    transport_arguments(sync)
    sync.set_defaults(run=run_sync)


def _artifacts(args: argparse.Namespace) -> Artifacts:
    if (args.environment is None) == (args.list is None):
        raise CommandError("give an environment name or --list FILE (one of the two)")
    if args.list is not None:
        return list_artifacts(args.list)
    return environment_artifacts(args.environment, args.environments_dir, all_images=args.all_images)


def _registry(value: str) -> str:
    from constructs_lib.addons.registry import check_registry

    if "@" in value:  # never echoed: it may hold a password
        raise CommandError(
            "--registry must not hold credentials (user:password@): log in with skopeo login "
            "(or REGISTRY_AUTH_FILE, ~/.docker/config.json) and give host[:port][/path]"
        )
    return check_registry(value, what="--registry")


def _positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not (0 < seconds <= 86400):
        raise argparse.ArgumentTypeError(f"{value!r} is not allowed: seconds, more than 0 and at most 86400")
    return seconds


def _options(args: argparse.Namespace) -> Options:
    """Transport settings: the options, else the environment variables, else the defaults."""

    def seconds(option: float | None, variable: str, default: float) -> float:
        if option is not None:
            return option
        text = os.environ.get(variable)
        if text is None or text == "":
            return default
        try:
            return _positive_seconds(text)
        except argparse.ArgumentTypeError as err:
            raise CommandError(f"${variable}: {err}") from None

    return Options(
        insecure=args.insecure,
        timeout=seconds(args.timeout, TIMEOUT_VARIABLE, REQUEST_TIMEOUT),
        copy_timeout=seconds(args.copy_timeout, COPY_TIMEOUT_VARIABLE, COPY_TIMEOUT),
    )


def run_list(args: argparse.Namespace) -> int:
    artifacts = _artifacts(args)
    if args.json:
        print(json.dumps(artifacts.to_json(), indent=2))
        return 0
    print(f"charts ({len(artifacts.charts)}):")
    for chart in artifacts.charts:
        print(f"  {chart.name} {chart.version}  {without_userinfo(chart.repository)}")
    print(f"images ({len(artifacts.images)}):")
    for image in artifacts.images:
        print(f"  {image.reference}")
    if artifacts.notes:
        print("notes:")
        for note in artifacts.notes:
            print(f"  {scrub(note)}")
    return 0


def run_pull(args: argparse.Namespace) -> int:
    artifacts = _artifacts(args)
    skopeo_path()
    options = _options(args)
    layout = Layout(args.to)
    try:
        layout.create()
    except OSError as err:
        raise CommandError(f"{args.to}: cannot write the layout ({err.strerror})") from None
    layout.check()
    work = [(chart_label(c), lambda c=c: pull_chart(c, layout, options)) for c in artifacts.charts]
    work += [(str(i), lambda i=i: pull_image(i, layout, options)) for i in artifacts.images]
    return _report("pull", run_all(work))


def run_push(args: argparse.Namespace) -> int:
    registry = _registry(args.registry)
    skopeo_path()
    options = _options(args)
    layout = Layout(args.layout)
    layout.check()
    oci = OciRegistry(registry, options)
    work = []
    for entry in layout.entries():
        ref_name = entry["annotations"]["org.opencontainers.image.ref.name"]
        work.append(
            (f"{ref_name} -> {registry}/{ref_name}", lambda e=entry: _push_entry(layout, e, registry, options, oci))
        )
    return _report("push", run_all(work))


def _push_entry(layout: Layout, entry: dict[str, Any], registry: str, options: Options, oci: OciRegistry) -> bool:
    """Push one checked layout entry (image or chart) to ``registry/<ref_name>``."""
    if not layout.is_chart(entry):
        return push_image(layout, entry, registry, options)
    return push_chart(layout, entry, registry, oci)


def run_sync(args: argparse.Namespace) -> int:
    registry = _registry(args.registry)
    artifacts = _artifacts(args)
    skopeo_path()
    options = _options(args)
    oci = OciRegistry(registry, options)
    work = [(chart_label(c), lambda c=c: sync_chart(c, registry, options, oci)) for c in artifacts.charts]
    work += [(str(i), lambda i=i: sync_image(i, registry, options)) for i in artifacts.images]
    return _report("sync", run_all(work))


def _report(command: str, summary: Summary) -> int:
    for label, reason in summary.failed:
        print(f"error: {scrub(label)}: {scrub(reason)}", file=sys.stderr)
    print(summary.line(command))
    return 1 if summary.failed else 0
