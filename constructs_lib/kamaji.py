"""Kamaji hosted control planes: a DataStore and a TenantControlPlane in a management cluster.

Kamaji (clastix/kamaji) runs each tenant's API server, controller manager and scheduler as
pods of a management cluster, with the tenant's state in a shared DataStore (PostgreSQL
through kine, or etcd). The library does not build the management cluster: it reaches it
through a kubernetes provider configured from a kubeconfig path and context
(:class:`ManagementClusterProvider`) and writes the Kamaji objects there as
``kubernetes_manifest`` resources.

- :class:`KamajiDataStore`: the ``DataStore`` (cluster-scoped), credentials by Secret
  reference only.
- :class:`KamajiControlPlane`: a Neutron port whose address is the tenant API address, fixed
  at plan time (``networkProfile.address``), and handed to the OpenStack cloud controller of
  the management cluster through the Service annotation ``loadbalancer.openstack.org/port-id``
  so the Octavia load balancer takes that address; the ``TenantControlPlane`` with
  konnectivity, hardened by default.
- :class:`BootstrapToken`: a bootstrap token (``[a-z0-9]{6}.[a-z0-9]{16}``) from the
  ``random`` provider, renewed every rotation period (``time_rotating``), with an expiry in
  hours. :class:`BootstrapTokenSecret` writes it into the tenant as
  ``kube-system/bootstrap-token-<id>``; Kamaji has already bound the group it names
  (``system:bootstrappers:kubeadm:default-node-token``) to node bootstrap and client
  certificate auto-approval.

- :class:`TenantCertificateAuthority` (made by :class:`KamajiControlPlane` by default): the
  tenant CA, made by Terraform and handed to Kamaji as ``<tcp>-ca``, so workers carry its
  certificate in the same plan.

Composed in one stack (the tenant-side Secret goes in a later stack, whose kubernetes provider
reads the tenant's admin kubeconfig)::

    management = ManagementClusterProvider(stack, "management", config_path="~/.kube/mgmt")
    store = KamajiDataStore(stack, "store", name="pg", driver="PostgreSQL",
                            endpoints=["pg.internal:5432"], username=..., password=...,
                            provider=management)
    plane = KamajiControlPlane(stack, "plane", name="t1", namespace="tenants", data_store=store,
                               kubernetes_version="1.36.2", network=network,
                               api_address="10.0.0.10", api_allowed_cidrs=["192.0.2.0/24"],
                               provider=management)
    token = BootstrapToken(stack, "token")
    FlatcarNodeGroup(stack, "workers", name="t1-worker", role="worker", count=3,
                     network=network, keypair=keypair, flavor="m1.large", image="flatcar",
                     boot_volume_size=40, sysext=KubernetesSysext("1.36.2", "<sha256>"),
                     control_plane_version=plane.kubernetes_version, api_server=plane.address,
                     ca_certificate=plane.ca_certificate, bootstrap_token=token.value,
                     cluster_dns=[plane.dns_service_ip])
    # later stack, tenant provider:
    BootstrapTokenSecret(platform, "token", token_id=..., token_secret=..., expiration=...)

The pure functions (:func:`tenant_control_plane_manifest`, :func:`data_store_manifest`,
:func:`bootstrap_token_secret_manifest`, :func:`check_tenant_version`,
:func:`check_tenant_upgrade`) take and return plain data; the tests validate their output
against Kamaji's CRD schemas and Kubernetes' own. Every argument check lives in
:mod:`constructs_lib.kamaji_arguments` (no cdktf): each construct checks all of its arguments
there first, then builds.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from cdktf import Fn, ITerraformDependable, TerraformProvider, TerraformResourceLifecycle, TerraformStack, Token
from constructs import Construct

from . import _validate as check
from ._construct import ConstructContract, LibraryConstruct
from ._generic import AttributeResource, GenericProvider, GenericResource, present
from .cluster_drivers import KAMAJI_MAX_KUBERNETES, KAMAJI_TAG  # noqa: F401  (re-exported)
from .errors import ConstructArgumentError
from .kamaji_arguments import (  # noqa: F401  (re-exported: part of this module's API)
    DATASTORE_DRIVERS,
    HARDENING_ADMISSION_CONTROLLERS,
    KAMAJI_DEFAULT_ADMISSION_CONTROLLERS,
    MAX_SIGNING_DURATION_HOURS,
    MAX_SOURCE_RANGES,
    TOKEN_TTL_RANGE,
    ControlPlaneArguments,
    KamajiTypes,
    SecretKeyRef,
    TenantSettings,
    check_control_plane,
    check_data_store,
    check_tenant_settings,
    check_tenant_upgrade,
    check_tenant_version,
    check_token_ttl,
)
from .kubernetes import GENERATOR_METADATA as KUBERNETES_GENERATOR_METADATA
from .kubernetes import SOURCE as KUBERNETES_SOURCE
from .network import Network

# KAMAJI_TAG (the Kamaji release the manifests are written for:
# tests/fixtures/upstream/kamaji_crd_schemas.json) and KAMAJI_MAX_KUBERNETES (the newest tenant
# minor its webhook accepts: its kubeadm is v1.36.0 at that tag) are kept with the driver's facts.
API_VERSION = "kamaji.clastix.io/v1alpha1"
#: Where Kamaji mounts the tenant CA in the API server pod (kubeadm's certificates directory).
TENANT_CA_FILE = "/etc/kubernetes/pki/ca.crt"
#: Where the API server finds its AuthenticationConfiguration (a ConfigMap of the management
#: cluster, mounted whole so that an update reaches the running pods: the API server reloads
#: the file when it changes).
AUTHENTICATION_DIR = "/etc/kubernetes/authentication"
AUTHENTICATION_FILE = "config.yaml"
AUTHENTICATION_VOLUME = "authentication-config"
#: The OpenStack cloud controller's annotation: use this existing port as the load balancer's VIP.
PORT_ID_ANNOTATION = "loadbalancer.openstack.org/port-id"
#: The group kubeadm (and so Kamaji) binds to node bootstrap and client-certificate approval.
BOOTSTRAP_GROUP = "system:bootstrappers:kubeadm:default-node-token"


def data_store_manifest(
    *,
    name: str,
    driver: str,
    endpoints: Sequence[str],
    username: SecretKeyRef | None = None,
    password: SecretKeyRef | None = None,
    ca_certificate: SecretKeyRef | None = None,
    ca_private_key: SecretKeyRef | None = None,
    client_certificate: SecretKeyRef | None = None,
    client_private_key: SecretKeyRef | None = None,
    path: str = "KamajiDataStore",
) -> dict[str, Any]:
    """A ``DataStore`` manifest. PostgreSQL needs ``username`` and ``password``; etcd needs the
    CA certificate and key and a client certificate and key (Kamaji's CEL rules). Every
    credential is a :class:`SecretKeyRef`: nothing secret is written inline."""
    credentials = {
        "username": username,
        "password": password,
        "ca_certificate": ca_certificate,
        "ca_private_key": ca_private_key,
        "client_certificate": client_certificate,
        "client_private_key": client_private_key,
    }
    check_data_store(path, name=name, driver=driver, endpoints=endpoints, credentials=credentials)
    spec: dict[str, Any] = {"driver": driver, "endpoints": list(endpoints)}
    if username is not None and password is not None:
        spec["basicAuth"] = {"username": username.content_ref(), "password": password.content_ref()}
    if ca_certificate is not None:
        spec["tlsConfig"] = _data_store_tls(ca_certificate, ca_private_key, client_certificate, client_private_key)
    return {"apiVersion": API_VERSION, "kind": "DataStore", "metadata": {"name": name}, "spec": spec}


def _data_store_tls(
    ca_certificate: SecretKeyRef,
    ca_private_key: SecretKeyRef | None,
    client_certificate: SecretKeyRef | None,
    client_private_key: SecretKeyRef | None,
) -> dict[str, Any]:
    """A DataStore's ``tlsConfig``: the servers' CA (and its key), Kamaji's client certificate."""
    authority: dict[str, Any] = {"certificate": ca_certificate.content_ref()}
    if ca_private_key is not None:
        authority["privateKey"] = ca_private_key.content_ref()
    tls: dict[str, Any] = {"certificateAuthority": authority}
    if client_certificate is not None and client_private_key is not None:
        tls["clientCertificate"] = {
            "certificate": client_certificate.content_ref(),
            "privateKey": client_private_key.content_ref(),
        }
    return tls


def tenant_control_plane_manifest(
    *,
    name: str,
    namespace: str,
    data_store: str,
    kubernetes_version: str,
    address: str,
    port_id: str,
    api_allowed_cidrs: Sequence[str],
    port: int = 6443,
    replicas: int = 2,
    service_cidr: str = "10.96.0.0/16",
    pod_cidr: str = "10.244.0.0/16",
    dns_service_ip: str = "10.96.0.10",
    cert_sans: Sequence[str] = (),
    signing_duration_hours: int = MAX_SIGNING_DURATION_HOURS,
    kube_proxy: bool = True,
    extra_admission_controllers: Sequence[str] = (),
    authentication_config_map: str | None = None,
    path: str = "KamajiControlPlane",
) -> dict[str, Any]:
    """A ``TenantControlPlane`` manifest, hardened: NodeRestriction and PodSecurity admission,
    kubelet certificates signed for at most 30 days and verified by the API server, the API
    load balancer open only to ``api_allowed_cidrs``. ``address`` and ``port_id`` may be
    Terraform references (the port's address and id)."""
    settings = check_tenant_settings(
        path,
        name=name,
        namespace=namespace,
        data_store=data_store,
        kubernetes_version=kubernetes_version,
        api_allowed_cidrs=api_allowed_cidrs,
        port=port,
        replicas=replicas,
        service_cidr=service_cidr,
        pod_cidr=pod_cidr,
        dns_service_ip=dns_service_ip,
        cert_sans=cert_sans,
        signing_duration_hours=signing_duration_hours,
        kube_proxy=kube_proxy,
        extra_admission_controllers=extra_admission_controllers,
        authentication_config_map=authentication_config_map,
    )
    for value, argument in ((address, "address"), (port_id, "port_id")):
        if not isinstance(value, str) or not value:
            raise ConstructArgumentError(path, argument, value, "a string (a Terraform reference is fine)")
    return tenant_control_plane(settings, address=address, port_id=port_id)


def tenant_control_plane(settings: TenantSettings, *, address: str, port_id: str) -> dict[str, Any]:
    """The ``TenantControlPlane`` manifest of checked ``settings`` (:func:`check_tenant_settings`),
    its API at ``address`` on the Neutron port ``port_id`` (either may be a Terraform reference)."""
    return {
        "apiVersion": API_VERSION,
        "kind": "TenantControlPlane",
        "metadata": {"name": settings.name, "namespace": settings.namespace},
        "spec": {
            "dataStore": settings.data_store,
            "controlPlane": {
                "deployment": _control_plane_deployment(settings),
                "service": {
                    "serviceType": "LoadBalancer",
                    "additionalMetadata": {"annotations": {PORT_ID_ANNOTATION: port_id}},
                },
            },
            "kubernetes": {
                "version": settings.version,
                "kubelet": {"cgroupfs": "systemd", "preferredAddressTypes": ["InternalIP", "Hostname"]},
                "admissionControllers": list(settings.admission),
            },
            "networkProfile": {
                "address": address,
                "port": settings.port,
                "certSANs": list(settings.cert_sans),
                "serviceCidr": settings.service_cidr,
                "podCidr": settings.pod_cidr,
                "dnsServiceIPs": [settings.dns_service_ip],
                "loadBalancerSourceRanges": list(settings.api_allowed_cidrs),
            },
            "addons": _tenant_addons(settings.kube_proxy),
        },
    }


def _control_plane_deployment(settings: TenantSettings) -> dict[str, Any]:
    """The control-plane pods: their count, the hardening flags of each component, and the
    AuthenticationConfiguration's ConfigMap mounted into the API server when there is one."""
    api_server_args = [
        f"--kubelet-certificate-authority={TENANT_CA_FILE}",
        "--tls-min-version=VersionTLS12",
        "--profiling=false",
    ]
    volumes: dict[str, Any] = {}
    if settings.authentication_config_map is not None:
        # Structured authentication (several JWT issuers) from a ConfigMap next to the
        # TenantControlPlane; the API server refuses --oidc-* flags beside it, and none is set.
        api_server_args.append(f"--authentication-config={AUTHENTICATION_DIR}/{AUTHENTICATION_FILE}")
        volumes["additionalVolumes"] = [
            {"name": AUTHENTICATION_VOLUME, "configMap": {"name": settings.authentication_config_map}}
        ]
        volumes["additionalVolumeMounts"] = {
            "apiServer": [{"name": AUTHENTICATION_VOLUME, "mountPath": AUTHENTICATION_DIR, "readOnly": True}]
        }
    return {
        "replicas": settings.replicas,
        **volumes,
        "extraArgs": {
            "apiServer": api_server_args,
            "controllerManager": [
                f"--cluster-signing-duration={settings.signing_duration_hours}h",
                "--profiling=false",
            ],
            "scheduler": ["--profiling=false"],
        },
    }


def _tenant_addons(kube_proxy: bool) -> dict[str, Any]:
    """The tenant's addons Kamaji runs: CoreDNS, konnectivity, kube-proxy unless turned off."""
    addons: dict[str, Any] = {
        "coreDNS": {},
        "konnectivity": {"server": {"port": 8132}, "agent": {"mode": "DaemonSet"}},
    }
    if kube_proxy:
        addons["kubeProxy"] = {}
    return addons


def bootstrap_token_secret_manifest(token_id: str, token_secret: str, expiration: str) -> dict[str, Any]:
    """The ``kube-system/bootstrap-token-<id>`` Secret a kubelet authenticates with to join.

    Only ``usage-bootstrap-authentication``: the token signs no ``cluster-info``
    (the worker has the CA in its config). ``auth-extra-groups`` is the group Kamaji binds.
    """
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": f"bootstrap-token-{token_id}", "namespace": "kube-system"},
        "type": "bootstrap.kubernetes.io/token",
        "stringData": {
            "auth-extra-groups": BOOTSTRAP_GROUP,
            "description": "Flatcar worker bootstrap token written by openstack-platform-constructs",
            "expiration": expiration,
            "token-id": token_id,
            "token-secret": token_secret,
            "usage-bootstrap-authentication": "true",
        },
    }


