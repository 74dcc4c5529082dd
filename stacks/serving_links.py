"""How serving stacks reach the platform's resources without ever changing a platform template.

The deploy pipeline deploys only serving stacks. A CDK cross-stack reference would add an output
to the producing platform stack the first time a release is synthesized, an output nobody deploys.
So the platform exports, whenever a stage serves a group (release or not), the few values serving
needs under fixed names, and serving stacks import them by name; the alerts topic has a fixed
name and its ARN is built. `tests/platform/test_serving.py` checks that synthesizing a release
leaves every platform template byte-identical.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Fn, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

VALUES = ("artifacts-bucket", "key-arn", "subnet-ids", "security-group-id")


def export_name(stage_id: str, value: str) -> str:
    if value not in VALUES:
        raise ValueError(f"no serving export {value!r} ({', '.join(VALUES)})")
    return f"{stage_id}-serving-{value}"


def export_data(stack: Stack, stage_id: str, artifacts: s3.IBucket, key: kms.IKey) -> None:
    CfnOutput(
        stack,
        "ServingArtifactsBucket",
        value=artifacts.bucket_name,
        export_name=export_name(stage_id, "artifacts-bucket"),
    )
    CfnOutput(stack, "ServingKeyArn", value=key.key_arn, export_name=export_name(stage_id, "key-arn"))


def export_network(stack: Stack, stage_id: str, subnets: list[ec2.ISubnet], group: ec2.ISecurityGroup) -> None:
    CfnOutput(
        stack,
        "ServingSubnetIds",
        value=Fn.join(",", [subnet.subnet_id for subnet in subnets]),
        export_name=export_name(stage_id, "subnet-ids"),
    )
    CfnOutput(
        stack,
        "ServingSecurityGroupId",
        value=group.security_group_id,
        export_name=export_name(stage_id, "security-group-id"),
    )


def imported(stage_id: str, value: str) -> str:
    return Fn.import_value(export_name(stage_id, value))


def imported_subnets(stage_id: str, count: int) -> tuple[str, ...]:
    ids = Fn.split(",", imported(stage_id, "subnet-ids"), count)
    return tuple(Fn.select(index, ids) for index in range(count))
