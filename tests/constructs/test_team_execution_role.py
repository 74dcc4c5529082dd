"""A team's execution role as synthesized: trust, tag, one inline policy of `team_access`
statements, a grant to pass it, and an inline policy IAM accepts once CloudFormation resolves it."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from platform_constructs.team_execution_role import TeamExecutionRole
from tests.constructs.reading import Json, compact_length, resources, role_statements, sids
from tests.support.stacks import ACCOUNT, new_stack, template

HERE = f"us-east-1:{ACCOUNT}"
INLINE_POLICY_LIMIT = 10_240  # IAM: all inline policies of one role together, whitespace excluded
ROLE_NAME_LIMIT = 64
# The longest names the platform can produce: buckets CDK names (63), a 32-character team
# (schema), model package groups of 63 characters, three subnets (az_count <= 3).
LONGEST_BUCKET = "mlexp-dev-data-datasetsbucket1a2b3c4d-" + "a" * 25
LONGEST_TEAM = "t" * 32
LONGEST_GROUPS = tuple(f"{'g' * 60}-{i:02d}" for i in range(4))
SAGEMAKER_TRUST = {"Service": "sagemaker.amazonaws.com"}


def role(stack: cdk.Stack, team: str, *, groups: tuple[str, ...], mlflow: bool, buckets: str = "") -> TeamExecutionRole:
    datasets = s3.Bucket.from_bucket_name(stack, f"Datasets-{team}", buckets or "datasets")
    artifacts = s3.Bucket.from_bucket_name(stack, f"Artifacts-{team}", buckets or "artifacts")
    key = kms.Key.from_key_arn(stack, f"Key-{team}", f"arn:aws:kms:{HERE}:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    subnets = [ec2.Subnet.from_subnet_id(stack, f"Subnet-{team}-{i}", f"subnet-0123456789abcdef{i}") for i in range(3)]
    group = ec2.SecurityGroup.from_security_group_id(stack, f"Group-{team}", "sg-0123456789abcdef0", mutable=False)
    return TeamExecutionRole(
        stack,
        f"Team-{team}",
        team=team,
        datasets=datasets,
        artifacts=artifacts,
        key=key,
        subnets=subnets,
        security_group=group,
        domain_id="d-0123456789ab",
        model_package_group_names=groups,
        pipeline_prefix=f"mlexp-dev-{team}--",
        mlflow_server_arn=f"arn:aws:sagemaker:{HERE}:mlflow-tracking-server/mlexp-dev-mlflow" if mlflow else None,
    )


@pytest.fixture(scope="module")
def synthesized() -> tuple[Json, dict[str, str]]:
    """The template, and the logical id of each role: vision (as in the sample), the longest
    team the config allows, and a build role that was granted passing vision's role."""
    stack = new_stack()
    vision = role(stack, "vision", groups=("mlexp-dev-defect-detector",), mlflow=False)
    longest = role(stack, LONGEST_TEAM, groups=LONGEST_GROUPS, mlflow=True, buckets=LONGEST_BUCKET)
    build = iam.Role(stack, "Build", assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"))
    vision.grant_pass_to_sagemaker(build)
    ids = {
        name: stack.get_logical_id(r.node.default_child)  # type: ignore[arg-type]
        for name, r in (("vision", vision.role), ("longest", longest.role), ("build", build))
    }
    return dict(template(stack).to_json()), ids


@pytest.fixture(scope="module")
def synthesized_template(synthesized: tuple[Json, dict[str, str]]) -> Json:
    return synthesized[0]


@pytest.fixture(scope="module")
def vision_role(synthesized: tuple[Json, dict[str, str]]) -> Json:
    template_json, ids = synthesized
    found: Json = template_json["Resources"][ids["vision"]]
    return found


@pytest.fixture(scope="module")
def vision_statements(synthesized: tuple[Json, dict[str, str]]) -> list[Json]:
    template_json, ids = synthesized
    return role_statements(template_json, ids["vision"])


def test_sagemaker_may_assume_the_role_and_set_the_source_identity(vision_role: Json) -> None:
    """The domain records the user profile as source identity: without SetSourceIdentity in the
    trust, SageMaker refuses to start a Studio session or job with the role."""
    assert vision_role["Properties"]["AssumeRolePolicyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [
            {"Action": ["sts:AssumeRole", "sts:SetSourceIdentity"], "Effect": "Allow", "Principal": SAGEMAKER_TRUST}
        ],
    }


def test_the_role_carries_the_team_tag(vision_role: Json) -> None:
    assert vision_role["Properties"]["Tags"] == [{"Key": "Team", "Value": "vision"}]


def test_the_role_has_no_managed_policies(vision_role: Json) -> None:
    assert "ManagedPolicyArns" not in vision_role["Properties"]


def test_the_role_is_described_for_its_team(vision_role: Json) -> None:
    assert vision_role["Properties"]["Description"] == "SageMaker execution role of team vision"