def kubeadm_node_bootstrap_rbac() -> list[dict[str, Any]]:
    """The bindings kubeadm's bootstrap-token phase creates, which Kamaji runs in each tenant:
    the token group may create CSRs, its client CSRs are approved, and nodes may renew their
    own client certificates. Recorded so that the token Secret's group is checked against it;
    the library does not apply them (Kamaji does)."""

    def binding(name: str, role: str, group: str) -> dict[str, Any]:
        return {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": group}],
        }

    approve = "system:certificates.k8s.io:certificatesigningrequests:"
    return [
        binding("kubeadm:kubelet-bootstrap", "system:node-bootstrapper", BOOTSTRAP_GROUP),
        binding("kubeadm:node-autoapprove-bootstrap", approve + "nodeclient", BOOTSTRAP_GROUP),
        binding("kubeadm:node-autoapprove-certificate-rotation", approve + "selfnodeclient", "system:nodes"),
    ]


class ManagementClusterProvider(ConstructContract, GenericProvider):
    """The kubernetes provider for the management cluster, read from a kubeconfig file.

    :param config_path: the kubeconfig file (never its content: no credential in the output).
    :param config_context: the context in it. Default: its current context.
    :param alias: the provider alias. Default ``kamaji-management`` (a stack may also hold a
        provider for the tenant).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config_path: str,
        config_context: str | None = None,
        alias: str | None = "kamaji-management",
    ) -> None:
        path = check.child_path(scope, id)
        check.text(path, "config_path", config_path)
        if config_context is not None:
            check.text(path, "config_context", config_context)
        if alias is not None:
            check.name(path, "alias", alias)
        super().__init__(
            scope,
            id,
            terraform_resource_type="kubernetes",
            terraform_generator_metadata=KUBERNETES_GENERATOR_METADATA,
            terraform_provider_source=KUBERNETES_SOURCE,
        )
        self._attributes = present({"alias": alias, "config_context": config_context, "config_path": config_path})
        self._alias = alias

    # cdktf names the provider ``kubernetes.<alias>`` in the resources that use it only when it
    # knows the alias; a generic provider's attributes are not read for that.
    @property  # type: ignore[override]
    def alias(self) -> str | None:
        return getattr(self, "_alias", None)

    @alias.setter
    def alias(self, value: str | None) -> None:
        self._alias = value


class KubernetesManifest(GenericResource):
    """``kubernetes_manifest``: one object of any kind, applied by server-side apply.

    :param manifest: the object.
    :param field_manager: the server-side apply field manager name.
    :param computed_fields: fields the API server or a webhook fills in (no diff on them).
    :param wait_fields: field path -> value (a regular expression) that the object's status
        must reach before the apply goes on.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        manifest: Mapping[str, Any],
        provider: TerraformProvider | None = None,
        field_manager: str = "openstack-platform",
        computed_fields: Sequence[str] | None = None,
        depends_on: Sequence[ITerraformDependable] | None = None,
        wait_fields: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            terraform_resource_type="kubernetes_manifest",
            terraform_generator_metadata=KUBERNETES_GENERATOR_METADATA,
            provider=provider,
            depends_on=list(depends_on) if depends_on else None,
        )
        self._attributes = present(
            {
                "computed_fields": list(computed_fields) if computed_fields is not None else None,
                "field_manager": {"name": field_manager},
                "manifest": dict(manifest),
                "wait": [{"fields": dict(wait_fields)}] if wait_fields else None,
            }
        )


