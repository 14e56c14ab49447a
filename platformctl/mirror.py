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
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CommandError
from .mirror_copy import (
    Chart,
    Image,
    Layout,
    OciRegistry,
    Options,
    Summary,
    pull_chart,
    pull_image,
    push_entry,
    run_all,
    skopeo_path,
    sync_chart,
    sync_image,
    without_userinfo,
)


@dataclass(frozen=True)
class Artifacts:
    """What to mirror: charts, images, and what could not be known."""

    charts: tuple[Chart, ...]
    images: tuple[Image, ...]
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "charts": [{"repository": c.repository, "name": c.name, "version": c.version} for c in self.charts],
            "images": [{"reference": i.reference, "mirror_path": i.path} for i in self.images],
            "notes": list(self.notes),
        }


# --- what an environment uses ---------------------------------------------------------------


def environment_artifacts(environment: str, environments_dir: Path, *, all_images: bool = False) -> Artifacts:
    """The charts and images of an environment's enabled catalog addons and extra releases."""
    from constructs_lib.addons.catalog import CATALOG
    from constructs_lib.addons.registry import chart_images
    from constructs_lib.cluster_drivers import DRIVERS
    from constructs_lib.environment import load_environment

    path = environments_dir / f"{environment}.hcl"
    if not path.is_file():
        raise CommandError(f"{path}: no such environment file")
    config, _ = load_environment(path)
    charts: list[Chart] = []
    images: dict[str, Image] = {}
    notes: list[str] = []
    provided = DRIVERS[config.cluster.driver].provided_addons
    for spec in CATALOG.values():
        settings = config.addon[spec.name].settings() if spec.name in config.addon else None
        # What the cloud runs itself is not installed, so not mirrored.
        if spec.name in provided or not spec.is_enabled(settings.enabled if settings else None):
            continue
        version = (settings.version if settings else None) or spec.version
        repository = spec.repository
        if settings and settings.repository and settings.repository.startswith(("http://", "https://")):
            repository = settings.repository
        charts.append(Chart(repository=repository, name=spec.chart, version=version))
        if version != spec.version:
            notes.append(f"addon {spec.name}: images of version {version} are unknown (recorded: {spec.version})")
            continue
        for image in chart_images(spec):
            if not (image.used_by_default or all_images):
                continue
            if image.tag is None:
                notes.append(f"addon {spec.name}: {image.value_path} ({image.registry}/{image.repository}) has no tag")
                continue
            _add_image(images, Image(reference=image.reference, path=f"{image.repository}:{image.tag}"))
    runners = config.runners
    if runners is not None and runners.count > 0 and "docker_image" not in runners.arguments:
        from constructs_lib.runners import DEFAULT_JOB_IMAGE

        # The runners' default job image (Docker Hub's library image).
        _add_image(
            images, Image(reference=f"docker.io/library/{DEFAULT_JOB_IMAGE}", path=f"library/{DEFAULT_JOB_IMAGE}")
        )

    for name, block in config.helm_release.items():
        release = block.chart(name)
        charts.append(Chart(repository=release.repository, name=release.chart, version=release.version))
        notes.append(
            f'helm_release "{name}": images of {release.chart} {release.version} are unknown; add them with --list'
        )
    return Artifacts(tuple(charts), tuple(images.values()), tuple(notes))


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
    """A list in the form ``mirror list --json`` prints (``notes`` and ``mirror_path`` optional)."""
    try:
        data = json.loads(path.read_text())
    except OSError as err:
        raise CommandError(f"{path}: cannot be read ({err.strerror})") from None
    except ValueError as err:
        raise CommandError(f"{path}: not JSON ({err})") from None
    if not isinstance(data, dict) or set(data) - {"charts", "images", "notes"}:
        raise CommandError(f"{path}: expected an object with the keys charts, images (and notes)")
    charts = []
    for i, item in enumerate(data.get("charts", [])):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) and item[k] for k in _CHART_KEYS):
            raise CommandError(
                f"{path}: charts[{i}] = {item!r} is not allowed: an object with {', '.join(_CHART_KEYS)}"
            )
        charts.append(Chart(item["repository"], item["name"], item["version"]))
    images: dict[str, Image] = {}
    for i, item in enumerate(data.get("images", [])):
        reference = item.get("reference") if isinstance(item, dict) else None
        parsed = _parse_reference(reference) if isinstance(reference, str) else None
        if parsed is None or not isinstance(reference, str):
            raise CommandError(
                f"{path}: images[{i}].reference = {reference!r} is not allowed: registry/repository:tag"
                " (e.g. quay.io/prometheus/prometheus:v3.0.0)"
            )
        mirror_path = item.get("mirror_path") or parsed
        _add_image(images, Image(reference=reference, path=mirror_path))
    return Artifacts(tuple(charts), tuple(images.values()))


_CHART_KEYS = ("repository", "name", "version")


def _parse_reference(reference: str) -> str | None:
    """``registry/path:tag`` -> ``path:tag`` (the mirror path), None if it is not one."""
    host, _, rest = reference.partition("/")
    name, _, tag = rest.rpartition(":")
    if not rest or "." not in host and ":" not in host and host != "localhost":
        return None
    if not name or not tag or "/" in tag or "@" in reference or " " in reference:
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

    return check_registry(value, what="--registry")


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
            print(f"  {note}")
    return 0


def run_pull(args: argparse.Namespace) -> int:
    artifacts = _artifacts(args)
    skopeo_path()
    options = Options(insecure=args.insecure)
    layout = Layout(args.to)
    try:
        layout.create()
    except OSError as err:
        raise CommandError(f"{args.to}: cannot write the layout ({err.strerror})") from None
    work = [(str(c), lambda c=c: pull_chart(c, layout)) for c in artifacts.charts]
    work += [(str(i), lambda i=i: pull_image(i, layout, options)) for i in artifacts.images]
    return _report("pull", run_all(work))


def run_push(args: argparse.Namespace) -> int:
    registry = _registry(args.registry)
    skopeo_path()
    options = Options(insecure=args.insecure)
    layout = Layout(args.layout)
    layout.check()
    oci = OciRegistry(registry, options)
    work = []
    for entry in layout.entries():
        ref_name, digest = entry["annotations"]["org.opencontainers.image.ref.name"], entry["digest"]
        work.append(
            (
                f"{ref_name} -> {registry}/{ref_name}",
                lambda r=ref_name, d=digest: push_entry(layout, r, d, registry, options, oci),
            )
        )
    return _report("push", run_all(work))


def run_sync(args: argparse.Namespace) -> int:
    registry = _registry(args.registry)
    artifacts = _artifacts(args)
    skopeo_path()
    options = Options(insecure=args.insecure)
    oci = OciRegistry(registry, options)
    work = [(str(c), lambda c=c: sync_chart(c, registry, options, oci)) for c in artifacts.charts]
    work += [(str(i), lambda i=i: sync_image(i, registry, options)) for i in artifacts.images]
    return _report("sync", run_all(work))


def _report(command: str, summary: Summary) -> int:
    for label, reason in summary.failed:
        print(f"error: {label}: {reason}", file=sys.stderr)
    print(summary.line(command))
    return 1 if summary.failed else 0
