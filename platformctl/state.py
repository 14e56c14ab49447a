"""``platformctl bootstrap-state``: make an environment's state bucket safe to hold state.

The bucket named in the environment file's ``backend`` block is created if missing, then
checked and set up: versioning on (an overwritten or deleted state can be restored), public
access blocked (where the store supports it), and a lifecycle rule that expires replaced
state versions after ``backend.noncurrent_version_days`` days. Each step prints one line
saying what it changed or found in place; a second run changes nothing and says so.

Credentials come from boto3's usual chain: ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``
(the store's S3 keys) or ``AWS_PROFILE``. Everything in the file and the credentials are
checked before the first request.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CommandError
from .redact import without_userinfo

#: ID of the lifecycle rule this command owns; other rules in the bucket are kept as they are.
LIFECYCLE_RULE_ID = "platformctl-expire-noncurrent-state"

#: The four public access block settings, all turned on.
PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}

#: Error codes of a store that does not implement an S3 feature (Swift s3api, older Ceph RGW).
_UNSUPPORTED_CODES = frozenset({"NotImplemented", "MethodNotAllowed", "NotSupported", "UnsupportedOperation", "501"})
_UNSUPPORTED_STATUSES = frozenset({405, 501})

#: Content types of a web page: what a web server or a proxy's error page answers, never S3.
_WEB_PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})

#: Error codes that mean the store does not accept the credentials.
_CREDENTIAL_CODES = frozenset(
    {
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "InvalidClientTokenId",
        "InvalidToken",
        "ExpiredToken",
        "AuthorizationHeaderMalformed",
        "InvalidSecurity",
    }
)

#: Short timeouts and one retry: an unreachable endpoint fails in seconds.
CONNECT_TIMEOUT_SECONDS = 3
READ_TIMEOUT_SECONDS = 15
MAX_ATTEMPTS = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bootstrap-state",
        help="create or check an environment's state bucket: versioning, no public access, old versions expire",
        description=(
            "Create the S3 bucket named in environments/<ENV>.hcl's backend block if it is missing, and make "
            "sure it is versioned, blocks public access (where the store supports it) and expires replaced "
            "state versions after backend.noncurrent_version_days days (default 90). Prints one line per "
            "setting; running it again changes nothing. Credentials: AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (the store's S3 keys) or AWS_PROFILE."
        ),
    )
    parser.add_argument("environment", metavar="ENV", help="environment name: the file environments/<ENV>.hcl")
    parser.add_argument(
        "--environments-dir",
        type=Path,
        default=Path("environments"),
        metavar="DIR",
        help="directory of environment files (default: environments)",
    )
    parser.set_defaults(run=run)


@dataclass(frozen=True)
class StateBucket:
    """The bucket an environment file asks for, and where that was said (for messages)."""

    bucket: str
    endpoint: str
    region: str
    noncurrent_version_days: int
    file: str

    def describe(self) -> str:
        return f"bucket {self.bucket!r} at {self.shown_endpoint}"

    @property
    def shown_endpoint(self) -> str:
        """The endpoint as messages show it: without the credentials of a ``user:password@``."""
        return without_userinfo(self.endpoint)


def state_bucket_of(environment: str, environments_dir: Path) -> StateBucket:
    """The environment's backend settings, checked: an s3 backend with a bucket and an endpoint."""
    from environment_loader import load_environments

    [(config, source)] = load_environments(environments_dir, [environment])
    # The backend as the stacks use it (the library's defaults where the file says nothing).
    backend = config.state_backend()
    if backend.kind != "s3":
        raise source.error(
            ("backend", "kind"),
            f'{backend.kind!r} is not allowed here: bootstrap-state needs kind = "s3" (a local backend has no bucket)',
        )
    if not backend.bucket:
        raise source.error(("backend", "bucket"), "is missing: the name of the state bucket")
    if not backend.endpoint:
        raise source.error(("backend", "endpoint"), "is missing: the S3 endpoint URL (https://...)")
    if not backend.endpoint.startswith(("https://", "http://")):
        raise source.error(
            ("backend", "endpoint"), f"{backend.endpoint!r} is not allowed: the S3 endpoint URL (https://...)"
        )
    return StateBucket(
        bucket=backend.bucket,
        endpoint=backend.endpoint,
        region=backend.region,
        noncurrent_version_days=config.backend.noncurrent_version_days,
        file=source.file,
    )


def run(args: argparse.Namespace) -> int:
    target = state_bucket_of(args.environment, args.environments_dir)
    s3 = s3_client(target)
    changes = bootstrap(s3, target, print)
    if changes:
        print(f"{changes} change{'s' if changes != 1 else ''} made to {target.describe()}.")
    else:
        print(f"no changes: {target.describe()} was already set up.")
    return 0


