"""Interface endpoints behind one security group, each with the policy its catalog entry names:
the network side of the data perimeter."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2

from platform_config.endpoint_catalog import ENDPOINT_CATALOG, service_name
from platform_constructs.service_endpoints import ServiceEndpoints, perimeter_statement
from tests.constructs.reading import Json, only, resources
from tests.support.stacks import ACCOUNT, new_stack, template

CIDR = "10.20.0.0/16"
NAMES = tuple(ENDPOINT_CATALOG)


def vpc_of(stack: cdk.Stack) -> ec2.Vpc:
    return ec2.Vpc(
        stack,
        "Vpc",
        ip_addresses=ec2.IpAddresses.cidr(CIDR),
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )


@pytest.fixture(scope="module")
def synthesized() -> Json:
    """Every endpoint of the catalog."""
    stack = new_stack()
    ServiceEndpoints(stack, "Endpoints", vpc=vpc_of(stack), vpc_cidr=CIDR, names=NAMES)
    return dict(template(stack).to_json())


def endpoints(template_json: Json) -> dict[str, Json]:
    """Service name -> endpoint properties."""
    found = resources(template_json, "AWS::EC2::VPCEndpoint").values()
    return {e["Properties"]["ServiceName"]: e["Properties"] for e in found}


def test_one_interface_endpoint_per_name_for_the_catalogs_service(synthesized: Json) -> None:
    assert set(endpoints(synthesized)) == {service_name(name, "us-east-1") for name in NAMES}
    assert {e["VpcEndpointType"] for e in endpoints(synthesized).values()} == {"Interface"}


def test_every_endpoint_has_private_dns_the_shared_group_and_the_isolated_subnets(synthesized: Json) -> None:
    group_id = only(synthesized, "AWS::EC2::SecurityGroup")[0]
    subnets = sorted(({"Ref": lid} for lid in resources(synthesized, "AWS::EC2::Subnet")), key=str)
    for endpoint in endpoints(synthesized).values():
        assert endpoint["PrivateDnsEnabled"] is True
        assert endpoint["SecurityGroupIds"] == [{"Fn::GetAtt": [group_id, "GroupId"]}]
        assert sorted(endpoint["SubnetIds"], key=str) == subnets


def test_the_group_admits_https_from_the_vpc_only(synthesized: Json) -> None:
    group = only(synthesized, "AWS::EC2::SecurityGroup")[1]["Properties"]
    assert group["SecurityGroupIngress"] == [
        {"CidrIp": CIDR, "Description": "HTTPS from the VPC", "FromPort": 443, "IpProtocol": "tcp", "ToPort": 443}
    ]
    assert resources(synthesized, "AWS::EC2::SecurityGroupIngress") == {}


def test_the_group_sends_nothing_out(synthesized: Json) -> None:
    """CDK's match-nothing rule stays inline, so EC2 adds no allow-all default egress."""
    group = only(synthesized, "AWS::EC2::SecurityGroup")[1]["Properties"]
    assert group["SecurityGroupEgress"] == [
        {
            "CidrIp": "255.255.255.255/32",
            "Description": "Disallow all traffic",
            "FromPort": 252,
            "IpProtocol": "icmp",
            "ToPort": 86,
        }
    ]


@pytest.mark.parametrize("name", NAMES)
def test_each_endpoint_policy_follows_its_catalog_scope(synthesized: Json, name: str) -> None:
    endpoint = endpoints(synthesized)[service_name(name, "us-east-1")]
    scope = ENDPOINT_CATALOG[name].policy
    if scope is None:
        assert "PolicyDocument" not in endpoint
        return
    conditions: Json = {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}
    if scope == "account":
        conditions["StringEqualsIfExists"] = {"aws:ResourceAccount": ACCOUNT}
    assert endpoint["PolicyDocument"]["Statement"] == [
        {
            "Sid": "OnlyThisAccount",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "*",
            "Resource": "*",
            "Condition": conditions,
        }
    ]


def test_only_the_studio_ui_notebook_and_mlflow_endpoints_have_no_policy() -> None:
    assert {name for name, spec in ENDPOINT_CATALOG.items() if spec.policy is None} == {
        "sagemaker-studio",
        "sagemaker-notebook",
        "sagemaker-experiments",
    }


def test_only_ecr_reaches_resources_of_other_accounts() -> None:
    """Image pulls reach the AWS accounts that publish SageMaker images."""
    assert {name for name, spec in ENDPOINT_CATALOG.items() if spec.policy == "principals"} == {"ecr-api", "ecr-dkr"}


def test_the_perimeter_statement_of_account_scope_holds_principal_and_resource_to_the_account() -> None:
    stack = new_stack()
    assert stack.resolve(perimeter_statement("account", ACCOUNT).to_statement_json())["Condition"] == {
        "StringEquals": {"aws:PrincipalAccount": ACCOUNT},
        "StringEqualsIfExists": {"aws:ResourceAccount": ACCOUNT},
    }


def test_endpoints_are_exposed_by_name() -> None:
    stack = new_stack()
    construct = ServiceEndpoints(stack, "Endpoints", vpc=vpc_of(stack), vpc_cidr=CIDR, names=("sts", "kms"))
    assert sorted(construct.endpoints) == ["kms", "sts"]


def test_fails_if_a_name_is_not_in_the_catalog() -> None:
    stack = new_stack()
    with pytest.raises(ValueError, match=r"endpoint names not in the catalog: \['sagemaker-apii', 'nat'\]"):
        ServiceEndpoints(stack, "Endpoints", vpc=vpc_of(stack), vpc_cidr=CIDR, names=("sts", "sagemaker-apii", "nat"))
