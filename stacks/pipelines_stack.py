"""Reference SageMaker Pipelines of the teams, and the model approval notifications."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from platform_constructs.model_approval import ModelApprovalNotifications
from platform_constructs.pipeline_definition import ReferencePipelineInputs
from platform_constructs.reference_pipeline import ReferencePipeline
from stacks.reference_options import ReferenceOptions


@dataclass(frozen=True)
class JobSettings:
    """The sizes of the reference pipelines' jobs (`reference_pipeline` in config)."""

    processing_instance_type: str
    training_instance_type: str
    accuracy_threshold: float


@dataclass(frozen=True)
class TeamPipeline:
    team: str
    name: str
    role_arn: str
    model_package_group: str
    options: ReferenceOptions


class PipelinesStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        pipelines: tuple[TeamPipeline, ...],
        jobs: JobSettings,
        notify_groups: tuple[str, ...],
        notification_emails: tuple[str, ...],
        subnets: list[ec2.ISubnet],
        security_group: ec2.ISecurityGroup,
        datasets: s3.IBucket,
        artifacts: s3.IBucket,
        key: kms.IKey,
        **stack_props: Any,
    ) -> None:
        super().__init__(scope, construct_id, **stack_props)
        if notify_groups:
            self.notifications = ModelApprovalNotifications(
                self, "ApprovalNotifications", group_names=notify_groups, key=key, emails=notification_emails
            )
            CfnOutput(self, "ApprovalTopicArn", value=self.notifications.topic.topic_arn)

        self.pipelines: Mapping[str, ReferencePipeline] = {}
        built: dict[str, ReferencePipeline] = {}
        for spec in pipelines:
            pipeline = ReferencePipeline(
                self,
                f"Reference-{spec.team}",
                pipeline_name=spec.name,
                inputs=ReferencePipelineInputs(
                    team=spec.team,
                    role_arn=spec.role_arn,
                    image_uri=spec.options.image_uri,
                    key_arn=key.key_arn,
                    subnet_ids=[subnet.subnet_id for subnet in subnets],
                    security_group_id=security_group.security_group_id,
                    artifacts_bucket=artifacts.bucket_name,
                    datasets_bucket=datasets.bucket_name,
                    model_package_group=spec.model_package_group,
                    processing_instance_type=jobs.processing_instance_type,
                    training_instance_type=jobs.training_instance_type,
                    accuracy_threshold=jobs.accuracy_threshold,
                    region=self.region,
                    metric_definitions=spec.options.metric_definitions,
                    hyperparameters=spec.options.hyperparameters,
                    tuning=spec.options.tuning,
                    analyzer_image_uri=spec.options.analyzer_image_uri,
                    debugger_image_uri=spec.options.debugger_image_uri,
                    debugger_rules=spec.options.debugger_rules,
                ),
            )
            Tags.of(pipeline).add("Team", spec.team)
            built[spec.team] = pipeline
            CfnOutput(self, f"ReferencePipeline-{spec.team}", value=pipeline.pipeline_name)
        self.pipelines = built