#: The HashiCorp utility providers the Kamaji constructs use, pinned in ``required_providers``
#: (releases on registry.terraform.io; their resources' arguments here are stable since 3.0 / 0.7 / 3.0).
UTILITY_PROVIDERS = {"random": "3.7.2", "time": "0.13.1", "tls": "4.1.0"}


class _UtilityProvider(GenericProvider):
    """The (empty) provider block of a HashiCorp utility provider, which pins its version."""

    def __init__(self, scope: Construct, id: str, *, name: str) -> None:
        version = UTILITY_PROVIDERS[name]
        super().__init__(
            scope,
            id,
            terraform_resource_type=name,
            terraform_generator_metadata={
                "provider_name": name,
                "provider_version": version,
                "provider_version_constraint": f"~> {version.rsplit('.', 1)[0]}",
            },
            terraform_provider_source=f"hashicorp/{name}",
        )
        self._attributes = {}


def _utility_provider(scope: Construct, resource_type: str) -> None:
    """Make sure the stack of ``scope`` pins the utility provider of ``resource_type``."""
    name = resource_type.split("_", 1)[0]
    if name not in UTILITY_PROVIDERS:
        return
    stack = TerraformStack.of(scope)
    if stack.node.try_find_child(f"hashicorp-{name}") is None:
        _UtilityProvider(stack, f"hashicorp-{name}", name=name)


