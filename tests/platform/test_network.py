"""Network stack of every sample environment-region: isolated VPC, endpoints, flow logs, groups."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from aws_cdk import aws_ec2 as ec2

from platform_config.endpoint_catalog import ENDPOINT_CATALOG
from stacks.stage_plan import MODEL_BUILD_ENDPOINTS
from tests.stages import SAMPLE_STAGES
from tests.support.synth import Synthesized, Template, only, resources

STAGES = sorted(SAMPLE_STAGES)


def network(sample: Synthesized, stage: str) -> Template:
    return sample.template(stage, "Network")


def interface_endpoints(template: Template) -> dict[str, dict[str, Any]]:
    found = resources(template, "AWS::EC2::VPCEndpoint")
    return {lid: res for lid, res in found.items() if res["Properties"]["VpcEndpointType"] == "Interface"}


@pytest.mark.parametrize("stage", STAGES)
def test_vpc_has_configured_cidr_and_dns(sample: Synthesized, stage: str) -> None:
    _, region = SAMPLE_STAGES[stage]
    props = network(sample, stage)["Resources"]["Vpc"]["Properties"]
    assert props["CidrBlock"] == region.vpc_cidr
    assert props["EnableDnsHostnames"] is True
    assert props["EnableDnsSupport"] is True


@pytest.mark.parametrize("stage", STAGES)
def test_no_route_to_the_internet(sample: Synthesized, stage: str) -> None:
    template = network(sample, stage)
    for forbidden in (
        "AWS::EC2::InternetGateway",
        "AWS::EC2::NatGateway",
        "AWS::EC2::EgressOnlyInternetGateway",
        "AWS::EC2::VPCGatewayAttachment",
        "AWS::EC2::EIP",
        "AWS::EC2::Route",
    ):
        assert resources(template, forbidden) == {}, forbidden


@pytest.mark.parametrize("stage", STAGES)
def test_one_isolated_subnet_per_configured_az(sample: Synthesized, stage: str) -> None:
    _, region = SAMPLE_STAGES[stage]
    subnets = resources(network(sample, stage), "AWS::EC2::Subnet")
    assert len(subnets) == region.az_count
    assert len({s["Properties"]["AvailabilityZone"] for s in subnets.values()}) == region.az_count
    vpc = ipaddress.ip_network(region.vpc_cidr)
    for subnet in subnets.values():
        props = subnet["Properties"]
        assert props["MapPublicIpOnLaunch"] is False
        assert ipaddress.ip_network(props["CidrBlock"]).subnet_of(vpc)  # type: ignore[arg-type]
        assert {"Key": "aws-cdk:subnet-type", "Value": "Isolated"} in props["Tags"]


@pytest.mark.parametrize("stage", STAGES)
def test_s3_gateway_endpoint_serves_every_subnet(sample: Synthesized, stage: str) -> None:
    template = network(sample, stage)
    gateways = [
        r
        for r in resources(template, "AWS::EC2::VPCEndpoint").values()
        if r["Properties"]["VpcEndpointType"] == "Gateway"
    ]
    assert len(gateways) == 1
    assert gateways[0]["Properties"]["ServiceName"]["Fn::Join"][1][-1] == ".s3"
    tables = sorted(resources(template, "AWS::EC2::RouteTable"))
    assert sorted(ref["Ref"] for ref in gateways[0]["Properties"]["RouteTableIds"]) == tables


@pytest.mark.parametrize("stage", STAGES)
def test_interface_endpoints_follow_the_profile(sample: Synthesized, stage: str) -> None:
    env, region = SAMPLE_STAGES[stage]
    expected = {
        getattr(ec2.InterfaceVpcEndpointAwsService, ENDPOINT_CATALOG[name].cdk_service).short_name
        for name in {*env.endpoints_in(region), *MODEL_BUILD_ENDPOINTS}  # the sample builds models
    }
    endpoints = interface_endpoints(network(sample, stage))
    services = {res["Properties"]["ServiceName"].split(f".{region.name}.", 1)[1] for res in endpoints.values()}
    assert services == expected
    assert len(endpoints) == len(expected)


def test_profiles_differ_between_sample_regions(sample: Synthesized) -> None:
    """The sample shows both a standard and a minimal (+ override) region; model builds add
    CodeArtifact's two (sagemaker-api and logs are in both profiles already)."""
    counts = {stage: len(interface_endpoints(network(sample, stage))) for stage in STAGES}
    assert counts == {"dev-eu-west-1": 8, "dev-us-east-1": 14}


@pytest.mark.parametrize("stage", STAGES)
def test_interface_endpoints_are_private_behind_the_endpoint_group(sample: Synthesized, stage: str) -> None:
    template = network(sample, stage)
    group_id, _ = next(
        (lid, r)
        for lid, r in resources(template, "AWS::EC2::SecurityGroup").items()
        if r["Properties"]["GroupDescription"].startswith("Interface endpoints")
    )
    subnets = sorted(resources(template, "AWS::EC2::Subnet"))
    for endpoint in interface_endpoints(template).values():
        props = endpoint["Properties"]
        assert props["PrivateDnsEnabled"] is True
        assert props["SecurityGroupIds"] == [{"Fn::GetAtt": [group_id, "GroupId"]}]
        assert sorted(ref["Ref"] for ref in props["SubnetIds"]) == subnets


