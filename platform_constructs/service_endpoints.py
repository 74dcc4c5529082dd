"""Interface VPC endpoints behind one security group (HTTPS from the VPC only), each with a policy
that keeps the VPC's traffic to AWS inside this account: the network side of the data perimeter."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from platform_config.endpoint_catalog import ENDPOINT_CATALOG, PolicyScope


def _construct_id(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


def perimeter_statement(scope: PolicyScope, account: str) -> iam.PolicyStatement:
    """Only this account's principals; with "account", only on this account's resources where the
    request names a resource (calls without one, such as sts:GetCallerIdentity, carry no
    aws:ResourceAccount and are judged by the principal alone)."""
    conditions: dict[str, dict[str, str]] = {"StringEquals": {"aws:PrincipalAccount": account}}
    if scope == "account":
        conditions["StringEqualsIfExists"] = {"aws:ResourceAccount": account}
    return iam.PolicyStatement(
        sid="OnlyThisAccount",
        principals=[iam.StarPrincipal()],
        actions=["*"],
        resources=["*"],
        conditions=conditions,
    )


class ServiceEndpoints(Construct):
    """One interface endpoint per catalog name, private DNS on, in the VPC's isolated subnets.

    `open=False` on every endpoint: the shared group's single rule (443 from the VPC CIDR) is the
    whole ingress, instead of one implicit rule per endpoint. Each endpoint's policy follows its
    catalog entry (`platform_config.endpoint_catalog.PolicyScope`).
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc, vpc_cidr: str, names: tuple[str, ...]
    ) -> None:
        """`vpc_cidr`: the VPC's CIDR as a literal, so policy checks can read the rule's source."""
        super().__init__(scope, construct_id)
        unknown = [name for name in names if name not in ENDPOINT_CATALOG]
        if unknown:
            raise ValueError(f"endpoint names not in the catalog: {unknown}")
        account = Stack.of(self).account
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
            spec = ENDPOINT_CATALOG[name]
            endpoint = vpc.add_interface_endpoint(
                _construct_id(name),
                service=getattr(ec2.InterfaceVpcEndpointAwsService, spec.cdk_service),
                private_dns_enabled=True,
                security_groups=[self.security_group],
                open=False,
                subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            )
            if spec.policy is not None:
                endpoint.add_to_policy(perimeter_statement(spec.policy, account))
            self.endpoints[name] = endpoint
