"""Interface VPC endpoints, behind one security group that admits HTTPS from the VPC only."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from platform_config.endpoint_catalog import ENDPOINT_CATALOG


def _construct_id(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


class ServiceEndpoints(Construct):
    """One interface endpoint per catalog name, private DNS on, in the VPC's isolated subnets.

    `open=False` on every endpoint: the shared group's single rule (443 from the VPC CIDR) is the
    whole ingress, instead of one implicit rule per endpoint.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc, vpc_cidr: str, names: tuple[str, ...]
    ) -> None:
        """`vpc_cidr`: the VPC's CIDR as a literal, so policy checks can read the rule's source."""
        super().__init__(scope, construct_id)
        unknown = [name for name in names if name not in ENDPOINT_CATALOG]
        if unknown:
            raise ValueError(f"endpoint names not in the catalog: {unknown}")
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="Interface endpoints: HTTPS from inside the VPC only",
            allow_all_outbound=False,
        )
        self.security_group.add_ingress_rule(ec2.Peer.ipv4(vpc_cidr), ec2.Port.tcp(443), "HTTPS from the VPC")
        self.endpoints: dict[str, ec2.InterfaceVpcEndpoint] = {}
        for name in names:
            service = getattr(ec2.InterfaceVpcEndpointAwsService, ENDPOINT_CATALOG[name].cdk_service)
            self.endpoints[name] = vpc.add_interface_endpoint(
                _construct_id(name),
                service=service,
                private_dns_enabled=True,
                security_groups=[self.security_group],
                open=False,
                subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            )
