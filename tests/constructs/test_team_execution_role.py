"""A team's execution role as synthesized: trust, tag, the stage's `TeamGuardrails` and three
managed policies of `team_access` statements by concern (`Data`, `Work`, `Studio`), one inline
statement passing the role itself, a grant to pass it, and policies IAM accepts once
CloudFormation resolves them."""

from __future__ import annotations

import tempfile
from typing import Any, cast

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from compliance.gate import Finding
from platform_config.checks import MAX_MODEL_GROUPS_PER_TEAM
from platform_constructs.team_execution_role import TeamExecutionRole, TeamGuardrails
from stacks.platform_app import new_platform_app, project_context
from stacks.stage_plan import plan_stages
from tests.constructs.guardrails import GUARDRAIL_SIDS, JOB_GUARDRAIL_SIDS
from tests.constructs.packs import register
from tests.constructs.reading import (
    Json,
    attached_policies,
    compact_length,
    resources,
    role_statements,
    sids,
)
from tests.support.stacks import ACCOUNT, new_stack, template
from tests.support.variants import config_variant

HERE = f"us-east-1:{ACCOUNT}"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
SUBNETS = tuple(f"subnet-0123456789abcdef{i}" for i in range(3))  # az_count <= 3; ids of 24 characters
GROUP = "sg-0123456789abcdef0"
DOMAIN = "d-0123456789ab"
MANAGED_POLICY_LIMIT = 6_144  # IAM: one customer-managed policy, whitespace excluded
INLINE_POLICY_LIMIT = 10_240  # IAM: all inline policies of one role together, whitespace excluded
# The longest names the platform can produce: buckets CDK names (63), a 32-character team, a
# 20-character project and a 16-character environment (schema), model package groups of 63
# characters, three subnets.
LONGEST_BUCKET = "mlexp-dev-data-datasetsbucket1a2b3c4d-" + "a" * 25
LONGEST_TEAM = "t" * 32
LONGEST_STAGE = f"{'p' * 20}-{'e' * 16}"
LONGEST_GROUPS = tuple(f"{'g' * 60}-{i:02d}" for i in range(4))
SAGEMAKER_TRUST = {"Service": "sagemaker.amazonaws.com"}
CONCERNS = ("Data", "Work", "Studio", "Registry", "Endpoints")


def network(stack: cdk.Stack) -> tuple[kms.IKey, list[ec2.ISubnet], ec2.ISecurityGroup]:
    """The platform key, subnets and Studio group of `stack`, imported once."""
    if stack.node.try_find_child("Key") is None:
        kms.Key.from_key_arn(stack, "Key", stack.format_arn(service="kms", resource="key", resource_name=KEY_ID))
        for i, subnet in enumerate(SUBNETS):
            # A route table, or CDK warns when anything reads it (a finding of the packs).
            ec2.Subnet.from_subnet_attributes(
                stack, f"Subnet{i}", subnet_id=subnet, route_table_id=f"rtb-0123456789abcdef{i}"
            )
        ec2.SecurityGroup.from_security_group_id(stack, "Group", GROUP, mutable=False)
    find = stack.node.find_child
    subnets = [cast(ec2.ISubnet, find(f"Subnet{i}")) for i in range(len(SUBNETS))]
    return cast(kms.IKey, find("Key")), subnets, cast(ec2.ISecurityGroup, find("Group"))


def guardrails(stack: cdk.Stack) -> TeamGuardrails:
    key, subnets, group = network(stack)
    return TeamGuardrails(stack, "TeamGuardrails", key=key, subnets=subnets, security_group=group)


def role(
    stack: cdk.Stack,
    team: str,
    rails: TeamGuardrails,
    *,
    groups: tuple[str, ...],
    mlflow: bool,
    buckets: str = "",
    stage: str = "mlexp-dev",
) -> TeamExecutionRole:
    key, subnets, group = network(stack)
    server = stack.format_arn(service="sagemaker", resource="mlflow-tracking-server", resource_name=f"{stage}-mlflow")
    return TeamExecutionRole(
        stack,
        f"Team-{team}",
        team=team,
        datasets=s3.Bucket.from_bucket_name(stack, f"Datasets-{team}", buckets or "datasets"),
        artifacts=s3.Bucket.from_bucket_name(stack, f"Artifacts-{team}", buckets or "artifacts"),
        key=key,
        subnets=subnets,
        security_group=group,
        domain_id=DOMAIN,
        guardrails=rails.policy,
        model_package_group_names=groups,
        pipeline_prefix=f"{stage}-{team}--",
        mlflow_server_arn=server if mlflow else None,
    )


