"""Ignition configs for Flatcar Container Linux worker nodes that join a cluster by token.

A node written by :func:`worker_ignition` boots with:

- the kubelet from Flatcar's Kubernetes system extension (``kubernetes-v<version>-<arch>.raw``
  of flatcar/sysext-bakery), downloaded from a URL the caller chooses (an internal server in a
  closed contour) and checked against its SHA-256 before it is used; the extension's own unit
  runs the kubelet with ``--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf``,
  ``--kubeconfig=/etc/kubernetes/kubelet.conf`` and ``--config=/var/lib/kubelet/config.yaml``;
- an explicit, hardened KubeletConfiguration (:func:`kubelet_configuration`) and the kernel
  settings ``protectKernelDefaults`` expects, written to ``/etc/sysctl.d``;
- containerd reading registry mirrors from ``/etc/containerd/certs.d/<host>/hosts.toml``;
- the cluster CA (a public certificate) and a bootstrap kubeconfig holding a short-lived
  bootstrap token. There is no private key and no client certificate in the config: the
  kubelet asks for its client certificate by TLS bootstrap and for its serving certificate by
  CSR (``serverTLSBootstrap``).

This module is plain Python: it imports neither cdktf nor the provider bindings. The API
server address, the token and the CA may be Terraform references (cdktf string tokens): files
that hold one are handed, whole, to the caller's ``token_encoder`` (the Flatcar node group
passes Terraform's ``base64encode``), every other file is encoded here, gzip-compressed where
that is shorter. The config is checked before it is returned: its base64 form must fit
Nova's user-data limit, with every reference counted at its longest, and no file may hold a
PEM private key.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import _validate as check
from ._versions import kubernetes_version
from .errors import ConstructArgumentError
from .node_roles import DEDICATED_ROLES, ROLE_LABEL_PREFIX, check_role, role_taint

#: The Ignition spec version written: the newest that every supported Flatcar channel reads
#: (LTS-2023 ships Ignition 2.14, which reads 3.3.0 at most).
IGNITION_VERSION = "3.3.0"
#: Nova refuses user data longer than this many bytes of base64.
NOVA_USER_DATA_LIMIT = 65535
#: Where the bakery publishes its extensions.
DEFAULT_SYSEXT_BASE_URL = "https://extensions.flatcar.org/extensions"

CA_PATH = "/etc/kubernetes/pki/ca.crt"
BOOTSTRAP_KUBECONFIG_PATH = "/etc/kubernetes/bootstrap-kubelet.conf"
KUBELET_CONFIG_PATH = "/var/lib/kubelet/config.yaml"
KUBELET_FLAGS_PATH = "/etc/sysconfig/kubelet"
SYSCTL_PATH = "/etc/sysctl.d/90-kubelet-protect-kernel-defaults.conf"
CONTAINERD_CONFIG_PATH = "/etc/containerd/config.toml"
CONTAINERD_CERTS_DIR = "/etc/containerd/certs.d"
RESOLV_CONF = "/run/systemd/resolve/resolv.conf"
CONTAINERD_SOCKET = "unix:///run/containerd/containerd.sock"

#: The kernel settings the kubelet checks when ``protectKernelDefaults`` is on (it refuses to
#: start when they differ, and no longer sets them itself): kubernetes
#: ``pkg/kubelet/cm/container_manager_linux.go`` ``setupKernelTunables`` and
#: ``component-helpers/node/util/sysctl``.
PROTECT_KERNEL_DEFAULTS_SYSCTLS: Mapping[str, int] = {
    "kernel.keys.root_maxbytes": 25000000,
    "kernel.keys.root_maxkeys": 1000000,
    "kernel.panic": 10,
    "kernel.panic_on_oops": 1,
    "vm.overcommit_memory": 1,
    "vm.panic_on_oom": 0,
}

#: The CIS Kubernetes Benchmark's kubelet cipher list, without its two static-RSA suites
#: (no forward secrecy): every suite left is ECDHE with an AEAD cipher.
CIS_TLS_CIPHER_SUITES = (
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
)

#: Longest value a Terraform reference can take, by what it stands for: used to check the size
#: of user data whose final text is only known at apply time.
TOKEN_MAX_LENGTH = {"address": 45, "bootstrap_token": 23, "ca_certificate": 8192}

_TOKEN = re.compile(r"\$\{TfToken\[[A-Za-z0-9_.-]+\]\}")
_PRIVATE_KEY = re.compile(r"-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_HOSTNAME = re.compile(check.NAME_PATTERN, re.ASCII)
_QUANTITY = re.compile(r"[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T|%)?")
_DURATION = re.compile(r"([0-9]+(h|m|s))+")
_BOOTSTRAP_TOKEN = re.compile(r"[a-z0-9]{6}\.[a-z0-9]{16}")
_ARCHES = ("x86-64", "arm64")

TokenEncoder = Callable[[str], str]


def _release(value: Any) -> str | None:
    """A Kubernetes release as the constructs accept one (:mod:`constructs_lib._versions`),
    without its ``v``; None if ``value`` is not one."""
    try:
        return kubernetes_version("", value)
    except ConstructArgumentError:
        return None


def is_token(value: Any) -> bool:
    """Whether ``value`` is, or holds, a cdktf string token (a Terraform reference)."""
    return isinstance(value, str) and _TOKEN.search(value) is not None


def has_private_key(text: str) -> bool:
    """Whether ``text`` holds a PEM private key block (RSA, EC, OPENSSH, encrypted, ...)."""
    return _PRIVATE_KEY.search(text) is not None


@dataclass(frozen=True)
class KubernetesSysext:
    """The kubelet's system extension image, pinned by version and hash.

    :param version: the Kubernetes release, ``1.36.2`` or ``v1.36.2``.
    :param sha256: the image's SHA-256, 64 lowercase hex digits (the bakery's ``SHA256SUMS``).
        Ignition refuses an image with any other hash.
    :param base_url: where the images are: ``<base_url>/kubernetes-v<version>-<arch>.raw``.
        ``https://`` only. Default: the bakery's public server; point it at an internal mirror
        in a closed contour.
    :param arch: ``x86-64`` (default) or ``arm64``.
    """

    version: str
    sha256: str
    base_url: str = DEFAULT_SYSEXT_BASE_URL
    arch: str = "x86-64"

    def __post_init__(self) -> None:
        where = "KubernetesSysext"
        release = _release(self.version)
        if release is None or not release.startswith("1."):
            raise ConstructArgumentError(where, "version", self.version, "a Kubernetes release such as 1.36.2")
        object.__setattr__(self, "version", release)
        if not isinstance(self.sha256, str) or not _SHA256.fullmatch(self.sha256):
            raise ConstructArgumentError(where, "sha256", self.sha256, "64 lowercase hexadecimal digits")
        check.url(where, "base_url", self.base_url, schemes=("https",))
        check.choice(where, "arch", self.arch, _ARCHES)

    @property
    def file_name(self) -> str:
        return f"kubernetes-v{self.version}-{self.arch}.raw"

    @property
    def url(self) -> str:
        return f"{self.base_url.rstrip('/')}/{self.file_name}"

    @property
    def minor(self) -> tuple[int, int]:
        major, minor, _ = self.version.split(".")
        return int(major), int(minor)


@dataclass(frozen=True)
class RegistryMirror:
    """Pull images of one registry through mirrors (containerd ``hosts.toml``).

    :param registry: the registry whose images are mirrored, as image names spell it:
        ``docker.io``, ``registry.k8s.io``, ``quay.io:443``; ``_default`` for every registry
        without its own entry.
    :param endpoints: the mirrors, tried in order: ``https://`` URLs, such as
        ``https://harbor.internal`` or, with ``override_path``, a proxy project's full API path
        ``https://harbor.internal/v2/proxy-docker``.
    :param override_path: the endpoints hold the full API path (containerd then does not
        append ``/v2``). Default ``False``.
    """

    registry: str
    endpoints: Sequence[str]
    override_path: bool = False

    def __post_init__(self) -> None:
        where = f"RegistryMirror({self.registry!r})"
        if self.registry != "_default":
            allowed = "a registry host[:port] such as docker.io, or _default"
            try:
                parsed = check.Registry.parse(where, "registry", self.registry, trailing_slash=False)
            except ConstructArgumentError as err:
                raise ConstructArgumentError(where, "registry", self.registry, f"{allowed} ({err.allowed})") from None
            if parsed.path:
                raise ConstructArgumentError(where, "registry", self.registry, f"{allowed} (no path)")
        if isinstance(self.endpoints, str) or not isinstance(self.endpoints, (list, tuple)) or not self.endpoints:
            raise ConstructArgumentError(where, "endpoints", self.endpoints, "a non-empty list of https:// URLs")
        for endpoint in self.endpoints:
            check.url(where, "endpoints", endpoint, schemes=("https",))
        object.__setattr__(self, "endpoints", tuple(self.endpoints))
        check.boolean(where, "override_path", self.override_path)

    def hosts_toml(self) -> str:
        """The ``hosts.toml`` of the registry: its own server (none for ``_default``) and the mirrors."""
        lines = []
        if self.registry != "_default":
            upstream = "registry-1.docker.io" if self.registry == "docker.io" else self.registry
            lines += [f'server = "https://{upstream}"', ""]
        for endpoint in self.endpoints:
            lines.append(f'[host."{endpoint}"]')
            lines.append('  capabilities = ["pull", "resolve"]')
            if self.override_path:
                lines.append("  override_path = true")
            lines.append("")
        return "\n".join(lines)


@dataclass(frozen=True)
class KubeletResources:
    """Reservations, eviction and limits of the kubelet (all explicit: no implicit default).

    :param kube_reserved: resources kept for the kubelet and containerd.
    :param system_reserved: resources kept for the OS.
    :param eviction_hard: hard eviction thresholds.
    :param max_pods: pods per node.
    :param pod_pids_limit: processes per pod.
    """

    kube_reserved: Mapping[str, str] = field(
        default_factory=lambda: {"cpu": "100m", "memory": "512Mi", "ephemeral-storage": "1Gi"}
    )
    system_reserved: Mapping[str, str] = field(
        default_factory=lambda: {"cpu": "100m", "memory": "256Mi", "ephemeral-storage": "1Gi"}
    )
    eviction_hard: Mapping[str, str] = field(
        default_factory=lambda: {
            "imagefs.available": "15%",
            "memory.available": "200Mi",
            "nodefs.available": "10%",
            "nodefs.inodesFree": "5%",
        }
    )
    max_pods: int = 110
    pod_pids_limit: int = 4096

    def __post_init__(self) -> None:
        where = "KubeletResources"
        for name in ("kube_reserved", "system_reserved", "eviction_hard"):
            value = getattr(self, name)
            if not isinstance(value, Mapping):
                raise ConstructArgumentError(where, name, value, "a map of resource names to quantities")
            for key, quantity in value.items():
                if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-zA-Z.-]{0,62}", key):
                    raise ConstructArgumentError(where, name, key, "a resource or signal name such as memory")
                if not isinstance(quantity, str) or not _QUANTITY.fullmatch(quantity):
                    raise ConstructArgumentError(where, f"{name}[{key!r}]", quantity, "a quantity such as 512Mi or 10%")
            object.__setattr__(self, name, dict(sorted(value.items())))
        check.int_range(where, "max_pods", self.max_pods, 1, 1024)
        check.int_range(where, "pod_pids_limit", self.pod_pids_limit, 1024, 1 << 22)


def kubelet_configuration(
    *,
    cluster_dns: Sequence[str],
    cluster_domain: str = "cluster.local",
    role: str,
    resources: KubeletResources | None = None,
    event_record_qps: int = 50,
    streaming_connection_idle_timeout: str = "5m",
) -> dict[str, Any]:
    """The kubelet's KubeletConfiguration (``kubelet.config.k8s.io/v1beta1``), hardened.

    Anonymous requests off, webhook authentication and authorization against the API server,
    no read-only port, TLS 1.2 or newer with :data:`CIS_TLS_CIPHER_SUITES`, client and serving
    certificates by CSR and rotated, ``protectKernelDefaults`` (the sysctls it needs are
    written too), ``RuntimeDefault`` seccomp for every pod, a per-pod PID limit, a bounded event
    rate and streaming idle timeout, explicit reservations and eviction thresholds,
    systemd-resolved's ``resolv.conf``. Nodes of a dedicated role register with the role's
    taint, so nothing lands on them before the taint is there.
    """
    resources = resources or KubeletResources()
    config: dict[str, Any] = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": True, "cacheTTL": "2m"},
            "x509": {"clientCAFile": CA_PATH},
        },
        "authorization": {"mode": "Webhook", "webhook": {"cacheAuthorizedTTL": "5m", "cacheUnauthorizedTTL": "30s"}},
        "readOnlyPort": 0,
        "serverTLSBootstrap": True,
        "rotateCertificates": True,
        "protectKernelDefaults": True,
        "seccompDefault": True,
        "tlsMinVersion": "VersionTLS12",
        "tlsCipherSuites": list(CIS_TLS_CIPHER_SUITES),
        "podPidsLimit": resources.pod_pids_limit,
        "maxPods": resources.max_pods,
        "eventRecordQPS": event_record_qps,
        "streamingConnectionIdleTimeout": streaming_connection_idle_timeout,
        "makeIPTablesUtilChains": True,
        "kubeReserved": dict(resources.kube_reserved),
        "systemReserved": dict(resources.system_reserved),
        "enforceNodeAllocatable": ["pods"],
        "evictionHard": dict(resources.eviction_hard),
        "resolvConf": RESOLV_CONF,
        "cgroupDriver": "systemd",
        "containerRuntimeEndpoint": CONTAINERD_SOCKET,
        "clusterDNS": list(cluster_dns),
        "clusterDomain": cluster_domain,
    }
    if role in DEDICATED_ROLES:
        config["registerWithTaints"] = [role_taint(role)]
    return config


def node_labels(role: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The labels a node sets on itself when it registers: the role label and ``extra``.

    None may be in the ``kubernetes.io`` or ``k8s.io`` namespaces: the NodeRestriction
    admission plugin refuses a kubelet that sets them (bar a few the kubelet owns)."""
    labels = {f"{ROLE_LABEL_PREFIX}{role}": ""}
    labels.update(extra or {})
    return dict(sorted(labels.items()))


