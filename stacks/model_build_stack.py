"""Model-build CodePipelines of one environment-region: one per team with a reference pipeline."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from platform_config.schema import PlatformConfig
from platform_constructs.model_build_pipeline import ModelBuildPipeline
from platform_constructs.stateful import Retention
from stacks.pipelines_stack import PipelinesStack
from stacks.studio_stack import StudioStack


class ModelBuildStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        studio: StudioStack,
        pipelines: PipelinesStack,
        artifacts: s3.IBucket,
        pipeline_artifacts: s3.IBucket,
        key: kms.IKey,
        retention: Retention,
        **stack_props: Any,
    ) -> None:
        super().__init__(scope, construct_id, **stack_props)
        self.builds: dict[str, ModelBuildPipeline] = {}
        for team in config.teams:
            reference = pipelines.pipelines.get(team.name)
            if reference is None:
                continue
            build = ModelBuildPipeline(
                self,
                f"ModelBuild-{team.name}",
                team=team.name,
                sagemaker_pipeline_name=reference.pipeline_name,
                team_role=studio.team_roles[team.name],
                artifacts=artifacts,
                pipeline_artifacts=pipeline_artifacts,
                key=key,
                source=team.model_build_source,
                timeout_minutes=config.model_build.timeout_minutes,
                retention=retention,
            )
            Tags.of(build).add("Team", team.name)
            self.builds[team.name] = build
            CfnOutput(self, f"ModelBuildPipeline-{team.name}", value=build.pipeline.pipeline_name)
            if team.model_build_source is None:
                CfnOutput(
                    self,
                    f"ModelBuildSource-{team.name}",
                    value=f"s3://{artifacts.bucket_name}/{build.source_key}",
                    description=f"Upload {team.name}'s training code zip here to run a model build",
                )
