"""A bucket for data that must stay: versioned, KMS-encrypted, private, TLS-only, logged."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from platform_constructs.bucket_baseline import ABORT_INCOMPLETE_UPLOADS, acknowledge_baseline, baseline_props
from platform_constructs.stateful import Retention


class SecureBucket(Construct):
    """Versioned, SSE-KMS with a bucket key, all public access blocked, TLS 1.2+ enforced, ACLs
    disabled, server access logs to `access_logs`, and old versions moved to a colder class.

    `noncurrent_expiration` defaults to never: for datasets and artifacts an old object version
    is what a past experiment read or wrote, and deleting it breaks that experiment's lineage.
    `expiration` (current versions) is for transient content only, such as pipeline artifacts.

    The bucket policy is the resource side of the data perimeter: requests from principals of any
    account but this one (and the accounts given read access with `grant_read_to_accounts`) are
    denied, whatever their own policies say. AWS services acting as themselves are not affected.
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
            **baseline_props(retention),
        )
        acknowledge_baseline(self.bucket)
        self._reader_accounts: list[str] = []
        self._perimeter: iam.PolicyStatement | None = None
        self._refresh_perimeter()
        if event_bridge_enabled:
            # Native CloudFormation; the L2's event_bridge_enabled adds a custom-resource Lambda.
            cfn_bucket = self.bucket.node.default_child
            assert isinstance(cfn_bucket, s3.CfnBucket)
            cfn_bucket.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
                event_bridge_configuration=s3.CfnBucket.EventBridgeConfigurationProperty(event_bridge_enabled=True)
            )

    def _refresh_perimeter(self) -> None:
        """(Re)write the deny for foreign principals with the current list of reader accounts."""
        accounts = [Stack.of(self).account, *self._reader_accounts]
        statement = iam.PolicyStatement(
            sid="OnlyThisAccountAndReaders",
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["s3:*"],
            resources=[self.bucket.bucket_arn, self.bucket.arn_for_objects("*")],
            conditions={
                "StringNotEquals": {"aws:PrincipalAccount": accounts},
                "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
            },
        )
        if self._perimeter is None:
            self.bucket.add_to_resource_policy(statement)
            self._perimeter = statement
        else:
            self._perimeter.add_condition("StringNotEquals", {"aws:PrincipalAccount": accounts})

    def grant_read_to_accounts(self, sid: str, accounts: tuple[str, ...], prefix: str) -> None:
        """Let principals of other accounts (whose own policies must allow it too) read objects
        under `prefix`, for example production accounts deploying approved model versions."""
        if not accounts:
            return
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid=sid,
                principals=[iam.AccountPrincipal(account) for account in accounts],
                actions=["s3:GetObject", "s3:GetObjectVersion"],
                resources=[self.bucket.arn_for_objects(f"{prefix}*")],
            )
        )
        self._reader_accounts += [a for a in accounts if a not in self._reader_accounts]
        self._refresh_perimeter()