def _resource(
    scope: Construct, id: str, resource_type: str, attributes: Mapping[str, Any], **options: Any
) -> AttributeResource:
    """A resource of a HashiCorp utility provider (``random``, ``time``, ``tls``; the stack then
    pins that provider) or ``kubernetes_secret_v1``: an :class:`AttributeResource` with ``options``."""
    _utility_provider(scope, resource_type)
    return AttributeResource(scope, id, resource_type, attributes, **options)


class KamajiDataStore(LibraryConstruct):
    """A Kamaji ``DataStore`` in the management cluster (see :func:`data_store_manifest`).

    :param name: the DataStore's name (cluster-scoped).
    :param driver: ``PostgreSQL`` (kine) or ``etcd``.
    :param endpoints: ``host:port`` of the servers.
    :param username: PostgreSQL login, a :class:`SecretKeyRef`.
    :param password: PostgreSQL password, a :class:`SecretKeyRef`.
    :param ca_certificate: the servers' CA certificate (optional for PostgreSQL).
    :param ca_private_key: etcd: the CA key (Kamaji signs etcd client certificates with it).
    :param client_certificate: etcd: Kamaji's client certificate.
    :param client_private_key: etcd: its key.
    :param provider: the management cluster's :class:`ManagementClusterProvider`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        driver: str,
        endpoints: Sequence[str],
        provider: TerraformProvider,
        username: SecretKeyRef | None = None,
        password: SecretKeyRef | None = None,
        ca_certificate: SecretKeyRef | None = None,
        ca_private_key: SecretKeyRef | None = None,
        client_certificate: SecretKeyRef | None = None,
        client_private_key: SecretKeyRef | None = None,
    ) -> None:
        path = check.child_path(scope, id)
        if not isinstance(provider, TerraformProvider):
            raise ConstructArgumentError(path, "provider", provider, "the management cluster's kubernetes provider")
        manifest = data_store_manifest(
            name=name,
            driver=driver,
            endpoints=endpoints,
            username=username,
            password=password,
            ca_certificate=ca_certificate,
            ca_private_key=ca_private_key,
            client_certificate=client_certificate,
            client_private_key=client_private_key,
            path=path,
        )
        super().__init__(scope, id)
        self.name = name
        self.driver = driver
        self.manifest = manifest
        self.resource = KubernetesManifest(self, "data-store", manifest=manifest, provider=provider)


class TenantCertificateAuthority(LibraryConstruct):
    """The tenant's CA, made by Terraform and handed to Kamaji as the Secret ``<tcp>-ca``.

    Kamaji keeps an existing ``<tcp>-ca`` whose certificate and key form a valid pair (and
    makes one otherwise), so a CA made here is the tenant's CA; its certificate is then known in
    the same plan as the control plane, and workers can carry it in their user data. The key
    stays in the management cluster's Secret and in Terraform state (private, as for every
    cluster driver: state holds the admin credentials of every cluster).

    :param secret_name: ``<tcp name>-ca``.
    :param namespace: the TenantControlPlane's namespace.
    :param validity_hours: the CA's lifetime. Default ten years (kubeadm's CA lifetime).
    :param provider: the management cluster's kubernetes provider.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        secret_name: str,
        namespace: str,
        provider: TerraformProvider,
        validity_hours: int = 87600,
    ) -> None:
        path = check.child_path(scope, id)
        check.name(path, "secret_name", secret_name)
        check.name(path, "namespace", namespace)
        check.int_range(path, "validity_hours", validity_hours, 24 * 365, 24 * 365 * 20)
        super().__init__(scope, id)
        self.key = _resource(self, "key", "tls_private_key", {"algorithm": "RSA", "rsa_bits": 3072})
        self.certificate = _resource(
            self,
            "certificate",
            "tls_self_signed_cert",
            {
                "allowed_uses": ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"],
                "is_ca_certificate": True,
                "private_key_pem": self.key.get_string_attribute("private_key_pem"),
                "set_subject_key_id": True,
                "subject": [{"common_name": "kubernetes"}],
                "validity_period_hours": validity_hours,
            },
        )
        self.certificate_pem: str = self.certificate.get_string_attribute("cert_pem")
        key_pem = self.key.get_string_attribute("private_key_pem")
        self.secret = _resource(
            self,
            "secret",
            "kubernetes_secret_v1",
            {
                "metadata": {"name": secret_name, "namespace": namespace},
                "type": "Opaque",
                # The keys Kamaji reads and the two it would add (Cluster API's names).
                "data": {
                    "ca.crt": self.certificate_pem,
                    "ca.key": key_pem,
                    "tls.crt": self.certificate_pem,
                    "tls.key": key_pem,
                },
            },
            provider=provider,
            # Kamaji labels the Secret and records a checksum annotation on it.
            lifecycle=TerraformResourceLifecycle(ignore_changes=["metadata[0].labels", "metadata[0].annotations"]),
            metadata=KUBERNETES_GENERATOR_METADATA,
        )


