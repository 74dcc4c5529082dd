"""What makes a run reproducible: the exact code, data version, configuration and image.

Each function returns plain values that `RunTracker` records as parameters and artifacts. AWS
calls go through the clients passed in; git is asked locally.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from botocore.exceptions import ClientError

from experiment_tools.errors import UsageError, is_not_found

DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
ECR_IMAGE = re.compile(
    r"(?P<registry>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/(?P<repository>[^:@]+):(?P<tag>[\w][\w.-]{0,127})"
)


@dataclass(frozen=True)
class CodeVersion:
    commit: str
    dirty: bool
    remote: str | None


@dataclass(frozen=True)
class DatasetVersion:
    """One S3 object pinned by version id, or a prefix pinned by a manifest of versions."""

    uri: str
    version_id: str | None = None
    objects: int = 1
    manifest_sha256: str | None = None
    as_of: datetime | None = None


def _git(directory: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(directory), *args], capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise UsageError("git is not installed: it is needed to record the code version (--code)") from error
    if done.returncode != 0:
        raise UsageError(f"--code: {str(directory)!r} is not inside a git work tree ({done.stderr.strip()})")
    return done.stdout.strip()


def code_version(directory: str | Path) -> CodeVersion:
    """The commit checked out, and whether tracked or untracked files differ from it."""
    path = Path(directory)
    if not path.is_dir():
        raise UsageError(f"--code: {str(directory)!r} is not a directory")
    commit = _git(path, "rev-parse", "HEAD")
    dirty = bool(_git(path, "status", "--porcelain", "--untracked-files=normal"))
    remote = subprocess.run(
        ["git", "-C", str(path), "config", "--get", "remote.origin.url"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return CodeVersion(commit=commit, dirty=dirty, remote=remote or None)


def file_sha256(path: str | Path) -> str:
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"--config-file: {str(path)!r} is not a readable file")
    return hashlib.sha256(file.read_bytes()).hexdigest()


def split_s3_uri(field: str, uri: str) -> tuple[str, str, str | None]:
    """(bucket, key, version id from a ?versionId= query) of an s3:// URI."""
    parsed = urlparse(uri)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise UsageError(f"{field}: {uri!r} is not an s3://bucket/key URI")
    version = parse_qs(parsed.query).get("versionId", [None])[0]
    return parsed.netloc, parsed.path.lstrip("/"), version


def dataset_version(s3: Any, field: str, uri: str) -> DatasetVersion:
    """Pin an object to its current version id, or a prefix (ending in /) to a manifest of versions.

    A dataset in an unversioned bucket cannot be pinned: S3 returns no version id, and the run
    would point at data that can change under it, so that is an error, not a warning.
    """
    bucket, key, version = split_s3_uri(field, uri)
    plain = f"s3://{bucket}/{key}"
    if key.endswith("/") or not key:
        return _prefix_version(s3, field, bucket, key)
    try:
        head = s3.head_object(Bucket=bucket, Key=key, **({"VersionId": version} if version else {}))
    except ClientError as error:
        if is_not_found(error):
            raise UsageError(f"{field}: {uri!r} does not exist") from error
        raise
    found = head.get("VersionId")
    if not found or found == "null":
        raise UsageError(f"{field}: {uri!r} has no version id; the bucket must be versioned to pin a dataset")
    return DatasetVersion(uri=plain, version_id=found, as_of=head.get("LastModified"))


def _prefix_version(s3: Any, field: str, bucket: str, prefix: str) -> DatasetVersion:
    entries: list[tuple[str, str, str]] = []
    newest: datetime | None = None
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        for version in page.get("Versions", []):
            if not version.get("IsLatest"):
                continue
            if version.get("VersionId") in (None, "null"):
                raise UsageError(
                    f"{field}: s3://{bucket}/{version['Key']} has no version id; the bucket must be versioned"
                )
            entries.append((version["Key"], version["VersionId"], version.get("ETag", "")))
            modified = version.get("LastModified")
            if modified is not None and (newest is None or modified > newest):
                newest = modified
    if not entries:
        raise UsageError(f"{field}: no objects under s3://{bucket}/{prefix}")
    manifest = "\n".join("\t".join(entry) for entry in sorted(entries))
    return DatasetVersion(
        uri=f"s3://{bucket}/{prefix}",
        objects=len(entries),
        manifest_sha256=hashlib.sha256(manifest.encode()).hexdigest(),
        as_of=newest,
    )


def image_digest(ecr: Any, field: str, image: str) -> tuple[str, str]:
    """(digest-pinned URI, sha256 digest). A tag can move; only a digest names one image."""
    if "@" in image:
        repository, _, digest = image.partition("@")
        if not DIGEST.fullmatch(digest):
            raise UsageError(f"{field}: {image!r} has a malformed digest (expected @sha256:<64 hex>)")
        return image, digest
    match = ECR_IMAGE.fullmatch(image)
    if not match:
        raise UsageError(f"{field}: {image!r} is not pinned: give it by digest (name@sha256:...) or as an ECR image")
    try:
        found = ecr.describe_images(
            registryId=match["registry"],
            repositoryName=match["repository"],
            imageIds=[{"imageTag": match["tag"]}],
        )["imageDetails"]
    except ClientError as error:
        if "NotFound" in str(error.response.get("Error", {}).get("Code", "")):
            raise UsageError(f"{field}: {image!r} is not in ECR") from error
        raise
    digest = str(found[0]["imageDigest"])
    repository = image.rsplit(":", 1)[0]
    return f"{repository}@{digest}", digest
