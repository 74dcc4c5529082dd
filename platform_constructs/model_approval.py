"""Who approves models, and who hears about it."""

from __future__ import annotations

import jsii
from aws_cdk import Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from platform_constructs.explained import add_to_role, explained

STATE_CHANGE = "SageMaker Model Package State Change"
EVENTS = "events.amazonaws.com"


class ModelApproverRole(Construct):
    """The only role that may change a model version's approval status (the groups' resource
    policies deny everyone else). Assumed by the configured approver principals.

    Reviewing needs the evidence: the role reads what the teams' pipelines wrote under
    `<team>/pipelines/` of the artifacts bucket (the evaluation report a version's ModelMetrics
    points at, the model), with the platform key; it writes nothing there.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        approvers: tuple[str, ...],
        group_names: tuple[str, ...],
        artifacts_bucket_arn: str,
        key_arn: str,
        teams: tuple[str, ...],
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
        evidence = [f"{artifacts_bucket_arn}/{team}/pipelines/*" for team in teams]
        add_to_role(
            self.role,
            explained(
                sid="ReviewAndDecide",
                actions=[
                    "sagemaker:DescribeModelPackageGroup",
                    "sagemaker:DescribeModelPackage",
                    "sagemaker:UpdateModelPackage",
                    "sagemaker:ListTags",
                ],
                resources=[*groups, *versions],
                why=dict.fromkeys(
                    versions, "model versions are numbered at registration; limited to the platform's groups"
                ),
            ),
            explained(
                sid="ListVersions",
                actions=["sagemaker:ListModelPackages", "sagemaker:ListModelPackageGroups"],
                resources=["*"],
                why={
                    "*": "IAM offers no resource-level permissions for ListModelPackageGroups; ListModelPackages lists"
                },
            ),
            explained(
                sid="ReadTheEvidence",
                actions=["s3:GetObject", "s3:GetObjectVersion"],
                resources=evidence,
                why=dict.fromkeys(evidence, "evaluation reports and models written by the team's pipeline executions"),
            ),
            explained(
                sid="DecryptTheEvidence",
                actions=["kms:Decrypt"],
                resources=[key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{Stack.of(self).region}.amazonaws.com"}},
            ),
        )


@jsii.implements(events.IRuleTarget)
class _TopicOfThisRule:
    """An SNS target whose topic policy admits EventBridge for this one rule only (aws:SourceArn),
    instead of CDK's target, which admits events.amazonaws.com with no condition."""

    def __init__(self, topic: sns.Topic) -> None:
        self._topic = topic

    def bind(self, rule: events.IRule, id: str | None = None) -> events.RuleTargetConfig:
        self._topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="PublishFromTheApprovalRule",
                principals=[iam.ServicePrincipal(EVENTS)],
                actions=["sns:Publish"],
                resources=[self._topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": Stack.of(self._topic).account},
                    "ArnEquals": {"aws:SourceArn": rule.rule_arn},
                },
            )
        )
        return events.RuleTargetConfig(arn=self._topic.topic_arn)


class ModelApprovalNotifications(Construct):
    """An EventBridge rule on model package state changes of the platform's groups, to an SNS
    topic encrypted with the platform key (whose policy admits EventBridge rules of this account
    and region: `PlatformKey.allow_eventbridge_rules`); e-mail subscribers from config."""

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
            targets=[_TopicOfThisRule(self.topic)],  # type: ignore[list-item] # jsii.implements is not seen by mypy
        )
