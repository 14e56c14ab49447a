"""The checks of the Kamaji constructs' arguments (:mod:`constructs_lib.kamaji`), apart from
the build: plain Python (no cdktf, no jsii), so each rule can be tested on its own.

- :func:`check_tenant_version` and :func:`check_tenant_upgrade`: the tenant releases the
  pinned Kamaji accepts.
- :func:`check_data_store`: a ``DataStore``'s settings (credentials as :class:`SecretKeyRef`).
- :func:`check_tenant_settings`: a ``TenantControlPlane``'s settings (:class:`TenantSettings`).
- :func:`check_control_plane`: what :class:`~constructs_lib.kamaji.KamajiControlPlane` is
  given (:class:`ControlPlaneArguments`), its tenant settings included; the constructs it is
  given are checked against the classes in :class:`KamajiTypes`.
- :func:`check_token_ttl`: a bootstrap token's lifetime.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import _validate as check
from ._versions import kubernetes_version
from .cluster_drivers import KAMAJI_MAX_KUBERNETES, KAMAJI_TAG
from .errors import ConstructArgumentError

#: Kamaji's default admission plugins (the CRD default), which lack NodeRestriction and PodSecurity.
KAMAJI_DEFAULT_ADMISSION_CONTROLLERS = (
    "CertificateApproval",
    "CertificateSigning",
    "CertificateSubjectRestriction",
    "DefaultIngressClass",
    "DefaultStorageClass",
    "DefaultTolerationSeconds",
    "LimitRanger",
    "MutatingAdmissionWebhook",
    "NamespaceLifecycle",
    "PersistentVolumeClaimResize",
    "Priority",
    "ResourceQuota",
    "RuntimeClass",
    "ServiceAccount",
    "StorageObjectInUseProtection",
    "TaintNodesByCondition",
    "ValidatingAdmissionWebhook",
)
#: Added to Kamaji's list: kubelets may only touch their own Node and pods; Pod Security Standards.
HARDENING_ADMISSION_CONTROLLERS = ("NodeRestriction", "PodSecurity")
#: Longest lifetime of a kubelet certificate the tenant's controller manager signs (30 days).
MAX_SIGNING_DURATION_HOURS = 720
#: The most source ranges the CRD accepts in ``networkProfile.loadBalancerSourceRanges``.
MAX_SOURCE_RANGES = 16
#: Control-plane pods of one tenant.
REPLICAS = (1, 9)
#: Shortest and longest bootstrap-token lifetime: slow VMs must still join; a leaked token must die.
TOKEN_TTL_RANGE = (datetime.timedelta(hours=1), datetime.timedelta(days=7))
DATASTORE_DRIVERS = ("PostgreSQL", "etcd")
#: The credentials a DataStore takes, by argument name.
DATASTORE_CREDENTIALS = (
    "username",
    "password",
    "ca_certificate",
    "ca_private_key",
    "client_certificate",
    "client_private_key",
)

_ENDPOINT = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?:[0-9]{1,5}|\[[0-9A-Fa-f:.]+\]:[0-9]{1,5}")
_SECRET_KEY = re.compile(r"[-._a-zA-Z0-9]{1,253}")


def check_tenant_version(path: str, value: Any) -> str:
    """A tenant Kubernetes version (``1.36.2`` or ``v1.36.2``) the pinned Kamaji accepts; as ``v1.36.2``."""
    major, minor, patch = (int(part) for part in kubernetes_version(path, value).split("."))
    if (major, minor) > KAMAJI_MAX_KUBERNETES:
        top = ".".join(map(str, KAMAJI_MAX_KUBERNETES))
        raise ConstructArgumentError(
            path, "kubernetes_version", value, f"at most {top}.x: Kamaji {KAMAJI_TAG} refuses a newer minor"
        )
    return f"v{major}.{minor}.{patch}"


def check_tenant_upgrade(path: str, old: str, new: str) -> str:
    """A version change Kamaji's webhook accepts: no downgrade (patches aside), no skipped minor."""
    before = check_tenant_version(path, old)
    after = check_tenant_version(path, new)
    old_minor = tuple(int(p) for p in before[1:].split(".")[:2])
    new_minor = tuple(int(p) for p in after[1:].split(".")[:2])
    if new_minor < old_minor:
        raise ConstructArgumentError(path, "kubernetes_version", new, f"{before} or newer: Kamaji refuses downgrades")
    if new_minor[0] == old_minor[0] and new_minor[1] - old_minor[1] > 1:
        raise ConstructArgumentError(
            path, "kubernetes_version", new, f"at most one minor above {before}: Kamaji refuses skipped minors"
        )
    return after