def forbidden_label(key: str) -> bool:
    """Whether a node may not set the label ``key`` on itself (NodeRestriction)."""
    prefix = key.rpartition("/")[0]
    return any(prefix == domain or prefix.endswith("." + domain) for domain in ("kubernetes.io", "k8s.io"))


def containerd_config() -> str:
    """containerd's configuration: systemd cgroups for runc (as the kubelet's ``cgroupDriver``)
    and registry hosts read from :data:`CONTAINERD_CERTS_DIR`. Format version 2, which
    containerd 1.7 reads and containerd 2 migrates on load."""
    return "\n".join(
        [
            "version = 2",
            "",
            '[plugins."io.containerd.grpc.v1.cri".containerd]',
            '  default_runtime_name = "runc"',
            "",
            '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
            '  runtime_type = "io.containerd.runc.v2"',
            "",
            '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
            "  SystemdCgroup = true",
            "",
            '[plugins."io.containerd.grpc.v1.cri".registry]',
            f'  config_path = "{CONTAINERD_CERTS_DIR}"',
            "",
        ]
    )


def bootstrap_kubeconfig(server: str, token: str) -> str:
    """The kubelet's bootstrap kubeconfig: the API server, the CA file, the bootstrap token."""
    return "\n".join(
        [
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: tenant",
            "  cluster:",
            f"    server: {server}",
            f"    certificate-authority: {CA_PATH}",
            "contexts:",
            "- name: kubelet-bootstrap",
            "  context:",
            "    cluster: tenant",
            "    user: kubelet-bootstrap",
            "current-context: kubelet-bootstrap",
            "users:",
            "- name: kubelet-bootstrap",
            "  user:",
            f"    token: {token}",
            "",
        ]
    )


