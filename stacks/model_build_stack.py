"""Model-build CodePipelines of one environment-region: one per team with a reference pipeline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from aws_cdk import aws_iam as iam
from constructs import Construct

from platform_constructs.model_build_pipeline import CodeSource, ModelBuildPipeline
from platform_constructs.package_mirror import PackageMirror
from platform_constructs.stateful import named_logical_id, pin_logical_id
from stacks.pipeline_infrastructure import PipelineInfrastructure

MIRROR_LOGICAL_IDS = {"domain": "PackageMirrorDomain", "repository": "PackageMirrorRepository"}


def build_logs_logical_id(team: str) -> str:
    return named_logical_id("BuildLogs", team)


@dataclass(frozen=True)
class TeamBuild:
    """What one team's build needs from the other stacks."""

    team: str
    sagemaker_pipeline_name: str
    team_role_arn: str
    grant_pass_team_role: Callable[[iam.IGrantable], iam.Grant]
    source: CodeSource | None


class ModelBuildStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        builds: tuple[TeamBuild, ...],
        infrastructure: PipelineInfrastructure,
        package_domain_name: str,
        timeout_minutes: int,
        **stack_props: Any,
    ) -> None:
        super().__init__(scope, construct_id, **stack_props)
        self.mirror = PackageMirror(
            self,
            "PackageMirror",
            domain_name=package_domain_name,
            key=infrastructure.key,
            retention=infrastructure.retention,
        )
        pin_logical_id(self.mirror.domain, MIRROR_LOGICAL_IDS["domain"])
        pin_logical_id(self.mirror.repository, MIRROR_LOGICAL_IDS["repository"])
        self.builds: dict[str, ModelBuildPipeline] = {}
        for build in builds:
            pipeline = ModelBuildPipeline(
                self,
                f"ModelBuild-{build.team}",
                team=build.team,
                sagemaker_pipeline_name=build.sagemaker_pipeline_name,
                grant_pass_team_role=build.grant_pass_team_role,
                team_role_arn=build.team_role_arn,
                artifacts=infrastructure.artifacts,
                pipeline_artifacts=infrastructure.pipeline_artifacts[build.team],
                key=infrastructure.key,
                vpc=infrastructure.vpc,
                security_group=infrastructure.security_group,
                mirror=self.mirror,
                source=build.source,
                timeout_minutes=timeout_minutes,
                retention=infrastructure.retention,
            )
            pin_logical_id(pipeline.log_group, build_logs_logical_id(build.team))
            Tags.of(pipeline).add("Team", build.team)
            self.builds[build.team] = pipeline
            CfnOutput(self, f"ModelBuildPipeline-{build.team}", value=pipeline.pipeline.pipeline_name)
            if build.source is None:
                CfnOutput(
                    self,
                    f"ModelBuildSource-{build.team}",
                    value=f"s3://{infrastructure.artifacts.bucket_name}/{pipeline.source_key}",
                    description=f"Upload {build.team}'s training code zip here to run a model build",
                )