@dataclass(frozen=True)
class SecretKeyRef:
    """A key of a Secret in the management cluster (how Kamaji reads credentials).

    :param name: the Secret's name.
    :param namespace: its namespace.
    :param key: the key inside it.
    """

    name: str
    namespace: str
    key: str

    def __post_init__(self) -> None:
        where = "SecretKeyRef"
        check.name(where, "name", self.name)
        check.name(where, "namespace", self.namespace)
        if not isinstance(self.key, str) or not _SECRET_KEY.fullmatch(self.key):
            raise ConstructArgumentError(where, "key", self.key, "a Secret key: letters, digits, '-', '_' and '.'")

    def content_ref(self) -> dict[str, Any]:
        return {"secretReference": {"name": self.name, "namespace": self.namespace, "keyPath": self.key}}


def check_data_store(path: str, *, name: Any, driver: Any, endpoints: Any, credentials: Mapping[str, Any]) -> None:
    """Check a ``DataStore``'s settings. ``credentials`` holds each of
    :data:`DATASTORE_CREDENTIALS` (None when not given): PostgreSQL needs ``username`` and
    ``password``; etcd needs the CA certificate and key and a client certificate and key
    (Kamaji's CEL rules). Every credential is a :class:`SecretKeyRef`: nothing secret inline."""
    check.name(path, "name", name)
    check.choice(path, "driver", driver, DATASTORE_DRIVERS)
    if isinstance(endpoints, str) or not isinstance(endpoints, (list, tuple)) or not endpoints:
        raise ConstructArgumentError(path, "endpoints", endpoints, "a non-empty list of host:port")
    for endpoint in endpoints:
        if not isinstance(endpoint, str) or not _ENDPOINT.fullmatch(endpoint):
            raise ConstructArgumentError(
                path, "endpoints", endpoint, "host:port without a scheme, such as pg.internal:5432"
            )
    for argument in DATASTORE_CREDENTIALS:
        ref = credentials[argument]
        if ref is not None and not isinstance(ref, SecretKeyRef):
            raise ConstructArgumentError(path, argument, ref, "a SecretKeyRef (credentials are never inline)")
    if driver == "PostgreSQL":
        for argument in ("username", "password"):
            if credentials[argument] is None:
                raise ConstructArgumentError(path, argument, None, "a SecretKeyRef: PostgreSQL needs a login")
        if any(credentials[argument] for argument in ("client_certificate", "client_private_key", "ca_private_key")):
            raise ConstructArgumentError(
                path,
                "client_certificate",
                credentials["client_certificate"],
                "None for PostgreSQL (it logs in with basic auth)",
            )
        return
    for argument in ("ca_certificate", "ca_private_key", "client_certificate", "client_private_key"):
        if credentials[argument] is None:
            raise ConstructArgumentError(
                path,
                argument,
                None,
                "a SecretKeyRef: Kamaji requires the CA key pair and a client certificate for etcd",
            )
    if credentials["username"] or credentials["password"]:
        raise ConstructArgumentError(
            path, "username", credentials["username"], "None for etcd (it authenticates by certificate)"
        )


@dataclass(frozen=True)
class TenantSettings:
    """A ``TenantControlPlane``'s settings, checked (see
    :func:`~constructs_lib.kamaji.tenant_control_plane_manifest` for what each means).

    :param version: the tenant's release as Kamaji takes it, ``v1.36.2``.
    :param api_allowed_cidrs: the load balancer's source ranges.
    :param admission: every admission plugin: Kamaji's, the hardening ones, the extra ones.
    """

    name: str
    namespace: str
    data_store: str
    version: str
    api_allowed_cidrs: tuple[str, ...]
    port: int
    replicas: int
    service_cidr: str
    pod_cidr: str
    dns_service_ip: str
    cert_sans: tuple[str, ...]
    signing_duration_hours: int
    kube_proxy: bool
    admission: tuple[str, ...]
    authentication_config_map: str | None