@pytest.mark.parametrize("stage", STAGES)
def test_endpoint_group_admits_https_from_the_vpc_only(sample: Synthesized, stage: str) -> None:
    template = network(sample, stage)
    group_id, group = next(
        (lid, r)
        for lid, r in resources(template, "AWS::EC2::SecurityGroup").items()
        if r["Properties"]["GroupDescription"].startswith("Interface endpoints")
    )
    assert group["Properties"]["SecurityGroupIngress"] == [
        {
            "CidrIp": SAMPLE_STAGES[stage][1].vpc_cidr,  # a literal, so policy checks can read it
            "Description": "HTTPS from the VPC",
            "FromPort": 443,
            "IpProtocol": "tcp",
            "ToPort": 443,
        }
    ]
    # CDK's placeholder for "no egress": an ICMP rule to a host that cannot exist.
    assert group["Properties"]["SecurityGroupEgress"] == [
        {
            "CidrIp": "255.255.255.255/32",
            "Description": "Disallow all traffic",
            "FromPort": 252,
            "IpProtocol": "icmp",
            "ToPort": 86,
        }
    ]
    # ...and no standalone rule widens it.
    for rule_type in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
        for rule in resources(template, rule_type).values():
            assert rule["Properties"]["GroupId"] != {"Fn::GetAtt": [group_id, "GroupId"]}


def _studio_group(template: Template) -> tuple[str, dict[str, Any]]:
    return next(
        (lid, r)
        for lid, r in resources(template, "AWS::EC2::SecurityGroup").items()
        if r["Properties"]["GroupDescription"].startswith("SageMaker Studio")
    )


@pytest.mark.parametrize("stage", STAGES)
def test_studio_group_rules_match_vpc_only_requirements(sample: Synthesized, stage: str) -> None:
    template = network(sample, stage)
    studio_id, studio = _studio_group(template)
    studio_ref = {"Fn::GetAtt": [studio_id, "GroupId"]}
    endpoints_id = next(lid for lid in resources(template, "AWS::EC2::SecurityGroup") if lid != studio_id)

    ingress = {
        (r["Properties"]["FromPort"], r["Properties"]["ToPort"])
        for r in resources(template, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == studio_ref and r["Properties"]["SourceSecurityGroupId"] == studio_ref
    }
    assert ingress == {(2049, 2049), (8192, 65535)}
    assert "SecurityGroupIngress" not in studio["Properties"]  # nothing from outside the group

    egress = {
        (str(r["Properties"]["DestinationSecurityGroupId"]), r["Properties"]["FromPort"], r["Properties"]["ToPort"])
        for r in resources(template, "AWS::EC2::SecurityGroupEgress").values()
        if r["Properties"]["GroupId"] == studio_ref
    }
    assert egress == {
        (str(studio_ref), 2049, 2049),
        (str(studio_ref), 8192, 65535),
        (str({"Fn::GetAtt": [endpoints_id, "GroupId"]}), 443, 443),
    }
    prefix_lists = {"us-east-1": "pl-63a5400a", "eu-west-1": "pl-6da54004"}
    assert studio["Properties"]["SecurityGroupEgress"] == [
        {
            "DestinationPrefixListId": prefix_lists[SAMPLE_STAGES[stage][1].name],
            "Description": "HTTPS to S3 through the gateway endpoint",
            "FromPort": 443,
            "IpProtocol": "tcp",
            "ToPort": 443,
        }
    ]


@pytest.mark.parametrize("stage", STAGES)
def test_flow_logs_capture_all_traffic_into_an_encrypted_log_group(sample: Synthesized, stage: str) -> None:
    template = network(sample, stage)
    _, flow_log = only(template, "AWS::EC2::FlowLog")
    assert flow_log["Properties"]["TrafficType"] == "ALL"
    assert flow_log["Properties"]["ResourceId"] == {"Ref": "Vpc"}
    assert flow_log["Properties"]["LogGroupName"] == {"Ref": "FlowLogGroup"}
    group = template["Resources"]["FlowLogGroup"]
    assert group["Properties"]["RetentionInDays"] == sample.config.network.flow_log_retention_days
    key_ref = group["Properties"]["KmsKeyId"]["Fn::GetStackOutput"]
    assert key_ref["StackName"] == "mlexp-dev-data"
    assert key_ref["Region"] == SAMPLE_STAGES[stage][1].name


@pytest.mark.parametrize("stage", STAGES)
def test_network_outputs_for_tooling(sample: Synthesized, stage: str) -> None:
    assert set(network(sample, stage)["Outputs"]) >= {"VpcId", "IsolatedSubnetIds", "StudioSecurityGroupId"}
