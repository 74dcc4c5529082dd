"""Network of one environment-region: isolated VPC, endpoints, Studio security group."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Fn, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from constructs import Construct

from platform_config.lookups import s3_prefix_list_name
from platform_constructs.isolated_vpc import IsolatedVpc
from platform_constructs.log_retention import retention_days
from platform_constructs.service_endpoints import ServiceEndpoints
from platform_constructs.stateful import Retention, pin_logical_id
from platform_constructs.studio_security_group import StudioSecurityGroup

# The VPC is pinned: the Studio domain's VpcId and SubnetIds are create-only.
LOGICAL_IDS = {"vpc": "Vpc", "flow_log_group": "FlowLogGroup"}


class NetworkStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc_cidr: str,
        az_count: int,
        endpoint_names: tuple[str, ...],
        flow_log_key: kms.IKey,
        flow_log_retention_days: int,
        retention: Retention,
        **stack_props: Any,
    ) -> None:
        super().__init__(scope, construct_id, **stack_props)
        network = IsolatedVpc(
            self,
            "Network",
            cidr=vpc_cidr,
            az_count=az_count,
            flow_log_key=flow_log_key,
            flow_log_retention=retention_days(flow_log_retention_days),
            retention=retention,
        )
        self.vpc = network.vpc
        self.flow_log_group = network.flow_log_group
        self.endpoints = ServiceEndpoints(self, "Endpoints", vpc=self.vpc, vpc_cidr=vpc_cidr, names=endpoint_names)
        s3_prefix_list = ec2.PrefixList.from_lookup(
            self, "S3PrefixList", prefix_list_name=s3_prefix_list_name(self.region)
        )
        self.studio_security_group = StudioSecurityGroup(
            self,
            "StudioSecurityGroup",
            vpc=self.vpc,
            endpoints=self.endpoints.security_group,
            s3_prefix_list_id=s3_prefix_list.prefix_list_id,
        ).security_group

        pin_logical_id(self.vpc, LOGICAL_IDS["vpc"])
        pin_logical_id(self.flow_log_group, LOGICAL_IDS["flow_log_group"])

        subnet_ids = [subnet.subnet_id for subnet in self.vpc.isolated_subnets]
        CfnOutput(self, "VpcId", value=self.vpc.vpc_id)
        CfnOutput(self, "IsolatedSubnetIds", value=Fn.join(",", subnet_ids))
        CfnOutput(self, "StudioSecurityGroupId", value=self.studio_security_group.security_group_id)