def check_tenant_settings(
    path: str,
    *,
    name: Any,
    namespace: Any,
    data_store: Any,
    kubernetes_version: Any,
    api_allowed_cidrs: Any,
    port: Any,
    replicas: Any,
    service_cidr: Any,
    pod_cidr: Any,
    dns_service_ip: Any,
    cert_sans: Any,
    signing_duration_hours: Any,
    kube_proxy: Any,
    extra_admission_controllers: Any,
    authentication_config_map: Any,
) -> TenantSettings:
    """Check a ``TenantControlPlane``'s settings (``path`` names the construct in errors):
    the API open to 1 to 16 CIDRs, the Service and pod ranges apart, kubelet certificates
    signed for at most :data:`MAX_SIGNING_DURATION_HOURS`."""
    check.name(path, "name", name)
    check.name(path, "namespace", namespace)
    check.name(path, "data_store", data_store)
    version = check_tenant_version(path, kubernetes_version)
    cidrs = check.cidrs(path, "api_allowed_cidrs", api_allowed_cidrs)
    if not cidrs or len(cidrs) > MAX_SOURCE_RANGES:
        raise ConstructArgumentError(
            path,
            "api_allowed_cidrs",
            list(api_allowed_cidrs),
            f"1 to {MAX_SOURCE_RANGES} CIDRs (the API is never open to everyone by default)",
        )
    check.count(path, "port", port, check.PORT_NUMBER)
    check.int_range(path, "replicas", replicas, *REPLICAS)
    _check_service_ranges(path, service_cidr, pod_cidr, dns_service_ip)
    _check_cert_sans(path, cert_sans)
    check.int_range(path, "signing_duration_hours", signing_duration_hours, 1, MAX_SIGNING_DURATION_HOURS)
    check.boolean(path, "kube_proxy", kube_proxy)
    extra = check.words(path, "extra_admission_controllers", list(extra_admission_controllers))
    admission = [*KAMAJI_DEFAULT_ADMISSION_CONTROLLERS, *HARDENING_ADMISSION_CONTROLLERS, *extra]
    if authentication_config_map is not None:
        check.name(path, "authentication_config_map", authentication_config_map)
    return TenantSettings(
        name=name,
        namespace=namespace,
        data_store=data_store,
        version=version,
        api_allowed_cidrs=cidrs,
        port=port,
        replicas=replicas,
        service_cidr=service_cidr,
        pod_cidr=pod_cidr,
        dns_service_ip=dns_service_ip,
        cert_sans=tuple(cert_sans),
        signing_duration_hours=signing_duration_hours,
        kube_proxy=kube_proxy,
        admission=tuple(dict.fromkeys(admission)),
        authentication_config_map=authentication_config_map,
    )


def _check_cert_sans(path: str, cert_sans: Any) -> None:
    if isinstance(cert_sans, str) or not isinstance(cert_sans, (list, tuple)):
        raise ConstructArgumentError(path, "cert_sans", cert_sans, "a list of DNS names or IP addresses")
    for san in cert_sans:
        check.text(path, "cert_sans", san)


def _check_service_ranges(path: str, service_cidr: Any, pod_cidr: Any, dns_service_ip: Any) -> None:
    """The Service and pod ranges do not overlap; the DNS Service address is a Service address."""
    service = check.network(path, "service_cidr", service_cidr)
    pods = check.network(path, "pod_cidr", pod_cidr)
    if service.overlaps(pods):  # type: ignore[arg-type]
        raise ConstructArgumentError(
            path, "pod_cidr", pod_cidr, f"a range that does not overlap service_cidr {service_cidr}"
        )
    dns = check.address(path, "dns_service_ip", dns_service_ip)
    if dns not in service:
        raise ConstructArgumentError(
            path, "dns_service_ip", dns_service_ip, f"an address inside service_cidr {service_cidr}"
        )


@dataclass(frozen=True)
class KamajiTypes:
    """The classes of what :class:`~constructs_lib.kamaji.KamajiControlPlane` is given.

    :param network: what ``network`` must be (a Network).
    :param data_store: the construct ``data_store`` may be (a KamajiDataStore) besides a name.
    :param provider: what the management cluster's ``provider`` must be (a TerraformProvider).
    """

    network: type[Any]
    data_store: type[Any]
    provider: type[Any]


