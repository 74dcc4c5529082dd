"""A team's default lifecycle configs: point the SageMaker SDK at the team's storage and network."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from string import Template

from aws_cdk import Fn
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from platform_constructs.studio_lifecycle_config import StudioLifecycleConfig, content_digest

TEMPLATE = Path(__file__).parent / "templates" / "studio-sdk-defaults.sh"
APP_TYPES = ("JupyterLab", "CodeEditor")


class TeamStudioDefaults(Construct):
    """One lifecycle config per app type that writes the SageMaker SDK defaults of a team:
    its prefix of the artifacts bucket, the platform key, the platform subnets and group.
    Experiments, Pipelines and jobs started from Studio then land in the retained bucket,
    encrypted and inside the VPC, without each notebook repeating it.

    `name_for(app_type, digest)` comes from the naming function; the digest covers the template
    and the team, not the CloudFormation values, so names are stable between synths.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        team: str,
        artifacts: s3.IBucket,
        key: kms.IKey,
        subnets: list[ec2.ISubnet],
        security_group: ec2.ISecurityGroup,
        name_for: Callable[[str, str], str],
    ) -> None:
        super().__init__(scope, construct_id)
        template = Template(TEMPLATE.read_text(encoding="utf-8"))
        digest = content_digest(template.template + team)
        script = template.substitute(
            team=team,
            artifacts_bucket=artifacts.bucket_name,
            key_arn=key.key_arn,
            security_group=security_group.security_group_id,
            subnets=Fn.join(", ", [subnet.subnet_id for subnet in subnets]),
        )
        self.configs = {
            app_type: StudioLifecycleConfig(
                self, app_type, name=name_for(app_type, digest), app_type=app_type, script=script
            )
            for app_type in APP_TYPES
        }
