"""The Studio security group: NFS and app traffic within the group; HTTPS out only to the interface
endpoints' group and the S3 prefix list; never anything to 0.0.0.0/0."""

from __future__ import annotations

import pytest
from aws_cdk import aws_ec2 as ec2

from platform_constructs.studio_security_group import StudioSecurityGroup
from tests.constructs.reading import Json, resources
from tests.support.stacks import new_stack, template

PREFIX_LIST = "pl-63a5400a"


@pytest.fixture(scope="module")
def synthesized() -> tuple[Json, str, str]:
    """The template, and the logical ids of the Studio group and the endpoints' group."""
    stack = new_stack()
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )
    endpoints = ec2.SecurityGroup(stack, "Endpoints", vpc=vpc, allow_all_outbound=False)
    studio = StudioSecurityGroup(stack, "Studio", vpc=vpc, endpoints=endpoints, s3_prefix_list_id=PREFIX_LIST)
    ids = [stack.get_logical_id(g.node.default_child) for g in (studio.security_group, endpoints)]  # type: ignore[arg-type]
    return dict(template(stack).to_json()), ids[0], ids[1]


def rules(template_json: Json, resource_type: str, group_id: str) -> list[Json]:
    """The rule resources of `group_id`, without the group reference, sorted by description."""
    found = [
        {k: v for k, v in r["Properties"].items() if k != "GroupId"}
        for r in resources(template_json, resource_type).values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]}
    ]
    return sorted(found, key=lambda rule: str(rule["Description"]))


S3_RULE = {
    "Description": "HTTPS to S3 through the gateway endpoint",
    "DestinationPrefixListId": PREFIX_LIST,
    "FromPort": 443,
    "IpProtocol": "tcp",
    "ToPort": 443,
}


def test_egress_is_nfs_and_app_traffic_within_the_group_and_https_to_the_endpoints_and_s3(
    synthesized: tuple[Json, str, str],
) -> None:
    """Three rules naming a group are separate resources; the S3 one is inline (see below)."""
    template_json, studio, endpoints = synthesized
    itself = {"Fn::GetAtt": [studio, "GroupId"]}
    assert rules(template_json, "AWS::EC2::SecurityGroupEgress", studio) == [
        {
            "Description": "HTTPS to the interface endpoints",
            "DestinationSecurityGroupId": {"Fn::GetAtt": [endpoints, "GroupId"]},
            "FromPort": 443,
            "IpProtocol": "tcp",
            "ToPort": 443,
        },
        {
            "Description": "NFS to the Studio home EFS within the group",
            "DestinationSecurityGroupId": itself,
            "FromPort": 2049,
            "IpProtocol": "tcp",
            "ToPort": 2049,
        },
        {
            "Description": "Studio app traffic within the group",
            "DestinationSecurityGroupId": itself,
            "FromPort": 8192,
            "IpProtocol": "tcp",
            "ToPort": 65535,
        },
    ]


def test_ingress_is_nfs_and_app_traffic_from_the_group_itself(synthesized: tuple[Json, str, str]) -> None:
    template_json, studio, _ = synthesized
    itself = {"Fn::GetAtt": [studio, "GroupId"]}
    assert [
        (r["FromPort"], r["ToPort"], r["SourceSecurityGroupId"])
        for r in rules(template_json, "AWS::EC2::SecurityGroupIngress", studio)
    ] == [(2049, 2049, itself), (8192, 65535, itself)]


def test_no_rule_names_an_address_range(synthesized: tuple[Json, str, str]) -> None:
    template_json, studio, _ = synthesized
    group = template_json["Resources"][studio]["Properties"]
    declared = rules(template_json, "AWS::EC2::SecurityGroupEgress", studio) + group.get("SecurityGroupEgress", [])
    assert not [r for r in declared if "CidrIp" in r or "CidrIpv6" in r]


def test_the_group_is_created_with_the_s3_rule_so_ec2_adds_no_allow_all_default(
    synthesized: tuple[Json, str, str],
) -> None:
    """EC2 adds egress to 0.0.0.0/0 to a group created without egress rules, and separate egress
    resources never remove it (CloudFormation, AWS::EC2::SecurityGroup). The group is created
    with its S3 rule, and only that: CDK's match-nothing placeholder is gone too."""
    template_json, studio, _ = synthesized
    assert template_json["Resources"][studio]["Properties"]["SecurityGroupEgress"] == [S3_RULE]


def test_the_s3_rule_is_declared_once(synthesized: tuple[Json, str, str]) -> None:
    template_json, studio, _ = synthesized
    separate = rules(template_json, "AWS::EC2::SecurityGroupEgress", studio)
    assert [r for r in separate if "DestinationPrefixListId" in r] == []


def test_the_group_is_for_studio_jobs_and_builds(synthesized: tuple[Json, str, str]) -> None:
    template_json, studio, _ = synthesized
    assert template_json["Resources"][studio]["Properties"]["GroupDescription"] == (
        "SageMaker Studio apps, jobs and model builds (VPC only)"
    )
