"""The checks of :class:`~constructs_lib.magnum.MagnumCluster`'s arguments, apart from the
build: plain Python (no cdktf, no jsii), so each rule can be tested on its own.

:func:`check_arguments` takes the constructor's arguments and returns what the build needs
(:class:`MagnumArguments`): the driver, the version, the template's labels, the counts and
addresses, already checked and defaulted.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import _validate as check
from ._versions import kubernetes_version as check_version
from .cluster_arguments import node_counts
from .cluster_drivers import DRIVERS, ClusterDriver
from .errors import ConstructArgumentError
from .node_roles import WORKER, check_role


class NetworkFacts(Protocol):
    """What the checks read of the :class:`~constructs_lib.network.Network`."""

    @property
    def is_closed(self) -> bool: ...
    @property
    def subnet_cidrs(self) -> Mapping[str, str]: ...
    @property
    def external_network_name(self) -> str | None: ...
    @property
    def primary_dns_servers(self) -> Sequence[str]: ...
    @property
    def primary_subnet_name(self) -> str: ...


@dataclass(frozen=True)
class MagnumArguments:
    """A Magnum cluster's arguments, checked, with what follows from them.

    :param driver: the driver's facts.
    :param version: the Kubernetes version without ``v``.
    :param worker_count: the ``default-worker`` group's size (``1`` when not given).
    :param worker_count_given: whether the caller gave ``worker_count``.
    :param master_lb_enabled: whether the API is behind a load balancer (defaulted).
    :param external_network: the external network the template names.
    :param dns_nameserver: the template's ``dns_nameserver`` (or None).
    :param api_allowed_cidrs: who may reach the API load balancer (defaulted).
    :param labels_without_autoscaler: every label of the template, the autoscaler off.
    :param labels_with_autoscaler: every label of the template, the autoscaler on.
    :param public_api_warning: the warning for an API a floating IP makes public, or None.
    :param autoscaling: whether the autoscaler runs as the caller said it, or None: it runs when
        some node group has room to grow or shrink (known once every group is added).
    """

    driver: ClusterDriver
    version: str
    worker_count: int
    worker_count_given: bool
    master_lb_enabled: bool
    external_network: str
    dns_nameserver: str | None
    api_allowed_cidrs: tuple[str, ...]
    labels_without_autoscaler: dict[str, str]
    labels_with_autoscaler: dict[str, str]
    public_api_warning: str | None
    autoscaling: bool | None = None
    #: The arguments the build passes on as they were given.
    given: Mapping[str, Any] = field(default_factory=dict)

    def labels(self, autoscaling: bool) -> dict[str, str]:
        """Every label of the template, with the autoscaler on or off."""
        return dict(self.labels_with_autoscaler if autoscaling else self.labels_without_autoscaler)

    @property
    def template_labels(self) -> dict[str, str]:
        """The template's labels as far as the arguments tell (the autoscaler as given; off
        when left to the node groups)."""
        return self.labels(bool(self.autoscaling))


#: The drivers whose clusters this module builds (from the driver table).
MAGNUM_DRIVERS = tuple(name for name, d in DRIVERS.items() if d.construct == "magnum.MagnumCluster")


MASTER_COUNTS = (1, 3, 5)


NETWORK_DRIVERS = ("calico", "flannel", "cilium")


#: What the library sets itself, per driver; the environment's labels may not override it.
_OWN_LABELS = frozenset(
    {
        "kube_tag",
        "master_lb_allowed_cidrs",
        "api_master_lb_allowed_cidrs",
        "auto_scaling_enabled",
        "min_node_count",
        "max_node_count",
        "cloud_provider_enabled",
        "cinder_csi_enabled",
        "metrics_server_enabled",
        "container_infra_prefix",
    }
)


def _driver_labels(
    driver: ClusterDriver,
    *,
    version: str,
    api_lb: bool,
    api_allowed_cidrs: Sequence[str],
    autoscaling: bool,
    node_count: int,
) -> dict[str, str]:
    """The labels the library sets for ``driver`` (only labels that driver reads)."""
    labels: dict[str, str] = {}
    if driver.version_label is not None:
        labels[driver.version_label] = f"v{version}"
    if _api_behind_lb(driver, api_lb) or driver.api_floating_ip_label_without_lb:
        # The API gets no floating IP unless the operator asks for one. capi-helm always
        # puts the API behind a load balancer; magnum-cluster-api reads the label for the
        # API's floating IP with or without one; both default it to true.
        labels["master_lb_floating_ip_enabled"] = "false"
    if _api_behind_lb(driver, api_lb) and driver.api_cidrs_label:
        labels[driver.api_cidrs_label] = ",".join(api_allowed_cidrs)
    # The cloud's own copies, which the platform layer then does not install again.
    labels.update(driver.addon_labels)
    # The dashboard is a cluster-admin web UI nobody asked for: off unless the labels say so.
    if "kube_dashboard_enabled" in driver.labels_read:
        labels["kube_dashboard_enabled"] = "false"
    if autoscaling:
        labels["auto_scaling_enabled"] = "true"
        if driver.default_group_bounds:
            # Bounds of the default worker group: fixed at its size.
            labels.update(min_node_count=str(max(node_count, 1)), max_node_count=str(max(node_count, 1)))
    return {key: value for key, value in labels.items() if key in driver.labels_read}


def _template_labels(
    driver: ClusterDriver,
    *,
    registry: str | None,
    extra: Mapping[str, str],
    **driver_labels: Any,
) -> dict[str, str]:
    """Every label of the template: the driver's, the registry prefix, then the caller's."""
    labels = _driver_labels(driver, **driver_labels)
    if registry is not None:
        # Heat puts the prefix in front of image names; the Cluster API driver joins with "/".
        labels["container_infra_prefix"] = f"{registry}/" if driver.registry_prefix_slash else registry
    labels.update(extra)
    return labels


def _api_behind_lb(driver: ClusterDriver, api_lb: bool) -> bool:
    """Whether the API is behind an Octavia load balancer: ``master_lb_enabled``, but always
    on magnum-capi-helm (its chart values turn the API load balancer on whatever the cluster
    says)."""
    return api_lb or driver.api_always_behind_lb


#: What oslo's ``bool_from_string`` (which the drivers use) takes for true.
_TRUE = frozenset({"1", "t", "true", "on", "y", "yes"})


def _true(value: str) -> bool:
    return value.strip().lower() in _TRUE


def _world(cidr: str) -> bool:
    """Open to anywhere: ``0.0.0.0/0``, ``::/0`` or a prefix wider than /8 (IPv4) or /16
    (IPv6), as the policy pack counts it."""
    net = ipaddress.ip_network(cidr, strict=False)
    return net.prefixlen < (8 if net.version == 4 else 16)


def _public_api(
    path: str,
    driver: ClusterDriver,
    network: NetworkFacts,
    labels: Mapping[str, str],
    api_lb: bool,
    floating_ip_enabled: bool,
) -> str | None:
    """How the API gets a public address (a floating IP on its load balancer, on
    magnum-cluster-api's control plane, or on the masters), or None when it has none."""
    label = _true(labels.get("master_lb_floating_ip_enabled", "false"))
    if _api_behind_lb(driver, api_lb) or driver.api_floating_ip_label_without_lb:
        if not label:
            return None
        if network.is_closed:
            raise ConstructArgumentError(
                path,
                "labels['master_lb_floating_ip_enabled']",
                labels["master_lb_floating_ip_enabled"],
                "false: the network has no router, so no floating IP reaches the Kubernetes API",
            )
        where = "load balancer" if _api_behind_lb(driver, api_lb) else "control plane"
        return f"the API {where} gets a floating IP (label master_lb_floating_ip_enabled)"
    if floating_ip_enabled:
        return "the masters get floating IPs (floating_ip_enabled, no API load balancer)"
    return None


def _who_reaches(how: str, driver: ClusterDriver, api_lb: bool, allowed: Sequence[str]) -> str:
    """The warning for a public API: from where it can be reached."""
    if not api_lb:
        return f"{how}: the Kubernetes API is reachable from anywhere (allowed CIDRs apply to a load balancer only)"
    if driver.api_cidrs_label is None:
        return f"{how}: the Kubernetes API is reachable from anywhere ({driver.name} has no allowed-CIDRs setting)"
    open_to = [cidr for cidr in allowed if _world(cidr)]
    if open_to or not allowed:
        return (
            f"{how}: the Kubernetes API is reachable from anywhere (api_allowed_cidrs: {', '.join(allowed) or 'none'})"
        )
    return f"{how}: the Kubernetes API has a public address, reachable from {', '.join(allowed)}"


def _external_network(path: str, network: NetworkFacts, given: str | None) -> str:
    """The external network the template names: the network's own, or ``given`` when the
    network has no router."""
    own = network.external_network_name
    if given is not None:
        check.text(path, "external_network", given)
        if own is not None and given != own:
            raise ConstructArgumentError(
                path,
                "external_network",
                given,
                f"left out, or {own!r}: the network's router uses {own!r}, and floating IPs come from there",
            )
        return given
    if own is None:
        raise ConstructArgumentError(
            path,
            "external_network",
            None,
            "the name of the cloud's external network: every Magnum driver looks the template's external network "
            "up when it builds the cluster and fails without one (ExternalNetworkNotFound), even with no floating "
            "IPs; a contour with no internet still has one for load balancer addresses. Name it here (no router "
            "is built for it), or give the network an external_network (with a router)",
        )
    return own


def _dns_nameserver(path: str, driver: ClusterDriver, network: NetworkFacts) -> str | None:
    """The template's ``dns_nameserver``: the primary subnet's DNS servers, comma-joined
    (Magnum takes IPv4 addresses there; the primary subnet is IPv4)."""
    servers = network.primary_dns_servers
    if not servers:
        if driver.needs_dns_server:
            raise ConstructArgumentError(
                path,
                f"network.subnets[{network.primary_subnet_name!r}].dns_servers",
                [],
                f"at least one DNS server: {driver.name} hands the template's dns_nameserver (the primary "
                "subnet's DNS servers) to its nodes and fails to build the cluster without one",
            )
        return None
    return ",".join(servers)


def _labels(path: str, driver: ClusterDriver, labels: Mapping[str, Any]) -> dict[str, str]:
    if not isinstance(labels, Mapping):
        raise ConstructArgumentError(path, "labels", labels, "a map of Magnum label names to strings")
    result = {}
    for key, value in labels.items():
        check.literal(path, "labels", key)
        if key in _OWN_LABELS:
            raise ConstructArgumentError(
                path, f"labels[{key!r}]", value, "a label the library does not set itself (use the matching argument)"
            )
        if key not in driver.labels_read:
            raise ConstructArgumentError(
                path,
                f"labels[{key!r}]",
                value,
                f"a label {driver.name} reads (see its source: {driver.source}); a label no driver code reads is "
                "ignored without a word, so a misspelt one would change nothing",
            )
        if not isinstance(value, str):
            raise ConstructArgumentError(path, f"labels[{key!r}]", value, "a string (Magnum labels are strings)")
        check.text(path, f"labels[{key!r}]", value)
        result[key] = value
    return result


def check_arguments(
    path: str,
    *,
    network_type: type[Any],
    keypair_type: type[Any],
    name: Any,
    driver: Any,
    network: Any,
    kubernetes_version: Any,
    image: Any,
    master_flavor: Any,
    worker_flavor: Any,
    worker_count: Any,
    master_count: Any,
    keypair: Any,
    network_driver: Any,
    labels: Any,
    master_lb_enabled: Any,
    floating_ip_enabled: Any,
    api_allowed_cidrs: Any,
    docker_volume_size: Any,
    autoscaling: Any,
    system_image_registry: Any,
    external_network: Any,
    provider: Any = None,
) -> MagnumArguments:
    """Check a Magnum cluster's arguments (``path`` names the construct in errors), in the
    order the constructor documents them; ``network_type`` and ``keypair_type`` are the
    classes ``network`` and ``keypair`` must be."""
    check.dns_label(path, "name", name)
    check.choice(path, "driver", driver, MAGNUM_DRIVERS)
    the_driver = DRIVERS[driver]
    if not isinstance(network, network_type):
        raise ConstructArgumentError(path, "network", network, "a Network construct")
    version = check_version(path, kubernetes_version)
    check.text(path, "image", image)
    check.text(path, "master_flavor", master_flavor)
    check.text(path, "worker_flavor", worker_flavor)
    worker_count_given = worker_count is not None
    if worker_count is None:
        worker_count = 1
    check.count(path, "worker_count", worker_count, check.NODE_COUNT)
    if type(master_count) is not int or master_count not in MASTER_COUNTS:
        raise ConstructArgumentError(path, "master_count", master_count, "1, 3 or 5 (an odd count keeps etcd quorum)")
    if keypair is not None and not isinstance(keypair, keypair_type):
        raise ConstructArgumentError(path, "keypair", keypair, "an SshKeyPair construct")
    check.choice(path, "network_driver", network_driver, NETWORK_DRIVERS)
    extra_labels = _labels(path, the_driver, {} if labels is None else labels)
    if master_lb_enabled is None:
        master_lb_enabled = master_count > 1
    check.boolean(path, "master_lb_enabled", master_lb_enabled)
    if master_count > 1 and not master_lb_enabled:
        raise ConstructArgumentError(
            path, "master_lb_enabled", False, "True when master_count > 1 (the API needs one address)"
        )
    check.boolean(path, "floating_ip_enabled", floating_ip_enabled)
    if floating_ip_enabled and network.is_closed:
        raise ConstructArgumentError(
            path,
            "floating_ip_enabled",
            True,
            "False: the network has no router, so floating IPs cannot reach nodes",
        )
    external_network = _external_network(path, network, external_network)
    dns_nameserver = _dns_nameserver(path, the_driver, network)
    if api_allowed_cidrs is not None and the_driver.api_cidrs_label is None:
        raise ConstructArgumentError(
            path,
            "api_allowed_cidrs",
            list(api_allowed_cidrs),
            f"left out: {driver} has no setting for it (its API load balancer gets no floating IP)",
        )
    if api_allowed_cidrs is None:
        api_allowed_cidrs = tuple(network.subnet_cidrs.values())
    allowed = check.cidrs(path, "api_allowed_cidrs", api_allowed_cidrs)
    if docker_volume_size is not None:
        check.count(path, "docker_volume_size", docker_volume_size, check.VOLUME_SIZE_GB)
    if autoscaling is not None:
        check.boolean(path, "autoscaling", autoscaling)
    if system_image_registry is not None:
        if "container_infra_prefix" not in the_driver.labels_read:
            raise ConstructArgumentError(
                path,
                "system_image_registry",
                system_image_registry,
                f"left out: {driver} has no per-cluster registry (it pulls from what the cloud configured)",
            )
        system_image_registry = check.Registry.parse(path, "system_image_registry", system_image_registry).reference
    labels = {
        on: _template_labels(
            the_driver,
            version=version,
            api_lb=master_lb_enabled,
            api_allowed_cidrs=allowed,
            autoscaling=on,
            node_count=worker_count,
            registry=system_image_registry,
            extra=extra_labels,
        )
        for on in (False, True)
    }
    template_labels = labels[False]
    public_api = _public_api(path, the_driver, network, template_labels, master_lb_enabled, floating_ip_enabled)
    warning = None
    if public_api is not None:
        behind_lb = _api_behind_lb(the_driver, master_lb_enabled)
        warning = _who_reaches(public_api, the_driver, behind_lb, allowed)
    check.provider(path, "provider", provider)
    return MagnumArguments(
        driver=the_driver,
        version=version,
        worker_count=worker_count,
        worker_count_given=worker_count_given,
        master_lb_enabled=master_lb_enabled,
        external_network=external_network,
        dns_nameserver=dns_nameserver,
        api_allowed_cidrs=allowed,
        labels_without_autoscaler=labels[False],
        labels_with_autoscaler=labels[True],
        public_api_warning=warning,
        autoscaling=autoscaling,
        given={
            "name": name,
            "image": image,
            "master_flavor": master_flavor,
            "worker_flavor": worker_flavor,
            "master_count": master_count,
            "keypair": keypair,
            "network_driver": network_driver,
            "floating_ip_enabled": floating_ip_enabled,
            "docker_volume_size": docker_volume_size,
            "provider": provider,
        },
    )


#: Magnum's built-in worker group.
DEFAULT_WORKER_GROUP = "default-worker"


class MagnumGroupFacts(Protocol):
    """What a Magnum node group's checks read of its cluster."""

    @property
    def default_worker_count(self) -> int: ...
    @property
    def worker_count_given(self) -> bool: ...
    @property
    def autoscaling(self) -> bool | None: ...


def check_node_group_arguments(
    path: str,
    cluster: MagnumGroupFacts,
    *,
    name: Any,
    role: Any,
    flavor: Any,
    count: Any,
    min_count: Any,
    max_count: Any,
    image: Any,
    volume_size: Any,
) -> tuple[int, int, int]:
    """Check a Magnum node group's arguments (``path`` names it in errors); returns its
    ``(count, min_count, max_count)``."""
    check.dns_label(path, "name", name)
    if name == DEFAULT_WORKER_GROUP:
        raise ConstructArgumentError(path, "name", name, "a name other than Magnum's own default-worker")
    check_role(path, role)
    if role == WORKER and not cluster.worker_count_given:
        raise ConstructArgumentError(
            path,
            "role",
            role,
            f"another role, or worker with the cluster's worker_count given: Magnum always runs its own "
            f"{DEFAULT_WORKER_GROUP} group (role worker, {cluster.default_worker_count} node(s) of the cluster's "
            "worker_flavor by default) beside this one; set worker_count to say how many it has",
        )
    check.text(path, "flavor", flavor)
    counts = node_counts(path, count, min_count, max_count)
    if counts[1] != counts[2] and cluster.autoscaling is False:
        raise ConstructArgumentError(
            path,
            "max_count",
            counts[2],
            f"equal to min_count ({counts[1]}) unless the cluster has autoscaling on",
        )
    if image is not None:
        check.text(path, "image", image)
    if volume_size is not None:
        check.count(path, "volume_size", volume_size, check.VOLUME_SIZE_GB)
    return counts
