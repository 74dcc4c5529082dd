"""Team execution roles (with the policies attached to them) and the permissions boundary."""

from __future__ import annotations

import json
from typing import Any

import pytest

from platform_constructs.permissions_boundary import DENIED
from tests.stages import SAMPLE_STAGES
from tests.support.synth import Synthesized, Template, resources

STAGES = sorted(SAMPLE_STAGES)
TEAMS = {"vision": ("mlexp-dev-defect-detector",), "forecasting": ("mlexp-dev-demand-forecast",)}
INLINE_POLICY_LIMIT = 10_240  # IAM: all inline policies of one role, whitespace excluded


def team_role(template: Template, team: str) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    """(logical id, role, statements of every policy attached to it)."""
    role_id = next(
        lid
        for lid, r in resources(template, "AWS::IAM::Role").items()
        if r["Properties"].get("Description") == f"SageMaker execution role of team {team}"
    )
    statements = [
        s
        for p in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    return role_id, template["Resources"][role_id], statements


def by_sid(statements: list[dict[str, Any]], sid: str) -> dict[str, Any]:
    found = [s for s in statements if s.get("Sid") == sid]
    assert len(found) == 1, sid
    return found[0]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def resolved_size(value: Any) -> int:
    """Length of the policy once CloudFormation resolves it, with generous stand-ins for ids."""

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "Fn::Join" in node:
                separator, parts = node["Fn::Join"]
                return separator.join(str(resolve(p)) for p in parts)
            if "Ref" in node:
                return "x" * 32
            if "Fn::GetAtt" in node or "Fn::GetStackOutput" in node:
                return "arn:aws:service:us-east-1:111122223333:" + "x" * 40
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return len(json.dumps(resolve(value), separators=(",", ":")))


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("team", sorted(TEAMS))
def test_role_is_for_sagemaker_with_no_managed_policies(sample: Synthesized, stage: str, team: str) -> None:
    _, role, _ = team_role(sample.template(stage, "Studio"), team)
    props = role["Properties"]
    assert props["AssumeRolePolicyDocument"]["Statement"] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}}
    ]
    assert "ManagedPolicyArns" not in props
    assert {"Key": "Team", "Value": team} in props["Tags"]


@pytest.mark.parametrize("team", sorted(TEAMS))
def test_data_access_is_read_datasets_and_team_prefix_of_artifacts(sample: Synthesized, team: str) -> None:
    _, _, statements = team_role(sample.template("dev-us-east-1", "Studio"), team)
    s3 = [s for s in statements if any(a.startswith("s3:") for a in as_list(s["Action"]))]
    writes = [s for s in s3 if any(a.startswith(("s3:Put", "s3:Delete", "s3:Abort")) for a in as_list(s["Action"]))]
    assert len(writes) == 1
    write_resources = json.dumps(writes[0]["Resource"])
    assert "Artifacts" in write_resources
    assert f'"/{team}/*"' in write_resources
    assert "Datasets" not in write_resources
    assert any("Datasets" in json.dumps(s["Resource"]) for s in s3)


@pytest.mark.parametrize("team", sorted(TEAMS))
def test_jobs_must_run_in_the_platform_vpc_with_kms(sample: Synthesized, team: str) -> None:
    _, _, statements = team_role(sample.template("dev-us-east-1", "Studio"), team)
    assert by_sid(statements, "DenyJobsWithoutThePlatformVpc")["Condition"] == {
        "Null": {"sagemaker:VpcSecurityGroupIds": "true", "sagemaker:VpcSubnets": "true"}
    }
    subnets = by_sid(statements, "DenyJobsInOtherSubnets")
    assert subnets["Effect"] == "Deny"
    assert len(subnets["Condition"]["ForAnyValue:StringNotEquals"]["sagemaker:VpcSubnets"]) == 3
    groups = by_sid(statements, "DenyJobsInOtherSecurityGroups")["Condition"]["ForAnyValue:StringNotEquals"]
    assert "StudioSecurityGroup" in json.dumps(groups)
    kms = by_sid(statements, "DenyJobsWithoutKms")
    assert kms["Condition"] == {"Null": {"sagemaker:OutputKmsKey": "true", "sagemaker:VolumeKmsKey": "true"}}
    assert "sagemaker:CreateTrainingJob" in kms["Action"]
    for sid in ("DenyJobsWithoutThePlatformVpc", "DenyJobsInOtherSubnets", "DenyJobsInOtherSecurityGroups"):
        assert set(by_sid(statements, sid)["Action"]) >= {
            "sagemaker:CreateTrainingJob",
            "sagemaker:CreateProcessingJob",
        }


