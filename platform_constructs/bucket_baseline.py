"""What every platform bucket is, written once: versioned, private, TLS-only, owner-enforced, and
kept or destroyed with the environment. `SecureBucket` and `AccessLogsBucket` add what differs."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_s3 as s3
from constructs import IConstruct

from platform_constructs.acknowledge import acknowledge_in_packs
from platform_constructs.stateful import Retention

ABORT_INCOMPLETE_UPLOADS = Duration.days(7)
NO_REPLICATION = (
    "each environment-region is a complete, independent platform; its data stays in its region unless a team "
    "replicates a dataset on purpose"
)


def baseline_props(retention: Retention) -> dict[str, Any]:
    """Bucket properties every platform bucket shares (merge the bucket's own on top)."""
    return {
        "versioned": True,
        "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
        "object_ownership": s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        "enforce_ssl": True,
        "minimum_tls_version": 1.2,
        "removal_policy": retention.removal_policy,
        "auto_delete_objects": retention.auto_delete_objects,
    }


def acknowledge_baseline(bucket: IConstruct) -> None:
    acknowledge_in_packs(bucket, "S3BucketReplicationEnabled", NO_REPLICATION)
