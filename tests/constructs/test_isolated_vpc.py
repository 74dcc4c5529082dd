"""A VPC with no route to the internet: isolated subnets only, an S3 gateway endpoint whose policy
keeps S3 traffic in this account (but for two AWS-owned read-only buckets), encrypted flow logs."""

from __future__ import annotations

import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs

from platform_constructs.isolated_vpc import IsolatedVpc, s3_gateway_statements
from platform_constructs.stateful import Retention
from tests.constructs.reading import Json, by_sid, only, resources
from tests.support.stacks import ACCOUNT, new_stack, template

INTERNET = (
    "AWS::EC2::InternetGateway",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::EC2::NatGateway",
    "AWS::EC2::EIP",
    "AWS::EC2::EgressOnlyInternetGateway",
    "AWS::EC2::TransitGatewayAttachment",
    "AWS::EC2::VPCPeeringConnection",
)


def build(*, retain: bool, az_count: int) -> Json:
    stack = new_stack()
    IsolatedVpc(
        stack,
        "Network",
        cidr="10.20.0.0/16",
        az_count=az_count,
        flow_log_key=kms.Key(stack, "Key"),
        flow_log_retention=logs.RetentionDays.ONE_YEAR,
        retention=Retention(retain=retain),
    )
    return dict(template(stack).to_json())


@pytest.fixture(scope="module")
def kept() -> Json:
    return build(retain=True, az_count=3)


@pytest.fixture(scope="module")
def thrown() -> Json:
    return build(retain=False, az_count=2)


def gateway(template_json: Json) -> Json:
    found: Json = only(template_json, "AWS::EC2::VPCEndpoint")[1]["Properties"]
    return found


@pytest.mark.parametrize("resource_type", INTERNET)
def test_nothing_connects_the_vpc_to_the_internet_or_another_network(kept: Json, resource_type: str) -> None:
    assert resources(kept, resource_type) == {}


def test_no_route_leaves_the_vpc(kept: Json) -> None:
    """The only routes are the gateway endpoint's, which EC2 adds for the S3 prefix list."""
    assert resources(kept, "AWS::EC2::Route") == {}


@pytest.mark.parametrize(("fixture", "count"), [("kept", 3), ("thrown", 2)])
def test_one_isolated_subnet_per_availability_zone_without_public_addresses(
    request: pytest.FixtureRequest, fixture: str, count: int
) -> None:
    subnets = [s["Properties"] for s in resources(request.getfixturevalue(fixture), "AWS::EC2::Subnet").values()]
    assert len({s["AvailabilityZone"] for s in subnets}) == len(subnets) == count
    assert all(s["MapPublicIpOnLaunch"] is False for s in subnets)
    assert all({"Key": "aws-cdk:subnet-type", "Value": "Isolated"} in s["Tags"] for s in subnets)


def test_dns_is_on_for_private_endpoint_names(kept: Json) -> None:
    vpc = only(kept, "AWS::EC2::VPC")[1]["Properties"]
    assert (vpc["CidrBlock"], vpc["EnableDnsHostnames"], vpc["EnableDnsSupport"]) == ("10.20.0.0/16", True, True)


def test_the_default_security_group_is_stripped_of_its_rules(kept: Json) -> None:
    assert len(resources(kept, "Custom::VpcRestrictDefaultSG")) == 1


def test_s3_is_reached_through_a_gateway_endpoint_on_every_subnet(kept: Json) -> None:
    endpoint = gateway(kept)
    tables = [{"Ref": lid} for lid in resources(kept, "AWS::EC2::RouteTable")]
    assert endpoint["VpcEndpointType"] == "Gateway"
    assert endpoint["ServiceName"] == {"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, ".s3"]]}
    assert sorted(endpoint["RouteTableIds"], key=str) == sorted(tables, key=str)


def test_the_gateway_endpoint_admits_only_this_accounts_principals_on_this_accounts_buckets(kept: Json) -> None:
    statements = gateway(kept)["PolicyDocument"]["Statement"]
    assert by_sid(statements, "OnlyThisAccountsBuckets") == {
        "Sid": "OnlyThisAccountsBuckets",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalAccount": ACCOUNT, "aws:ResourceAccount": ACCOUNT}},
    }


def test_the_gateway_endpoint_reads_ecr_image_layers_of_this_region(kept: Json) -> None:
    assert by_sid(gateway(kept)["PolicyDocument"]["Statement"], "EcrImageLayers") == {
        "Sid": "EcrImageLayers",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*",
    }


def test_the_gateway_endpoint_reads_codeartifact_package_assets_of_this_region(kept: Json) -> None:
    assert by_sid(gateway(kept)["PolicyDocument"]["Statement"], "CodeArtifactPackageAssets") == {
        "Sid": "CodeArtifactPackageAssets",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::assets-*-us-east-1/*",
    }


def test_nothing_is_written_to_another_accounts_bucket_through_the_gateway() -> None:
    """Every statement not held to this account's buckets only reads."""
    stack = new_stack()
    for statement in s3_gateway_statements(stack):
        rendered = stack.resolve(statement.to_statement_json())
        if rendered.get("Condition", {}).get("StringEquals", {}).get("aws:ResourceAccount") != ACCOUNT:
            assert rendered["Action"] == "s3:GetObject", rendered["Sid"]


def test_the_gateway_policy_has_exactly_the_three_documented_statements(kept: Json) -> None:
    sids = [s["Sid"] for s in gateway(kept)["PolicyDocument"]["Statement"]]
    assert sids == ["OnlyThisAccountsBuckets", "EcrImageLayers", "CodeArtifactPackageAssets"]


def test_all_traffic_is_recorded_in_flow_logs(kept: Json) -> None:
    flow_log = only(kept, "AWS::EC2::FlowLog")[1]["Properties"]
    assert (flow_log["ResourceType"], flow_log["TrafficType"], flow_log["LogDestinationType"]) == (
        "VPC",
        "ALL",
        "cloud-watch-logs",
    )
    assert flow_log["LogGroupName"] == {"Ref": only(kept, "AWS::Logs::LogGroup")[0]}


def test_flow_logs_are_encrypted_with_the_key_and_kept_for_the_retention(kept: Json) -> None:
    group = only(kept, "AWS::Logs::LogGroup")[1]
    assert group["Properties"] == {
        "KmsKeyId": {"Fn::GetAtt": [only(kept, "AWS::KMS::Key")[0], "Arn"]},
        "RetentionInDays": 365,
    }


@pytest.mark.parametrize(("fixture", "policy"), [("kept", "Retain"), ("thrown", "Delete")])
def test_flow_logs_are_kept_or_destroyed_with_the_environment(
    request: pytest.FixtureRequest, fixture: str, policy: str
) -> None:
    group = only(request.getfixturevalue(fixture), "AWS::Logs::LogGroup")[1]
    assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == (policy, policy)
