"""The deploy pipelines of the served model groups of one environment-region (one per group)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from platform_constructs.deploy_pipeline import DeployPipeline, DeployTarget
from platform_constructs.package_mirror import PackageMirror
from platform_constructs.stateful import Retention


class DeployStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        targets: tuple[DeployTarget, ...],
        artifacts: s3.IBucket,
        pipeline_artifacts: Mapping[str, s3.IBucket],
        key: kms.IKey,
        vpc: ec2.IVpc,
        security_group: ec2.ISecurityGroup,
        mirror: PackageMirror,
        retention: Retention,
        **stack_props: Any,
    ) -> None:
        super().__init__(scope, construct_id, **stack_props)
        self.pipelines = {
            target.group_key: DeployPipeline(
                self,
                f"Deploy-{target.group_key}",
                target=target,
                artifacts=artifacts,
                pipeline_artifacts=pipeline_artifacts[target.team],
                key=key,
                vpc=vpc,
                security_group=security_group,
                mirror=mirror,
                retention=retention,
            )
            for target in targets
        }
