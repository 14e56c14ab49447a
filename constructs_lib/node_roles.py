"""Node roles and how a pod is placed on the nodes of a role.

Roles follow the Deckhouse convention (modules/040-node-manager): ``system`` runs monitoring
and cluster components, ``frontend`` ingress and load-balancer traffic, ``worker``
applications; custom roles (``gpu``, ...) are allowed. Nodes of the dedicated roles
(``system``, ``frontend``) carry the taint ``dedicated.deckhouse.io=<role>:NoExecute`` so
only workloads that tolerate it land there.

Which node label identifies a role depends on the cluster driver (see
:mod:`constructs_lib.cluster_drivers`): a selector that no node carries keeps a pod Pending
forever, so placement always comes from the driver, never from a fixed label.

This module is plain data: it imports neither cdktf nor the provider bindings.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from .errors import ConstructArgumentError

#: Monitoring and cluster components.
SYSTEM = "system"
#: Ingress and load-balancer traffic.
FRONTEND = "frontend"
#: Applications.
WORKER = "worker"
STANDARD_ROLES = (SYSTEM, FRONTEND, WORKER)
#: Roles whose nodes are tainted so that only workloads tolerating them land there.
DEDICATED_ROLES = (SYSTEM, FRONTEND)

#: Label every node of a role carries where the library can set node labels.
ROLE_LABEL_PREFIX = "node-role.deckhouse.io/"
TAINT_KEY = "dedicated.deckhouse.io"
TAINT_EFFECT = "NoExecute"

_ROLE = re.compile(r"[a-z]([a-z0-9-]{0,30}[a-z0-9])?", re.ASCII)

#: Label namespaces Kubernetes reserves for itself: the kubelet refuses node labels in them
#: (and in their subdomains), but for the namespaces and keys below (kubernetes
#: ``cmd/kubelet/app/options/options.go`` ValidateKubeletFlags and
#: ``staging/src/k8s.io/kubelet/pkg/apis/well_known_labels.go``).
RESERVED_LABEL_NAMESPACES = ("kubernetes.io", "k8s.io")
#: Namespaces under ``kubernetes.io`` a node's own labels may use.
NODE_LABEL_NAMESPACES = ("kubelet.kubernetes.io", "node.kubernetes.io")
#: Reserved keys the kubelet and the cloud controller set on each node themselves: a node
#: group setting them would claim one value for every node (one hostname, one zone).
NODE_OWNED_LABELS = frozenset(
    {
        "kubernetes.io/hostname",
        "kubernetes.io/os",
        "kubernetes.io/arch",
        "beta.kubernetes.io/os",
        "beta.kubernetes.io/arch",
        "beta.kubernetes.io/instance-type",
        "node.kubernetes.io/instance-type",
        "topology.kubernetes.io/zone",
        "topology.kubernetes.io/region",
        "failure-domain.beta.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/region",
    }
)


def _in_namespace(namespace: str, domain: str) -> bool:
    return namespace == domain or namespace.endswith("." + domain)


def check_node_label_key(path: str, argument: str, key: str, value: Any) -> None:
    """A node label a node group may set: not in a namespace Kubernetes reserves
    (``kubernetes.io``, ``k8s.io`` and their subdomains, such as ``node-role.kubernetes.io``),
    unless under ``kubelet.kubernetes.io/`` or ``node.kubernetes.io/``, and not a label the
    kubelet or the cloud sets per node."""
    namespace = key.rpartition("/")[0]
    reserved = any(_in_namespace(namespace, domain) for domain in RESERVED_LABEL_NAMESPACES)
    allowed = any(_in_namespace(namespace, domain) for domain in NODE_LABEL_NAMESPACES)
    if (reserved and not allowed) or key in NODE_OWNED_LABELS:
        raise ConstructArgumentError(
            path,
            f"{argument}[{key!r}]",
            value,
            "a label outside the kubernetes.io and k8s.io namespaces, which Kubernetes reserves (the kubelet "
            "refuses them), but for kubelet.kubernetes.io/ and node.kubernetes.io/ labels the kubelet does not "
            "set itself",
        )


def check_role(path: str, role: Any, argument: str = "role") -> str:
    """A role name: one of the standard roles or a lowercase custom one (a label-safe word)."""
    if not isinstance(role, str) or not _ROLE.fullmatch(role):
        raise ConstructArgumentError(
            path, argument, role, f'one of {", ".join(STANDARD_ROLES)} or a lowercase custom role such as "gpu"'
        )
    return role


def likely_typo(role: str) -> str | None:
    """The standard role a custom ``role`` is most likely a typo of (``sytem`` -> ``system``),
    or ``None``. A custom role is allowed, so a near miss is only warned about."""
    if role in STANDARD_ROLES:
        return None
    match = difflib.get_close_matches(role, STANDARD_ROLES, n=1, cutoff=0.75)
    return match[0] if match else None


def warn_if_typo(scope: Any, role: str) -> None:
    """A construct warning (``cdktf synth`` and ``python -m stacks`` print it as a ``warning:``
    line) when ``role`` looks like a misspelt standard role."""
    near = likely_typo(role)
    if near is not None:
        from cdktf import Annotations  # here, not at the top: this module loads no cdktf

        Annotations.of(scope).add_warning(
            f'role "{role}" is taken as a custom role (did you mean {near}?): a custom role gets no '
            f"dedicated taint and none of the {near} role's addons"
        )


def role_tolerations(role: str) -> list[dict[str, str]]:
    """Tolerations for the taint of a dedicated role (empty for other roles)."""
    if role not in DEDICATED_ROLES:
        return []
    return [{"key": TAINT_KEY, "operator": "Equal", "value": role, "effect": TAINT_EFFECT}]


def role_taint(role: str) -> dict[str, str]:
    """The taint the nodes of a dedicated role carry."""
    return {"key": TAINT_KEY, "value": role, "effect": TAINT_EFFECT}


@dataclass(frozen=True)
class NodePlacement:
    """Where the nodes of one role are, as labels that really exist on the driver's nodes.

    :param role: the role.
    :param label_key: the node label that tells the role (driver-specific).
    :param label_values: the values of ``label_key`` on the role's nodes: one value when the
        label names the role, one per node group when it names the group.
    """

    role: str
    label_key: str
    label_values: tuple[str, ...]

    def node_selectors(self) -> list[dict[str, str]]:
        """One exact-match label selector per label value (each picks some of the role's nodes)."""
        return [{self.label_key: value} for value in self.label_values]

    def values(self) -> dict[str, Any]:
        """Helm values for one pod-running component: a ``nodeSelector`` (or a required node
        affinity when the role spans several label values) and the role's tolerations."""
        result: dict[str, Any] = {}
        if len(self.label_values) == 1:
            result["nodeSelector"] = {self.label_key: self.label_values[0]}
        else:
            expression = {"key": self.label_key, "operator": "In", "values": list(self.label_values)}
            result["affinity"] = {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [{"matchExpressions": [expression]}]
                    }
                }
            }
        tolerations = role_tolerations(self.role)
        if tolerations:
            result["tolerations"] = tolerations
        return result
