#!/usr/bin/env python3
"""Record every image a Helm chart's values.yaml defines, as JSON.

A chart comes from a directory (``chart_images.py DIR``) or from a git directory at a tag
(``chart_images.py --git GITDIR --tag TAG --path charts/x``); subcharts are added with
``--subchart NAME=DIR`` or ``--subchart NAME=GITDIR@TAG:PATH``. ``--catalog`` regenerates
``constructs_lib/addons/chart_images.json`` for every pinned catalog chart from git
directories of their upstream repositories (``--mirrors`` names where those are, one
``<owner>+<name>/repo`` each).

What is read, and why it is enough for the catalog's charts:
- image entries are mappings in values.yaml with a ``repository`` (plus ``registry``,
  ``tag``, ``sha``/``digest``), mappings with ``image`` + ``registry`` (marketplace
  layouts), and ``image.name`` entries built from top-level ``imageRegistry`` and
  ``imageNamespace`` (cert-manager);
- an empty tag resolves to the chart's appVersion, with a ``v`` in front when the template
  that renders the image says ``printf "v%s" .Chart.AppVersion`` (metrics-server,
  kube-state-metrics, node-exporter do; the others do not), and ``-distroless`` after it
  when the template appends it and the values ask for it;
- "used by default" is false when an enclosing mapping has ``enabled: false`` (after the
  parent chart's values are merged over a subchart's), when the subchart's condition is
  false, or when ``UNUSED_BY_DEFAULT`` says so for a component whose switch lives elsewhere;
- templates are not rendered: an ``image:`` line with no template expression is reported as
  hard-coded, since no value can redirect it.

Each image record: ``value_path`` (where the values set it), ``registry``, ``repository``,
``tag`` (``null`` when chosen at install time), ``digest`` (when pinned), ``used_by_default``,
``global_image_registry`` (a template rendering it reads ``global.imageRegistry``),
``rewrite`` (the values key and value that move it to ``{registry}/<repository>``) and
``notes`` (how the tag was resolved, why it is off).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "constructs_lib" / "addons" / "chart_images.json"

#: A registry host is the first path component when it has a dot or a port, or is localhost
#: (the same rule container runtimes apply to a reference).
_HOST = re.compile(r"^(localhost|[^/]*[.:][^/]*)$")

#: Components whose switch is not an ``enabled`` key above their image, per chart.
UNUSED_BY_DEFAULT: Mapping[str, Mapping[str, str]] = {
    "prometheus-node-exporter": {
        "permissionInitContainer.image": "runs only when one of the hostfile permission fixes is turned on",
    },
    "grafana": {
        "downloadDashboardsImage": "runs only when dashboards are downloaded from URLs (`dashboards`)",
        "initChownData.image": "runs only with persistence.enabled (off in the chart and in kube-prometheus-stack)",
        "testFramework.image": "runs only on `helm test`",
    },
}


@dataclass(frozen=True)
class Source:
    """Chart files from a directory or from a git tree."""

    root: str
    git_dir: str | None = None
    tag: str | None = None

    def read(self, rel: str) -> str | None:
        if self.git_dir is None:
            path = Path(self.root) / rel
            return path.read_text() if path.is_file() else None
        proc = subprocess.run(
            ["git", "-C", self.git_dir, "show", f"{self.tag}:{self.root}/{rel}"],
            capture_output=True,
            text=True,
        )
        return proc.stdout if proc.returncode == 0 else None

    def templates(self) -> Iterator[tuple[str, str]]:
        if self.git_dir is None:
            base = Path(self.root) / "templates"
            for path in sorted(base.rglob("*")) if base.is_dir() else []:
                if path.is_file():
                    yield str(path.relative_to(self.root)), path.read_text()
            return
        proc = subprocess.run(
            ["git", "-C", self.git_dir, "ls-tree", "-r", "--name-only", str(self.tag), f"{self.root}/templates/"],
            capture_output=True,
            text=True,
            check=True,
        )
        for name in proc.stdout.split():
            rel = name[len(self.root) + 1 :]
            text = self.read(rel)
            if text is not None:
                yield rel, text

    def commit(self) -> str | None:
        if self.git_dir is None:
            return None
        proc = subprocess.run(
            ["git", "-C", self.git_dir, "rev-list", "-n", "1", str(self.tag)],
            capture_output=True,
            text=True,
            check=True,
        )
        return proc.stdout.strip()


def parse_source(text: str) -> Source:
    """``DIR`` or ``GITDIR@TAG:PATH``."""
    if "@" in text and ":" in text.split("@", 1)[1]:
        git_dir, rest = text.split("@", 1)
        tag, path = rest.split(":", 1)
        return Source(root=path.rstrip("/"), git_dir=git_dir, tag=tag)
    return Source(root=text.rstrip("/"))


def deep_merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            merged[key] = deep_merge(base.get(key), value) if key in base else value
        return merged
    return over


def split_reference(text: str) -> tuple[str, str]:
    """``registry.k8s.io/sig-storage/x`` -> (``registry.k8s.io``, ``sig-storage/x``)."""
    first, _, rest = text.partition("/")
    if rest and _HOST.match(first):
        return first, rest
    return "docker.io", text


def _walk(node: Any, path: tuple[str, ...], enabled: bool) -> Iterator[tuple[tuple[str, ...], dict[str, Any], bool]]:
    if not isinstance(node, dict):
        return
    if node.get("enabled") is False:
        enabled = False
    looks_like_image = ("repository" in node and not isinstance(node["repository"], (dict, list))) or (
        isinstance(node.get("image"), str) and ("registry" in node or "tag" in node)
    )
    named_image = bool(path) and path[-1] == "image" and "name" in node and "repository" in node
    if looks_like_image or named_image:
        yield path, node, enabled
        return
    for key, value in node.items():
        yield from _walk(value, (*path, str(key)), enabled)


def _template_lines(templates: list[tuple[str, str]], value_path: str) -> list[str]:
    """Template lines (with the 10 before them) that render the image at ``value_path``."""
    needles = (f".Values.{value_path}.", f".Values.{value_path} ", f".Values.{value_path})")
    found = []
    for _, text in templates:
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if any(n in line for n in needles):
                found.append("\n".join(lines[max(0, i - 10) : i + 1]))
    return found


def images_of(
    source: Source,
    values: dict[str, Any],
    chart: Mapping[str, Any],
    *,
    prefix: str = "",
    chart_enabled: bool = True,
    app_version: str,
) -> list[dict[str, Any]]:
    """The image records of one chart's ``values`` (a subchart's carry ``prefix``)."""
    templates = list(source.templates())
    unused = UNUSED_BY_DEFAULT.get(str(chart.get("name")), {})
    records = []
    for path, node, enabled in _walk(values, (), chart_enabled):
        value_path = ".".join(path)
        rendering = _template_lines(templates, value_path)
        record: dict[str, Any] = {"value_path": prefix + value_path}
        if "image" in node and isinstance(node.get("image"), str) and "repository" not in node:
            # Marketplace layout: registry may carry a path (docker.io/library) + image name.
            registry, sub = split_reference(f"{node.get('registry') or 'docker.io'}/x")
            repo_prefix = sub[:-1]
            record |= {
                "registry": registry,
                "repository": repo_prefix + node["image"],
                "rewrite": {prefix + value_path + ".registry": "{registry}/" + repo_prefix.rstrip("/")}
                if repo_prefix
                else {prefix + value_path + ".registry": "{registry}"},
            }
        elif not node.get("repository") and "name" in node and "imageRegistry" in values:
            # imageRegistry/imageNamespace/name (cert-manager); image.registry only prefixes.
            record |= {
                "registry": values["imageRegistry"],
                "repository": f"{values['imageNamespace']}/{node['name']}",
                "rewrite": {prefix + "imageRegistry": "{registry}"},
            }
        elif "registry" in node:
            record |= {
                "registry": node.get("registry"),
                "repository": node.get("repository"),
                "rewrite": {prefix + value_path + ".registry": "{registry}"},
            }
        else:
            registry, repository = split_reference(str(node["repository"]))
            record |= {
                "registry": registry,
                "repository": repository,
                "rewrite": {prefix + value_path + ".repository": "{registry}/" + repository},
            }
        tag = node.get("tag")
        notes = []
        if tag in (None, ""):
            joined = "\n".join(rendering)
            if "KubeVersion" in joined:
                tag = None
                notes.append("tag: the cluster's Kubernetes version (not known before install)")
            else:
                v_prefix = "v" if re.search(r'printf "v%s" \.Chart\.AppVersion', joined) else ""
                tag = v_prefix + app_version
                notes.append(f"tag: empty in values.yaml, the chart uses {v_prefix and 'v + '}appVersion")
        if node.get("distroless") and '"-distroless"' in "\n".join(rendering) and tag:
            tag += "-distroless"
            notes.append("tag: -distroless appended because values set image.distroless")
        digest = node.get("digest") or node.get("sha") or None
        if digest and not str(digest).startswith("sha256:"):
            digest = f"sha256:{digest}"
        honours_global = any("global.imageRegistry" in block for block in rendering)
        used = enabled and value_path not in unused
        if value_path in unused:
            notes.append(unused[value_path])
        record |= {
            "tag": tag,
            "digest": digest,
            "used_by_default": used,
            "global_image_registry": honours_global,
        }
        if notes:
            record["notes"] = notes
        records.append(record)
    return records


def hard_coded_images(source: Source, prefix: str) -> list[dict[str, str]]:
    found = []
    for rel, text in source.templates():
        for number, line in enumerate(text.splitlines(), 1):
            match = re.match(r"^\s*-?\s*image:\s*(\S.*)$", line, re.ASCII)
            if match and "{{" not in match.group(1) and not line.lstrip().startswith("#"):
                found.append({"chart": prefix or ".", "file": f"{rel}:{number}", "image": match.group(1).strip("\"'")})
    return found


def describe(
    source: Source,
    *,
    subcharts: Mapping[str, Source] = {},
    version_from_tag: bool = False,
) -> dict[str, Any]:
    """The JSON record of one chart and its subcharts."""
    chart = yaml.safe_load(source.read("Chart.yaml") or "") or {}
    values = yaml.safe_load(source.read("values.yaml") or "") or {}
    version, app_version = str(chart.get("version", "")), str(chart.get("appVersion", ""))
    notes = []
    if version_from_tag and source.tag:
        notes.append(f"version and appVersion are placeholders ({version}) set from the release tag at release time")
        version = app_version = source.tag
        if source.tag.startswith("v") and chart.get("name") == "kubelet-csr-approver":
            # Its release job publishes chart version <tag without v>, appVersion <tag>.
            version = source.tag[1:]
    record: dict[str, Any] = {"chart": chart.get("name"), "version": version, "app_version": app_version}
    # A subchart's images are read from the subchart with the parent's values merged over it.
    own_values = {k: v for k, v in values.items() if k not in subcharts}
    images = images_of(source, own_values, chart, app_version=app_version)
    hard_coded = hard_coded_images(source, "")
    record_subcharts = []
    conditions = {dep["name"]: dep.get("condition") for dep in chart.get("dependencies") or []}
    for name, sub_source in subcharts.items():
        sub_chart = yaml.safe_load(sub_source.read("Chart.yaml") or "") or {}
        sub_values = deep_merge(yaml.safe_load(sub_source.read("values.yaml") or "") or {}, values.get(name) or {})
        condition = conditions.get(name)
        enabled = True
        if condition:
            node: Any = values
            for part in condition.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            enabled = node is not False
        images += images_of(
            sub_source,
            sub_values,
            sub_chart,
            prefix=f"{name}.",
            chart_enabled=enabled,
            app_version=str(sub_chart.get("appVersion", "")),
        )
        hard_coded += hard_coded_images(sub_source, name)
        record_subcharts.append(
            {
                "name": name,
                "version": str(sub_chart.get("version")),
                "condition": condition,
                "enabled_by_default": enabled,
                "source": _source_json(sub_source),
            }
        )
    record |= {"source": _source_json(source), "subcharts": record_subcharts, "images": images}
    record["hard_coded_template_images"] = hard_coded
    if notes:
        record["notes"] = notes
    return record


def _source_json(source: Source) -> dict[str, Any]:
    if source.git_dir is None:
        return {"path": source.root}
    # Mirrors are kept as <owner>+<name>/repo; any other git directory names its origin.
    parent = Path(source.git_dir).resolve().parent.name
    if "+" in parent:
        repo = parent.replace("+", "/", 1)
    else:
        proc = subprocess.run(
            ["git", "-C", source.git_dir, "config", "--get", "remote.origin.url"], capture_output=True, text=True
        )
        repo = proc.stdout.strip() or str(Path(source.git_dir).resolve())
    return {"repository": repo, "tag": source.tag, "commit": source.commit(), "path": source.root}


#: The pinned catalog charts: catalog name -> (upstream repository, tag, path, subcharts).
#: kube-prometheus-stack pins prometheus-windows-exporter as "0.12.*" and ships no Chart.lock:
#: 0.12.8 is the newest 0.12 release before 88.5.3 was tagged (2026-08-21).
CATALOG_SOURCES: Mapping[str, tuple[str, str, str, Mapping[str, tuple[str, str, str]]]] = {
    "openstack-cloud-controller-manager": (
        "kubernetes/cloud-provider-openstack",
        "openstack-cloud-controller-manager-2.36.0",
        "charts/openstack-cloud-controller-manager",
        {},
    ),
    "openstack-cinder-csi": (
        "kubernetes/cloud-provider-openstack",
        "openstack-cinder-csi-2.36.0",
        "charts/cinder-csi-plugin",
        {},
    ),
    "cert-manager": ("cert-manager/cert-manager", "v1.21.1", "deploy/charts/cert-manager", {}),
    "metrics-server": (
        "kubernetes-sigs/metrics-server",
        "metrics-server-helm-chart-3.13.1",
        "charts/metrics-server",
        {},
    ),
    "traefik": ("traefik/traefik-helm-chart", "v41.3.0", "traefik", {}),
    "kubelet-csr-approver": (
        "postfinance/kubelet-csr-approver",
        "v1.2.14",
        "charts/kubelet-csr-approver",
        {},
    ),
    "kube-prometheus-stack": (
        "prometheus-community/helm-charts",
        "kube-prometheus-stack-88.5.3",
        "charts/kube-prometheus-stack",
        {
            "crds": (
                "prometheus-community/helm-charts",
                "kube-prometheus-stack-88.5.3",
                "charts/kube-prometheus-stack/charts/crds",
            ),
            "kube-state-metrics": (
                "prometheus-community/helm-charts",
                "kube-state-metrics-8.4.0",
                "charts/kube-state-metrics",
            ),
            "prometheus-node-exporter": (
                "prometheus-community/helm-charts",
                "prometheus-node-exporter-4.56.1",
                "charts/prometheus-node-exporter",
            ),
            "grafana": ("grafana-community/helm-charts", "grafana-12.11.1", "charts/grafana"),
            "prometheus-windows-exporter": (
                "prometheus-community/helm-charts",
                "prometheus-windows-exporter-0.12.8",
                "charts/prometheus-windows-exporter",
            ),
        },
    ),
    "argo-cd": ("argoproj/argo-helm", "argo-cd-10.1.1", "charts/argo-cd", {}),
    "dex": ("dexidp/helm-charts", "dex-0.24.0", "charts/dex", {}),
    "calico": ("projectcalico/calico", "v3.32.1", "charts/tigera-operator", {}),
}

#: Chart-specific facts the values alone do not give, checked in the chart templates.
CATALOG_NOTES: Mapping[str, list[str]] = {
    "kubelet-csr-approver": [
        "templates/tests/test-connection.yaml's busybox runs only under `helm test`, which the library never runs",
    ],
    "openstack-cloud-controller-manager": [
        "depends on Bitnami's common 2.14.1, a library chart (templates only, no images)",
    ],
    "argo-cd": [
        "controller, server, repoServer, applicationSet, notifications, commitServer, dex.initImage and"
        " redisSecretInit leave image.repository empty and use global.image (quay.io/argoproj/argocd at"
        " appVersion): one rewrite covers them",
        "redis-ha (dandydeveloper/charts 4.38.0) is a dependency off by default and is not vendored; its images"
        " are those the parent values name",
        "the chart's own Dex is turned off by the catalog (Dex is a catalog addon of its own)",
    ],
    "traefik": [
        "image.registry and image.repository are null in values.yaml: the chart's _helpers.tpl defaults them to"
        " docker.io and traefik (ghcr.io and traefik/traefik-hub when hub.enabled)",
        "with hub.enabled the image is ghcr.io/traefik/traefik-hub: not recorded (Traefik Hub is a paid product)",
    ],
    "kube-prometheus-stack": [
        "global.imageRegistry reaches every subchart (Helm passes global values down); the rewrite also sets"
        " each image's own registry key so that a subchart that stops honouring it is still covered",
        "prometheus-windows-exporter is pinned as 0.12.* without a Chart.lock: 0.12.8 is the newest 0.12"
        " release before the 88.5.3 tag",
    ],
}

COMMON_NOTES = [
    "Derived from values.yaml and templates at the release tag without rendering them: an image a"
    " template writes literally, or one a running component starts by itself, is found only by the"
    " hard_coded_template_images scan (image: lines with no template expression) and cannot be redirected"
    " by values.",
    "tag null: chosen at install time (e.g. the cluster's Kubernetes version); such images are listed but"
    " not mirrored.",
]


#: Charts whose Chart.yaml holds placeholders that the release job replaces with the tag.
VERSION_FROM_TAG = ("cert-manager", "kubelet-csr-approver", "calico")

#: The images the Tigera operator of Calico v3.32.1 deploys itself (not named in the chart's
#: values): ``calico/<name>:v3.32.1`` from quay.io, moved by the Installation's ``registry``
#: (``<registry><imagePath>/<name>``, imagePath ``calico`` by default; the field's schema says
#: the registry must end with ``/``). Component names: the operator's component list the
#: calico repository keeps at the tag (hack/test/kind/infra/calico_versions.yml); whether each
#: runs follows the catalog's values (name -> None when it runs, else why not).
CALICO_OPERATOR_COMPONENTS: Mapping[str, str | None] = {
    "node": None,
    "cni": None,
    "typha": None,
    "kube-controllers": None,
    "apiserver": None,
    "csi": "the CSI driver is off (installation.kubeletVolumePluginPath None, the chart's default)",
    "node-driver-registrar": "the CSI driver is off (installation.kubeletVolumePluginPath None)",
    "pod2daemon-flexvol": "the FlexVolume driver is off in the catalog (installation.flexVolumePath None)",
    "goldmane": "Goldmane is off in the catalog (goldmane.enabled false)",
    "whisker": "Whisker is off in the catalog (whisker.enabled false)",
    "whisker-backend": "Whisker is off in the catalog (whisker.enabled false)",
    "key-cert-provisioner": "runs only with installation.certificateManagement set",
}


def catalog(mirrors: Path) -> dict[str, Any]:
    def git(repo: str) -> str:
        path = mirrors / repo.replace("/", "+", 1) / "repo"
        if not path.is_dir():
            raise SystemExit(f"error: {path}: no git directory of {repo} (fetch it first)")
        return str(path)

    charts = {}
    for name, (repo, tag, path, subs) in CATALOG_SOURCES.items():
        source = Source(root=path, git_dir=git(repo), tag=tag)
        record = describe(
            source,
            subcharts={n: Source(root=p, git_dir=git(r), tag=t) for n, (r, t, p) in subs.items()},
            version_from_tag=name in VERSION_FROM_TAG,
        )
        if name in CATALOG_NOTES:
            record["notes"] = record.get("notes", []) + CATALOG_NOTES[name]
        _apply_known_defaults(name, record)
        charts[name] = record
    return {"notes": COMMON_NOTES, "charts": charts}


def _apply_known_defaults(name: str, record: dict[str, Any]) -> None:
    if name == "argo-cd":
        _argo_cd_defaults(record)
        return
    if name == "calico":
        _calico_defaults(record)
        return
    if name != "traefik":
        return
    for image in record["images"]:
        # Null registry/repository are filled in by the chart's _helpers.tpl.
        if image["value_path"] == "image":
            image["registry"] = image["registry"] or "docker.io"
            image["repository"] = image["repository"] or "traefik"
        # Oracle's marketplace layout renders <oci_meta.repo>/<image>:<tag>, with no registry host.
        if image["value_path"].startswith("oci_meta.images."):
            image["repository"] = "traefik/" + image["repository"]
            image["rewrite"] = {"oci_meta.repo": "{registry}/traefik"}


def _calico_defaults(record: dict[str, Any]) -> None:
    """tigera-operator: the operator's tag is its ``version`` key; calicoctl's ``image`` is a
    whole reference, used only by the OpenShift init container; the Calico components are
    the operator's own (see ``CALICO_OPERATOR_COMPONENTS``)."""
    calico_tag = record["version"]
    for image in record["images"]:
        if image["value_path"] == "tigeraOperator":
            image["tag"] = "v1.42.3"
            image["notes"] = ["tag: tigeraOperator.version in values.yaml"]
        if image["value_path"] == "calicoctl":
            image.update(
                registry="quay.io",
                repository="calico/ctl",
                rewrite={"calicoctl.image": "{registry}/calico/ctl"},
                used_by_default=False,
                notes=["calicoctl.image is a whole reference; it runs only when kubernetesProvider is OpenShift"],
            )
    for component, off in CALICO_OPERATOR_COMPONENTS.items():
        record["images"].append(
            {
                "value_path": "installation",
                "registry": "quay.io",
                "repository": f"calico/{component}",
                "rewrite": {"installation.registry": "{registry}/"},
                "tag": calico_tag,
                "digest": None,
                "used_by_default": off is None,
                "global_image_registry": False,
                "notes": ["deployed by the operator, not named in values.yaml"] + ([off] if off else []),
            }
        )


