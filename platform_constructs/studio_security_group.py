"""The security group of Studio apps, spaces and SageMaker jobs in a VPC-only domain."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

NFS = ec2.Port.tcp(2049)
STUDIO_APPS = ec2.Port.tcp_range(8192, 65535)
HTTPS = ec2.Port.tcp(443)


class StudioSecurityGroup(Construct):
    """NFS (2049) and app traffic (8192-65535) within the group, both directions, as VPC-only
    Studio requires for the home EFS and app-to-app traffic; HTTPS to the endpoints' group.

    HTTPS egress also goes to 0.0.0.0/0: the S3 gateway endpoint is reached at S3's public
    addresses, whose managed prefix list id differs per region and is not resolvable in
    CloudFormation without a lookup. The VPC has no internet or NAT gateway, so that rule reaches
    nothing but the gateway endpoint's routes.
    """

    def __init__(self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc, endpoints: ec2.ISecurityGroup) -> None:
        super().__init__(scope, construct_id)
        self.security_group = ec2.SecurityGroup(
            self,
            "Resource",
            vpc=vpc,
            description="SageMaker Studio apps and jobs (VPC only)",
            allow_all_outbound=False,
        )
        group = self.security_group
        for port, what in ((NFS, "NFS to the Studio home EFS"), (STUDIO_APPS, "Studio app traffic")):
            group.add_ingress_rule(group, port, f"{what} within the group")
            group.add_egress_rule(group, port, f"{what} within the group")
        group.add_egress_rule(endpoints, HTTPS, "HTTPS to the interface endpoints")
        group.add_egress_rule(ec2.Peer.any_ipv4(), HTTPS, "HTTPS to S3 through the gateway endpoint")
