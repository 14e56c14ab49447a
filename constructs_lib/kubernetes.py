"""The ``kubernetes`` Terraform provider types the library uses, on cdktf's generic classes.

The prebuilt Kubernetes binding package describes 108 resource and data source types in an
11 MB jsii assembly; loading it costs a synth about as much as cdktf itself. The platform stack
needs four of them. They are written here with the same names, provider source and version as
the prebuilt binding (11.12.1, provider 2.37.1) declares, so the synthesized JSON is
byte-identical (``tests/test_generic_bindings.py`` compares both).

:class:`Labels` and :class:`NodeTaint` write onto objects that exist already, by server-side
apply, and take the same options: ``field_manager`` (the server-side apply field manager),
``force`` (take over fields another manager owns) and ``for_each`` (one resource per element).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cdktf import IResolvable, ITerraformIterator
from constructs import Construct

from ._generic import AttributeResource, GenericDataSource, GenericProvider, present

SOURCE = "kubernetes"
#: What the prebuilt binding 11.12.1 declares: ``required_providers`` pins the provider version.
GENERATOR_METADATA = {
    "provider_name": "kubernetes",
    "provider_version": "2.37.1",
    "provider_version_constraint": "~> 2.0",
}


class KubernetesProvider(GenericProvider):
    """The provider block, connected with a client certificate (what Magnum's kubeconfig holds).

    :param host: the API server URL.
    :param cluster_ca_certificate: PEM of the cluster's CA.
    :param client_certificate: PEM of the client certificate.
    :param client_key: PEM of the client key.
    :param config_path: a kubeconfig file instead of the four above.
    :param alias: the provider alias.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        host: str | None = None,
        cluster_ca_certificate: str | None = None,
        client_certificate: str | None = None,
        client_key: str | None = None,
        config_path: str | None = None,
        alias: str | None = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            terraform_resource_type="kubernetes",
            terraform_generator_metadata=GENERATOR_METADATA,
            terraform_provider_source=SOURCE,
        )
        self._attributes = present(
            {
                "alias": alias,
                "client_certificate": client_certificate,
                "client_key": client_key,
                "cluster_ca_certificate": cluster_ca_certificate,
                "config_path": config_path,
                "host": host,
            },
        )


class DataKubernetesNodes(GenericDataSource):
    """``data.kubernetes_nodes``: the nodes matching ``metadata`` (``{"labels": {...}}``).

    :attr nodes: the list of nodes (each with ``metadata[0].name``, ``metadata[0].labels``, ...).
    """

    def __init__(self, scope: Construct, id: str, *, metadata: Mapping[str, Any] | None = None) -> None:
        super().__init__(
            scope,
            id,
            terraform_resource_type="kubernetes_nodes",
            terraform_generator_metadata=GENERATOR_METADATA,
        )
        self._attributes = present({"metadata": dict(metadata) if metadata is not None else None})

    @property
    def nodes(self) -> IResolvable:
        return self.interpolation_for_attribute("nodes")


class Labels(AttributeResource):
    """``kubernetes_labels``: labels on an existing object, by server-side apply (its options as
    the module says).

    :param api_version: the object's API version, e.g. ``v1``.
    :param kind: the object's kind, e.g. ``Node``.
    :param metadata: ``{"name": ..., "namespace": ...}`` of the object.
    :param labels: the labels to set.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        api_version: str,
        kind: str,
        metadata: Mapping[str, Any],
        labels: Mapping[str, str],
        field_manager: str | None = None,
        force: bool | None = None,
        for_each: ITerraformIterator | None = None,
    ) -> None:
        attributes = {
            "api_version": api_version,
            "field_manager": field_manager,
            "force": force,
            "kind": kind,
            "labels": dict(labels),
            "metadata": dict(metadata),
        }
        super().__init__(scope, id, "kubernetes_labels", attributes, metadata=GENERATOR_METADATA, for_each=for_each)


class NodeTaint(AttributeResource):
    """``kubernetes_node_taint``: taints on an existing node, by server-side apply (its options as
    the module says).

    :param metadata: ``{"name": <node name>}``.
    :param taint: the taints, each ``{"key", "value", "effect"}``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        metadata: Mapping[str, Any],
        taint: Sequence[Mapping[str, str]],
        field_manager: str | None = None,
        force: bool | None = None,
        for_each: ITerraformIterator | None = None,
    ) -> None:
        attributes = {
            "field_manager": field_manager,
            "force": force,
            "metadata": dict(metadata),
            "taint": [dict(t) for t in taint],
        }
        super().__init__(scope, id, "kubernetes_node_taint", attributes, metadata=GENERATOR_METADATA, for_each=for_each)


class StorageClassV1(AttributeResource):
    """``kubernetes_storage_class_v1``: a StorageClass.

    :param metadata: ``{"name": ..., "annotations": ...}``.
    :param storage_provisioner: the CSI driver, e.g. ``cinder.csi.openstack.org``.
    :param parameters: the driver's parameters.
    :param reclaim_policy: ``Delete`` or ``Retain``.
    :param volume_binding_mode: ``Immediate`` or ``WaitForFirstConsumer``.
    :param allow_volume_expansion: volumes of the class may grow.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        metadata: Mapping[str, Any],
        storage_provisioner: str,
        parameters: Mapping[str, str] | None = None,
        reclaim_policy: str | None = None,
        volume_binding_mode: str | None = None,
        allow_volume_expansion: bool | None = None,
    ) -> None:
        attributes = {
            "allow_volume_expansion": allow_volume_expansion,
            "metadata": dict(metadata),
            "parameters": dict(parameters) if parameters else None,
            "reclaim_policy": reclaim_policy,
            "storage_provisioner": storage_provisioner,
            "volume_binding_mode": volume_binding_mode,
        }
        super().__init__(scope, id, "kubernetes_storage_class_v1", attributes, metadata=GENERATOR_METADATA)
