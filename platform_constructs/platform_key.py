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
    Constructs that deliver through it add their own grants (an encrypted SNS topic as an
    EventBridge target lets events.amazonaws.com use the key).
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
