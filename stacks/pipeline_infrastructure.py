"""What the stage's CodePipelines (model build and deploy) run on, handed to their stacks as one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from platform_constructs.stateful import Retention


@dataclass(frozen=True)
class PipelineInfrastructure:
    """The Data stack's buckets and key, the Network stack's subnets and security group, and the
    stage's retention: every CodePipeline of a stage uses the same ones."""

    artifacts: s3.IBucket
    pipeline_artifacts: Mapping[str, s3.IBucket]  # a team's own CodePipeline artifact bucket, by team
    key: kms.IKey
    vpc: ec2.IVpc
    security_group: ec2.ISecurityGroup
    retention: Retention
