"""The deploy pipelines of the served model groups of one environment-region (one per group)."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from platform_constructs.deploy_pipeline import DeployPipeline, DeployTarget
from platform_constructs.package_mirror import PackageMirror
from stacks.pipeline_infrastructure import PipelineInfrastructure


class DeployStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        targets: tuple[DeployTarget, ...],
        infrastructure: PipelineInfrastructure,
        mirror: PackageMirror,
        **stack_props: Any,
    ) -> None:
        super().__init__(scope, construct_id, **stack_props)
        self.pipelines = {
            target.group_key: DeployPipeline(
                self,
                f"Deploy-{target.group_key}",
                target=target,
                artifacts=infrastructure.artifacts,
                pipeline_artifacts=infrastructure.pipeline_artifacts[target.team],
                key=infrastructure.key,
                vpc=infrastructure.vpc,
                security_group=infrastructure.security_group,
                mirror=mirror,
                retention=infrastructure.retention,
            )
            for target in targets
        }
