"""The access harness's model of a stage, on small hand-written templates (no synth)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from access.assembly import Assembly, Stack
from access.model import DEFAULT_ENDPOINT_POLICY, ModelError, StageModel, build_stage_model

ACCOUNT = "111122223333"
STAGE = "dev-us-east-1"
ALLOW_S3 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
BOUNDARY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/app-boundary"


def path(construct: str) -> dict[str, Any]:
    return {"aws:cdk:path": f"{STAGE}/{construct}"}


def doc(sid: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Sid": sid, "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


GUARDRAILS = {
    "Boundary": {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {"ManagedPolicyName": "app-boundary", "PolicyDocument": doc("Bounded")},
        "Metadata": path("Guardrails/Boundary/Resource/Resource"),
    }
}


def role(**properties: Any) -> dict[str, Any]:
    trust = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ]
    }
    return {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": trust, **properties}}


def model(resources: dict[str, Any], guardrails: dict[str, Any] | None = None) -> StageModel:
    stacks = (
        Stack(
            STAGE,
            "Guardrails",
            f"{STAGE}/Guardrails",
            "app-guardrails",
            ACCOUNT,
            "us-east-1",
            {"Resources": guardrails or GUARDRAILS},
        ),
        Stack(STAGE, "App", f"{STAGE}/App", "app-app", ACCOUNT, "us-east-1", {"Resources": resources}),
    )
    return build_stage_model(Assembly(Path("cdk.out"), stacks), STAGE)


def only_role(m: StageModel) -> Any:
    (principal,) = m.principals.values()
    return principal


def test_a_role_gathers_every_policy_that_applies_to_it() -> None:
    resources = {
        "Team": role(
            RoleName="team",
            Policies=[{"PolicyName": "Own", "PolicyDocument": doc("OwnInline")}],
            ManagedPolicyArns=[
                {"Ref": "Shared"},
                "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            ],
            PermissionsBoundary=BOUNDARY_ARN,
            Tags=[{"Key": "Team", "Value": "vision"}],
        ),
        "TeamPolicy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {"PolicyName": "p", "PolicyDocument": doc("Attached"), "Roles": [{"Ref": "Team"}]},
        },
        "Shared": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {"ManagedPolicyName": "shared", "PolicyDocument": doc("Managed")},
        },
        "AttachesItself": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {"PolicyDocument": doc("ByRoles"), "Roles": ["team"]},
        },
    }
    principal = only_role(model(resources))
    assert principal.arn == f"arn:aws:iam::{ACCOUNT}:role/team"
    sids = {policy.document["Statement"][0].get("Sid") for policy in principal.identity_policies}
    assert sids == {"OwnInline", "Attached", "Managed", "ByRoles", None}  # None: AWSLambdaBasicExecutionRole
    assert principal.boundary is not None
    assert principal.boundary.document["Statement"][0]["Sid"] == "Bounded"
    assert principal.tags == {"Team": "vision"}
    assert principal.unknown_policies == ()


def test_an_aws_managed_policy_without_a_known_document_is_recorded_not_guessed() -> None:
    principal = only_role(model({"R": role(ManagedPolicyArns=["arn:aws:iam::aws:policy/AdministratorAccess"])}))
    assert principal.unknown_policies == ("arn:aws:iam::aws:policy/AdministratorAccess",)


def test_a_boundary_that_no_template_defines_fails() -> None:
    with pytest.raises(
        ModelError, match=r"App R .*PermissionsBoundary: the boundary .*missing is no AWS::IAM::ManagedPolicy"
    ):
        model({"R": role(PermissionsBoundary=f"arn:aws:iam::{ACCOUNT}:policy/missing")})


def test_trust_policy_is_the_resource_policy_of_assume_role_and_source_identity() -> None:
    m = model({"R": role(RoleName="r", Path="/")})
    arn = f"arn:aws:iam::{ACCOUNT}:role/r"
    for action in ("sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"):
        policy = m.resource_policy(arn, action)
        assert policy is not None
        assert policy.kind == "trust"
    assert m.resource_policy(arn, "iam:PassRole") is None


def test_bucket_policies_attach_to_their_bucket_and_a_bucket_without_one_has_none() -> None:
    resources = {
        "Data": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "data"}},
        "Logs": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "logs"}},
        "DataPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {"Bucket": {"Ref": "Data"}, "PolicyDocument": ALLOW_S3},
        },
    }
    m = model(resources)
    data_policy = m.resource_policy("arn:aws:s3:::data/a/b.csv", "s3:GetObject")
    assert data_policy is not None
    assert data_policy.document == ALLOW_S3
    assert m.resource_policy("arn:aws:s3:::logs", "s3:ListBucket") is None
    assert m.knows("arn:aws:s3:::logs/x")
    assert not m.knows("arn:aws:s3:::elsewhere/x")


def test_a_key_without_a_key_policy_gets_aws_default_one() -> None:
    m = model({"Key": {"Type": "AWS::KMS::Key"}})
    ((arn, policy),) = m.keys.items()
    assert policy.document["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert m.resource_policy(arn, "kms:Decrypt") == policy


def test_a_model_package_group_policy_governs_its_versions() -> None:
    group = {
        "Type": "AWS::SageMaker::ModelPackageGroup",
        "Properties": {"ModelPackageGroupName": "defects", "ModelPackageGroupPolicy": ALLOW_S3},
    }
    m = model({"G": group})
    prefix = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}"
    for arn in (f"{prefix}:model-package-group/defects", f"{prefix}:model-package/defects/3"):
        policy = m.resource_policy(arn, "sagemaker:DescribeModelPackage")
        assert policy is not None
        assert policy.document == ALLOW_S3
    assert m.resource_policy(f"{prefix}:model-package/other/1", "sagemaker:DescribeModelPackage") is None


def test_topic_policies_attach_to_every_topic_they_name() -> None:
    resources = {
        "T": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "t"}},
        "TP": {"Type": "AWS::SNS::TopicPolicy", "Properties": {"Topics": [{"Ref": "T"}], "PolicyDocument": ALLOW_S3}},
    }
    policy = model(resources).resource_policy(f"arn:aws:sns:us-east-1:{ACCOUNT}:t", "sns:Publish")
    assert policy is not None
    assert policy.kind == "topic"


def test_an_endpoint_without_policy_is_aws_default_full_access_explicitly() -> None:
    resources = {
        "Vpc": {"Type": "AWS::EC2::VPC"},
        "S3": {
            "Type": "AWS::EC2::VPCEndpoint",
            "Properties": {
                "ServiceName": {"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, ".s3"]]},
                "VpcId": {"Ref": "Vpc"},
            },
        },
        "Api": {
            "Type": "AWS::EC2::VPCEndpoint",
            "Properties": {
                "ServiceName": "com.amazonaws.us-east-1.sagemaker.api",
                "VpcId": {"Ref": "Vpc"},
                "PolicyDocument": ALLOW_S3,
            },
        },
    }
    m = model(resources)
    assert m.endpoints["s3"].policy.document == DEFAULT_ENDPOINT_POLICY
    assert not m.endpoints["s3"].has_own_policy
    assert m.endpoints["sagemaker-api"].policy.document == ALLOW_S3
    assert m.endpoints["sagemaker-api"].vpc_id == m.endpoints["s3"].vpc_id
    assert m.endpoints["s3"].endpoint_id.startswith("vpce-")


def test_an_endpoint_for_a_service_outside_the_catalog_fails() -> None:
    endpoint = {
        "Type": "AWS::EC2::VPCEndpoint",
        "Properties": {"ServiceName": "com.amazonaws.us-east-1.glue", "VpcId": "vpc-1"},
    }
    with pytest.raises(ModelError, match=r"com.amazonaws.us-east-1.glue is no endpoint"):
        model({"E": endpoint})


def test_construct_paths_find_one_resource() -> None:
    resources = {
        "Team": {**role(), "Metadata": path("App/Team-vision/Resource/Resource")},
        "TeamPolicy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {"PolicyDocument": ALLOW_S3, "Roles": [{"Ref": "Team"}]},
            "Metadata": path("App/Team-vision/Resource/DefaultPolicy/Resource"),
        },
    }
    m = model(resources)
    for written in ("App/Team-vision", "App/Team-vision/Resource", "App/Team-vision/Resource/Resource"):
        assert m.locate(written).logical_id == "Team"
    assert m.locate("App/Team-vision/Resource/DefaultPolicy").logical_id == "TeamPolicy"
    with pytest.raises(ModelError, match="no resource at the construct path 'App/Team-x'"):
        m.locate("App/Team-x")


def test_resources_whose_condition_is_false_do_not_exist() -> None:
    stacks = (
        Stack(STAGE, "Guardrails", f"{STAGE}/Guardrails", "g", ACCOUNT, "us-east-1", {"Resources": GUARDRAILS}),
        Stack(
            STAGE,
            "App",
            f"{STAGE}/App",
            "a",
            ACCOUNT,
            "us-east-1",
            {
                "Conditions": {"Never": {"Fn::Equals": ["a", "b"]}},
                "Resources": {"R": {**role(), "Condition": "Never"}},
            },
        ),
    )
    assert build_stage_model(Assembly(Path("cdk.out"), stacks), STAGE).principals == {}


def test_tags_are_kept_by_arn_for_request_context() -> None:
    bucket = {
        "Type": "AWS::S3::Bucket",
        "Properties": {"BucketName": "b", "Tags": [{"Key": "Team", "Value": "vision"}]},
    }
    assert model({"B": bucket}).tags_by_arn["arn:aws:s3:::b"] == {"Team": "vision"}