@dataclass(frozen=True)
class ControlPlaneArguments:
    """A tenant control plane's arguments, checked.

    :param settings: the TenantControlPlane's settings; its API open to the primary subnet
        and ``api_allowed_cidrs``.
    :param api_address: the fixed API address, or None for Neutron's pick.
    :param certificate_authority: whether the tenant CA is made here.
    :param authentication: the AuthenticationConfiguration, or None.
    """

    settings: TenantSettings
    api_address: str | None
    certificate_authority: bool
    authentication: Mapping[str, Any] | None


def check_control_plane(
    path: str,
    *,
    types: KamajiTypes,
    name: Any,
    namespace: Any,
    data_store: Any,
    kubernetes_version: Any,
    network: Any,
    api_allowed_cidrs: Any,
    provider: Any,
    api_address: Any,
    certificate_authority: Any,
    authentication: Any,
    openstack_provider: Any,
    **tenant: Any,
) -> ControlPlaneArguments:
    """Check a tenant control plane's arguments, all of them before anything is built
    (``path`` names the construct in errors); ``types`` are the classes of the constructs it
    is given. The TenantControlPlane's other settings (``tenant``: port, replicas, the ranges,
    cert_sans, signing_duration_hours, kube_proxy) go to :func:`check_tenant_settings` as given."""
    _check_control_plane_parts(
        path, types, authentication, provider, openstack_provider, certificate_authority, network, api_address
    )
    given = check.cidrs(path, "api_allowed_cidrs", api_allowed_cidrs)
    settings = check_tenant_settings(
        path,
        name=name,
        namespace=namespace,
        data_store=data_store.name if isinstance(data_store, types.data_store) else data_store,
        kubernetes_version=kubernetes_version,
        # Workers and their konnectivity agents reach the API through the load balancer.
        api_allowed_cidrs=list(dict.fromkeys([network.primary_cidr, *given])),
        extra_admission_controllers=(),
        authentication_config_map=f"{name}-authentication" if authentication is not None else None,
        **tenant,
    )
    return ControlPlaneArguments(settings, api_address, certificate_authority, authentication)


def _check_control_plane_parts(
    path: str,
    types: KamajiTypes,
    authentication: Any,
    provider: Any,
    openstack_provider: Any,
    certificate_authority: Any,
    network: Any,
    api_address: Any,
) -> None:
    """What a tenant control plane is given besides its TenantControlPlane's settings."""
    if authentication is not None and (
        not isinstance(authentication, Mapping) or authentication.get("kind") != "AuthenticationConfiguration"
    ):
        raise ConstructArgumentError(
            path, "authentication", authentication, "an AuthenticationConfiguration (authentication_configuration())"
        )
    if not isinstance(provider, types.provider):
        raise ConstructArgumentError(path, "provider", provider, "the management cluster's kubernetes provider")
    check.provider(path, "openstack_provider", openstack_provider)
    check.boolean(path, "certificate_authority", certificate_authority)
    if not isinstance(network, types.network):
        raise ConstructArgumentError(path, "network", network, "a Network")
    if api_address is not None and check.address(path, "api_address", api_address) not in ipaddress.ip_network(
        network.primary_cidr
    ):
        raise ConstructArgumentError(
            path, "api_address", api_address, f"an address in the primary subnet {network.primary_cidr}"
        )


def check_token_ttl(path: str, argument: str, value: Any) -> int:
    """A bootstrap-token lifetime: a :class:`datetime.timedelta` of whole hours within
    :data:`TOKEN_TTL_RANGE`; the number of hours."""
    low, high = TOKEN_TTL_RANGE
    allowed = f"a datetime.timedelta of whole hours from {low} to {high} (slow VMs must still join)"
    if not isinstance(value, datetime.timedelta) or value < low or value > high:
        raise ConstructArgumentError(path, argument, value, allowed)
    if value % datetime.timedelta(hours=1):
        raise ConstructArgumentError(path, argument, value, allowed)
    return int(value / datetime.timedelta(hours=1))