class KamajiControlPlane(LibraryConstruct):
    """A tenant control plane: its API port in Neutron and its ``TenantControlPlane``.

    :param name: the TenantControlPlane's name (and the port's ``<name>-api``).
    :param namespace: its namespace in the management cluster (must exist).
    :param data_store: the :class:`KamajiDataStore` (or its name) that keeps the tenant's state.
    :param kubernetes_version: the tenant's release; at most what the pinned Kamaji accepts.
    :param network: the :class:`~constructs_lib.network.Network` of the workers; the API port
        is on its primary subnet (which the management cluster must reach).
    :param api_allowed_cidrs: who else may reach the API load balancer (no default: nothing is
        open to everyone). The primary subnet is always added: workers and their konnectivity
        agents reach the API through the load balancer. 16 CIDRs at most in all.
    :param api_address: a fixed IP in the primary subnet for the API (recommended: the whole
        manifest is then known at plan time). Default: Neutron picks one when the port is
        created (still before the load balancer exists).
    :param replicas: control-plane pods. Default 2.
    :param port: the API port. Default 6443.
    :param service_cidr: the tenant's Service range. Default ``10.96.0.0/16``.
    :param pod_cidr: the tenant's pod range. Default ``10.244.0.0/16``.
    :param dns_service_ip: the cluster DNS Service address, in ``service_cidr``.
    :param cert_sans: more names or addresses for the API server's certificate.
    :param signing_duration_hours: lifetime of the kubelet certificates the tenant signs,
        at most 720 (30 days). Default 720.
    :param kube_proxy: install kube-proxy (off for a CNI that replaces it). Default ``True``.
    :param authentication: an ``AuthenticationConfiguration``
        (:func:`~constructs_lib.authentication.authentication_configuration`): written to the
        ConfigMap ``<name>-authentication`` next to the TenantControlPlane and given to the API
        server with ``--authentication-config``. Default: none (client certificates and
        ServiceAccount tokens only).
    :param certificate_authority: make the tenant CA here (:class:`TenantCertificateAuthority`)
        so that workers get its certificate in the same plan. Default ``True``; with ``False``
        Kamaji makes the CA, and workers must read it from ``<name>-ca`` in a later stack.
    :param provider: the management cluster's :class:`ManagementClusterProvider`.
    :param openstack_provider: the OpenStack provider for the port. Default: the stack's.

    ``address`` is the API address (a reference to the port's IP), ``server`` the URL
    ``https://<address>:<port>``, ``ca_certificate`` the tenant CA's PEM (a reference; ``None``
    without ``certificate_authority``); ``ca_secret_name`` and ``admin_kubeconfig_secret_name``
    name the Secrets next to the TenantControlPlane.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        namespace: str,
        data_store: KamajiDataStore | str,
        kubernetes_version: str,
        network: Network,
        api_allowed_cidrs: Sequence[str],
        provider: TerraformProvider,
        api_address: str | None = None,
        port: int = 6443,
        replicas: int = 2,
        service_cidr: str = "10.96.0.0/16",
        pod_cidr: str = "10.244.0.0/16",
        dns_service_ip: str = "10.96.0.10",
        cert_sans: Sequence[str] = (),
        signing_duration_hours: int = MAX_SIGNING_DURATION_HOURS,
        kube_proxy: bool = True,
        certificate_authority: bool = True,
        authentication: Mapping[str, Any] | None = None,
        openstack_provider: TerraformProvider | None = None,
    ) -> None:
        given = check_control_plane(
            check.child_path(scope, id),
            types=KamajiTypes(network=Network, data_store=KamajiDataStore, provider=TerraformProvider),
            name=name,
            namespace=namespace,
            data_store=data_store,
            kubernetes_version=kubernetes_version,
            network=network,
            api_allowed_cidrs=api_allowed_cidrs,
            provider=provider,
            api_address=api_address,
            port=port,
            replicas=replicas,
            service_cidr=service_cidr,
            pod_cidr=pod_cidr,
            dns_service_ip=dns_service_ip,
            cert_sans=cert_sans,
            signing_duration_hours=signing_duration_hours,
            kube_proxy=kube_proxy,
            certificate_authority=certificate_authority,
            authentication=authentication,
            openstack_provider=openstack_provider,
        )
        super().__init__(scope, id)
        settings = given.settings
        self.name = name
        self.namespace = namespace
        self.kubernetes_version = settings.version
        self._api_port(network, given, openstack_provider)
        self.dns_service_ip = dns_service_ip
        self.pod_cidr = pod_cidr
        self.kube_proxy = kube_proxy
        self.manifest = tenant_control_plane(settings, address=self.address, port_id=self.port.id)
        self.ca_secret_name = f"{name}-ca"
        self.authentication = authentication
        before = self._dependencies(given, data_store, provider)
        self.resource = KubernetesManifest(
            self,
            "tenant-control-plane",
            manifest=self.manifest,
            provider=provider,
            computed_fields=["metadata.labels", "metadata.annotations"],
            depends_on=before or None,
            # The apply goes on (the admin kubeconfig is read, workers boot) once Kamaji has
            # brought the control plane up.
            wait_fields={"status.kubernetesResources.version.status": "Ready"},
        )
        self.admin_kubeconfig_secret_name = f"{name}-admin-kubeconfig"

    def _api_port(
        self, network: Network, given: ControlPlaneArguments, openstack_provider: TerraformProvider | None
    ) -> None:
        """The API's Neutron port on the primary subnet, its address and the API's URL."""
        from cdktf_cdktf_provider_openstack.networking_port_v2 import NetworkingPortV2, NetworkingPortV2FixedIp

        api_address = given.api_address
        self.port = NetworkingPortV2(
            self,
            "api-port",
            name=f"{given.settings.name}-api",
            network_id=network.network_id,
            fixed_ip=[NetworkingPortV2FixedIp(subnet_id=network.primary_subnet_id, ip_address=api_address)],
            admin_state_up=True,
            provider=openstack_provider,
        )
        self.address: str = api_address or Token.as_string(Fn.element(self.port.all_fixed_ips, 0))
        self.api_port = given.settings.port
        host = f"[{api_address}]" if api_address and ":" in api_address else self.address
        self.server = f"https://{host}:{self.api_port}"

    def _dependencies(
        self, given: ControlPlaneArguments, data_store: KamajiDataStore | str, provider: TerraformProvider
    ) -> list[ITerraformDependable]:
        """What the TenantControlPlane waits for: the AuthenticationConfiguration's ConfigMap,
        the DataStore and the tenant CA's Secret (each made here, but the DataStore)."""
        settings = given.settings
        before: list[ITerraformDependable] = []
        self.authentication_config_map: GenericResource | None = None
        if given.authentication is not None:
            self.authentication_config_map = _resource(
                self,
                "authentication",
                "kubernetes_config_map_v1",
                {
                    "metadata": {"name": settings.authentication_config_map, "namespace": settings.namespace},
                    "data": {AUTHENTICATION_FILE: yaml.safe_dump(dict(given.authentication), sort_keys=False)},
                },
                provider=provider,
                metadata=KUBERNETES_GENERATOR_METADATA,
            )
            before.append(self.authentication_config_map)
        if isinstance(data_store, KamajiDataStore):
            before.append(data_store.resource)
        self.certificate_authority: TenantCertificateAuthority | None = None
        self.ca_certificate: str | None = None
        if given.certificate_authority:
            self.certificate_authority = TenantCertificateAuthority(
                self, "ca", secret_name=self.ca_secret_name, namespace=settings.namespace, provider=provider
            )
            self.ca_certificate = self.certificate_authority.certificate_pem
            before.append(self.certificate_authority.secret)
        return before


