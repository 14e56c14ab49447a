"""The schema of an environment file: one pydantic model per block, and the checks of the
values no construct sees before something acts on them.

Blocks that configure one construct (``cluster``, ``node_group``, ``bastion``, ``runners``) have
no schema of their own: their keys are that construct's keyword arguments, and its signature
and checks are the rules, written once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, field_validator
from pydantic_core import PydanticCustomError

from constructs_lib import _validate as check
from constructs_lib.access import CiDeployTarget, GitOpsApplication, GroupRoleBinding, issuer_url
from constructs_lib.addons.release import HelmRelease, ReleaseOverrides, helm_release
from constructs_lib.backend import StateBackend
from constructs_lib.cluster_drivers import DRIVER_NAMES, DRIVERS, ClusterDriver
from constructs_lib.errors import ConstructArgumentError

Str = Annotated[str, Strict()]
Int = Annotated[int, Strict()]
Bool = Annotated[bool, Strict()]
StrList = tuple[Str, ...]


def _rule(rule: Callable[[str, str, Any], object]) -> AfterValidator:
    """A value rule of ``constructs_lib._validate`` applied when the file is loaded, for values no
    construct sees before something acts on them (the state bucket of ``platformctl
    bootstrap-state``, the provider's region) or that must hold before the stacks are built."""

    def run(value: Any) -> Any:
        if value is not None:
            try:
                rule("", "", value)
            except ConstructArgumentError as err:
                raise PydanticCustomError("value", "{allowed}", {"allowed": err.allowed}) from None
        return value

    return AfterValidator(run)


def _within(limits: tuple[int, int]) -> AfterValidator:
    return _rule(lambda path, argument, value: check.count(path, argument, value, limits))


Text = Annotated[Str, _rule(check.text)]


def _registry(value: Any) -> Any:
    """The one registry rule; the value kept is the normalized one (no trailing '/')."""
    try:
        return check.Registry.parse("", "", value).reference
    except ConstructArgumentError as err:
        raise PydanticCustomError("value", "{allowed}", {"allowed": err.allowed}) from None


#: A registry reference (``platform.registry``, ``platform.image_registry``): see
#: :meth:`constructs_lib._validate.Registry.parse`.
Registry = Annotated[Str, AfterValidator(_registry)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OpenStackConfig(_Model):
    region: Annotated[Str, _rule(check.region)]
    #: Keystone URL, given to the cloud-controller-manager. Credentials never go in the file.
    auth_url: Annotated[Str, _rule(check.url)]
    #: Name of the external network; omit it for a closed contour (no router, no floating IPs).
    external_network: Text | None = None
    #: Nova availability zone of every VM (bastion, runners), e.g. ``ru-7a``. Default: the cloud's choice.
    availability_zone: Annotated[Str, _rule(check.availability_zone)] | None = None


#: Allowed range of ``backend.noncurrent_version_days``: a week to undo a bad apply, ten years at most.
NONCURRENT_VERSION_DAYS_RANGE = check.NONCURRENT_VERSION_DAYS


class BackendConfig(_Model):
    """The ``backend`` block: a :class:`~constructs_lib.backend.StateBackend` (its defaults and
    rules), and how long the state bucket keeps replaced versions."""

    kind: Str | None = None
    #: Checked here, not only by the backend: ``platformctl bootstrap-state`` sends it to the store.
    bucket: Annotated[Str, _rule(check.bucket_name)] | None = None
    endpoint: Annotated[Str, _rule(check.url)] | None = None
    region: Annotated[Str, _rule(check.region)] | None = None
    local_dir: Str | None = None
    #: Days the state bucket keeps a replaced state version (``platformctl bootstrap-state``
    #: sets the bucket's lifecycle rule from it). Not part of the synthesized backend block.
    noncurrent_version_days: Int = 90

    @field_validator("noncurrent_version_days")
    @classmethod
    def _days_in_range(cls, days: int) -> int:
        low, high = NONCURRENT_VERSION_DAYS_RANGE
        if not low <= days <= high:
            raise PydanticCustomError(
                "noncurrent_version_days",
                f"a whole number of days from {low} to {high} (how long replaced state versions are kept)",
            )
        return days


class AccessConfig(_Model):
    ssh_public_key: Str


class AllocationPool(_Model):
    start: Str
    end: Str


class SubnetConfig(_Model):
    """A ``subnet "<name>"`` block: a :class:`~constructs_lib.network.SubnetSpec` (its defaults)."""

    cidr: Str
    dns_servers: StrList | None = None
    allocation_pool: AllocationPool | None = None


class NetworkConfig(_Model):
    """The ``network`` block: the subnets and egress of :class:`~constructs_lib.network.Network`
    (its defaults)."""

    subnet: dict[str, SubnetConfig] = Field(min_length=1)
    egress_cidrs: StrList | None = None


class ConstructBlock(_Model):
    """A block whose keys are the keyword arguments of one construct (checked there, with its
    defaults): nothing about them is restated here."""

    model_config = ConfigDict(extra="allow", frozen=True)

    @property
    def arguments(self) -> dict[str, Any]:
        """The construct arguments the block sets."""
        return dict(self.model_extra or {})


class BastionConfig(ConstructBlock):
    """The ``bastion`` block: :class:`~constructs_lib.bastion.Bastion`'s arguments, and
    ``enabled`` (``false`` keeps the block but builds no bastion)."""

    enabled: Bool = True


class RunnersConfig(ConstructBlock):
    """The ``runners`` block: :class:`~constructs_lib.runners.RunnerFleet`'s arguments. With
    ``count = 0`` no runner is built."""

    #: Checked here too: with 0 the stack builds no fleet at all, so nothing else would.
    count: Annotated[Int, _within(check.RUNNER_COUNT)]


class ClusterConfig(ConstructBlock):
    """The ``cluster`` block. ``driver`` picks the construct that builds the cluster
    (:class:`~constructs_lib.selectel_mks.SelectelMksCluster`,
    :class:`~constructs_lib.magnum.MagnumCluster` or
    :class:`~constructs_lib.kamaji_cluster.KamajiCluster`); every other key is an argument of
    that construct, checked there: its signature and its checks are this block's schema, so no
    default or rule is written twice."""

    # The names come from the driver table (an unknown one is refused with the list).
    driver: Literal[DRIVER_NAMES]  # type: ignore[valid-type]

    @property
    def driver_facts(self) -> ClusterDriver:
        """The :class:`~constructs_lib.cluster_drivers.ClusterDriver` the block names."""
        return DRIVERS[self.driver]


class NodeGroupConfig(ConstructBlock):
    """A ``node_group "<name>"`` block: the arguments of the cluster driver's node group
    construct (checked there)."""


class PlatformConfig(_Model):
    ha: Bool = False
    #: A closed contour's internal registry: every chart, image and runner job image comes
    #: from there (see README, "Closed contours").
    registry: Registry | None = None
    #: The registry needs a login to pull charts: TF_VAR_registry_username / _password.
    registry_auth: Bool = False
    #: A mirror for images only; charts stay public.
    image_registry: Registry | None = None
    #: Label and taint nodes of the dedicated roles (system, frontend).
    taint_dedicated_roles: Bool = True


Version = Annotated[Str, _rule(check.chart_version)]
Repository = Annotated[Str, _rule(check.repository)]
#: value path (literal text) -> name of a sensitive Terraform variable holding the value.
SensitiveValues = dict[Text, Annotated[Str, _rule(check.variable_name)]]


class AddonBlock(ConstructBlock):
    """An ``addon "<catalog name>"`` block: the arguments of
    :class:`~constructs_lib.addons.ReleaseOverrides` (checked there when the file is loaded), but
    ``sensitive_values`` maps a value path to the NAME of a sensitive Terraform variable
    (``TF_VAR_<name>`` at deploy time)."""

    sensitive_values: SensitiveValues = {}

    def settings(self, sensitive: Mapping[str, str] | None = None) -> ReleaseOverrides:
        """The :class:`~constructs_lib.addons.ReleaseOverrides`, with ``sensitive`` (value path ->
        Terraform reference) for the variable names."""
        check.keyword_arguments("addon", ReleaseOverrides, self.arguments, supplied=("sensitive_values",))
        return ReleaseOverrides(**self.arguments, sensitive_values=dict(sensitive or {}))


class HelmReleaseBlock(ConstructBlock):
    """A ``helm_release "<name>"`` block: the arguments of
    :func:`~constructs_lib.addons.helm_release` (checked there when the file is loaded; the
    label is its name), ``sensitive_values`` as in ``addon`` blocks."""

    sensitive_values: SensitiveValues = {}

    def chart(self, name: str, sensitive: Mapping[str, str] | None = None) -> HelmRelease:
        """The :class:`~constructs_lib.addons.HelmRelease` called ``name``."""
        check.keyword_arguments("helm_release", helm_release, self.arguments, supplied=("name", "sensitive_values"))
        return helm_release(name=name, **self.arguments, sensitive_values=dict(sensitive or {}))


HttpsUrl = Annotated[Str, _rule(issuer_url)]


class GitOpsApplicationConfig(ConstructBlock):
    """An ``application "<name>"`` block of ``gitops``: the arguments of
    :class:`~constructs_lib.access.GitOpsApplication` (the label is its name)."""

    def application(self, name: str) -> GitOpsApplication:
        check.keyword_arguments("gitops.application", GitOpsApplication, self.arguments, supplied=("name",))
        return GitOpsApplication(name=name, **self.arguments)


class GitOpsConfig(_Model):
    """The ``gitops`` block: Argo CD (the ``argo-cd`` addon) and the applications it pulls from
    the registry. The registry's read-only login comes from TF_VAR_gitops_registry_username and
    TF_VAR_gitops_registry_password."""

    #: Where the bundles are (host and path, no scheme): every application's chart is under it.
    registry: Registry
    application: dict[str, GitOpsApplicationConfig] = Field(min_length=1)

    def applications(self) -> list[GitOpsApplication]:
        return [block.application(name) for name, block in self.application.items()]


class CiDeployTargetConfig(ConstructBlock):
    """A ``target "<name>"`` block of ``ci_deploy``: the arguments of
    :class:`~constructs_lib.access.CiDeployTarget` (the label is its name)."""

    def target(self, name: str) -> CiDeployTarget:
        check.keyword_arguments("ci_deploy.target", CiDeployTarget, self.arguments, supplied=("name",))
        return CiDeployTarget(name=name, **self.arguments)


class CiDeployConfig(_Model):
    """The ``ci_deploy`` block: the namespaces GitLab CI deploys into with werf, and who may."""

    #: The GitLab instance: the issuer of its CI jobs' ID tokens (https only).
    gitlab_url: HttpsUrl
    #: The ``aud`` of the jobs' ID tokens. On Selectel MKS it is the cluster's OIDC client_id.
    audience: Text
    #: What the API server puts before a job's ``sub`` claim. Default: ``<gitlab_url>#``, the
    #: API server's own default for a user name claim other than ``email`` (MKS sets no
    #: prefix of its own); check it from a job with ``kubectl auth whoami``. ``""``: none.
    username_prefix: (
        Annotated[Str, _rule(lambda path, argument, value: check.text(path, argument, value, allow_empty=True))] | None
    ) = None
    target: dict[str, CiDeployTargetConfig] = Field(min_length=1)

    def targets(self) -> list[CiDeployTarget]:
        return [block.target(name) for name, block in self.target.items()]


class DexConfig(_Model):
    """``people.dex``: run the ``dex`` addon as the people's issuer, with GitLab upstream. The
    GitLab OAuth application's id and secret come from TF_VAR_dex_gitlab_client_id and
    TF_VAR_dex_gitlab_client_secret."""

    #: The GitLab instance people sign in with (https only).
    gitlab_url: HttpsUrl
    #: Only members of these GitLab groups may sign in. Default: anyone GitLab lets in.
    gitlab_groups: StrList = ()


class PeopleConfig(_Model):
    """The ``people`` block: the OIDC issuer people sign in through and the ClusterRole each
    group gets."""

    #: The issuer (https only): Dex's address, or GitLab itself where the cluster takes one issuer.
    issuer_url: HttpsUrl
    #: The client id of kubectl's login at that issuer.
    client_id: Text
    #: The claim that carries the groups.
    groups_claim: Text = "groups"
    #: group -> ClusterRole, e.g. {"platform-admins" = "cluster-admin", "developers" = "view"}.
    groups: dict[Text, Text] = Field(min_length=1)
    #: Run Dex at ``issuer_url`` with GitLab as its upstream connector. Default: none
    #: (``issuer_url`` is an issuer of its own, such as GitLab).
    dex: DexConfig | None = None

    def bindings(self) -> list[GroupRoleBinding]:
        return [GroupRoleBinding(group=group, cluster_role=role) for group, role in self.groups.items()]


class EnvironmentConfig(_Model):
    """Everything one environment file says. Immutable."""

    name: Str
    #: One line of at most 255 characters, no control characters.
    description: Annotated[
        Str, _rule(lambda path, argument, value: check.text(path, argument, value, allow_empty=True))
    ] = ""
    openstack: OpenStackConfig
    backend: BackendConfig
    access: AccessConfig
    network: NetworkConfig
    bastion: BastionConfig | None = None
    runners: RunnersConfig | None = None
    cluster: ClusterConfig
    node_group: dict[str, NodeGroupConfig] = {}
    platform: PlatformConfig = PlatformConfig()
    addon: dict[str, AddonBlock] = {}
    helm_release: dict[str, HelmReleaseBlock] = {}
    gitops: GitOpsConfig | None = None
    ci_deploy: CiDeployConfig | None = None
    people: PeopleConfig | None = None

    def state_backend(self) -> StateBackend:
        """Where this environment's stacks keep their state: keys ``<env>/<stack>.tfstate``."""
        given = self.backend.model_dump(exclude={"noncurrent_version_days"}, exclude_none=True)
        return StateBackend(key_prefix=self.name, **given)

    @property
    def has_bastion(self) -> bool:
        return self.bastion is not None and self.bastion.enabled
