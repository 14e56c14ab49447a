"""``<env>-platform``: node roles (labels, taints), StorageClasses and Helm addons in the cluster.

The helm and kubernetes providers are configured from the infra stack's cluster through
cdktf cross-stack references (outputs there, remote state here), never from a resource
planned in this same stack (terraform-provider-helm#668, terraform-provider-kubernetes#1307).
What the cloud runs itself and where each role's nodes are comes from the cluster's
:class:`~constructs_lib.cluster.ClusterProfile`: this stack adds nothing of its own about it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from cdktf import TerraformStack, TerraformVariable
from cdktf_cdktf_provider_helm.provider import HelmProvider
from constructs import Construct

from constructs_lib import (
    ClusterProfile,
    KubernetesAccess,
    Network,
    NodeRoleTaints,
    PlatformAddons,
    VolumeStorageClasses,
)
from constructs_lib._validate import Registry
from constructs_lib.addons.catalog import ARGO_CD, DEX
from constructs_lib.addons.registry import CHARTS_PATH
from constructs_lib.delivery import (
    ARGOCD_APPS_REPOSITORY,
    CiDeployAccess,
    DexGitLabSecret,
    GitOpsDelivery,
    PeopleAccess,
    dex_values,
)
from constructs_lib.kubernetes import KubernetesProvider
from environment_loader import EnvironmentConfig, SourceMap
from environment_loader.platform_arguments import RENAMES, platform_arguments


class PlatformStack(TerraformStack):
    """Addons and node roles for one environment's cluster.

    ``access`` and ``network`` come from the infra stack; cdktf turns each use into an output
    there and a remote-state read here. ``cluster`` is plain data. Which releases the addons
    get follows from :func:`~environment_loader.platform_arguments.platform_arguments` (plain Python).
    """

    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        source: SourceMap,
        cluster: ClusterProfile,
        access: KubernetesAccess,
        network: Network,
        cluster_objects: Callable[[Construct], None] | None = None,
    ) -> None:
        stack_name = f"{config.name}-platform"
        super().__init__(scope, stack_name)
        config.state_backend().apply(self, stack_name)
        self._variables: dict[str, TerraformVariable] = {}
        self._providers(config, access)
        if cluster_objects is not None:
            # What the cluster itself needs inside it (a self-managed cluster: its nodes' token).
            cluster_objects(self)
        if cluster.roles_to_taint and config.platform.taint_dedicated_roles:
            NodeRoleTaints(self, "node-roles", cluster=cluster)
        if cluster.volume_types:
            VolumeStorageClasses(self, "storage-classes", volume_types=cluster.volume_types)
        arguments = platform_arguments(
            config,
            source,
            cluster.driver,
            self._secret,
            dex_values,
            subnet_id=network.primary_subnet_id,
            floating_network_id=network.external_network_id,
        )
        with source.origin(renames=RENAMES):
            self.addons = PlatformAddons(self, "addons", cluster=cluster, **arguments.as_keywords())
        self._delivery(config, source, cluster)

    def _providers(self, config: EnvironmentConfig, access: KubernetesAccess) -> None:
        """The helm and kubernetes providers, connected to the cluster."""
        # KubernetesAccess's fields are named as both providers' connection arguments.
        connection = dataclasses.asdict(access)
        registries = None
        if config.platform.registry is not None and config.platform.registry_auth:
            # helm logs in to the internal registry to pull charts; the login is never a literal.
            registries = [
                {
                    "url": f"oci://{Registry.parse('', 'platform.registry', config.platform.registry).address}",
                    "username": self._secret("registry_username", "user name for the internal registry"),
                    "password": self._secret("registry_password", "password for the internal registry"),
                }
            ]
        HelmProvider(self, "helm", kubernetes=connection, registry=registries)
        KubernetesProvider(self, "kubernetes", **connection)

    def _delivery(self, config: EnvironmentConfig, source: SourceMap, cluster: ClusterProfile) -> None:
        """Argo CD's applications, CI's Roles and people's ClusterRoleBindings.

        This stack still connects with the cluster's admin credentials: it installs cluster-wide
        addons (CRDs, ClusterRoles, webhooks) and the RBAC below. Nothing it creates hands that
        access on: CI and people get only what the bindings say."""
        if config.gitops is not None:
            registry = config.platform.registry
            with source.origin("gitops"):
                GitOpsDelivery(
                    self,
                    "gitops",
                    applications=config.gitops.applications(),
                    registry=config.gitops.registry,
                    username=self._secret("gitops_registry_username", "read-only user of the bundle registry"),
                    password=self._secret("gitops_registry_password", "password of the bundle registry's user"),
                    argocd=self.addons.releases[ARGO_CD.name],
                    apps_chart_repository=f"oci://{registry}/{CHARTS_PATH}" if registry else ARGOCD_APPS_REPOSITORY,
                    closed_registry=registry,
                )
        if config.ci_deploy is not None:
            # With the cluster's OIDC (MKS: username_claim sub, no prefix of its own; kamaji: the
            # AuthenticationConfiguration's prefix, the same by default) the API server names a
            # job <issuer>#<sub>; without it, a ServiceAccount per namespace.
            prefix = None
            if cluster.driver.oidc is not None:
                given = config.ci_deploy.username_prefix
                prefix = f"{config.ci_deploy.gitlab_url}#" if given is None else given
            with source.origin("ci_deploy"):
                CiDeployAccess(self, "ci-deploy", targets=config.ci_deploy.targets(), username_prefix=prefix)
        if config.people is not None:
            with source.origin("people"):
                PeopleAccess(self, "people", bindings=config.people.bindings())
            if config.people.dex is not None:
                DexGitLabSecret(
                    self,
                    "dex-gitlab",
                    client_id=self._secret("dex_gitlab_client_id", "GitLab OAuth application id for Dex"),
                    client_secret=self._secret("dex_gitlab_client_secret", "GitLab OAuth application secret for Dex"),
                ).before(self.addons.releases[DEX.name])

    def _secret(self, name: str, description: str) -> str:
        """A sensitive input variable: set it with ``TF_VAR_<name>`` at deploy time."""
        if name not in self._variables:
            self._variables[name] = TerraformVariable(
                self, name, type="string", sensitive=True, nullable=False, description=description
            )
        return self._variables[name].string_value
