"""``<env>-platform``: node roles (labels, taints) and Helm addons inside the cluster.

The helm and kubernetes providers are configured from the infra stack's cluster through
cdktf cross-stack references (outputs there, remote state here), never from a resource
planned in this same stack (terraform-provider-helm#668, terraform-provider-kubernetes#1307).
"""

from __future__ import annotations

import dataclasses
import re

from cdktf import TerraformStack, TerraformVariable
from cdktf_cdktf_provider_helm.provider import HelmProvider
from constructs import Construct

from constructs_lib import (
    DEDICATED_ROLES,
    WORKER,
    AddonSettings,
    ExtraChart,
    KubernetesAccess,
    Network,
    NodeRoleTaints,
    OpenStackCloud,
    PlatformAddons,
)
from constructs_lib.kubernetes import KubernetesProvider

from .config import EnvironmentConfig, SourceMap
from .infra import addon_enabled, backend_of


class PlatformStack(TerraformStack):
    """Addons and node roles for one environment's cluster.

    ``access`` and ``network`` come from the infra stack; cdktf turns each use into an output
    there and a remote-state read here.
    """

    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        source: SourceMap,
        access: KubernetesAccess,
        network: Network,
    ) -> None:
        stack_name = f"{config.name}-platform"
        super().__init__(scope, stack_name)
        backend_of(config).apply(self, stack_name)
        # KubernetesAccess's fields are named as both providers' connection arguments.
        connection = dataclasses.asdict(access)
        HelmProvider(self, "helm", kubernetes=connection)
        KubernetesProvider(self, "kubernetes", **connection)
        self._variables: dict[str, TerraformVariable] = {}

        # Magnum's default-worker group always exists, with role "worker".
        node_roles = {WORKER} | {g.role for g in config.node_group.values()}
        dedicated = sorted(node_roles & set(DEDICATED_ROLES))
        if dedicated and config.platform.taint_dedicated_roles:
            NodeRoleTaints(self, "node-roles", roles=dedicated)

        cloud = None
        if addon_enabled(config, "openstack-cloud-controller-manager"):
            cloud = OpenStackCloud(
                auth_url=config.openstack.auth_url,
                region=config.openstack.region,
                application_credential_id=self._secret(
                    "openstack_application_credential_id",
                    "OpenStack application credential id for the cloud-controller-manager",
                ),
                application_credential_secret=self._secret(
                    "openstack_application_credential_secret",
                    "OpenStack application credential secret for the cloud-controller-manager",
                ),
                subnet_id=network.primary_subnet_id,
                floating_network_id=network.external_network_id,
            )
        addons = {
            name: AddonSettings(
                enabled=a.enabled,
                values=a.values,
                version=a.version,
                repository=a.repository,
                sensitive_values=self._secrets_for(source, ("addon", name), a.sensitive_values),
            )
            for name, a in config.addon.items()
        }
        extra = [
            ExtraChart(
                name=name,
                repository=h.repository,
                chart=h.chart,
                version=h.version,
                namespace=h.namespace,
                values=h.values,
                sensitive_values=self._secrets_for(source, ("helm_release", name), h.sensitive_values),
                depends_on=h.depends_on,
            )
            for name, h in config.helm_release.items()
        ]
        with source.origin(renames={"addons": "addon", "extra_charts": "helm_release"}):
            self.addons = PlatformAddons(
                self,
                "addons",
                node_roles=node_roles,
                addons=addons,
                extra_charts=extra,
                ha=config.platform.ha,
                image_registry=config.platform.image_registry,
                cloud=cloud,
            )

    def _secret(self, name: str, description: str) -> str:
        """A sensitive input variable: set it with ``TF_VAR_<name>`` at deploy time."""
        if name not in self._variables:
            self._variables[name] = TerraformVariable(
                self, name, type="string", sensitive=True, nullable=False, description=description
            )
        return self._variables[name].string_value

    def _secrets_for(self, source: SourceMap, where: tuple[str, ...], wanted: dict[str, str]) -> dict[str, str]:
        result = {}
        for path, variable in wanted.items():
            if not re.match(r"^[a-z][a-z0-9_]{0,63}$", variable):
                raise source.error(
                    where + ("sensitive_values", path),
                    f"{variable!r} is not allowed: the name of a Terraform variable (lowercase letters, digits, '_')",
                )
            result[path] = self._secret(variable, f"sensitive value {path}")
        return result
