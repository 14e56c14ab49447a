"""Environment files: ``environments/<name>.hcl`` -> one typed, immutable EnvironmentConfig.

The file is parsed with python-hcl2 (:mod:`~environment_loader.reading`), its keys and values
checked as written (:mod:`~environment_loader.literals`), then checked for shape
(:mod:`~environment_loader.schema`: unknown keys, types, missing keys, choices). Blocks that
configure one construct (``cluster``, ``node_group``, ``bastion``, ``runners``) have no schema of
their own: their keys are that construct's keyword arguments, and its signature and checks are
the rules, written once. Errors of constructs
(:class:`~constructs_lib.errors.ConstructArgumentError`) are turned back into the file, key and
line the operator wrote by :class:`SourceMap` (:mod:`~environment_loader.source_map`).

The app in ``stacks/`` and ``platformctl`` use it; the library ``constructs_lib`` imports
nothing from it. It needs the ``environments`` extra (python-hcl2, pydantic), which the
``platformctl`` extra includes.
"""

from __future__ import annotations

from .delivery import oidc_issuers
from .errors import EnvironmentConfigError
from .loading import environment_files, load_environment, load_environments
from .reading import MAX_DEPTH, MAX_FILE_BYTES
from .schema import (
    NONCURRENT_VERSION_DAYS_RANGE,
    AccessConfig,
    AddonBlock,
    BackendConfig,
    BastionConfig,
    CiDeployConfig,
    CiDeployTargetConfig,
    ClusterConfig,
    DexConfig,
    EnvironmentConfig,
    GitOpsApplicationConfig,
    GitOpsConfig,
    HelmReleaseBlock,
    NetworkConfig,
    NodeGroupConfig,
    OpenStackConfig,
    PeopleConfig,
    PlatformConfig,
    RunnersConfig,
    SubnetConfig,
)
from .source_map import SourceMap

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "NONCURRENT_VERSION_DAYS_RANGE",
    "AccessConfig",
    "AddonBlock",
    "BackendConfig",
    "BastionConfig",
    "CiDeployConfig",
    "CiDeployTargetConfig",
    "ClusterConfig",
    "DexConfig",
    "EnvironmentConfig",
    "EnvironmentConfigError",
    "GitOpsApplicationConfig",
    "GitOpsConfig",
    "HelmReleaseBlock",
    "NetworkConfig",
    "NodeGroupConfig",
    "OpenStackConfig",
    "PeopleConfig",
    "PlatformConfig",
    "RunnersConfig",
    "SourceMap",
    "SubnetConfig",
    "environment_files",
    "load_environment",
    "load_environments",
    "oidc_issuers",
]