def logical_id(construct: Any) -> str:
    """The logical id of an L2 construct's resource, or of an L1."""
    resource = construct.node.default_child or construct
    return str(cdk.Stack.of(construct).get_logical_id(resource))


def policy_ids(team: TeamExecutionRole) -> dict[str, str]:
    """`<team>/<concern>` and `<team>/inline` -> logical id of that policy."""
    ids = {f"{team.team}/{c}": logical_id(team.node.find_child(c)) for c in CONCERNS}
    ids[f"{team.team}/inline"] = logical_id(team.role.node.find_child("DefaultPolicy"))
    return ids


Synthesized = tuple[Json, dict[str, str]]


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    """The template, and logical ids: the roles of vision (as in the sample) and of the longest
    team the config allows, both given the stack's one guardrails policy, and their policies
    (`policy_ids`); a build role that was granted passing vision's role; the guardrails."""
    stack = new_stack()
    rails = guardrails(stack)
    vision = role(stack, "vision", rails, groups=("mlexp-dev-defect-detector",), mlflow=False)
    longest = role(stack, LONGEST_TEAM, rails, groups=LONGEST_GROUPS, mlflow=True, buckets=LONGEST_BUCKET)
    build = iam.Role(stack, "Build", assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"))
    vision.grant_pass_to_sagemaker(build)
    ids = {"vision": logical_id(vision.role), "longest": logical_id(longest.role), "build": logical_id(build)}
    ids |= {"guardrails": logical_id(rails.policy), **policy_ids(vision), **policy_ids(longest)}
    ids |= {key.replace(LONGEST_TEAM, "longest"): value for key, value in ids.items()}
    return dict(template(stack).to_json()), ids


@pytest.fixture(scope="module")
def vision_role(synthesized: Synthesized) -> Json:
    template_json, ids = synthesized
    found: Json = template_json["Resources"][ids["vision"]]
    return found


@pytest.fixture(scope="module")
def vision_statements(synthesized: Synthesized) -> list[Json]:
    template_json, ids = synthesized
    return role_statements(template_json, ids["vision"])


def document(synthesized: Synthesized, name: str) -> Json:
    """The policy document of `name` (a key of the fixture's ids: `guardrails`, `vision/Data`...)."""
    template_json, ids = synthesized
    found: Json = template_json["Resources"][ids[name]]["Properties"]["PolicyDocument"]
    return found


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


def test_the_role_is_described_for_its_team(vision_role: Json) -> None:
    assert vision_role["Properties"]["Description"] == "SageMaker execution role of team vision"


# Its policies: the stage's guardrails, managed policies by concern, one inline statement


@pytest.mark.parametrize("team", ["vision", "longest"])
def test_the_role_carries_the_guardrails_then_its_policies_by_concern_and_nothing_else(
    synthesized: Synthesized, team: str
) -> None:
    template_json, ids = synthesized
    assert template_json["Resources"][ids[team]]["Properties"]["ManagedPolicyArns"] == [
        {"Ref": ids["guardrails"]},
        *({"Ref": ids[f"{team}/{concern}"]} for concern in CONCERNS),
    ]
    assert list(attached_policies(template_json, ids[team])) == [
        ids[f"{team}/inline"],
        ids["guardrails"],
        *(ids[f"{team}/{concern}"] for concern in CONCERNS),
    ]


def test_every_team_role_carries_the_one_guardrails_policy(synthesized: Synthesized) -> None:
    """One policy for the stage: every role refers to it, and it is not copied per team."""
    template_json, ids = synthesized
    carrying = [
        lid
        for lid, r in resources(template_json, "AWS::IAM::Role").items()
        if {"Ref": ids["guardrails"]} in r["Properties"].get("ManagedPolicyArns", [])
    ]
    assert sorted(carrying) == sorted([ids["vision"], ids["longest"]])
    holding_denies = [
        lid
        for lid, p in resources(template_json, "AWS::IAM::ManagedPolicy").items()
        if "DenyApproving" in sids(p["Properties"]["PolicyDocument"]["Statement"])
    ]
    assert holding_denies == [ids["guardrails"]]


def test_the_guardrails_hold_the_stages_network_key_and_approval_denies(synthesized: Synthesized) -> None:
    template_json, ids = synthesized
    policy = template_json["Resources"][ids["guardrails"]]["Properties"]
    assert policy["Description"] == (
        "What no team role may do: jobs outside the platform network or key, approving models"
    )
    assert "Roles" not in policy
    statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    assert list(statements) == list(GUARDRAIL_SIDS)
    key = f"arn:aws:kms:{HERE}:key/{KEY_ID}"
    assert [statements[sid]["Condition"] for sid in ("DenyJobsInOtherSubnets", "DenyJobsInOtherSecurityGroups")] == [
        {"ForAnyValue:StringNotEquals": {"sagemaker:VpcSubnets": list(SUBNETS)}},
        {"ForAnyValue:StringNotEquals": {"sagemaker:VpcSecurityGroupIds": [GROUP]}},
    ]
    assert [statements[sid]["Condition"] for sid in ("DenyJobsWithOtherVolumeKeys", "DenyJobsWithOtherOutputKeys")] == [
        {"StringNotEqualsIfExists": {"sagemaker:VolumeKmsKeyArn": key}},
        {"StringNotEqualsIfExists": {"sagemaker:OutputKmsKeyArn": key}},
    ]


@pytest.mark.parametrize(
    ("concern", "description", "expected"),
    [
        (
            "Data",
            "Team vision: the team's data and the platform key",
            [
                "ReadWriteTeamDatasets",
                "ListTeamDatasets",
                "LocateDatasets",
                "ReadWriteTeamArtifacts",
                "ListTeamArtifacts",
                "LocateArtifacts",
                "UseThePlatformKey",
                "LetSageMakerUseThePlatformKey",
            ],
        ),
        (
            "Work",
            "Team vision: the team's jobs, runs and pipelines",
            [
                "CreateTeamJobs",
                "ObserveTeamJobs",
                "TagOnCreate",
                "TagOwnResources",
                "CreateRuns",
                "DenyRunsForOtherTeams",
                "UseOwnAndUntaggedRuns",
            ],
        ),
        (
            "Studio",
            "Team vision: the team's pipelines, Studio spaces, logs, images and network",
            [
                "CreateTeamPipelines",
                "RunTeamPipelines",
                "UseOwnSpacesAndApps",
                "SeeOwnProfileAndDomain",
                "WriteJobLogs",
                "CallsWithoutResources",
                "PullImagesOfThisAccount",
                "AttachJobsToThePlatformSubnets",
                "ManageJobNetworkInterfaces",
            ],
        ),
        ("Registry", "Team vision: the team's model package groups", ["RegisterInTeamGroups"]),
        ("Endpoints", "Team vision: the endpoints serving the team's model groups", ["UseTeamEndpoints"]),
    ],
)
def test_each_managed_policy_holds_one_concern(
    synthesized: Synthesized, concern: str, description: str, expected: list[str]
) -> None:
    template_json, ids = synthesized
    policy = template_json["Resources"][ids[f"vision/{concern}"]]["Properties"]
    assert (policy["Description"], sids(policy["PolicyDocument"]["Statement"])) == (description, expected)
    assert "Roles" not in policy


def test_the_inline_policy_only_passes_the_role_itself(synthesized: Synthesized) -> None:
    """A managed policy attached to the role cannot name the role (a circular reference): the
    one statement that does is the role's inline policy, and nothing else is."""
    template_json, ids = synthesized
    assert document(synthesized, "vision/inline")["Statement"] == [
        {
            "Sid": "PassOnlyItselfToSageMaker",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": {"Fn::GetAtt": [ids["vision"], "Arn"]},
            "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        }
    ]
    assert template_json["Resources"][ids["vision/inline"]]["Properties"]["Roles"] == [{"Ref": ids["vision"]}]


def test_no_managed_policy_names_a_role(synthesized: Synthesized) -> None:
    template_json, _ = synthesized
    for name in ("guardrails", *(f"{team}/{c}" for team in ("vision", "longest") for c in CONCERNS)):
        assert "AWS::IAM::Role" not in {
            template_json["Resources"][ref]["Type"] for ref in references(document(synthesized, name))
        }, name


def references(node: Any) -> set[str]:
    """Logical ids a template fragment refers to (Ref, Fn::GetAtt)."""
    if isinstance(node, dict):
        if "Ref" in node and not str(node["Ref"]).startswith("AWS::"):
            return {node["Ref"]}
        if "Fn::GetAtt" in node:
            return {node["Fn::GetAtt"][0]}
        return set().union(*(references(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(references(value) for value in node))
    return set()


def test_the_role_holds_every_team_access_statement(vision_statements: list[Json]) -> None:
    assert sorted(sids(vision_statements)) == sorted(
        [
            "ReadWriteTeamDatasets",
            "ListTeamDatasets",
            "LocateDatasets",
            "ReadWriteTeamArtifacts",
            "ListTeamArtifacts",
            "LocateArtifacts",
            "UseThePlatformKey",
            "LetSageMakerUseThePlatformKey",
            "CreateTeamJobs",
            "ObserveTeamJobs",
            *JOB_GUARDRAIL_SIDS,
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
            "UseTeamEndpoints",
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


def test_each_deny_in_the_synthesized_policies_tests_one_null_key_at_most(vision_statements: list[Json]) -> None:
    for statement in (s for s in vision_statements if s["Effect"] == "Deny"):
        assert len(statement.get("Condition", {}).get("Null", {})) <= 1, statement["Sid"]


def test_the_role_passes_only_itself(vision_statements: list[Json], synthesized: Synthesized) -> None:
    passing = [s for s in vision_statements if s["Action"] == "iam:PassRole"]
    assert passing == document(synthesized, "vision/inline")["Statement"]


def test_grant_pass_to_sagemaker_lets_the_grantee_pass_this_role_to_sagemaker_only(
    synthesized: Synthesized,
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


def test_the_mlflow_statement_is_added_to_the_studio_policy_when_there_is_a_server(
    synthesized: Synthesized,
) -> None:
    assert sids(document(synthesized, "longest/Studio")["Statement"])[-1] == "UseTheMlflowTrackingServer"
    assert "UseTheMlflowTrackingServer" not in sids(role_statements(synthesized[0], synthesized[1]["vision"]))


# Sizes: what IAM accepts once CloudFormation resolves the policies

# Stand-ins for what stays a token in an environment-agnostic stack, each at least as long as
# any value it can take: the longest partition (aws-us-gov), a region name longer than any
# (14 characters today), and a role ARN with the longest partition and role name (64).
STAND_INS = {
    "AWS::Partition": "aws-us-gov",
    "AWS::Region": "r" * 20,
    "AWS::AccountId": ACCOUNT,
    "AWS::URLSuffix": "amazonaws.com.cn",
}
ROLE_ARN_STAND_IN = f"arn:aws-us-gov:iam::{ACCOUNT}:role/{'r' * 64}"


def resolve(node: Any, roles: set[str]) -> Any:
    """`node` as CloudFormation resolves it, every token replaced by its stand-in; any other
    token fails the test rather than being guessed."""
    if isinstance(node, dict):
        if "Fn::Join" in node:
            separator, parts = node["Fn::Join"]
            return separator.join(str(resolve(part, roles)) for part in parts)
        if "Ref" in node:
            assert node["Ref"] in STAND_INS, f"no stand-in for {node}"
            return STAND_INS[node["Ref"]]
        if "Fn::GetAtt" in node:
            assert node["Fn::GetAtt"][0] in roles, f"no stand-in for {node}"
            assert node["Fn::GetAtt"][1] == "Arn", f"no stand-in for {node}"
            return ROLE_ARN_STAND_IN
        assert not [key for key in node if key.startswith("Fn::")], f"no stand-in for {node}"
        return {key: resolve(value, roles) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(value, roles) for value in node]
    return node


@pytest.fixture(scope="module")
def agnostic() -> Synthesized:
    """The sample team, the longest team (with the longest project and environment) and a team
    with many model groups, in an environment-agnostic stack: partition, region and account are
    tokens, resolved by `STAND_INS`."""
    app = new_platform_app(outdir=tempfile.mkdtemp(prefix="cdk-probe-"), context=project_context())
    stack = cdk.Stack(app, "Agnostic")
    rails = guardrails(stack)
    vision = role(stack, "vision", rails, groups=("mlexp-dev-defect-detector",), mlflow=False)
    longest = role(
        stack, LONGEST_TEAM, rails, groups=LONGEST_GROUPS, mlflow=True, buckets=LONGEST_BUCKET, stage=LONGEST_STAGE
    )
    many = role(stack, "forecasting", rails, groups=groups_of_a_team_with_many(), mlflow=True)
    ids = {
        "vision": logical_id(vision.role),
        "longest": logical_id(longest.role),
        "guardrails": logical_id(rails.policy),
    }
    ids |= {**policy_ids(vision), **policy_ids(longest), **policy_ids(many)}
    ids |= {key.replace(LONGEST_TEAM, "longest"): value for key, value in ids.items()}
    return dict(template(stack).to_json()), ids


MANY_GROUPS = MAX_MODEL_GROUPS_PER_TEAM


def groups_of_a_team_with_many() -> tuple[str, ...]:
    """The model package groups of `forecasting` in a config the validator accepts: its own and
    as many more as a team may own, named as long as a group name may be (63 characters with the
    stage prefix)."""

    def change(data: dict[str, Any]) -> None:
        data["environments"][0]["regions"] = data["environments"][0]["regions"][:1]
        data["model_groups"] += [{"name": f"{'g' * 50}-{i:02d}", "team": "forecasting"} for i in range(MANY_GROUPS - 1)]

    (plan,) = plan_stages(config_variant(change))
    (forecasting,) = [team for team in plan.teams if team.name == "forecasting"]
    assert len(forecasting.model_package_groups) == MANY_GROUPS
    assert {len(name) for name in forecasting.model_package_groups[1:]} == {63}
    return forecasting.model_package_groups


def resolved_length(synthesized: Synthesized, name: str) -> int:
    roles = set(resources(synthesized[0], "AWS::IAM::Role"))
    return compact_length(resolve(document(synthesized, name), roles))


@pytest.mark.parametrize("team", ["vision", "longest"])
@pytest.mark.parametrize("concern", CONCERNS)
def test_each_managed_policy_of_a_team_fits_iams_limit_once_resolved(
    agnostic: Synthesized, team: str, concern: str
) -> None:
    """6,144 characters for a customer-managed policy, whitespace excluded. `vision`: as in the
    sample. `longest`: a 32-character team, 63-character bucket and group names, four model
    groups, the MLflow server, the longest project and environment."""
    assert resolved_length(agnostic, f"{team}/{concern}") < MANAGED_POLICY_LIMIT


def test_a_team_with_as_many_model_groups_as_the_config_accepts_fits_iams_limit(agnostic: Synthesized) -> None:
    """The registry grows by two ARNs a group: it has a policy of its own, and the config refuses
    a team more groups than fit (tests/config)."""
    assert resolved_length(agnostic, "forecasting/Registry") < MANAGED_POLICY_LIMIT
    assert resolved_length(agnostic, "forecasting/Studio") < MANAGED_POLICY_LIMIT


def test_the_guardrails_fit_iams_limit_once_resolved(agnostic: Synthesized) -> None:
    assert resolved_length(agnostic, "guardrails") < MANAGED_POLICY_LIMIT


def inline_policies(template_json: Json, role_id: str) -> list[str]:
    return [
        lid
        for lid, policy in resources(template_json, "AWS::IAM::Policy").items()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
    ]


@pytest.mark.parametrize("team", ["vision", "longest"])
def test_the_inline_policy_fits_iams_limit_once_resolved(agnostic: Synthesized, team: str) -> None:
    """10,240 characters for all inline policies of a role together, whitespace excluded."""
    template_json, ids = agnostic
    assert inline_policies(template_json, ids[team]) == [ids[f"{team}/inline"]]
    assert resolved_length(agnostic, f"{team}/inline") < INLINE_POLICY_LIMIT


def test_the_stand_ins_resolve_every_token(agnostic: Synthesized) -> None:
    """The agnostic stack leaves partition, region and account to CloudFormation: the sizes
    above count them at their stand-ins, not at the sample's values."""
    text = str(document(agnostic, "longest/Studio"))
    for pseudo in ("AWS::Partition", "AWS::Region", "AWS::AccountId"):
        assert f"'Ref': '{pseudo}'" in text


# The packs


def _team_role(stack: cdk.Stack) -> None:
    rails = guardrails(stack)
    role(stack, "vision", rails, groups=("mlexp-dev-defect-detector",), mlflow=True)


PROBES = register({"TeamRole": _team_role})


def test_a_team_role_with_its_policies_passes_the_packs(pack_findings: dict[str, list[Finding]]) -> None:
    """Every wildcard of the managed policies is explained where it is written, and nothing else
    in the role, its policies or the guardrails is a finding of the compliance packs."""
    assert [f.line() for f in pack_findings["TeamRole"]] == []