@pytest.mark.parametrize("team", sorted(TEAMS))
def test_registers_only_in_own_groups_and_never_approves(sample: Synthesized, team: str) -> None:
    _, _, statements = team_role(sample.template("dev-us-east-1", "Studio"), team)
    register = json.dumps(by_sid(statements, "RegisterModelsInTeamGroups")["Resource"])
    for other, groups in TEAMS.items():
        for group in groups:
            assert (f"model-package-group/{group}" in register) == (other == team)
    assert by_sid(statements, "DenyApprovingModels") == {
        "Action": "sagemaker:UpdateModelPackage",
        "Condition": {"Null": {"sagemaker:ModelApprovalStatus": "false"}},
        "Effect": "Deny",
        "Resource": "*",
        "Sid": "DenyApprovingModels",
    }
    assert by_sid(statements, "DenyRegisteringApproved")["Condition"] == {
        "StringEquals": {"sagemaker:ModelApprovalStatus": "Approved"}
    }


@pytest.mark.parametrize("team", sorted(TEAMS))
def test_passes_only_itself_and_only_to_sagemaker(sample: Synthesized, team: str) -> None:
    role_id, _, statements = team_role(sample.template("dev-us-east-1", "Studio"), team)
    passes = [s for s in statements if "iam:PassRole" in as_list(s["Action"])]
    assert passes == [
        {
            "Action": "iam:PassRole",
            "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [role_id, "Arn"]},
            "Sid": "PassOnlyItselfToSageMaker",
        }
    ]


@pytest.mark.parametrize("team", sorted(TEAMS))
def test_wildcard_resources_only_where_iam_has_no_resource_level_permissions(sample: Synthesized, team: str) -> None:
    _, _, statements = team_role(sample.template("dev-us-east-1", "Studio"), team)
    wildcard_allows = {s["Sid"] for s in statements if s["Effect"] == "Allow" and s["Resource"] == "*"}
    assert wildcard_allows == {"SearchAndList", "PutSageMakerMetrics", "EcrLogin", "DescribeNetwork"}
    assert by_sid(statements, "PutSageMakerMetrics")["Condition"]["StringLike"]["cloudwatch:namespace"]


@pytest.mark.parametrize("team", sorted(TEAMS))
def test_inline_policies_fit_iam_limit(sample: Synthesized, team: str) -> None:
    role_id, _, _ = team_role(sample.template("dev-us-east-1", "Studio"), team)
    docs = [
        p["Properties"]["PolicyDocument"]
        for p in resources(sample.template("dev-us-east-1", "Studio"), "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
    ]
    assert sum(resolved_size(doc) for doc in docs) < INLINE_POLICY_LIMIT


def test_every_role_in_every_stack_has_the_platform_boundary(sample: Synthesized, disposable: Synthesized) -> None:
    roles = 0
    for synth in (sample, disposable):
        for name, stack in synth.stacks.items():
            region = name.split("/")[0].removeprefix("dev-")
            for logical_id, role in resources(stack.template, "AWS::IAM::Role").items():
                roles += 1
                boundary = json.dumps(role["Properties"].get("PermissionsBoundary"))
                assert f"policy/mlexp-dev-{region}-boundary" in boundary, f"{name} {logical_id}"
    assert roles > 20


@pytest.mark.parametrize("stage", STAGES)
def test_boundary_policy_allows_platform_services_and_denies_escalation(sample: Synthesized, stage: str) -> None:
    template = sample.template(stage, "Guardrails")
    (policy,) = resources(template, "AWS::IAM::ManagedPolicy").values()
    region = SAMPLE_STAGES[stage][1].name
    assert policy["Properties"]["ManagedPolicyName"] == f"mlexp-dev-{region}-boundary"
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert set(statements) == {"AllowedServices", *DENIED}
    assert "iam:PassRole" in statements["AllowedServices"]["Action"]
    assert not any(a.startswith("iam:") and a != "iam:PassRole" for a in statements["AllowedServices"]["Action"])
    assert "iam:Put*" in statements["NoIdentityOrBoundaryChanges"]["Action"]
    assert "sagemaker:DeleteModelPackageGroup" in statements["NoStatefulSageMakerDeletes"]["Action"]


def test_stacks_that_hold_roles_deploy_after_the_boundary(sample: Synthesized) -> None:
    for name, stack in sample.stacks.items():
        stage, stack_id = name.split("/")
        if stack_id != "Guardrails":
            assert f"{stage}/Guardrails" in stack.dependencies, name