def test_the_role_holds_every_team_access_statement(vision_statements: list[Json]) -> None:
    assert sorted(sids(vision_statements)) == sorted(
        [
            "ReadWriteTeamDatasets",
            "ListTeamDatasets",
            "ReadWriteTeamArtifacts",
            "ListTeamArtifacts",
            "UseThePlatformKey",
            "LetSageMakerUseThePlatformKey",
            "CreateTeamJobs",
            "ObserveTeamJobs",
            "DenyJobsWithoutSubnets",
            "DenyJobsWithoutSecurityGroups",
            "DenyJobsInOtherSubnets",
            "DenyJobsInOtherSecurityGroups",
            "DenyJobsWithoutVolumeKey",
            "DenyJobsWithoutOutputKey",
            "DenyJobsWithOtherVolumeKeys",
            "DenyJobsWithOtherOutputKeys",
            "TagOnCreate",
            "TagOwnResources",
            "CreateRuns",
            "DenyRunsForOtherTeams",
            "UseOwnAndUntaggedRuns",
            "CreateTeamPipelines",
            "RunTeamPipelines",
            "UseOwnSpacesAndApps",
            "SeeOwnProfileAndDomain",
            "RegisterInTeamGroups",
            "DenyApproving",
            "DenyRegisteringOtherThanPending",
            "WriteJobLogs",
            "CallsWithoutResources",
            "PullImagesOfThisAccount",
            "AttachJobsToThePlatformSubnets",
            "ManageJobNetworkInterfaces",
            "PassOnlyItselfToSageMaker",
        ]
    )


def test_no_statement_was_merged_into_another(vision_statements: list[Json]) -> None:
    """Every synthesized statement still has its Sid: each keeps the reasons written beside it."""
    assert all("Sid" in s for s in vision_statements)


def test_each_deny_in_the_synthesized_policy_tests_one_null_key_at_most(vision_statements: list[Json]) -> None:
    for statement in (s for s in vision_statements if s["Effect"] == "Deny"):
        assert len(statement.get("Condition", {}).get("Null", {})) <= 1, statement["Sid"]


def test_the_role_passes_only_itself(vision_statements: list[Json], synthesized: tuple[Json, dict[str, str]]) -> None:
    passing = [s for s in vision_statements if s["Action"] == "iam:PassRole"]
    assert passing == [
        {
            "Sid": "PassOnlyItselfToSageMaker",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": {"Fn::GetAtt": [synthesized[1]["vision"], "Arn"]},
            "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        }
    ]


def test_grant_pass_to_sagemaker_lets_the_grantee_pass_this_role_to_sagemaker_only(
    synthesized: tuple[Json, dict[str, str]],
) -> None:
    template_json, ids = synthesized
    assert role_statements(template_json, ids["build"]) == [
        {
            "Action": "iam:PassRole",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [ids["vision"], "Arn"]},
            "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        }
    ]


def test_the_mlflow_statement_is_added_when_there_is_a_server(synthesized: tuple[Json, dict[str, str]]) -> None:
    template_json, ids = synthesized
    assert "UseTheMlflowTrackingServer" in sids(role_statements(template_json, ids["longest"]))
    assert "UseTheMlflowTrackingServer" not in sids(role_statements(template_json, ids["vision"]))


def resolve(node: Any) -> Any:
    """The policy as CloudFormation resolves it, with the longest value each intrinsic can take."""
    if isinstance(node, dict):
        if "Fn::Join" in node:
            separator, parts = node["Fn::Join"]
            return separator.join(str(resolve(part)) for part in parts)
        if "Fn::GetAtt" in node:
            return f"arn:aws:iam::{ACCOUNT}:role/{'r' * ROLE_NAME_LIMIT}"
        if "Ref" in node:
            return "r" * ROLE_NAME_LIMIT
        return {key: resolve(value) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(value) for value in node]
    return node


def inline_policies(template_json: Json, role_id: str) -> list[Any]:
    return [
        resolve(p["Properties"]["PolicyDocument"])
        for p in resources(template_json, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
    ]


@pytest.mark.xfail(
    strict=True,
    reason="CDK keeps up to 10,000 estimated characters inline and moves the rest to an overflow managed "
    "policy, but its estimate leaves out the Sids: the inline policy of even the sample team resolves to "
    "about 10,970 characters, over IAM's 10,240, and the Studio stack would fail to deploy",
)
@pytest.mark.parametrize("team", ["vision", "longest"])
def test_the_inline_policy_stays_under_iams_limit_once_resolved(
    synthesized: tuple[Json, dict[str, str]], team: str
) -> None:
    """10,240 characters for all inline policies of a role, whitespace excluded. `vision`: as in the
    sample (three subnets, one group). `longest`: a 32-character team, 63-character bucket and group
    names, three subnets, four model groups and the MLflow server."""
    template_json, ids = synthesized
    policies = inline_policies(template_json, ids[team])
    assert "Fn::" not in str(policies)
    assert sum(compact_length(p) for p in policies) < INLINE_POLICY_LIMIT
