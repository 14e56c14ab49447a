"""StorageClasses on the cloud's own Cinder CSI driver, one per volume type in use.

Selectel MKS runs the Cinder CSI driver itself (provisioner ``cinder.csi.openstack.org``)
and pre-creates a default class. Volume types there are per zone (``fast.ru-7a``), so a
workload that must sit next to its nodes asks for the class of their zone: this construct
adds one class per volume type the node groups use, named after it (``fast-ru-7a``), leaving
the cloud's default class alone.

Each class asks for an ext4 file system, as Selectel's own example classes do
(``fsType: ext4``). The key is the CSI provisioner's ``csi.storage.k8s.io/fstype``: the
external-provisioner reads it and strips it before calling the driver, while it still
accepts the older ``fsType`` only with a deprecation warning, and refuses both together.
Without either, the file system is the provisioner's ``--default-fstype``, which a
deployment may leave unset.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from constructs import Construct

from . import _validate as check
from ._construct import LibraryConstruct
from .errors import ConstructArgumentError
from .kubernetes import StorageClassV1

CINDER_CSI_PROVISIONER = "cinder.csi.openstack.org"
#: The StorageClass parameter the CSI external-provisioner reads the file system from.
FSTYPE_PARAMETER = "csi.storage.k8s.io/fstype"
FSTYPE = "ext4"
_VOLUME_TYPE = re.compile(check.VOLUME_TYPE_PATTERN, re.ASCII)


class VolumeStorageClasses(LibraryConstruct):
    """One StorageClass per ``<kind>.<zone>`` volume type, with an ext4 file system.

    :param volume_types: e.g. ``["fast.ru-7a", "universal.ru-7b"]``.
    :param provisioner: the CSI driver. Default ``cinder.csi.openstack.org``.
    :param reclaim_policy: ``Delete`` (default) or ``Retain``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        volume_types: Sequence[str],
        provisioner: str = CINDER_CSI_PROVISIONER,
        reclaim_policy: str = "Delete",
    ) -> None:
        path = check.child_path(scope, id)
        if isinstance(volume_types, str) or len(set(volume_types)) != len(volume_types):
            raise ConstructArgumentError(path, "volume_types", volume_types, "a list of distinct volume types")
        zones = {}
        for volume_type in volume_types:
            match = _VOLUME_TYPE.fullmatch(volume_type) if isinstance(volume_type, str) else None
            if match is None:
                raise ConstructArgumentError(
                    path, "volume_types", volume_type, "a volume type <kind>.<zone> such as fast.ru-7a"
                )
            zones[volume_type] = match.group(2)
        check.text(path, "provisioner", provisioner)
        check.choice(path, "reclaim_policy", reclaim_policy, ("Delete", "Retain"))
        super().__init__(scope, id)
        self.classes: dict[str, StorageClassV1] = {}
        for volume_type in sorted(volume_types):
            name = volume_type.replace(".", "-")
            self.classes[volume_type] = StorageClassV1(
                self,
                name,
                metadata={"name": name},
                storage_provisioner=provisioner,
                parameters={"type": volume_type, "availability": zones[volume_type], FSTYPE_PARAMETER: FSTYPE},
                reclaim_policy=reclaim_policy,
                # Provision when a pod is scheduled, so a claim never binds before it is used.
                volume_binding_mode="WaitForFirstConsumer",
                allow_volume_expansion=True,
            )