@dataclass(frozen=True)
class _File:
    path: str
    content: str
    mode: int


@dataclass(frozen=True)
class WorkerIgnition:
    """A worker's Ignition config: :attr:`json` is the user data, :attr:`estimated_size` the
    length of its base64 form with every Terraform reference at its longest."""

    json: str
    estimated_size: int
    files: tuple[str, ...]


@dataclass(frozen=True)
class WorkerSettings:
    """What every worker of a group is configured with: its Ignition config but the host name.
    Checked by :func:`worker_ignition` (a wrong value is an error naming the field).

    :param api_server: the tenant API server's IP address (or a Terraform reference to it).
    :param bootstrap_token: ``<id>.<secret>`` (``[a-z0-9]{6}.[a-z0-9]{16}``) or a reference.
    :param ca_certificate: PEM of the cluster CA (a certificate, never a key) or a reference.
    :param sysext: the pinned kubelet image.
    :param role: the node's role; a dedicated role registers with its taint.
    :param cluster_dns: the cluster DNS service addresses.
    :param api_server_port: the API server's port. Default 6443.
    :param cluster_domain: the cluster domain. Default ``cluster.local``.
    :param labels: more labels the node sets on itself (none in ``kubernetes.io``/``k8s.io``).
    :param mirrors: registry mirrors for containerd.
    :param resources: reservations and limits. Default :class:`KubeletResources`.
    :param extra_files: more files, ``{"path", "content"[, "permissions"]}``, literal text
        without private keys.
    """

    api_server: str
    bootstrap_token: str
    ca_certificate: str
    sysext: KubernetesSysext
    role: str
    cluster_dns: Sequence[str]
    api_server_port: int = 6443
    cluster_domain: str = "cluster.local"
    labels: Mapping[str, str] | None = None
    mirrors: Sequence[RegistryMirror] = ()
    resources: KubeletResources | None = None
    extra_files: Sequence[Mapping[str, str]] = ()


