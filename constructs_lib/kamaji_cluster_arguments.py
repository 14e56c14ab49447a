"""The checks of :class:`~constructs_lib.kamaji_cluster.KamajiCluster`'s and
:class:`~constructs_lib.kamaji_cluster.KamajiNodeGroup`'s arguments, apart from the build:
plain Python (no cdktf, no jsii), so each rule can be tested on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import _validate as check
from . import flatcar
from .authentication import authentication_configuration
from .cluster_arguments import EnvironmentFacts, node_counts, require_node_groups
from .errors import ConstructArgumentError
from .flatcar_node_group_arguments import SERVER_GROUP_POLICIES
from .kamaji_arguments import DATASTORE_CREDENTIALS, SecretKeyRef, check_tenant_version
from .node_roles import check_role

#: Keys of the ``management`` argument.
MANAGEMENT_KEYS = ("kubeconfig_path", "context", "namespace")
#: Keys of the ``datastore`` argument (credential keys take ``{secret, namespace, key}``).
DATASTORE_KEYS = ("name", "driver", "endpoints", *DATASTORE_CREDENTIALS)
#: Keys of the ``sysext`` argument.
SYSEXT_KEYS = ("version", "sha256", "base_url", "arch")


def _mapping(path: str, argument: str, value: Any, keys: Sequence[str], required: Sequence[str]) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ConstructArgumentError(path, argument, value, f"a block with the keys {', '.join(keys)}")
    for key in value:
        if key not in keys:
            raise ConstructArgumentError(path, f"{argument}.{key}", value[key], f"one of the keys {', '.join(keys)}")
    for key in required:
        if value.get(key) is None:
            raise ConstructArgumentError(path, f"{argument}.{key}", None, "a value: the key is required")
    return dict(value)


def _secret_ref(path: str, argument: str, value: Any) -> SecretKeyRef | None:
    if value is None or isinstance(value, SecretKeyRef):
        return value
    given = _mapping(path, argument, value, ("secret", "namespace", "key"), ("secret", "namespace", "key"))
    try:
        return SecretKeyRef(name=given["secret"], namespace=given["namespace"], key=given["key"])
    except ConstructArgumentError as err:
        raise ConstructArgumentError(path, f"{argument}.{err.argument}", err.value, err.allowed) from None


def _sysext(path: str, value: Any) -> flatcar.KubernetesSysext:
    if isinstance(value, flatcar.KubernetesSysext):
        return value
    given = _mapping(path, "sysext", value, SYSEXT_KEYS, ("version", "sha256"))
    try:
        return flatcar.KubernetesSysext(**given)
    except ConstructArgumentError as err:
        raise ConstructArgumentError(path, f"sysext.{err.argument}", err.value, err.allowed) from None


def _mirrors(path: str, value: Any) -> tuple[flatcar.RegistryMirror, ...]:
    if isinstance(value, (str, Mapping)) or not isinstance(value, (list, tuple)):
        raise ConstructArgumentError(path, "mirrors", value, "a list of registry mirrors")
    mirrors = []
    for index, item in enumerate(value):
        if isinstance(item, flatcar.RegistryMirror):
            mirrors.append(item)
            continue
        given = _mapping(
            path, f"mirrors[{index}]", item, ("registry", "endpoints", "override_path"), ("registry", "endpoints")
        )
        try:
            mirrors.append(flatcar.RegistryMirror(**given))
        except ConstructArgumentError as err:
            raise ConstructArgumentError(path, f"mirrors[{index}].{err.argument}", err.value, err.allowed) from None
    return tuple(mirrors)


def registry_mirrors(registry: Any) -> tuple[flatcar.RegistryMirror, ...]:
    """Node-level mirrors for a closed contour's registry (``host[/path]``): the public
    registries the control plane's images come from (Kamaji's kube-proxy, CoreDNS and
    konnectivity agent, the CNI) are pulled as ``<registry>/<repository path>``, the same
    layout ``platformctl mirror`` copies images to."""
    parsed = check.Registry.parse("", "registry", registry)
    host, prefix = parsed.address, parsed.path
    endpoint = f"https://{host}/v2/{prefix}" if prefix else f"https://{host}"
    return tuple(
        flatcar.RegistryMirror(upstream, [endpoint], override_path=bool(prefix))
        for upstream in ("docker.io", "ghcr.io", "quay.io", "registry.k8s.io")
    )


@dataclass(frozen=True)
class KamajiClusterArguments:
    """A Kamaji cluster's arguments, checked.

    :param version: the tenant's release (with ``v``, as Kamaji takes it).
    :param authentication: the API server's structured authentication, or None.
    :param management: the ``management`` block.
    :param datastore: the ``datastore`` block.
    :param credentials: the DataStore's credentials, by key (the ones given).
    :param sysext: the kubelet image.
    :param mirrors: the nodes' registry mirrors.
    """

    version: str
    authentication: dict[str, Any] | None
    management: dict[str, Any]
    datastore: dict[str, Any]
    credentials: dict[str, SecretKeyRef]
    sysext: flatcar.KubernetesSysext
    mirrors: tuple[flatcar.RegistryMirror, ...]


def check_cluster_arguments(
    path: str,
    *,
    network_type: type[Any],
    keypair_type: type[Any],
    name: Any,
    network: Any,
    keypair: Any,
    kubernetes_version: Any,
    management: Any,
    datastore: Any,
    sysext: Any,
    image: Any,
    mirrors: Any,
    token_ttl_hours: Any,
    token_rotation_hours: Any,
    oidc_issuers: Any,
) -> KamajiClusterArguments:
    """Check a Kamaji cluster's own arguments (``path`` names the construct in errors; the
    control plane's arguments are checked by the control plane); ``network_type`` and
    ``keypair_type`` are the classes ``network`` and ``keypair`` must be."""
    check.name(path, "name", name)
    authentication = (
        authentication_configuration(oidc_issuers, path=path, argument="oidc_issuers") if oidc_issuers else None
    )
    version = check_tenant_version(path, kubernetes_version)
    if not isinstance(network, network_type):
        raise ConstructArgumentError(path, "network", network, "a Network")
    if not isinstance(keypair, keypair_type):
        raise ConstructArgumentError(path, "keypair", keypair, "an SshKeyPair")
    given = _mapping(path, "management", management, MANAGEMENT_KEYS, ("kubeconfig_path", "namespace"))
    store = _mapping(path, "datastore", datastore, DATASTORE_KEYS, ("name",))
    refs = {key: _secret_ref(path, f"datastore.{key}", store.get(key)) for key in DATASTORE_CREDENTIALS}
    the_sysext = _sysext(path, sysext)
    the_mirrors = _mirrors(path, mirrors)
    check.text(path, "image", image)
    check.int_range(path, "token_ttl_hours", token_ttl_hours, 1, 168)
    check.int_range(path, "token_rotation_hours", token_rotation_hours, 1, 167)
    return KamajiClusterArguments(
        version=version,
        authentication=authentication,
        management=given,
        datastore=store,
        credentials={key: ref for key, ref in refs.items() if ref is not None},
        sysext=the_sysext,
        mirrors=the_mirrors,
    )


def check_node_group_arguments(
    path: str, *, name: Any, role: Any, count: Any, server_group_policy: Any
) -> tuple[int, int, int]:
    """Check a Kamaji node group's own arguments (the Flatcar group checks the rest); returns
    its counts (no autoscaler: all three equal)."""
    check.name(path, "name", name)
    check_role(path, role)
    counts = node_counts(path, count, None, None)
    check.choice(path, "server_group_policy", server_group_policy, SERVER_GROUP_POLICIES)
    return counts


def check_environment(facts: EnvironmentFacts, driver: str) -> None:
    """A self-managed cluster has node groups: nothing else runs the platform's pods."""
    require_node_groups(
        facts,
        f"a {driver} cluster needs at least one node_group block: the control plane runs"
        " elsewhere, and the platform addons need nodes to run on",
    )
