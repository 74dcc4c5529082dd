"""Where a served group's alarms and monitor violations go: one topic per served group.

It lives in the platform (the Pipelines stack), not in the serving stacks: the deploy pipeline
deploys only serving stacks, and a serving stack must never change a platform template. So the
topic has a fixed name (serving stacks build its ARN), and its policy names, in advance, the
exact alarms and rules the serving stacks will create (their names are fixed too): CloudWatch and
EventBridge may publish for those and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

TIERS = ("staging", "production")
MONITORS = ("data", "model")


@dataclass(frozen=True)
class AlertNames:
    """The fixed names of a served group's endpoints' alarms and violation rules."""

    endpoints: tuple[str, ...]  # one per tier
    variants: tuple[str, ...]

    @staticmethod
    def alarm(endpoint: str, variant: str, what: str) -> str:
        return f"{endpoint}-{variant}-{what}"

    @staticmethod
    def rule(endpoint: str, monitor: str) -> str:
        return f"{endpoint}-{monitor}-violations"

    @property
    def alarms(self) -> list[str]:
        return [
            self.alarm(endpoint, variant, what)
            for endpoint in self.endpoints
            for variant in self.variants
            for what in ("errors", "latency")
        ]

    @property
    def rules(self) -> list[str]:
        return [self.rule(endpoint, monitor) for endpoint in self.endpoints for monitor in MONITORS]


class ServingAlerts(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        topic_name: str,
        names: AlertNames,
        key: kms.IKey,
        emails: tuple[str, ...],
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.topic = sns.Topic(
            self,
            "Topic",
            topic_name=topic_name,
            master_key=key,
            enforce_ssl=True,
            display_name=f"Alarms and monitor violations of {topic_name}",
        )
        for email in emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        alarms = [
            stack.format_arn(
                service="cloudwatch", resource="alarm", resource_name=name, arn_format=ArnFormat.COLON_RESOURCE_NAME
            )
            for name in names.alarms
        ]
        rules = [stack.format_arn(service="events", resource="rule", resource_name=name) for name in names.rules]
        for sid, service, sources in (
            ("PublishFromTheEndpointAlarms", "cloudwatch.amazonaws.com", alarms),
            ("PublishFromTheMonitorRules", "events.amazonaws.com", rules),
        ):
            self.topic.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=sid,
                    principals=[iam.ServicePrincipal(service)],
                    actions=["sns:Publish"],
                    resources=[self.topic.topic_arn],
                    conditions={
                        "StringEquals": {"aws:SourceAccount": stack.account},
                        "ArnEquals": {"aws:SourceArn": sources},
                    },
                )
            )