def worker_ignition(
    settings: WorkerSettings,
    *,
    path: str,
    hostname: str,
    token_encoder: TokenEncoder | None = None,
    limit: int = NOVA_USER_DATA_LIMIT,
) -> WorkerIgnition:
    """The Ignition config (spec :data:`IGNITION_VERSION`) of one Flatcar worker.

    :param settings: what every worker of its group is configured with.
    :param path: the construct path errors name.
    :param hostname: the node's host name, which becomes its Node name (a DNS label).
    :param token_encoder: turns a file's text holding references into a Terraform expression
        of its base64 (the node group passes ``Fn.base64encode``). Needed only when a
        setting is a reference.
    :param limit: the most bytes of base64 the user data may take. Default Nova's limit.
    """
    given = _check_worker(path, hostname, settings, token_encoder)
    files = _worker_files(path, given)
    sysext = settings.sysext
    rendered = _dump(_ignition_document(sysext, [_encoded(item, token_encoder) for item in files]))
    estimate = _dump(_ignition_document(sysext, [_estimated(item, given.lengths) for item in files]))
    size = _checked_size(path, rendered, estimate, limit)
    return WorkerIgnition(json=rendered, estimated_size=size, files=tuple(f.path for f in files))


@dataclass(frozen=True)
class _WorkerValues:
    """A worker's host name and settings, checked (see :func:`worker_ignition`): the text of the
    values that may be Terraform references, the labels as checked, and the longest text each
    reference in them can stand for (by its token)."""

    hostname: str
    settings: WorkerSettings
    address: str
    token: str
    ca: str
    labels: Mapping[str, str]
    lengths: Mapping[str, int]