class BootstrapToken(LibraryConstruct):
    """A bootstrap token from the ``random`` provider, renewed every ``rotation``.

    :param ttl: how long a token stays valid after it is made. Default 24 hours; from 1 hour
        to 7 days, whole hours (a VM that boots slowly must still join).
    :param rotation: how often a new token is made (on the first apply after the period).
        Default 12 hours; at most ``ttl`` minus one hour, so that a VM created just before a
        rotation still has an hour to join.

    ``token_id``, ``token_secret`` and ``value`` (``<id>.<secret>``) are references; the value
    reaches Terraform state (the ``random`` provider keeps its result there) and the worker's
    user data, which is why it expires. ``expiration`` is RFC 3339. VMs built with an older
    token keep it: their user data changes are ignored.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        ttl: datetime.timedelta = datetime.timedelta(hours=24),
        rotation: datetime.timedelta = datetime.timedelta(hours=12),
    ) -> None:
        path = check.child_path(scope, id)
        ttl_hours = check_token_ttl(path, "ttl", ttl)
        if not isinstance(rotation, datetime.timedelta) or rotation % datetime.timedelta(hours=1):
            raise ConstructArgumentError(path, "rotation", rotation, "a datetime.timedelta of whole hours")
        rotation_hours = int(rotation / datetime.timedelta(hours=1))
        if not 1 <= rotation_hours <= ttl_hours - 1:
            raise ConstructArgumentError(
                path, "rotation", rotation, f"from 1 hour to ttl minus one hour ({ttl_hours - 1} hours)"
            )
        super().__init__(scope, id)
        self.ttl_hours = ttl_hours
        self.rotation_hours = rotation_hours
        self.rotating = _resource(self, "rotation", "time_rotating", {"rotation_hours": rotation_hours})
        keepers = {"rotation": self.rotating.get_string_attribute("id")}
        common = {"lower": True, "numeric": True, "special": False, "upper": False, "keepers": keepers}
        self.id_resource = _resource(self, "token-id", "random_string", {"length": 6, **common})
        self.secret_resource = _resource(self, "token-secret", "random_string", {"length": 16, **common})
        self.token_id: str = self.id_resource.get_string_attribute("result")
        self.token_secret: str = self.secret_resource.get_string_attribute("result")
        self.value: str = f"{self.token_id}.{self.token_secret}"
        self.expiration: str = Token.as_string(
            Fn.timeadd(self.rotating.get_string_attribute("rfc3339"), f"{ttl_hours}h")
        )


class BootstrapTokenSecret(LibraryConstruct):
    """The token's Secret in the tenant (:func:`bootstrap_token_secret_manifest`).

    :param token_id: the token id (a reference, e.g. ``BootstrapToken.token_id`` through a
        cross-stack output).
    :param token_secret: the token secret.
    :param expiration: RFC 3339 expiry.
    :param provider: a kubernetes provider for the tenant (configured in a stack planned after
        the control plane exists).

    A new token makes a new Secret before the old one goes (``create_before_destroy``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        token_id: str,
        token_secret: str,
        expiration: str,
        provider: TerraformProvider | None = None,
    ) -> None:
        path = check.child_path(scope, id)
        check.provider(path, "provider", provider)
        for argument, value in (("token_id", token_id), ("token_secret", token_secret), ("expiration", expiration)):
            if not isinstance(value, str) or not value:
                raise ConstructArgumentError(path, argument, "<hidden>", "a string or a Terraform reference")
        super().__init__(scope, id)
        manifest = bootstrap_token_secret_manifest(token_id, token_secret, expiration)
        self.resource = _resource(
            self,
            "secret",
            "kubernetes_secret_v1",
            {"metadata": manifest["metadata"], "type": manifest["type"], "data": manifest["stringData"]},
            provider=provider,
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
            metadata=KUBERNETES_GENERATOR_METADATA,
        )