def s3_client(target: StateBucket) -> Any:
    """A boto3 S3 client for the store: path-style, short timeouts, credentials checked (no request)."""
    import boto3
    import botocore.exceptions
    import botocore.session
    from botocore.config import Config

    # botocore says at INFO level where it found credentials; the command's output is its own lines.
    logging.getLogger("botocore").setLevel(logging.WARNING)
    try:
        core = botocore.session.Session()
        # Non-AWS stores: never wait for an EC2 or container metadata service to answer.
        resolver = core.get_component("credential_provider")
        for provider in ("iam-role", "container-role"):
            if resolver.get_provider(provider) is not None:
                resolver.remove(provider)
        session = boto3.session.Session(botocore_session=core)
        credentials = session.get_credentials()
    except botocore.exceptions.BotoCoreError as err:
        raise CommandError(f"credentials for the state bucket cannot be read: {err}") from None
    if credentials is None:
        raise CommandError(
            "no credentials for the state bucket: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
            f"to the S3 keys of the store at {target.shown_endpoint} ({target.file} backend.endpoint), or AWS_PROFILE"
        )
    options: dict[str, Any] = {
        "region_name": target.region,
        "s3": {"addressing_style": "path"},
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "read_timeout": READ_TIMEOUT_SECONDS,
        "retries": {"total_max_attempts": MAX_ATTEMPTS, "mode": "standard"},
    }
    try:
        # Checksums only where S3 requires them: many S3-compatible stores reject the newer ones.
        config = Config(
            **options, request_checksum_calculation="when_required", response_checksum_validation="when_required"
        )
    except TypeError:  # botocore < 1.36 sends none of them anyway
        config = Config(**options)
    return session.client("s3", endpoint_url=target.endpoint, config=config)


@dataclass(frozen=True)
class Refused:
    """An S3 error answer: the operation, its error code and the botocore error."""

    operation: str
    code: str
    error: Any

    @property
    def unsupported(self) -> bool:
        return self.code in _UNSUPPORTED_CODES or _status_of(self.error) in _UNSUPPORTED_STATUSES


class _Store:
    """Calls on one bucket, with every failure turned into one clear CommandError."""

    def __init__(self, s3: Any, target: StateBucket) -> None:
        import botocore.exceptions

        self.s3 = s3
        self.target = target
        self.client_error = botocore.exceptions.ClientError
        self.botocore_error = botocore.exceptions.BotoCoreError

    def attempt(self, operation: str, **kwargs: Any) -> dict[str, Any] | Refused:
        """The answer, or the store's refusal (credential and network errors raise)."""
        try:
            answer = dict(getattr(self.s3, operation)(Bucket=self.target.bucket, **kwargs))
        except self.client_error as err:
            if self.is_credentials_error(err):
                raise self.failure(operation, err) from None
            self.check_s3(operation, err.response)
            return Refused(operation, code_of(err), err)
        except self.botocore_error as err:
            raise self.unreachable(err) from None
        self.check_s3(operation, answer)
        return answer

    def check_s3(self, operation: str, response: dict[str, Any]) -> None:
        """Refuse a web page where S3 answers with an XML document (a read, or an error).

        Only answers with a body: some stores label an empty answer to a write as HTML.
        """
        headers = response.get("ResponseMetadata", {}).get("HTTPHeaders") or {}
        content_type = str(headers.get("content-type", "")).split(";")[0].strip().lower()
        with_body = headers.get("content-length") != "0"
        is_document = operation.startswith(("get_", "list_")) or "Error" in response
        if content_type in _WEB_PAGE_TYPES and with_body and is_document:
            raise CommandError(
                f"the endpoint {self.target.shown_endpoint} ({self.target.file} backend.endpoint) answered {operation} "
                f"with a web page ({content_type}), not S3's XML: it does not answer as S3 does (a web server or "
                "proxy rather than the store's S3 API?); check the endpoint URL"
            )

    def is_credentials_error(self, err: Any) -> bool:
        return code_of(err) in _CREDENTIAL_CODES

    def unreachable(self, err: Exception) -> CommandError:
        return CommandError(
            f"cannot reach the S3 endpoint {self.target.shown_endpoint} ({self.target.file} backend.endpoint): {err}"
        )

    def failure(self, operation: str, err: Any) -> CommandError:
        self.check_s3(operation, err.response)
        code = code_of(err)
        if code in _CREDENTIAL_CODES:
            return self.bad_credentials(code)
        message = err.response.get("Error", {}).get("Message") or "no message"
        if re.fullmatch(r"[0-9]+", code):  # an HTTP status and no S3 error document
            return CommandError(
                f"{operation} on {self.target.describe()} failed: HTTP {code} with no S3 error in the answer "
                f"(is {self.target.shown_endpoint} the store's S3 API? {self.target.file} backend.endpoint)"
            )
        return CommandError(f"{operation} on {self.target.describe()} failed: {code}: {message}")

    def bad_credentials(self, code: str) -> CommandError:
        return CommandError(
            f"the store at {self.target.shown_endpoint} rejected the credentials ({code}): set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) to S3 keys of this store"
        )


