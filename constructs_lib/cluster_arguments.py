"""What a cluster construct is offered by the stack that builds it, and what it checks about
values written outside its own arguments: plain Python (no cdktf, no jsii).

- :class:`StackOffer`: the values an application's stack offers every cluster construct (its
  name, network, key pair, region, zone, the OIDC issuers, the platform's registry, ...). Each
  cluster class takes what it needs
  (:meth:`~constructs_lib.cluster.ManagedCluster.stack_arguments`), so the stack never asks
  which driver it builds.
- :class:`EnvironmentFacts`: the plain values of an environment that a driver checks besides
  its own arguments (:meth:`~constructs_lib.cluster.ManagedCluster.check_environment`); an
  error names the key in the environment's terms (``openstack.region``), or is an
  :class:`EnvironmentRuleError` about a whole block.
- :func:`check_options`: a construct's keyword arguments checked once per set of keys (a
  thousand node groups of the same keys are checked once).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import _validate as check
from .errors import ConstructArgumentError, PlatformError

#: Nodes per group: the top of :data:`constructs_lib._validate.NODE_COUNT` (a driver with a
#: lower quota passes its own ``limit``).
MAX_NODES_PER_GROUP = check.NODE_COUNT[1]


def node_counts(
    path: str, count: Any, min_count: Any, max_count: Any, *, limit: int = MAX_NODES_PER_GROUP
) -> tuple[int, int, int]:
    """Check a group's counts (each at most ``limit``); an omitted bound follows the count,
    so only a bound the operator wrote can clash. Returns ``(count, low, high)``."""
    check.int_range(path, "count", count, 0, limit)
    if min_count is not None:
        check.int_range(path, "min_count", min_count, 0, limit)
    if max_count is not None:
        check.int_range(path, "max_count", max_count, 1, limit)
    high = max_count if max_count is not None else max(count, min_count or 0)
    low = min_count if min_count is not None else min(count, high)
    if low > high:
        raise ConstructArgumentError(path, "min_count", low, f"at most max_count ({high})")
    if not low <= count <= high:
        raise ConstructArgumentError(path, "count", count, f"between min_count ({low}) and max_count ({high})")
    return count, low, high


@dataclass(frozen=True)
class StackOffer:
    """What a stack offers the cluster construct it builds. A cluster class takes what its
    signature names (and what its own :meth:`stack_arguments` adds), nothing else.

    :param stack: the stack (a cluster class creates a provider it needs there).
    :param name: the cluster's name.
    :param driver: the driver's name (``cluster { driver = ... }``).
    :param network: the :class:`~constructs_lib.network.Network`.
    :param keypair: the :class:`~constructs_lib.keypair.SshKeyPair` of the nodes.
    :param region: the cloud's region (Selectel: the pool).
    :param auth_url: the cloud's identity endpoint.
    :param availability_zone: the zone the stack's VMs go to (a default for the cluster's).
    :param oidc_issuers: the JWT issuers the API server should trust (called only by a class
        that configures its API server itself).
    :param registry: the platform's image registry (``host[/path]``), where nodes pull from in
        a closed contour; None for the public registries.
    """

    stack: Any
    name: str
    driver: str
    network: Any
    keypair: Any
    region: str | None = None
    auth_url: str | None = None
    availability_zone: str | None = None
    oidc_issuers: Callable[[], Sequence[Any]] = tuple
    registry: Any = None


@dataclass(frozen=True)
class EnvironmentFacts:
    """What a driver may check about an environment besides its cluster's arguments.

    :param region: the ``openstack`` block's region.
    :param availability_zone: the ``openstack`` block's zone.
    :param subnets: the ``network`` block's subnets, name -> CIDR.
    :param cluster_arguments: the keys the ``cluster`` block sets.
    :param node_groups: the names of the ``node_group`` blocks.
    """

    region: str | None
    availability_zone: str | None
    subnets: Mapping[str, str] = field(default_factory=dict)
    cluster_arguments: frozenset[str] = frozenset()
    node_groups: tuple[str, ...] = ()


class EnvironmentRuleError(PlatformError):
    """A rule about a whole block of an environment (``cluster`` needs ``node_group`` blocks):
    ``key`` is the block's key path, ``message`` what it needs."""

    def __init__(self, key: tuple[str, ...], message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(f"{'.'.join(key)}: {message}")


def require_node_groups(facts: EnvironmentFacts, why: str) -> None:
    """The environment has at least one ``node_group`` block; ``why`` says why the driver
    needs one (the message's first part)."""
    if not facts.node_groups:
        raise EnvironmentRuleError(("cluster",), why)


@functools.cache
def parameters(target: type) -> frozenset[str]:
    """The names a construct class's ``__init__`` takes (read once per class)."""
    return frozenset(inspect.signature(target.__init__).parameters)  # type: ignore[misc]


@functools.cache
def _accepted(target: type, keys: frozenset[str], supplied: frozenset[str]) -> bool:
    """Whether ``keys`` pass :func:`constructs_lib._validate.keyword_arguments` (values play no
    part in it: the answer holds for every call with the same keys)."""
    try:
        check.keyword_arguments("", target, dict.fromkeys(keys), supplied=supplied)
    except PlatformError:
        return False
    return True


def check_options(path: str, target: type, given: Mapping[str, Any], supplied: Iterable[str] = ()) -> None:
    """:func:`constructs_lib._validate.keyword_arguments`, read once per class and set of keys:
    a refused set is checked again with the values, for the message."""
    if not _accepted(target, frozenset(given), frozenset(supplied)):
        check.keyword_arguments(path, target, given, supplied=supplied)