def _check_worker(path: str, hostname: Any, given: WorkerSettings, token_encoder: TokenEncoder | None) -> _WorkerValues:
    """Check a worker's host name and settings (all but its extra files) in the order they are
    documented."""
    lengths: dict[str, int] = {}

    def value(argument: str, kind: str, literal_check: Callable[[Any], Any]) -> str:
        return _literal_or_reference(
            path, argument, getattr(given, argument), literal_check, token_encoder, lengths, kind
        )

    if not isinstance(hostname, str) or not _HOSTNAME.fullmatch(hostname):
        raise ConstructArgumentError(path, "hostname", hostname, "a DNS label: lowercase letters, digits and '-'")
    address = value("api_server", "address", lambda v: check.address(path, "api_server", v))
    check.count(path, "api_server_port", given.api_server_port, check.PORT_NUMBER)
    token = value("bootstrap_token", "bootstrap_token", lambda v: _check_token(path, v))
    ca = value("ca_certificate", "ca_certificate", lambda v: _check_ca(path, v))
    if not isinstance(given.sysext, KubernetesSysext):
        raise ConstructArgumentError(path, "sysext", given.sysext, "a KubernetesSysext")
    check_role(path, given.role)
    cluster_dns = given.cluster_dns
    if isinstance(cluster_dns, str) or not isinstance(cluster_dns, (list, tuple)) or not cluster_dns:
        raise ConstructArgumentError(path, "cluster_dns", cluster_dns, "a non-empty list of IP addresses")
    for dns in cluster_dns:
        check.address(path, "cluster_dns", dns)
    check.text(path, "cluster_domain", given.cluster_domain)
    extra_labels = _check_labels(path, given.labels)
    _check_mirrors(path, given.mirrors)
    if given.resources is not None and not isinstance(given.resources, KubeletResources):
        raise ConstructArgumentError(path, "resources", given.resources, "a KubeletResources")
    return _WorkerValues(
        hostname=hostname, settings=given, address=address, token=token, ca=ca, labels=extra_labels, lengths=lengths
    )


