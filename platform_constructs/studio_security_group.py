"""The security group of Studio apps, spaces, SageMaker jobs and model builds in the isolated VPC."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

NFS = ec2.Port.tcp(2049)
STUDIO_APPS = ec2.Port.tcp_range(8192, 65535)
HTTPS = ec2.Port.tcp(443)


class StudioSecurityGroup(Construct):
    """NFS (2049) and app traffic (8192-65535) within the group, both directions, as VPC-only
    Studio requires for the home EFS and app-to-app traffic. HTTPS out goes only to the interface
    endpoints' group and to S3's managed prefix list (the gateway endpoint's routes): no other
    destination is reachable from a notebook, a job or a build, whatever the routes.

    `s3_prefix_list_id`: the region's `com.amazonaws.<region>.s3` prefix list, from the committed
    lookups (`platform_config.lookups`).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        endpoints: ec2.ISecurityGroup,
        s3_prefix_list_id: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.security_group = ec2.SecurityGroup(
            self,
            "Resource",
            vpc=vpc,
            description="SageMaker Studio apps, jobs and model builds (VPC only)",
            allow_all_outbound=False,
        )
        group = self.security_group
        for port, what in ((NFS, "NFS to the Studio home EFS"), (STUDIO_APPS, "Studio app traffic")):
            group.add_ingress_rule(group, port, f"{what} within the group")
            group.add_egress_rule(group, port, f"{what} within the group")
        group.add_egress_rule(endpoints, HTTPS, "HTTPS to the interface endpoints")
        # Written into the group itself, not as a separate egress resource as CDK would: EC2 gives
        # a group created without egress rules its default allow-all egress, and separate egress
        # resources added afterwards never take it away.
        cfn_group = group.node.default_child
        assert isinstance(cfn_group, ec2.CfnSecurityGroup)
        cfn_group.security_group_egress = [
            ec2.CfnSecurityGroup.EgressProperty(
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                destination_prefix_list_id=s3_prefix_list_id,
                description="HTTPS to S3 through the gateway endpoint",
            )
        ]
