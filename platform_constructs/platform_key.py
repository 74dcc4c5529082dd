"""The customer-managed KMS key that encrypts an environment-region's data and logs."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from platform_constructs.stateful import Retention


class PlatformKey(Construct):
    """A rotating symmetric key with an alias, usable by CloudWatch Logs in this account-region.

    The key policy keeps CDK's default (the account administers the key through IAM) and adds one
    statement so that log groups of this account and region (flow logs, handler logs) can use it.
    Every service principal it admits is held to this account (`aws:SourceAccount`) and to the
    resources it acts for (`aws:SourceArn` or an encryption context); other accounts read data
    only through S3 (`grant_decrypt_through_s3`).
    """

    def __init__(self, scope: Construct, construct_id: str, *, alias: str, retention: Retention) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.key = kms.Key(
            self,
            "Resource",
            alias=alias,
            description=f"Encrypts datasets, experiment artifacts and logs ({alias})",
            enable_key_rotation=True,
            removal_policy=retention.removal_policy,
            pending_window=retention.key_pending_window,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchLogsOfThisAccountRegion",
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:*"
                        )
                    }
                },
            )
        )

    def allow_eventbridge_rules(self) -> None:
        """EventBridge rules of this account and region may publish to topics encrypted with the key.
        The rule ARN is not known here (the rules live in a later stack): the topic's own policy
        names the exact rule; the key admits only rules of this account and region."""
        stack = Stack.of(self)
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowEventBridgeRulesOfThisAccountRegion",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": f"arn:{stack.partition}:events:{stack.region}:{stack.account}:rule/*"},
                },
            )
        )

    def allow_cloudwatch_alarms(self) -> None:
        """CloudWatch alarms of this account and region may publish to topics encrypted with the key
        (served endpoints' rollback alarms); each topic's policy names its exact alarms."""
        stack = Stack.of(self)
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsOfThisAccountRegion",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {
                        "aws:SourceArn": f"arn:{stack.partition}:cloudwatch:{stack.region}:{stack.account}:alarm:*"
                    },
                },
            )
        )

    def grant_decrypt_through_s3(self, sid: str, accounts: tuple[str, ...]) -> None:
        """Principals of `accounts` may decrypt, only through S3 in this region: which objects
        they reach is decided by the bucket policies (`SecureBucket.grant_read_to_accounts`).
        The bucket's ARN cannot be named here: the bucket refers to this key already."""
        if not accounts:
            return
        stack = Stack.of(self)
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid=sid,
                principals=[iam.AccountPrincipal(account) for account in accounts],
                actions=["kms:Decrypt"],
                resources=["*"],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}},
            )
        )
