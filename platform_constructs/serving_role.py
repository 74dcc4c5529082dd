"""The role a served model and its monitors run as: one per served model group and stage.

It belongs to the platform (created with the stage, named so serving stacks can build its ARN):
the deploy pipeline then creates no IAM at all, it only passes this role to SageMaker.

SageMaker assumes it to pull the version's image, read its model artifacts, write captured
requests and responses, and (Model Monitor) read those captures and the version's baselines
and write reports. Everything is under the owning team's prefix of the artifacts bucket; the
image comes from this account's ECR or the region's published scikit-learn repository.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack, Tags
from aws_cdk import aws_iam as iam
from constructs import Construct

from platform_constructs.explained import add_to_role, explained

SAGEMAKER = "sagemaker.amazonaws.com"


def serving_prefix(team: str, group: str) -> str:
    """Where a served group's captures and monitoring reports go, under its team's prefix."""
    return f"{team}/serving/{group}"


class ServingRole(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        role_name: str,
        team: str,
        artifacts_bucket_arn: str,
        serving_prefix: str,  # captures and monitoring reports, under the team's prefix
        key_arn: str,
        published_repositories: tuple[str, ...],
        subnet_ids: tuple[str, ...],
        security_group_id: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "Resource",
            role_name=role_name,
            assumed_by=iam.ServicePrincipal(SAGEMAKER),
            description=f"Served models and their monitors of team {team}",
        )
        Tags.of(self.role).add("Team", team)
        stack = Stack.of(self)
        team_objects = f"{artifacts_bucket_arn}/{team}/*"
        written = f"{artifacts_bucket_arn}/{serving_prefix}/*"
        add_to_role(
            self.role,
            explained(
                sid="ReadTheTeamsArtifacts",
                actions=["s3:GetObject", "s3:GetObjectVersion"],
                resources=[team_objects],
                why={team_objects: "model artifacts, baselines and captures under the team's prefix, named per run"},
            ),
            explained(
                sid="ListTheTeamsArtifacts",
                actions=["s3:ListBucket"],
                resources=[artifacts_bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{team}/", f"{team}/*"]}},
            ),
            explained(
                sid="WriteCapturesAndReports",
                actions=["s3:PutObject", "s3:AbortMultipartUpload"],
                resources=[written],
                why={written: "captured data and monitoring reports of this group's endpoints, named per hour"},
            ),
            explained(
                sid="UseThePlatformKey",
                actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                resources=[key_arn],
            ),
            explained(
                sid="LetSageMakerUseThePlatformKey",
                actions=["kms:CreateGrant"],
                resources=[key_arn],
                conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
            ),
        )
        self._operations(stack, published_repositories, subnet_ids, security_group_id)

    def _operations(
        self, stack: Stack, published: tuple[str, ...], subnet_ids: tuple[str, ...], security_group_id: str
    ) -> None:
        own_images = stack.format_arn(service="ecr", resource="repository", resource_name="*")
        logs = stack.format_arn(
            service="logs",
            resource="log-group",
            resource_name="/aws/sagemaker/*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        interfaces = stack.format_arn(service="ec2", resource="network-interface", resource_name="*")
        add_to_role(
            self.role,
            explained(
                sid="PullTheServedImage",
                actions=["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                resources=[own_images, *published],
                why={own_images: "a version's image is a team's own repository of this account-region, or published"},
            ),
            explained(
                sid="CallsWithoutResources",
                actions=[
                    "ecr:GetAuthorizationToken",
                    "cloudwatch:PutMetricData",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeVpcs",
                    "ec2:DescribeDhcpOptions",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeSecurityGroups",
                ],
                resources=["*"],
                why={"*": "IAM offers no resource-level permissions for ECR login, metrics and EC2 Describe"},
            ),
            explained(
                sid="WriteEndpointLogs",
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[logs],
                why={logs: "SageMaker's log groups (/aws/sagemaker/Endpoints/<name>, processing jobs)"},
            ),
            explained(
                sid="AttachToThePlatformSubnets",
                actions=["ec2:CreateNetworkInterface"],
                resources=[
                    interfaces,
                    stack.format_arn(service="ec2", resource="security-group", resource_name=security_group_id),
                    *(stack.format_arn(service="ec2", resource="subnet", resource_name=s) for s in subnet_ids),
                ],
                why={interfaces: "SageMaker creates network interfaces at run time, only in the platform subnets"},
            ),
            explained(
                sid="ManageNetworkInterfaces",
                actions=[
                    "ec2:CreateNetworkInterfacePermission",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DeleteNetworkInterfacePermission",
                ],
                resources=[interfaces],
                why={interfaces: "network interfaces created by SageMaker at run time"},
            ),
        )

    def grant_pass(self, grantee: iam.IGrantable) -> iam.Grant:
        """Pass this role to SageMaker only (the deploy creates models and monitors with it)."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["iam:PassRole"],
            resource_arns=[self.role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": SAGEMAKER}},
        )
