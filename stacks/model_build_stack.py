"""Model-build CodePipelines of one environment-region: one per team with a reference pipeline."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from platform_constructs.model_build_pipeline import CodeSource, ModelBuildPipeline
from platform_constructs.package_mirror import PackageMirror
from platform_constructs.stateful import Retention, named_logical_id, pin_logical_id

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
        artifacts: s3.IBucket,
        pipeline_artifacts: Mapping[str, s3.IBucket],
        key: kms.IKey,
        vpc: ec2.IVpc,
        security_group: ec2.ISecurityGroup,
        package_domain_name: str,
        timeout_minutes: int,
        retention: Retention,
        **stack_props: Any,
    ) -> None:
        super().__init__(scope, construct_id, **stack_props)
        self.mirror = PackageMirror(
            self, "PackageMirror", domain_name=package_domain_name, key=key, retention=retention
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
                artifacts=artifacts,
                pipeline_artifacts=pipeline_artifacts[build.team],
                key=key,
                vpc=vpc,
                security_group=security_group,
                mirror=self.mirror,
                source=build.source,
                timeout_minutes=timeout_minutes,
                retention=retention,
            )
            pin_logical_id(pipeline.log_group, build_logs_logical_id(build.team))
            Tags.of(pipeline).add("Team", build.team)
            self.builds[build.team] = pipeline
            CfnOutput(self, f"ModelBuildPipeline-{build.team}", value=pipeline.pipeline.pipeline_name)
            if build.source is None:
                CfnOutput(
                    self,
                    f"ModelBuildSource-{build.team}",
                    value=f"s3://{artifacts.bucket_name}/{pipeline.source_key}",
                    description=f"Upload {build.team}'s training code zip here to run a model build",
                )