def _literal_or_reference(
    path: str,
    argument: str,
    given: Any,
    literal_check: Callable[[Any], Any],
    token_encoder: TokenEncoder | None,
    lengths: dict[str, int],
    kind: str,
) -> str:
    """A value that is literal (checked by ``literal_check``) or holds Terraform references
    (then ``token_encoder`` is needed, and each reference's longest text, by what it stands
    for, is recorded in ``lengths``)."""
    if is_token(given):
        if token_encoder is None:
            raise ConstructArgumentError(
                path, argument, given, "a literal value, or a token_encoder for Terraform references"
            )
        for token in _TOKEN.findall(given):
            lengths[token] = TOKEN_MAX_LENGTH[kind]
        return str(given)
    literal_check(given)
    return str(given)


def _check_labels(path: str, labels: Any) -> dict[str, str]:
    """The labels a node sets on itself: none that NodeRestriction refuses."""
    extra_labels = check.labels(path, "labels", dict(labels) if isinstance(labels, Mapping) else labels or {})
    for key in extra_labels:
        if forbidden_label(key):
            raise ConstructArgumentError(
                path,
                f"labels[{key!r}]",
                key,
                "a label outside the kubernetes.io and k8s.io namespaces (NodeRestriction refuses those)",
            )
    return extra_labels


