"""A tiny hand-written cloud assembly for the access harness's tests: one stage of the sample config.

Four stacks as the platform lays them out (Guardrails, Data, Network, Studio), with just enough in
them to exercise every kind of principal, resource policy and endpoint, written to disk the way
the CDK writes a cloud assembly (a nested stage assembly with its own manifest).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ACCOUNT = "111122223333"
STAGE = "dev-us-east-1"
BOUNDARY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/mlexp-dev-us-east-1-boundary"


def _path(construct: str) -> dict[str, str]:
    return {"aws:cdk:path": f"{STAGE}/{construct}"}


def _statement(sid: str, effect: str, actions: Any, resources: Any, **extra: Any) -> dict[str, Any]:
    return {"Sid": sid, "Effect": effect, "Action": actions, "Resource": resources, **extra}


def _document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _output(stack: str, output: str) -> dict[str, Any]:
    return {"Fn::GetStackOutput": {"StackName": stack, "Region": "us-east-1", "OutputName": output}}


GUARDRAILS = {
    "Resources": {
        "Boundary": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "ManagedPolicyName": "mlexp-dev-us-east-1-boundary",
                "PolicyDocument": _document(
                    _statement("AllowedServices", "Allow", ["s3:*", "kms:*", "sagemaker:*", "iam:PassRole"], "*"),
                    _statement("NoBucketPolicies", "Deny", "s3:PutBucketPolicy", "*"),
                ),
            },
            "Metadata": _path("Guardrails/PermissionsBoundary/Resource/Resource"),
        }
    }
}

DATA = {
    "Resources": {
        "DatasetsBucket": {"Type": "AWS::S3::Bucket", "Metadata": _path("Data/Datasets/Resource/Resource")},
        "DatasetsPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "DatasetsBucket"},
                "PolicyDocument": _document(
                    _statement(
                        "TlsOnly",
                        "Deny",
                        "s3:*",
                        [{"Fn::GetAtt": ["DatasetsBucket", "Arn"]}, {"Fn::Sub": "${DatasetsBucket.Arn}/*"}],
                        Principal={"AWS": "*"},
                        Condition={"Bool": {"aws:SecureTransport": "false"}},
                    )
                ),
            },
            "Metadata": _path("Data/Datasets/Resource/Policy/Resource"),
        },
        "PlatformKey": {
            "Type": "AWS::KMS::Key",
            "Properties": {
                "KeyPolicy": _document(
                    _statement("Account", "Allow", "kms:*", "*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
                )
            },
            "Metadata": _path("Data/Key/Resource/Resource"),
        },
    },
    "Outputs": {
        "DatasetsArn": {"Value": {"Fn::GetAtt": ["DatasetsBucket", "Arn"]}},
        "KeyArn": {"Value": {"Fn::GetAtt": ["PlatformKey", "Arn"]}},
    },
}

NETWORK = {
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Metadata": _path("Network/Network/Resource/Resource")},
        "Subnet1": {"Type": "AWS::EC2::Subnet", "Metadata": _path("Network/Network/Resource/Subnet1/Subnet")},
        "Subnet2": {"Type": "AWS::EC2::Subnet", "Metadata": _path("Network/Network/Resource/Subnet2/Subnet")},
        "S3Gateway": {
            "Type": "AWS::EC2::VPCEndpoint",
            "Properties": {"ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.s3"}, "VpcId": {"Ref": "Vpc"}},
            "Metadata": _path("Network/Network/Resource/S3Gateway/Resource"),
        },
        "SagemakerApi": {
            "Type": "AWS::EC2::VPCEndpoint",
            "Properties": {
                "ServiceName": "com.amazonaws.us-east-1.sagemaker.api",
                "VpcId": {"Ref": "Vpc"},
                "PolicyDocument": _document(
                    _statement(
                        "OnlyThisAccount",
                        "Allow",
                        "*",
                        "*",
                        Principal="*",
                        Condition={"StringEquals": {"aws:PrincipalAccount": ACCOUNT}},
                    )
                ),
            },
            "Metadata": _path("Network/Network/Resource/SagemakerApi/Resource"),
        },
    },
    "Outputs": {
        "IsolatedSubnetIds": {"Value": {"Fn::Join": [",", [{"Ref": "Subnet1"}, {"Ref": "Subnet2"}]]}},
    },
}

_TEAM_POLICY = _document(
    _statement(
        "ReadTeamData",
        "Allow",
        "s3:GetObject",
        {"Fn::Join": ["", [_output("mlexp-dev-data", "DatasetsArn"), "/vision/*"]]},
    ),
    _statement("UseKey", "Allow", "kms:Decrypt", _output("mlexp-dev-data", "KeyArn")),
    _statement("Jobs", "Allow", "sagemaker:CreateTrainingJob", "*"),
    _statement(
        "JobsInPlatformSubnets",
        "Deny",
        "sagemaker:CreateTrainingJob",
        "*",
        Condition={
            "ForAnyValue:StringNotEquals": {
                "sagemaker:VpcSubnets": {"Fn::Split": [",", _output("mlexp-dev-network", "IsolatedSubnetIds")]}
            }
        },
    ),
    _statement("PassItself", "Allow", "iam:PassRole", {"Fn::GetAtt": ["TeamRole", "Arn"]}),
)

STUDIO = {
    "Resources": {
        "TeamRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": _document(
                    {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ),
                "PermissionsBoundary": BOUNDARY_ARN,
                "Tags": [{"Key": "Team", "Value": "vision"}],
            },
            "Metadata": _path("Studio/Team-vision/Resource/Resource"),
        },
        "TeamPolicy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {"PolicyName": "team", "PolicyDocument": _TEAM_POLICY, "Roles": [{"Ref": "TeamRole"}]},
            "Metadata": _path("Studio/Team-vision/Resource/DefaultPolicy/Resource"),
        },
    },
    "Outputs": {"ExecutionRoleArnvision": {"Value": {"Fn::GetAtt": ["TeamRole", "Arn"]}}},
}

STACKS = {"Guardrails": GUARDRAILS, "Data": DATA, "Network": NETWORK, "Studio": STUDIO}


def write_assembly(root: Path) -> Path:
    """The tiny assembly under `root`, as `cdk synth` lays one out; returns `root`."""
    stage_dir = root / f"assembly-{STAGE}"
    stage_dir.mkdir(parents=True)
    artifacts: dict[str, Any] = {}
    for stack_id, template in STACKS.items():
        (stage_dir / f"{stack_id}.template.json").write_text(json.dumps(template))
        artifacts[f"devuseast1{stack_id}"] = {
            "type": "aws:cloudformation:stack",
            "environment": f"aws://{ACCOUNT}/us-east-1",
            "displayName": f"{STAGE}/{stack_id}",
            "properties": {"templateFile": f"{stack_id}.template.json", "stackName": f"mlexp-dev-{stack_id.lower()}"},
        }
    (stage_dir / "manifest.json").write_text(json.dumps({"version": "55.0.0", "artifacts": artifacts}))
    top = {
        f"assembly-{STAGE}": {
            "type": "cdk:cloud-assembly",
            "properties": {"directoryName": f"assembly-{STAGE}", "displayName": STAGE},
        }
    }
    (root / "manifest.json").write_text(json.dumps({"version": "55.0.0", "artifacts": top}))
    return root
