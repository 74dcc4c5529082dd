"""Model registry, experiments, MLflow and the approval flow."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stacks.registry_stack import MLFLOW_LOGICAL_ID, experiment_logical_id, group_logical_id
from tests.stages import SAMPLE_STAGES
from tests.support.synth import Synthesized, Template, resources

STAGES = sorted(SAMPLE_STAGES)
APPROVER = "arn:aws:iam::111122223333:role/ml-model-approvers"


def registry(synth: Synthesized, stage: str = "dev-us-east-1") -> Template:
    return synth.template(stage, "Registry")


def group_policy(template: Template, group: str) -> dict[str, Any]:
    policy = template["Resources"][group_logical_id(group)]["Properties"]["ModelPackageGroupPolicy"]
    return policy if isinstance(policy, dict) else json.loads(policy)


@pytest.mark.parametrize("stage", STAGES)
def test_one_retained_group_per_model_group(sample: Synthesized, stage: str) -> None:
    template = registry(sample, stage)
    groups = resources(template, "AWS::SageMaker::ModelPackageGroup")
    assert sorted(groups) == sorted(group_logical_id(g.name) for g in sample.config.model_groups)
    for group in sample.config.model_groups:
        resource = template["Resources"][group_logical_id(group.name)]
        assert resource["Properties"]["ModelPackageGroupName"] == f"mlexp-dev-{group.name}"
        assert resource["Properties"]["ModelPackageGroupDescription"] == group.description
        assert resource["DeletionPolicy"] == "Retain"
        assert resource["UpdateReplacePolicy"] == "Retain"
        assert {"Key": "Team", "Value": group.team} in resource["Properties"]["Tags"]


def test_group_create_only_values_do_not_depend_on_the_owning_team(mutated: Synthesized) -> None:
    """`mutated` hands defect-detector to forecasting and drops the descriptions: the name stays,
    and the description becomes the default, which depends on the group's name only."""
    props = registry(mutated)["Resources"][group_logical_id("defect-detector")]["Properties"]
    assert props["ModelPackageGroupName"] == "mlexp-dev-defect-detector"
    assert props["ModelPackageGroupDescription"] == "Versions of model defect-detector"
    assert {"Key": "Team", "Value": "forecasting"} in props["Tags"]


def test_only_the_approver_role_may_change_approval_status(sample: Synthesized) -> None:
    template = registry(sample)
    approver_id = next(
        lid
        for lid, r in resources(template, "AWS::IAM::Role").items()
        if r["Properties"]["Description"].startswith("Approves or rejects")
    )
    for group in sample.config.model_groups:
        deny = next(
            s
            for s in group_policy(template, group.name)["Statement"]
            if s["Sid"] == "OnlyApproversChangeApprovalStatus"
        )
        assert deny["Effect"] == "Deny"
        assert deny["Principal"] == {"AWS": "*"}
        assert deny["Action"] == "sagemaker:UpdateModelPackage"
        assert deny["Condition"]["Null"] == {"sagemaker:ModelApprovalStatus": "false"}
        assert deny["Condition"]["ArnNotLike"] == {"aws:PrincipalArn": {"Fn::GetAtt": [approver_id, "Arn"]}}
        assert f"model-package/mlexp-dev-{group.name}/*" in json.dumps(deny["Resource"])
    trust = template["Resources"][approver_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in trust] == [{"AWS": APPROVER}]


def test_consumer_accounts_may_read_their_group_only(sample: Synthesized) -> None:
    template = registry(sample)
    forecast = group_policy(template, "demand-forecast")["Statement"]
    read = next(s for s in forecast if s["Sid"] == "ConsumerAccountsRead")
    assert read["Principal"] == {"AWS": "arn:aws:iam::444455556666:root"}
    assert set(read["Action"]) == {
        "sagemaker:DescribeModelPackageGroup",
        "sagemaker:DescribeModelPackage",
        "sagemaker:ListModelPackages",
    }
    assert [s["Sid"] for s in group_policy(template, "defect-detector")["Statement"]] == [
        "OnlyApproversChangeApprovalStatus",
        "OnlyApproversRegisterOtherThanPending",
    ]


@pytest.mark.parametrize("stage", STAGES)
def test_configured_experiments_exist_retained_with_pinned_ids(sample: Synthesized, stage: str) -> None:
    template = registry(sample, stage)
    expected = {
        experiment_logical_id(t.name, e.name): (f"mlexp-dev-{t.name}-{e.name}", e.description, t.name)
        for t in sample.config.teams
        for e in t.experiments
    }
    found = resources(template, "AWS::SageMaker::Experiment")
    assert sorted(found) == sorted(expected)
    for logical_id, (name, description, team) in expected.items():
        resource = found[logical_id]
        assert resource["Properties"]["ExperimentName"] == name
        assert resource["Properties"]["Description"] == description
        assert resource["DeletionPolicy"] == "Retain"
        assert {"Key": "Team", "Value": team} in resource["Properties"]["Tags"]


def test_mlflow_is_off_in_the_sample(sample: Synthesized) -> None:
    for stage in STAGES:
        assert resources(registry(sample, stage), "AWS::SageMaker::MlflowTrackingServer") == {}


