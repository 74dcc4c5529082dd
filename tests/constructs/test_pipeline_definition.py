"""The reference pipeline's definition: preprocess, train, evaluate, then register as pending or
fail; every job in the platform's network with the key and the team's tag."""

from __future__ import annotations

from typing import Any

import pytest

from platform_constructs.pipeline_definition import (
    ACCURACY,
    build_definition,
)
from platform_constructs.pipeline_steps import SCHEMA_VERSION, get, join
from platform_constructs.pipeline_validation import validate
from tests.support.reference_inputs import reference_inputs

KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
INPUTS = reference_inputs(
    image_uri="111122223333.dkr.ecr.us-east-1.amazonaws.com/mlexp-sklearn:1.4-2",
    key_arn=KEY,
    subnet_ids=["subnet-a", "subnet-b"],
    training_instance_type="ml.m5.large",
)
RUN_PREFIX = ["s3:/", "artifacts", "vision", "pipelines", "reference", {"Get": "Execution.PipelineExecutionId"}]


@pytest.fixture(scope="module")
def definition() -> dict[str, Any]:
    return build_definition(INPUTS)


def all_steps(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    steps: dict[str, dict[str, Any]] = {}
    pending = list(definition["Steps"])
    while pending:
        step = pending.pop(0)
        steps[step["Name"]] = step
        pending += step["Arguments"].get("IfSteps", []) + step["Arguments"].get("ElseSteps", [])
    return steps


def jobs(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n: s["Arguments"] for n, s in all_steps(definition).items() if s["Type"] in {"Processing", "Training"}}


def test_the_definition_is_sound(definition: dict[str, Any]) -> None:
    assert validate(definition) == []


def test_the_steps_are_preprocess_train_evaluate_and_a_check(definition: dict[str, Any]) -> None:
    assert definition["Version"] == SCHEMA_VERSION
    assert [(s["Name"], s["Type"]) for s in definition["Steps"]] == [
        ("Preprocess", "Processing"),
        ("Train", "Training"),
        ("Evaluate", "Processing"),
        ("CheckAccuracy", "Condition"),
    ]


def test_every_job_runs_in_the_platform_subnets_and_group(definition: dict[str, Any]) -> None:
    network = {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-a", "subnet-b"]}
    for name, arguments in jobs(definition).items():
        vpc = arguments["VpcConfig"] if "VpcConfig" in arguments else arguments["NetworkConfig"]["VpcConfig"]
        assert vpc == network, name


def test_every_job_encrypts_volumes_and_outputs_with_the_platform_key(definition: dict[str, Any]) -> None:
    for name, arguments in jobs(definition).items():
        if "ProcessingResources" in arguments:
            keys = (
                arguments["ProcessingResources"]["ClusterConfig"]["VolumeKmsKeyId"],
                arguments["ProcessingOutputConfig"]["KmsKeyId"],
            )
        else:
            keys = (arguments["ResourceConfig"]["VolumeKmsKeyId"], arguments["OutputDataConfig"]["KmsKeyId"])
        assert keys == (KEY, KEY), name


def test_every_job_carries_the_team_tag_the_team_role_requires(definition: dict[str, Any]) -> None:
    for name, arguments in jobs(definition).items():
        assert arguments["Tags"] == [{"Key": "Team", "Value": "vision"}], name


def test_every_job_runs_as_the_team_role(definition: dict[str, Any]) -> None:
    assert {arguments["RoleArn"] for arguments in jobs(definition).values()} == {INPUTS.role_arn}


def test_every_output_is_under_the_teams_prefix_and_the_execution(definition: dict[str, Any]) -> None:
    uris = [
        o["S3Output"]["S3Uri"]
        for a in jobs(definition).values()
        for o in a.get("ProcessingOutputConfig", {}).get("Outputs", [])
    ]
    uris.append(jobs(definition)["Train"]["OutputDataConfig"]["S3OutputPath"])
    assert [u["Std:Join"]["Values"][:-1] for u in uris] == [RUN_PREFIX] * len(uris)


def test_a_version_is_registered_only_as_pending_manual_approval(definition: dict[str, Any]) -> None:
    register = all_steps(definition)["RegisterModel"]["Arguments"]
    assert (register["ModelPackageGroupName"], register["ModelApprovalStatus"]) == (
        "mlexp-dev-defect-detector",
        "PendingManualApproval",
    )


def test_a_version_carries_the_lineage_a_reproduction_needs(definition: dict[str, Any]) -> None:
    register = all_steps(definition)["RegisterModel"]["Arguments"]
    assert register["MetadataProperties"] == {
        "CommitId": get("Parameters.GitCommit"),
        "Repository": get("Parameters.SourceRepository"),
        "GeneratedBy": get("Execution.PipelineExecutionArn"),
    }
    assert register["CustomerMetadataProperties"] == {
        "InputDataUri": get("Parameters.InputDataUri"),
        "CodeUri": get("Parameters.CodeUri"),
        "ImageUri": INPUTS.image_uri,
        "GitCommit": get("Parameters.GitCommit"),
        "EvaluationReport": join(
            get("Steps.Evaluate.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri"), "evaluation.json"
        ),
    }


def test_a_version_points_at_its_evaluation_report(definition: dict[str, Any]) -> None:
    statistics = all_steps(definition)["RegisterModel"]["Arguments"]["ModelMetrics"]["ModelQuality"]["Statistics"]
    assert statistics["S3Uri"] == join(
        {"Get": "Steps.Evaluate.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri"}, "evaluation.json"
    )


def test_registration_depends_on_accuracy_reaching_the_threshold(definition: dict[str, Any]) -> None:
    check = all_steps(definition)["CheckAccuracy"]["Arguments"]
    assert check["Conditions"] == [
        {"Type": "GreaterThanOrEqualTo", "LeftValue": ACCURACY, "RightValue": get("Parameters.AccuracyThreshold")}
    ]
    assert [s["Name"] for s in check["IfSteps"]] == ["RegisterModel"]
    assert [(s["Name"], s["Type"]) for s in check["ElseSteps"]] == [("AccuracyBelowThreshold", "Fail")]


def test_every_parameter_has_a_default_from_the_inputs(definition: dict[str, Any]) -> None:
    defaults = {p["Name"]: p["DefaultValue"] for p in definition["Parameters"]}
    assert defaults == {
        "InputDataUri": join("s3:/", "datasets", "vision", "reference", "raw"),
        "CodeUri": join("s3:/", "artifacts", "vision", "pipelines", "reference", "code"),
        "GitCommit": "unknown",
        "SourceRepository": "unknown",
        "ProcessingInstanceType": "ml.m5.xlarge",
        "TrainingInstanceType": "ml.m5.large",
        "AccuracyThreshold": 0.8,
    }


def test_each_execution_is_a_trial_of_the_pipelines_experiment(definition: dict[str, Any]) -> None:
    assert definition["PipelineExperimentConfig"] == {
        "ExperimentName": get("Execution.PipelineName"),
        "TrialName": get("Execution.PipelineExecutionId"),
    }
