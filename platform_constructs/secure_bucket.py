"""A bucket for data that must stay: versioned, KMS-encrypted, private, TLS-only, logged."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from platform_constructs.compliance import PACKS, acknowledge
from platform_constructs.stateful import Retention

NO_REPLICATION = (
    "each environment-region is a complete, independent platform; its data stays in its region unless a team "
    "replicates a dataset on purpose"
)

ABORT_INCOMPLETE_UPLOADS = Duration.days(7)


class SecureBucket(Construct):
    """Versioned, SSE-KMS with a bucket key, all public access blocked, TLS 1.2+ enforced, ACLs
    disabled, server access logs to `access_logs`, and old versions moved to a colder class.

    `noncurrent_expiration` defaults to never: for datasets and artifacts an old object version
    is what a past experiment read or wrote, and deleting it breaks that experiment's lineage.
    `expiration` (current versions) is for transient content only, such as pipeline artifacts.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        encryption_key: kms.IKey,
        access_logs: s3.IBucket,
        retention: Retention,
        noncurrent_transition: Duration,
        noncurrent_expiration: Duration | None = None,
        expiration: Duration | None = None,
        event_bridge_enabled: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Resource",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=encryption_key,
            bucket_key_enabled=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix=f"{construct_id.lower()}/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="NoncurrentVersions",
                    noncurrent_version_transitions=[
                        s3.NoncurrentVersionTransition(
                            storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                            transition_after=noncurrent_transition,
                        )
                    ],
                    noncurrent_version_expiration=noncurrent_expiration,
                    expiration=expiration,
                    abort_incomplete_multipart_upload_after=ABORT_INCOMPLETE_UPLOADS,
                )
            ],
            removal_policy=retention.removal_policy,
            auto_delete_objects=retention.auto_delete_objects,
        )
        for pack in PACKS:
            acknowledge(self.bucket, f"{pack}-S3BucketReplicationEnabled", NO_REPLICATION)
        if event_bridge_enabled:
            # Native CloudFormation; the L2's event_bridge_enabled adds a custom-resource Lambda.
            cfn_bucket = self.bucket.node.default_child
            assert isinstance(cfn_bucket, s3.CfnBucket)
            cfn_bucket.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
                event_bridge_configuration=s3.CfnBucket.EventBridgeConfigurationProperty(event_bridge_enabled=True)
            )
