"""The bucket that receives S3 server access logs for the platform's buckets."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_s3 as s3
from constructs import Construct

from platform_constructs.acknowledge import acknowledge_in_packs
from platform_constructs.bucket_baseline import ABORT_INCOMPLETE_UPLOADS, acknowledge_baseline, baseline_props
from platform_constructs.stateful import Retention

NONCURRENT_LOG_VERSIONS = Duration.days(30)


class AccessLogsBucket(Construct):
    """The platform bucket baseline, with expiring logs.

    Encrypted with SSE-S3, not the platform key: S3 server access log delivery does not support
    SSE-KMS default encryption on the target bucket (S3 user guide, "Enabling Amazon S3 server
    access logging"), and aws-cdk-lib refuses a KMS-encrypted log target for the same reason.
    Log delivery is granted by bucket policy (ACLs stay disabled).
    """

    def __init__(self, scope: Construct, construct_id: str, *, retention: Retention, expiration: Duration) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Resource",
            encryption=s3.BucketEncryption.S3_MANAGED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireLogs",
                    expiration=expiration,
                    noncurrent_version_expiration=NONCURRENT_LOG_VERSIONS,
                    abort_incomplete_multipart_upload_after=ABORT_INCOMPLETE_UPLOADS,
                )
            ],
            **baseline_props(retention),
        )
        acknowledge_baseline(self.bucket)
        acknowledge_in_packs(
            self.bucket,
            "S3DefaultEncryptionKMS",
            "S3 server access log delivery does not support SSE-KMS on the target bucket: SSE-S3",
        )