def _check_mirrors(path: str, mirrors: Any) -> None:
    """A list of :class:`RegistryMirror`, one per registry."""
    if isinstance(mirrors, (str, Mapping)) or not all(isinstance(m, RegistryMirror) for m in mirrors):
        raise ConstructArgumentError(path, "mirrors", mirrors, "a list of RegistryMirror")
    registries = [m.registry for m in mirrors]
    if len(set(registries)) != len(registries):
        raise ConstructArgumentError(path, "mirrors", registries, "one RegistryMirror per registry")


def _worker_files(path: str, given: _WorkerValues) -> list[_File]:
    """The files a worker's Ignition config writes: the library's, the mirrors', the extra
    ones; none holding a PEM private key."""
    address, ca, settings = given.address, given.ca, given.settings
    role = settings.role
    host = f"[{address}]" if ":" in address and not is_token(address) else address
    server = f"https://{host}:{settings.api_server_port}"
    sysctls = "".join(f"{key} = {number}\n" for key, number in PROTECT_KERNEL_DEFAULTS_SYSCTLS.items())
    kubelet = kubelet_configuration(
        cluster_dns=settings.cluster_dns,
        cluster_domain=settings.cluster_domain,
        role=role,
        resources=settings.resources,
    )
    label_arg = ",".join(f"{key}={item}" for key, item in node_labels(role, given.labels).items())
    files = [
        _File("/etc/hostname", given.hostname + "\n", 0o644),
        _File(CA_PATH, ca if ca.endswith("\n") or is_token(ca) else ca + "\n", 0o644),
        _File(BOOTSTRAP_KUBECONFIG_PATH, bootstrap_kubeconfig(server, given.token), 0o600),
        _File(KUBELET_CONFIG_PATH, json.dumps(kubelet, indent=2, sort_keys=True) + "\n", 0o644),
        _File(KUBELET_FLAGS_PATH, f'KUBELET_EXTRA_ARGS="--cloud-provider=external --node-labels={label_arg}"\n', 0o644),
        _File(SYSCTL_PATH, sysctls, 0o644),
        _File(CONTAINERD_CONFIG_PATH, containerd_config(), 0o644),
    ]
    for mirror in settings.mirrors:
        files.append(_File(f"{CONTAINERD_CERTS_DIR}/{mirror.registry}/hosts.toml", mirror.hosts_toml(), 0o644))
    files += _extra_files(path, settings.extra_files, {f.path for f in files})
    for item in files:
        if has_private_key(item.content):
            raise ConstructArgumentError(
                path,
                "extra_files" if item.path not in {CA_PATH} else "ca_certificate",
                item.path,
                "no PEM private key in user data (anyone who can read the server reads it)",
            )
    return files


def _checked_size(path: str, rendered: str, estimate: str, limit: int) -> int:
    """The user data's size in base64 with every reference at its longest (``estimate``),
    within ``limit``; the rendered config holds no Terraform template sequence."""
    size = len(base64.b64encode(estimate.encode()))
    if size > limit:
        raise ConstructArgumentError(
            path,
            "user_data",
            f"{size} bytes of base64",
            f"at most {limit} bytes of base64 (Nova's user-data limit); drop extra files or mirrors",
        )
    if check.template_start(_TOKEN.sub("", rendered)) is not None:
        raise ConstructArgumentError(path, "extra_files", "${ or %{", "no Terraform template sequence in user data")
    return size