@pytest.fixture(scope="module")
def with_mlflow(everything_on: Synthesized) -> Synthesized:
    return everything_on


MLFLOW_STAGE = "dev-us-east-1"


def test_mlflow_server_when_enabled(with_mlflow: Synthesized) -> None:
    template = registry(with_mlflow, MLFLOW_STAGE)
    server = template["Resources"][MLFLOW_LOGICAL_ID]
    props = server["Properties"]
    assert props["TrackingServerName"] == "mlexp-dev-mlflow"
    assert props["TrackingServerSize"] == "Medium"
    assert props["WeeklyMaintenanceWindowStart"] == "Tue:02:30"
    assert props["AutomaticModelRegistration"] is True
    assert props["MlflowVersion"] == "2.16"
    store = json.dumps(props["ArtifactStoreUri"])
    assert "ArtifactsBucket" in store
    assert "/mlflow" in store
    assert server["DeletionPolicy"] == "Delete"  # dev is a throwaway environment in this variant
    retained = registry(with_mlflow, "prod-us-east-1")["Resources"][MLFLOW_LOGICAL_ID]
    assert (retained["DeletionPolicy"], retained["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_mlflow_role_is_its_own_and_scoped(with_mlflow: Synthesized) -> None:
    template = registry(with_mlflow, MLFLOW_STAGE)
    role_id = template["Resources"][MLFLOW_LOGICAL_ID]["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    statements = [
        s
        for p in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    writes = [s for s in statements if "s3:PutObject" in s["Action"]]
    assert len(writes) == 1
    assert '"/mlflow/*"' in json.dumps(writes[0]["Resource"])
    register = next(s for s in statements if s.get("Sid") == "RegisterMlflowModels")
    assert "model-package-group/mlexp-dev-mlflow-*" in json.dumps(register["Resource"])
    assert all(s["Resource"] != "*" for s in statements)


def test_mlflow_reachable_from_the_vpc_and_usable_by_teams(with_mlflow: Synthesized) -> None:
    network = with_mlflow.template(MLFLOW_STAGE, "Network")
    services = {
        r["Properties"]["ServiceName"]
        for r in resources(network, "AWS::EC2::VPCEndpoint").values()
        if isinstance(r["Properties"]["ServiceName"], str)
    }
    assert "aws.sagemaker.us-east-1.experiments" in services
    studio = with_mlflow.template(MLFLOW_STAGE, "Studio")
    uses = [
        s
        for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
        for p in resources(studio, kind).values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "UseTheMlflowTrackingServer"
    ]
    assert len(uses) == len(with_mlflow.config.teams)
    assert all("MlflowTrackingServer" in json.dumps(s["Resource"]) for s in uses)


@pytest.mark.parametrize("stage", STAGES)
def test_approval_events_reach_an_encrypted_topic(sample: Synthesized, stage: str) -> None:
    template = sample.template(stage, "Pipelines")
    (rule,) = [
        r for lid, r in resources(template, "AWS::Events::Rule").items() if lid.startswith("ApprovalNotifications")
    ]
    assert rule["Properties"]["EventPattern"] == {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Model Package State Change"],
        "detail": {"ModelPackageGroupName": ["mlexp-dev-defect-detector", "mlexp-dev-demand-forecast"]},
    }
    ((topic_id, topic),) = [
        (lid, t) for lid, t in resources(template, "AWS::SNS::Topic").items() if lid.startswith("ApprovalNotifications")
    ]
    assert "PlatformKey" in json.dumps(topic["Properties"]["KmsMasterKeyId"])
    assert rule["Properties"]["Targets"][0]["Arn"] == {"Ref": topic_id}
    (subscription,) = [
        s for lid, s in resources(template, "AWS::SNS::Subscription").items() if lid.startswith("ApprovalNotifications")
    ]
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == "ml-platform@example.com"
    (topic_policy,) = [
        p for lid, p in resources(template, "AWS::SNS::TopicPolicy").items() if lid.startswith("ApprovalNotifications")
    ]
    statements = topic_policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
    )
    assert any(
        s.get("Principal") == {"Service": "events.amazonaws.com"} and s["Action"] == "sns:Publish" for s in statements
    )


def test_key_lets_eventbridge_deliver_to_encrypted_topics(sample: Synthesized) -> None:
    statements = sample.template("dev-us-east-1", "Data")["Resources"]["PlatformKey"]["Properties"]["KeyPolicy"][
        "Statement"
    ]
    (events,) = [s for s in statements if s.get("Principal") == {"Service": "events.amazonaws.com"}]
    assert sorted(events["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert events["Effect"] == "Allow"


def test_team_roles_run_only_their_own_pipelines(sample: Synthesized) -> None:
    studio = sample.template("dev-us-east-1", "Studio")
    runs = [
        s
        for p in resources(studio, "AWS::IAM::ManagedPolicy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "RunTeamPipelines"
    ]
    prefixes = sorted(json.dumps(s["Resource"]) for s in runs)
    assert len(prefixes) == 2
    # The double hyphen ends the team's prefix: no team name is a prefix of another's pipelines.
    assert "pipeline/mlexp-dev-forecasting--*" in prefixes[0]
    assert "pipeline/mlexp-dev-vision--*" in prefixes[1]