def code_of(err: Any) -> str:
    return str(
        err.response.get("Error", {}).get("Code") or err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    )


def _status_of(err: Any) -> int:
    return int(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def bootstrap(s3: Any, target: StateBucket, say: Callable[[str], object]) -> int:
    """Set up the bucket with the client ``s3``; print one line per step; return the number of changes."""
    store = _Store(s3, target)
    changes = 0
    changes += _ensure_bucket(store, say)
    changes += _ensure_versioning(store, say)
    changes += _ensure_public_access_block(store, say)
    changes += _ensure_lifecycle_rule(store, say)
    return changes


def _ensure_bucket(store: _Store, say: Callable[[str], object]) -> int:
    target = store.target
    try:
        store.s3.head_bucket(Bucket=target.bucket)
        say(f"{target.describe()}: already exists")
        return 0
    except store.client_error as err:
        status = _status_of(err)
        if status == 403:
            raise _forbidden(store) from None
        if status == 301:
            raise CommandError(
                f"{target.describe()} is in another region than {target.region!r}: "
                f"set backend.region in {target.file} to the bucket's region"
            ) from None
        if status != 404:
            raise store.failure("head_bucket", err) from None
    except store.botocore_error as err:
        raise store.unreachable(err) from None

    options: dict[str, Any] = {}
    if target.region != "us-east-1":  # S3 takes no location constraint for its default region
        options["CreateBucketConfiguration"] = {"LocationConstraint": target.region}
    try:
        store.s3.create_bucket(Bucket=target.bucket, **options)
    except store.client_error as err:
        code = code_of(err)
        if code == "BucketAlreadyOwnedByYou":
            say(f"{target.describe()}: already exists")
            return 0
        if code == "BucketAlreadyExists":
            raise _owned_by_someone_else(target, "the store answered BucketAlreadyExists") from None
        if code in {"InvalidLocationConstraint", "IllegalLocationConstraintException"}:
            raise CommandError(
                f"the store at {target.shown_endpoint} does not accept region {target.region!r}: "
                f"set backend.region in {target.file} to the store's region"
            ) from None
        if code == "InvalidBucketName":
            raise CommandError(
                f"{target.file}: backend.bucket: {target.bucket!r} is not allowed by the store: "
                "3-63 lowercase letters, digits, '-' and '.'"
            ) from None
        raise store.failure("create_bucket", err) from None
    except store.botocore_error as err:
        raise store.unreachable(err) from None
    say(f"{target.describe()}: created (region {target.region})")
    return 1


def _forbidden(store: _Store) -> CommandError:
    """HEAD answered 403: wrong credentials, or a bucket these keys may not use. Ask the store which."""
    try:
        store.s3.list_buckets()
    except store.client_error as err:
        if store.is_credentials_error(err):
            return store.bad_credentials(code_of(err))
    except store.botocore_error as err:
        return store.unreachable(err)
    return _owned_by_someone_else(store.target, "HEAD answered 403 Forbidden")


def _owned_by_someone_else(target: StateBucket, evidence: str) -> CommandError:
    return CommandError(
        f"{target.describe()} exists but belongs to someone else, or these keys may not use it ({evidence}): "
        f"choose another name in {target.file} backend.bucket, or use the owner's keys"
    )


def _ensure_versioning(store: _Store, say: Callable[[str], object]) -> int:
    answer = store.attempt("get_bucket_versioning")
    if isinstance(answer, Refused):
        if answer.unsupported:
            raise _no_versioning(store.target)
        raise store.failure(answer.operation, answer.error)
    status = answer.get("Status")
    if status == "Enabled":
        say("versioning: already enabled")
        return 0
    result = store.attempt("put_bucket_versioning", VersioningConfiguration={"Status": "Enabled"})
    if isinstance(result, Refused):
        if result.unsupported:
            raise _no_versioning(store.target)
        raise store.failure(result.operation, result.error)
    readback = store.attempt("get_bucket_versioning")
    read = None if isinstance(readback, Refused) else readback.get("Status")
    if read != "Enabled":
        raise _not_s3(store.target, "put_bucket_versioning", "versioning", read)
    say(f"versioning: enabled (was {status.lower() if isinstance(status, str) else 'never enabled'})")
    return 1


def _not_s3(target: StateBucket, operation: str, setting: str, read: object) -> CommandError:
    """The store said yes to ``operation`` but reading the setting back does not show it."""
    shown = "nothing" if read in (None, {}, []) else json.dumps(read, sort_keys=True, default=str)
    return CommandError(
        f"the endpoint {target.shown_endpoint} ({target.file} backend.endpoint) answered {operation} with success, "
        f"but reading {setting} back gives {shown}: it does not answer as S3 does (a web server or proxy "
        "rather than the store's S3 API?); check the endpoint URL"
    )


def _no_versioning(target: StateBucket) -> CommandError:
    return CommandError(
        f"the store at {target.shown_endpoint} does not support bucket versioning: an overwritten state could not be "
        "restored; use a store with versioning"
    )


def _ensure_public_access_block(store: _Store, say: Callable[[str], object]) -> int:
    answer = store.attempt("get_public_access_block")
    if isinstance(answer, Refused):
        if answer.unsupported:
            say("public access block: not supported by this store, skipped")
            return 0
        if answer.code != "NoSuchPublicAccessBlockConfiguration":
            raise store.failure(answer.operation, answer.error)
        current: dict[str, Any] = {}
    else:
        current = dict(answer.get("PublicAccessBlockConfiguration", {}))
    if all(current.get(k) is True for k in PUBLIC_ACCESS_BLOCK):
        say("public access block: already on (all four settings)")
        return 0
    result = store.attempt("put_public_access_block", PublicAccessBlockConfiguration=PUBLIC_ACCESS_BLOCK)
    if isinstance(result, Refused):
        if result.unsupported:
            say("public access block: not supported by this store, skipped")
            return 0
        raise store.failure(result.operation, result.error)
    readback = store.attempt("get_public_access_block")
    read = None if isinstance(readback, Refused) else readback.get("PublicAccessBlockConfiguration")
    if not isinstance(read, dict) or not all(read.get(k) is True for k in PUBLIC_ACCESS_BLOCK):
        raise _not_s3(store.target, "put_public_access_block", "the public access block", read)
    was = ", ".join(k for k in PUBLIC_ACCESS_BLOCK if current.get(k) is not True)
    say(f"public access block: turned on (was off: {was})")
    return 1


def _desired_rule(days: int) -> dict[str, Any]:
    return {
        "ID": LIFECYCLE_RULE_ID,
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "NoncurrentVersionExpiration": {"NoncurrentDays": days},
    }


def _rule_in_place(rule: dict[str, Any], days: int) -> bool:
    applies_to_all = rule.get("Filter", {}).get("Prefix", "") == "" and rule.get("Prefix", "") == ""
    applies_to_all = applies_to_all and set(rule.get("Filter", {})) <= {"Prefix"}
    return (
        rule.get("Status") == "Enabled"
        and applies_to_all
        and rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays") == days
    )


def _ensure_lifecycle_rule(store: _Store, say: Callable[[str], object]) -> int:
    days = store.target.noncurrent_version_days
    label = f"lifecycle rule {LIFECYCLE_RULE_ID!r}"
    answer = store.attempt("get_bucket_lifecycle_configuration")
    if isinstance(answer, Refused):
        if answer.unsupported:
            say(f"{label}: lifecycle rules not supported by this store, skipped (old state versions are kept)")
            return 0
        if answer.code != "NoSuchLifecycleConfiguration":
            raise store.failure(answer.operation, answer.error)
        rules: list[dict[str, Any]] = []
    else:
        rules = [dict(r) for r in answer.get("Rules", [])]
    ours = next((r for r in rules if r.get("ID") == LIFECYCLE_RULE_ID), None)
    others = [r for r in rules if r.get("ID") != LIFECYCLE_RULE_ID]
    if ours is not None and _rule_in_place(ours, days):
        say(f"{label}: already in place (noncurrent versions expire after {days} days)")
        return 0
    result = store.attempt(
        "put_bucket_lifecycle_configuration", LifecycleConfiguration={"Rules": [*others, _desired_rule(days)]}
    )
    if isinstance(result, Refused):
        if result.unsupported:
            say(f"{label}: lifecycle rules not supported by this store, skipped (old state versions are kept)")
            return 0
        raise store.failure(result.operation, result.error)
    readback = store.attempt("get_bucket_lifecycle_configuration")
    read = None if isinstance(readback, Refused) else readback.get("Rules")
    ours_read = (
        next((r for r in read if isinstance(r, dict) and r.get("ID") == LIFECYCLE_RULE_ID), None)
        if isinstance(read, list)
        else None
    )
    if ours_read is None or not _rule_in_place(ours_read, days):
        raise _not_s3(store.target, "put_bucket_lifecycle_configuration", f"the {label}", ours_read)
    kept = f"; kept {len(others)} other rule{'s' if len(others) != 1 else ''}" if others else ""
    if ours is None:
        say(f"{label}: added (noncurrent versions expire after {days} days){kept}")
    else:
        was = ours.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays")
        say(f"{label}: updated (noncurrent versions expire after {days} days, was {was}){kept}")
    return 1