def _ignition_document(sysext: KubernetesSysext, files: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The Ignition config: the kubelet's system extension (fetched and checked against its
    hash, linked where systemd-sysext finds it), the encoded ``files``, containerd's config."""
    sysext_dir = "/opt/extensions/kubernetes"
    return {
        "ignition": {"version": IGNITION_VERSION},
        "storage": {
            "directories": [{"path": sysext_dir, "mode": 0o755}],
            "files": [
                {
                    "path": f"{sysext_dir}/{sysext.file_name}",
                    "mode": 0o644,
                    "contents": {
                        "source": sysext.url,
                        "verification": {"hash": f"sha256-{sysext.sha256}"},
                    },
                },
                *files,
            ],
            "links": [
                {
                    "path": "/etc/extensions/kubernetes.raw",
                    "target": f"{sysext_dir}/{sysext.file_name}",
                    "hard": False,
                }
            ],
        },
        "systemd": {
            "units": [
                {
                    "name": "containerd.service",
                    "dropins": [
                        {
                            "name": "10-platform-config.conf",
                            "contents": f"[Service]\nEnvironment=CONTAINERD_CONFIG={CONTAINERD_CONFIG_PATH}\n",
                        }
                    ],
                },
            ]
        },
    }


def _encoded(item: _File, token_encoder: TokenEncoder | None) -> dict[str, Any]:
    """A file as Ignition writes it: text holding references through ``token_encoder`` (a
    Terraform expression of its base64), other text as the shortest data URL."""
    if is_token(item.content):
        assert token_encoder is not None
        contents: dict[str, Any] = {"source": "data:;base64," + token_encoder(item.content)}
    else:
        contents = _literal_contents(item.content.encode())
    return {"path": item.path, "mode": item.mode, "overwrite": True, "contents": contents}


def _estimated(item: _File, lengths: Mapping[str, int]) -> dict[str, Any]:
    """A file as :func:`_encoded` writes it, with each reference replaced by the longest text
    it can stand for (base64 encoded here, as Terraform's ``base64encode`` would)."""
    content = _TOKEN.sub(lambda m: "x" * lengths[m.group()], item.content)
    if content != item.content:
        contents: dict[str, Any] = {"source": "data:;base64," + base64.b64encode(content.encode()).decode()}
    else:
        contents = _literal_contents(content.encode())
    return {"path": item.path, "mode": item.mode, "overwrite": True, "contents": contents}


def _dump(document: Mapping[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def _literal_contents(data: bytes) -> dict[str, Any]:
    """The shortest of a percent-encoded data URL and a gzip-compressed base64 one."""
    plain = "data:," + urllib.parse.quote(data, safe="")
    packed = "data:;base64," + base64.b64encode(gzip.compress(data, compresslevel=9, mtime=0)).decode()
    if len(packed) < len(plain):
        return {"compression": "gzip", "source": packed}
    return {"source": plain}


def _check_token(path: str, value: Any) -> None:
    if not isinstance(value, str) or not _BOOTSTRAP_TOKEN.fullmatch(value):
        raise ConstructArgumentError(
            path, "bootstrap_token", "<hidden>", "a bootstrap token [a-z0-9]{6}.[a-z0-9]{16}, or a reference"
        )


def _check_ca(path: str, value: Any) -> None:
    if not isinstance(value, str) or "-----BEGIN CERTIFICATE-----" not in value:
        raise ConstructArgumentError(path, "ca_certificate", value, "a PEM certificate (-----BEGIN CERTIFICATE-----)")
    if has_private_key(value):
        raise ConstructArgumentError(path, "ca_certificate", "<PEM with a private key>", "the CA certificate only")
    check.literal(path, "ca_certificate", value)


def _extra_files(path: str, extra_files: Any, taken: set[str]) -> list[_File]:
    files = []
    for item in check.extra_files(path, extra_files):
        if item.path in taken:
            raise ConstructArgumentError(path, "extra_files.path", item.path, "a path the library does not write")
        taken.add(item.path)
        if has_private_key(item.content):
            raise ConstructArgumentError(
                path,
                "extra_files",
                item.path,
                "no PEM private key in user data (anyone who can read the server reads it)",
            )
        files.append(_File(item.path, item.content, int(item.permissions, 8)))
    return files
