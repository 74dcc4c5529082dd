"""A VPC with no route to the internet, its S3 gateway endpoint and encrypted flow logs."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from platform_constructs.stateful import Retention

ISOLATED = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)


class IsolatedVpc(Construct):
    """Private isolated subnets only (no internet gateway, no NAT) across `az_count` AZs.

    S3 is reached through a gateway endpoint; every other AWS API through interface endpoints
    (see `ServiceEndpoints`). All traffic is recorded by flow logs into a KMS-encrypted log
    group with explicit retention, kept or destroyed like the environment's other state.

    The gateway endpoint's policy lets this account's principals reach this account's buckets and
    nothing else, except two AWS-owned buckets that services in the VPC read through presigned
    URLs: ECR's image layers (`prod-<region>-starport-layer-bucket`, for every image pull) and
    CodeArtifact's package assets (`assets-<AWS account>-<region>`, for pip from the mirror).
    Reading from them brings data in; nothing can be written out to another account's bucket.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cidr: str,
        az_count: int,
        flow_log_key: kms.IKey,
        flow_log_retention: logs.RetentionDays,
        retention: Retention,
    ) -> None:
        super().__init__(scope, construct_id)
        self.vpc = ec2.Vpc(
            self,
            "Resource",
            ip_addresses=ec2.IpAddresses.cidr(cidr),
            max_azs=az_count,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            ],
            enable_dns_hostnames=True,  # both are required for private DNS on interface endpoints
            enable_dns_support=True,
        )
        self.s3_gateway = self.vpc.add_gateway_endpoint(
            "S3Gateway", service=ec2.GatewayVpcEndpointAwsService.S3, subnets=[ISOLATED]
        )
        for statement in s3_gateway_statements(Stack.of(self)):
            self.s3_gateway.add_to_policy(statement)
        self.flow_log_group = logs.LogGroup(
            self,
            "FlowLogGroup",
            encryption_key=flow_log_key,
            retention=flow_log_retention,
            removal_policy=retention.removal_policy,
        )
        self.flow_log = ec2.FlowLog(
            self,
            "FlowLog",
            resource_type=ec2.FlowLogResourceType.from_vpc(self.vpc),
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(self.flow_log_group),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )


def s3_gateway_statements(stack: Stack) -> list[iam.PolicyStatement]:
    account, region, partition = stack.account, stack.region, stack.partition
    return [
        iam.PolicyStatement(
            sid="OnlyThisAccountsBuckets",
            principals=[iam.StarPrincipal()],
            actions=["s3:*"],
            resources=["*"],
            conditions={"StringEquals": {"aws:PrincipalAccount": account, "aws:ResourceAccount": account}},
        ),
        iam.PolicyStatement(
            sid="EcrImageLayers",
            principals=[iam.StarPrincipal()],
            actions=["s3:GetObject"],
            resources=[f"arn:{partition}:s3:::prod-{region}-starport-layer-bucket/*"],
        ),
        iam.PolicyStatement(
            sid="CodeArtifactPackageAssets",
            principals=[iam.StarPrincipal()],
            actions=["s3:GetObject"],
            resources=[f"arn:{partition}:s3:::assets-*-{region}/*"],
        ),
    ]
