"""Reference SageMaker Pipelines of the teams, and the model approval notifications."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from platform_config.naming import Naming
from platform_config.schema import EnvironmentConfig, PlatformConfig
from platform_constructs.model_approval import ModelApprovalNotifications
from platform_constructs.pipeline_definition import ReferencePipelineInputs
from platform_constructs.reference_pipeline import ReferencePipeline
from stacks.registry_stack import RegistryStack
from stacks.studio_stack import StudioStack


class PipelinesStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        environment: EnvironmentConfig,
        region: str,
        naming: Naming,
        studio: StudioStack,
        registry: RegistryStack,
        subnets: list[ec2.ISubnet],
        security_group: ec2.ISecurityGroup,
        datasets: s3.IBucket,
        artifacts: s3.IBucket,
        key: kms.IKey,
        **stack_props: Any,
    ) -> None:
        super().__init__(scope, construct_id, **stack_props)
        if registry.group_names:
            self.notifications = ModelApprovalNotifications(
                self,
                "ApprovalNotifications",
                group_names=tuple(registry.group_names.values()),
                key=key,
                emails=config.registry.notification_emails,
            )
            CfnOutput(self, "ApprovalTopicArn", value=self.notifications.topic.topic_arn)

        settings = config.reference_pipeline
        self.pipelines: dict[str, ReferencePipeline] = {}
        if not settings.enabled:
            return
        image = settings.image.format(account=environment.account, region=region)
        for team in config.teams:
            groups = config.groups_of(team.name)
            if not groups:
                continue  # a reference pipeline needs a model group to register into
            pipeline = ReferencePipeline(
                self,
                f"Reference-{team.name}",
                pipeline_name=naming.reference_pipeline_name(team.name),
                inputs=ReferencePipelineInputs(
                    team=team.name,
                    role_arn=studio.team_roles[team.name].role_arn,
                    image_uri=image,
                    key_arn=key.key_arn,
                    subnet_ids=[subnet.subnet_id for subnet in subnets],
                    security_group_id=security_group.security_group_id,
                    artifacts_bucket=artifacts.bucket_name,
                    datasets_bucket=datasets.bucket_name,
                    model_package_group=registry.group_names[groups[0].name],
                    processing_instance_type=settings.processing_instance_type,
                    training_instance_type=settings.training_instance_type,
                    accuracy_threshold=settings.accuracy_threshold,
                ),
            )
            Tags.of(pipeline).add("Team", team.name)
            self.pipelines[team.name] = pipeline
            CfnOutput(self, f"ReferencePipeline-{team.name}", value=pipeline.pipeline_name)
