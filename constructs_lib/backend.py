"""Remote state: an S3-compatible bucket (Selectel, Ceph RGW, Swift s3api), or local files.

State holds the cluster's admin client key (the OpenStack provider keeps the kubeconfig in
it), so it belongs in a private, versioned bucket. No credentials are ever written into the
backend block: terraform reads ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` at run time.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import _validate as check
from .errors import ConstructArgumentError

if TYPE_CHECKING:  # cdktf is imported when a backend is applied: platformctl reads this type without it
    from cdktf import TerraformStack

KINDS = ("s3", "local")
# A relative or absolute directory of plain path characters; never '..' (state stays under it).
_LOCAL_DIR = re.compile(r"/?[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*/?")


@dataclass(frozen=True)
class StateBackend:
    """Where an environment keeps its state.

    :param kind: ``s3`` (default) or ``local`` (only when the environment asks for it).
    :param bucket: bucket name (s3): 3-63 lowercase letters, digits, '.' and '-', not an IP address.
    :param endpoint: S3 endpoint URL, e.g. ``https://s3.ru-1.storage.selcloud.ru`` (s3);
        http(s), no credentials.
    :param region: region name the store expects (letters, digits, '.', '_', '-'); any such
        name for stores that ignore it.
    :param key_prefix: prefix of every key (a DNS label, or empty); the key is
        ``<prefix>/<stack>.tfstate``. The stacks use the environment name, giving
        ``<env>/<stack>.tfstate``.
    :param local_dir: directory of local state files (local), relative to the directory the
        app runs in (the project root), or absolute; letters, digits, '.', '_', '-' and '/',
        no '..'. Default ``terraform-state``.
    """

    kind: str = "s3"
    bucket: str | None = None
    endpoint: str | None = None
    region: str = "us-east-1"
    key_prefix: str = ""
    local_dir: str = "terraform-state"

    def key(self, stack_name: str) -> str:
        return f"{self.key_prefix}/{stack_name}.tfstate" if self.key_prefix else f"{stack_name}.tfstate"

    def local_path(self, stack: TerraformStack, stack_name: str) -> str:
        """The state file's path as terraform sees it from the stack's directory.

        Terraform runs in ``<outdir>/stacks/<stack>``, which every synth replaces: state kept
        there would be lost. A relative ``local_dir`` is therefore taken from the current
        directory (the project root) and written relative to the stack's directory, so the
        output stays the same on every machine.
        """
        from cdktf import App

        target = Path(self.local_dir) / self.key(stack_name)
        if target.is_absolute():
            return str(target)
        stack_dir = Path(App.of(stack).outdir).resolve() / "stacks" / stack_name
        return os.path.relpath(Path.cwd() / target, stack_dir)

    def apply(self, stack: TerraformStack, stack_name: str) -> None:
        """Configure ``stack``'s backend."""
        from cdktf import LocalBackend, S3Backend

        path = stack.node.path
        check.choice(path, "backend.kind", self.kind, KINDS)
        if self.key_prefix != "":
            check.name(path, "backend.key_prefix", self.key_prefix)
        if self.kind == "local":
            if (
                not isinstance(self.local_dir, str)
                or not _LOCAL_DIR.fullmatch(self.local_dir)
                or len(self.local_dir) > 255
            ):
                raise ConstructArgumentError(
                    path,
                    "backend.local_dir",
                    self.local_dir,
                    "a directory of letters, digits, '.', '_', '-' and '/', no '..', at most 255 characters",
                )
            LocalBackend(stack, path=self.local_path(stack, stack_name))
            return
        if not self.bucket:
            raise ConstructArgumentError(path, "backend.bucket", self.bucket, "a bucket name for the s3 backend")
        check.bucket_name(path, "backend.bucket", self.bucket)
        if not self.endpoint:
            raise ConstructArgumentError(path, "backend.endpoint", self.endpoint, "the S3 endpoint URL (https://...)")
        check.url(path, "backend.endpoint", self.endpoint)
        check.region(path, "backend.region", self.region)
        S3Backend(
            stack,
            bucket=self.bucket,
            key=self.key(stack_name),
            region=self.region,
            endpoints={"s3": self.endpoint},
            use_path_style=True,
            # Non-AWS stores have no STS, no IAM, no EC2 metadata and their own region names.
            skip_credentials_validation=True,
            skip_region_validation=True,
            skip_requesting_account_id=True,
            skip_metadata_api_check=True,
            skip_s3_checksum=True,
        )
        # Locking with a lock object next to the state (terraform >= 1.10); no DynamoDB.
        # cdktf 0.20's S3Backend has no field for it.
        stack.add_override("terraform.backend.s3.use_lockfile", True)
