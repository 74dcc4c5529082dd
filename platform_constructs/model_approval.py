"""Who approves models, and who hears about it."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

STATE_CHANGE = "SageMaker Model Package State Change"


class ModelApproverRole(Construct):
    """The only role that may change a model version's approval status (the groups' resource
    policies deny everyone else). Assumed by the configured approver principals."""

    def __init__(
        self, scope: Construct, construct_id: str, *, approvers: tuple[str, ...], group_names: tuple[str, ...]
    ) -> None:
        super().__init__(scope, construct_id)
        arn = Stack.of(self).format_arn
        self.role = iam.Role(
            self,
            "Resource",
            assumed_by=iam.CompositePrincipal(*(iam.ArnPrincipal(principal) for principal in approvers)),
            description="Approves or rejects model versions of the platform's model package groups",
        )
        groups = [arn(service="sagemaker", resource="model-package-group", resource_name=g) for g in group_names]
        versions = [arn(service="sagemaker", resource="model-package", resource_name=f"{g}/*") for g in group_names]
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="ReviewAndDecide",
                actions=[
                    "sagemaker:DescribeModelPackageGroup",
                    "sagemaker:DescribeModelPackage",
                    "sagemaker:UpdateModelPackage",
                    "sagemaker:ListTags",
                ],
                resources=[*groups, *versions],
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="ListVersions",  # ListModelPackages has no resource-level permissions
                actions=["sagemaker:ListModelPackages", "sagemaker:ListModelPackageGroups"],
                resources=["*"],
            )
        )


class ModelApprovalNotifications(Construct):
    """An EventBridge rule on model package state changes of the platform's groups, to an
    SNS topic encrypted with the platform key; e-mail subscribers from platform_config."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        group_names: tuple[str, ...],
        key: kms.IKey,
        emails: tuple[str, ...],
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(
            self, "Topic", master_key=key, enforce_ssl=True, display_name="Model approval status changes"
        )
        for email in emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        self.rule = events.Rule(
            self,
            "Rule",
            description="Model versions of the platform's groups changed approval status",
            event_pattern=events.EventPattern(
                source=["aws.sagemaker"],
                detail_type=[STATE_CHANGE],
                detail={"ModelPackageGroupName": list(group_names)},
            ),
            targets=[targets.SnsTopic(self.topic)],
        )
