"""The access harness's intrinsic resolver, on small hand-written templates (no synth)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from access.assembly import Assembly, Stack
from access.resolver import NO_VALUE, ResolutionError, Resolver

ACCOUNT = "111122223333"


def stack(resources: dict[str, Any], *, name: str = "app-data", region: str = "us-east-1", **sections: Any) -> Stack:
    template = {"Resources": resources, **sections}
    return Stack("dev-" + region, name.split("-")[-1].title(), f"dev-{region}/{name}", name, ACCOUNT, region, template)


def resolver(*stacks: Stack) -> Resolver:
    return Resolver(Assembly(Path("cdk.out"), stacks))


def value(s: Stack, expression: Any, *others: Stack) -> Any:
    return resolver(s, *others).resolve(s, expression, ("Test",))


ROLE = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}}


def test_pseudo_parameters() -> None:
    s = stack({})
    assert value(s, {"Ref": "AWS::AccountId"}) == ACCOUNT
    assert value(s, {"Ref": "AWS::Region"}) == "us-east-1"
    assert value(s, {"Ref": "AWS::Partition"}) == "aws"
    assert value(s, {"Ref": "AWS::URLSuffix"}) == "amazonaws.com"
    assert value(s, {"Ref": "AWS::StackName"}) == "app-data"
    assert value(s, {"Ref": "AWS::StackId"}).startswith(f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/app-data/")


def test_no_value_drops_the_list_item_and_the_key() -> None:
    s = stack({})
    assert value(s, {"a": [1, {"Ref": "AWS::NoValue"}, 2], "b": {"Ref": "AWS::NoValue"}}) == {"a": [1, 2]}


def test_ref_of_a_role_is_its_explicit_name() -> None:
    s = stack({"R": {**ROLE, "Properties": {"RoleName": "ml-approvers", "Path": "/team/"}}})
    assert value(s, {"Ref": "R"}) == "ml-approvers"
    assert value(s, {"Fn::GetAtt": ["R", "Arn"]}) == f"arn:aws:iam::{ACCOUNT}:role/team/ml-approvers"


def test_a_generated_name_is_cloudformation_shaped_stable_and_per_region() -> None:
    east, west = stack({"TeamRoleABC": ROLE}), stack({"TeamRoleABC": ROLE}, region="eu-west-1")
    name = value(east, {"Ref": "TeamRoleABC"})
    assert re.fullmatch(r"app-data-TeamRoleABC-[A-Z2-7]{12}", name)
    assert value(east, {"Ref": "TeamRoleABC"}) == name
    assert value(west, {"Ref": "TeamRoleABC"}) != name  # IAM names are global: two regions, two roles


def test_a_long_generated_name_fits_the_type_limit() -> None:
    s = stack({"A" * 80: ROLE}, name="x" * 60)
    assert len(value(s, {"Ref": "A" * 80})) == 64


def test_bucket_names_are_lower_case_and_arns_have_no_region() -> None:
    s = stack({"DatasetsBucket": {"Type": "AWS::S3::Bucket"}})
    name = value(s, {"Ref": "DatasetsBucket"})
    assert name == name.lower()
    assert name.startswith("app-data-datasetsbucket-")
    assert value(s, {"Fn::GetAtt": ["DatasetsBucket", "Arn"]}) == f"arn:aws:s3:::{name}"


@pytest.mark.parametrize(
    ("resource", "attribute", "pattern"),
    [
        (
            {"Type": "AWS::KMS::Key"},
            "Arn",
            rf"arn:aws:kms:us-east-1:{ACCOUNT}:key/[0-9a-f]{{8}}(-[0-9a-f]{{4}}){{3}}-[0-9a-f]{{12}}",
        ),
        (
            {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "t"}},
            "TopicArn",
            rf"arn:aws:sns:us-east-1:{ACCOUNT}:t",
        ),
        ({"Type": "AWS::Lambda::Function"}, "Arn", rf"arn:aws:lambda:us-east-1:{ACCOUNT}:function:app-data-X-\w{{12}}"),
        ({"Type": "AWS::StepFunctions::StateMachine"}, "Arn", rf"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:.+"),
        (
            {"Type": "AWS::CodeBuild::Project", "Properties": {"Name": "b"}},
            "Arn",
            rf"arn:aws:codebuild:us-east-1:{ACCOUNT}:project/b",
        ),
        (
            {"Type": "AWS::Events::Rule", "Properties": {"Name": "r"}},
            "Arn",
            rf"arn:aws:events:us-east-1:{ACCOUNT}:rule/r",
        ),
        (
            {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/g"}},
            "Arn",
            rf"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/g:\*",
        ),
        (
            {"Type": "AWS::SageMaker::Domain"},
            "DomainArn",
            rf"arn:aws:sagemaker:us-east-1:{ACCOUNT}:domain/d-[a-z2-7]{{12}}",
        ),
        (
            {"Type": "AWS::SageMaker::ModelPackageGroup", "Properties": {"ModelPackageGroupName": "Defects"}},
            "ModelPackageGroupArn",
            rf"arn:aws:sagemaker:us-east-1:{ACCOUNT}:model-package-group/defects",
        ),
        (
            {"Type": "AWS::SageMaker::UserProfile", "Properties": {"DomainId": "d-1", "UserProfileName": "alice"}},
            "UserProfileArn",
            rf"arn:aws:sagemaker:us-east-1:{ACCOUNT}:user-profile/d-1/alice",
        ),
        (
            {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"ManagedPolicyName": "b"}},
            "PolicyArn",
            rf"arn:aws:iam::{ACCOUNT}:policy/b",
        ),
        ({"Type": "AWS::EC2::VPC"}, "DefaultSecurityGroup", r"sg-[0-9a-f]{17}"),
    ],
)
def test_attributes_have_the_aws_format(resource: dict[str, Any], attribute: str, pattern: str) -> None:
    s = stack({"X": resource})
    assert re.fullmatch(pattern, value(s, {"Fn::GetAtt": ["X", attribute]}))


def test_ids_of_network_resources_are_fake_but_stable() -> None:
    s = stack(
        {"Vpc": {"Type": "AWS::EC2::VPC"}, "Sub": {"Type": "AWS::EC2::Subnet"}, "E": {"Type": "AWS::EC2::VPCEndpoint"}}
    )
    assert re.fullmatch(r"vpc-[0-9a-f]{17}", value(s, {"Ref": "Vpc"}))
    assert re.fullmatch(r"subnet-[0-9a-f]{17}", value(s, {"Ref": "Sub"}))
    assert value(s, {"Ref": "E"}) == value(s, {"Fn::GetAtt": "E.Id"})


def test_join_select_split() -> None:
    s = stack({})
    assert value(s, {"Fn::Join": ["-", ["a", {"Ref": "AWS::Region"}, 3]]}) == "a-us-east-1-3"
    assert value(s, {"Fn::Select": [1, {"Fn::Split": [",", "x,y,z"]}]}) == "y"
    assert value(s, {"Fn::Select": ["0", ["only"]]}) == "only"


def test_sub_in_both_forms() -> None:
    s = stack({"Key": {"Type": "AWS::KMS::Key"}, "B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "b"}}})
    key_arn = value(s, {"Fn::GetAtt": ["Key", "Arn"]})
    assert value(s, {"Fn::Sub": "arn:${AWS::Partition}:s3:::${B}/${!literal}"}) == "arn:aws:s3:::b/${literal}"
    assert value(s, {"Fn::Sub": "${Key.Arn}"}) == key_arn
    assert value(s, {"Fn::Sub": ["${Name}-${AWS::Region}", {"Name": {"Ref": "B"}}]}) == "b-us-east-1"


def test_if_follows_the_conditions() -> None:
    conditions = {
        "East": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]},
        "NotEast": {"Fn::Not": [{"Condition": "East"}]},
        "Both": {"Fn::And": [{"Condition": "East"}, {"Fn::Or": [{"Condition": "NotEast"}, {"Fn::Equals": [1, 1]}]}]},
    }
    resources = {"Only": {"Type": "AWS::S3::Bucket", "Condition": "NotEast"}}
    s = stack(resources, Conditions=conditions)
    assert value(s, {"Fn::If": ["East", "yes", "no"]}) == "yes"
    assert value(s, {"Fn::If": ["Both", {"Ref": "AWS::NoValue"}, "no"]}) is NO_VALUE
    assert value(s, [{"Fn::If": ["NotEast", "x", {"Ref": "AWS::NoValue"}]}]) == []
    assert resolver(s).resource_exists(s, "Only") is False


def test_import_value_reads_the_exporting_stack() -> None:
    producer = stack(
        {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "shared"}}},
        name="app-data",
        Outputs={"Out": {"Value": {"Ref": "B"}, "Export": {"Name": "app-data:Bucket"}}},
    )
    consumer = stack({}, name="app-studio")
    assert value(consumer, {"Fn::ImportValue": "app-data:Bucket"}, producer) == "shared"


def test_weak_cross_stack_reference_resolves_in_the_producing_stack() -> None:
    producer = stack(
        {"Key": {"Type": "AWS::KMS::Key"}},
        name="app-data",
        Outputs={"KeyArn": {"Value": {"Fn::GetAtt": ["Key", "Arn"]}}},
    )
    consumer = stack({}, name="app-studio")
    reference = {"Fn::GetStackOutput": {"StackName": "app-data", "Region": "us-east-1", "OutputName": "KeyArn"}}
    assert value(consumer, reference, producer) == resolver(producer).get_att(producer, "Key", "Arn", ())


def test_weak_reference_stays_in_its_region() -> None:
    producer = stack({}, name="app-data", region="eu-west-1", Outputs={"X": {"Value": "west"}})
    consumer = stack({}, name="app-studio")
    reference = {"Fn::GetStackOutput": {"StackName": "app-data", "Region": "us-east-1", "OutputName": "X"}}
    with pytest.raises(ResolutionError, match=r"no stack app-data in 111122223333/us-east-1"):
        value(consumer, reference, producer)


def test_parameters_resolve_to_their_default_only() -> None:
    s = stack({}, Parameters={"WithDefault": {"Type": "String", "Default": "d"}, "Bare": {"Type": "String"}})
    assert value(s, {"Ref": "WithDefault"}) == "d"
    with pytest.raises(ResolutionError, match="parameter Bare has no Default"):
        value(s, {"Ref": "Bare"})


def test_failure_names_stack_logical_id_and_json_path() -> None:
    s = stack({"P": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "Missing"}]}}})
    with pytest.raises(ResolutionError) as error:
        resolver(s).resource_property(s, "P", "Roles")
    assert str(error.value).startswith(
        "dev-us-east-1/app-data P $.Resources.P.Properties.Roles[0].Ref: no resource Missing"
    )


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ({"Fn::GetAZs": ""}, "the intrinsic Fn::GetAZs is not modeled"),
        ({"Fn::GetAtt": ["Role", "Nope"]}, "Fn::GetAtt Nope of AWS::IAM::Role"),
        ({"Ref": "Custom"}, "the resource type Custom::Thing"),
        ({"Fn::GetAtt": ["Custom", "Value"]}, "the resource type Custom::Thing"),
        ({"Fn::Join": ["", "not-a-list"]}, "Fn::Join needs a list"),
        ({"Fn::Select": [5, ["a"]]}, "index 5 is outside"),
        ({"Fn::If": ["Nope", 1, 2]}, "no condition named Nope"),
        ({"Fn::ImportValue": "nobody"}, "exports 'nobody'"),
        ({"Fn::Sub": "${Missing.Arn}"}, "no resource Missing"),
        ({"Ref": "UserProfile"}, "Ref of AWS::SageMaker::UserProfile"),
    ],
)
def test_what_it_cannot_resolve_fails_loudly(expression: Any, message: str) -> None:
    s = stack(
        {
            "Role": ROLE,
            "Custom": {"Type": "Custom::Thing"},
            "UserProfile": {"Type": "AWS::SageMaker::UserProfile"},
        }
    )
    with pytest.raises(ResolutionError, match=re.escape(message)):
        value(s, expression)


def test_a_name_that_refers_to_itself_fails() -> None:
    s = stack({"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Fn::Join": ["", [{"Ref": "B"}]]}}}})
    with pytest.raises(ResolutionError, match="refers to itself"):
        value(s, {"Ref": "B"})