def _argo_cd_defaults(record: dict[str, Any]) -> None:
    """Argo CD components with an empty image.repository run global.image (the chart's
    templates default to it): they are that one image, not images of their own."""
    kept = []
    for image in record["images"]:
        if image["registry"] == "docker.io" and image["repository"] == "":
            continue
        if image["value_path"] == "redis-ha.exporter":
            # redis-ha's exporter is a whole reference in exporter.image, tag in exporter.tag.
            image.update(
                registry="ghcr.io",
                repository="oliver006/redis_exporter",
                rewrite={"redis-ha.exporter.image": "{registry}/oliver006/redis_exporter"},
            )
        if image["value_path"] == "redis-ha.haproxy.image":
            image.update(tag=None, notes=["tag: set by the redis-ha subchart (off by default), not recorded"])
        kept.append(image)
    record["images"] = kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chart_dir", nargs="?", help="a chart directory")
    parser.add_argument("--git", help="a git directory holding the chart")
    parser.add_argument("--tag", help="the release tag (with --git)")
    parser.add_argument("--path", help="the chart's path in the repository (with --git)")
    parser.add_argument("--subchart", action="append", default=[], metavar="NAME=DIR|GITDIR@TAG:PATH")
    parser.add_argument("--catalog", action="store_true", help=f"write {OUTPUT.relative_to(ROOT)}")
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"), help="git directories (--catalog)")
    args = parser.parse_args(argv)
    if args.catalog:
        OUTPUT.write_text(json.dumps(catalog(args.mirrors), indent=2) + "\n")
        return 0
    if args.git:
        if not (args.tag and args.path):
            parser.error("--git needs --tag and --path")
        source = Source(root=args.path.rstrip("/"), git_dir=args.git, tag=args.tag)
    elif args.chart_dir:
        source = Source(root=args.chart_dir.rstrip("/"))
    else:
        parser.error("give a chart directory, --git with --tag and --path, or --catalog")
    subs = {}
    for item in args.subchart:
        name, _, where = item.partition("=")
        subs[name] = parse_source(where)
    print(json.dumps(describe(source, subcharts=subs), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
