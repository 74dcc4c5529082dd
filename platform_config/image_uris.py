"""The AWS-published SageMaker images the platform's pipeline steps use, per supported region.

The registry account of an AWS-published image differs from region to region, so the URIs are
never typed by hand: `make image-uris` (devtools/image_uri_table.py) generates image_uris.json
beside this module from the SageMaker Python SDK's own image-URI data, and
tests/config/test_image_uris.py checks the checked-in table against the SDK. The SDK is a
development dependency only: this module reads the table and never imports it (docs/images.md).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TABLE_PATH = Path(__file__).with_name("image_uris.json")

# sklearn: the SDK's scikit-learn framework image (processing and training with the platform's own
# scripts); model-monitor: the Model Monitor analyzer behind QualityCheck steps; debugger: the
# Debugger built-in rules image. The names are the keys of the table.
KINDS: tuple[str, ...] = ("sklearn", "model-monitor", "debugger")


@dataclass(frozen=True)
class PublishedImage:
    """One AWS-published image in one region. `tag` is None when the URI names none (ECR's latest)."""

    kind: str
    region: str
    uri: str
    account: str
    repository: str
    tag: str | None


@functools.cache
def _table() -> dict[str, Any]:
    table: dict[str, Any] = json.loads(TABLE_PATH.read_text())
    return table


def published_image(kind: str, region: str) -> PublishedImage:
    """The image of `kind` in `region`; ValueError (one line) for an unknown kind or region."""
    if kind not in KINDS:
        raise ValueError(f"unknown image kind {kind!r}; valid kinds: {', '.join(KINDS)}")
    by_region: dict[str, dict[str, Any]] = _table()["images"][kind]
    if region not in by_region:
        raise ValueError(f"no {kind} image for region {region!r}; valid regions: {', '.join(sorted(by_region))}")
    entry = by_region[region]
    return PublishedImage(
        kind=kind,
        region=region,
        uri=str(entry["uri"]),
        account=str(entry["account"]),
        repository=str(entry["repository"]),
        tag=None if entry["tag"] is None else str(entry["tag"]),
    )


def repository_arn(image: PublishedImage, partition: str = "aws") -> str:
    """The ECR repository ARN of `image`, for IAM statements that pull from it."""
    return f"arn:{partition}:ecr:{image.region}:{image.account}:repository/{image.repository}"


def sklearn_version() -> str:
    """The scikit-learn framework version of the `sklearn` image (the SDK's version string, e.g. 1.2-1)."""
    return str(_table()["sklearn_version"])
