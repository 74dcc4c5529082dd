"""The reference pipeline definition: sound as built, and the validator catches each breakage."""

from __future__ import annotations

import copy
import json
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from platform_config.image_uris import published_image
from platform_constructs.pipeline_definition import (
    ACCURACY_PATH,
    PROPERTY_FILE,
    build_definition,
)
from platform_constructs.pipeline_validation import MAX_DEFINITION_BYTES, validate
from tests.support.datasets import write_dataset
from tests.support.reference_inputs import reference_inputs
from tests.support.step_process import StepProcesses
from tests.support.synth import ROOT, Synthesized, resources

CODE = ROOT / "pipelines" / "reference" / "code"
INPUTS = reference_inputs(
    role_arn="arn:aws:iam::111122223333:role/team",
    image_uri="111122223333.dkr.ecr.us-east-1.amazonaws.com/img:1",
    subnet_ids=["subnet-a", "subnet-b"],
)


def steps(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {}
    for step in definition["Steps"]:
        found[step["Name"]] = step
        for nested in step["Arguments"].get("IfSteps", []) + step["Arguments"].get("ElseSteps", []):
            found[nested["Name"]] = nested
    return found


def test_definition_is_sound_json_within_the_limit() -> None:
    definition = build_definition(INPUTS)
    assert validate(definition) == []
    body = json.dumps(definition)
    assert json.loads(body) == definition
    assert len(body.encode()) < MAX_DEFINITION_BYTES


def test_shape_preprocess_train_evaluate_then_register_or_fail() -> None:
    definition = build_definition(INPUTS)
    assert [s["Name"] for s in definition["Steps"]] == ["Preprocess", "Train", "Evaluate", "CheckAccuracy"]
    check = steps(definition)["CheckAccuracy"]["Arguments"]
    assert [s["Type"] for s in check["IfSteps"]] == ["RegisterModel"]
    assert [s["Type"] for s in check["ElseSteps"]] == ["Fail"]
    condition = check["Conditions"][0]
    assert condition["Type"] == "GreaterThanOrEqualTo"
    assert condition["LeftValue"]["Std:JsonGet"]["Path"] == ACCURACY_PATH
    assert condition["RightValue"] == {"Get": "Parameters.AccuracyThreshold"}


def test_every_parameter_has_a_default() -> None:
    parameters = {p["Name"]: p for p in build_definition(INPUTS)["Parameters"]}
    assert set(parameters) == {
        "InputDataUri",
        "CodeUri",
        "GitCommit",
        "SourceRepository",
        "ProcessingInstanceType",
        "TrainingInstanceType",
        "AccuracyThreshold",
    }
    assert all("DefaultValue" in p for p in parameters.values())
    assert parameters["AccuracyThreshold"] == {"Name": "AccuracyThreshold", "Type": "Float", "DefaultValue": 0.8}


def test_every_job_runs_in_the_vpc_with_kms() -> None:
    found = steps(build_definition(INPUTS))
    network = {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-a", "subnet-b"]}
    for name in ("Preprocess", "Evaluate"):
        args = found[name]["Arguments"]
        assert args["NetworkConfig"]["VpcConfig"] == network
        assert args["NetworkConfig"]["EnableInterContainerTrafficEncryption"] is True
        assert args["ProcessingOutputConfig"]["KmsKeyId"] == INPUTS.key_arn
        assert args["ProcessingResources"]["ClusterConfig"]["VolumeKmsKeyId"] == INPUTS.key_arn
        assert args["RoleArn"] == INPUTS.role_arn
    train = found["Train"]["Arguments"]
    assert train["VpcConfig"] == network
    assert train["OutputDataConfig"]["KmsKeyId"] == INPUTS.key_arn
    assert train["ResourceConfig"]["VolumeKmsKeyId"] == INPUTS.key_arn


def test_registers_pending_approval_with_lineage() -> None:
    definition = build_definition(INPUTS)
    register = steps(definition)["RegisterModel"]["Arguments"]
    assert register["ModelApprovalStatus"] == "PendingManualApproval"
    assert register["ModelPackageGroupName"] == "mlexp-dev-defect-detector"
    assert register["MetadataProperties"] == {
        "CommitId": {"Get": "Parameters.GitCommit"},
        "Repository": {"Get": "Parameters.SourceRepository"},
        "GeneratedBy": {"Get": "Execution.PipelineExecutionArn"},
    }
    assert set(register["CustomerMetadataProperties"]) == {
        "InputDataUri",
        "CodeUri",
        "ImageUri",
        "GitCommit",
        "EvaluationReport",
    }
    assert definition["PipelineExperimentConfig"] == {
        "ExperimentName": {"Get": "Execution.PipelineName"},
        "TrialName": {"Get": "Execution.PipelineExecutionId"},
    }


def test_outputs_stay_under_the_team_prefix() -> None:
    body = json.dumps(build_definition(INPUTS))
    assert '"artifacts", "vision", "pipelines", "reference"' in body
    for step in ("Preprocess", "Evaluate"):
        for output in steps(build_definition(INPUTS))[step]["Arguments"]["ProcessingOutputConfig"]["Outputs"]:
            assert output["S3Output"]["S3Uri"]["Std:Join"]["Values"][:3] == ["s3:/", "artifacts", "vision"]


def _drop_parameter(d: dict[str, Any]) -> None:
    d["Parameters"] = [p for p in d["Parameters"] if p["Name"] != "TrainingInstanceType"]


def _no_default(d: dict[str, Any]) -> None:
    d["Parameters"][0].pop("DefaultValue")


def _rename_step(d: dict[str, Any]) -> None:
    d["Steps"][0]["Name"] = "Prepare"


def _no_vpc(d: dict[str, Any]) -> None:
    d["Steps"][1]["Arguments"].pop("VpcConfig")


def _no_processing_vpc(d: dict[str, Any]) -> None:
    d["Steps"][2]["Arguments"]["NetworkConfig"].pop("VpcConfig")


def _no_output_kms(d: dict[str, Any]) -> None:
    d["Steps"][0]["Arguments"]["ProcessingOutputConfig"].pop("KmsKeyId")


def _no_volume_kms(d: dict[str, Any]) -> None:
    d["Steps"][1]["Arguments"]["ResourceConfig"].pop("VolumeKmsKeyId")


def _approved(d: dict[str, Any]) -> None:
    d["Steps"][3]["Arguments"]["IfSteps"][0]["Arguments"]["ModelApprovalStatus"] = "Approved"


def _no_property_file(d: dict[str, Any]) -> None:
    d["Steps"][2]["PropertyFiles"] = []


def _no_output(d: dict[str, Any]) -> None:
    d["Steps"][0]["Arguments"]["ProcessingOutputConfig"]["Outputs"].pop()


def _too_big(d: dict[str, Any]) -> None:
    d["Metadata"] = {"padding": "x" * MAX_DEFINITION_BYTES}


BREAKAGES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "missing parameter": (_drop_parameter, "Parameters.TrainingInstanceType: no such parameter"),
    "parameter without default": (_no_default, "parameter InputDataUri has no default"),
    "missing step": (_rename_step, "no such step"),
    "training outside the VPC": (_no_vpc, "step Train: no VPC configuration"),
    "processing outside the VPC": (_no_processing_vpc, "step Evaluate: no VPC configuration"),
    "unencrypted outputs": (_no_output_kms, "step Preprocess: outputs not encrypted with KMS"),
    "unencrypted volume": (_no_volume_kms, "step Train: volume not encrypted with KMS"),
    "registered as approved": (_approved, "step RegisterModel: registers as Approved"),
    "missing property file": (_no_property_file, f"step Evaluate has no property file {PROPERTY_FILE}"),
    "missing output": (_no_output, "step Preprocess has no output test"),
    "over the size limit": (_too_big, "over 1048576"),
}


@pytest.mark.parametrize("case", sorted(BREAKAGES))
def test_validator_catches(case: str) -> None:
    breakage, message = BREAKAGES[case]
    definition = copy.deepcopy(build_definition(INPUTS))
    breakage(definition)
    problems = validate(definition)
    assert any(message in problem for problem in problems), problems


def _resolve_for_json(node: Any) -> str:
    """A CloudFormation Fn::Join of a JSON body, with every intrinsic replaced by a plain token."""
    if isinstance(node, str):
        return node
    if isinstance(node, dict) and "Fn::Join" in node:
        separator, parts = node["Fn::Join"]
        return str(separator).join(_resolve_for_json(part) for part in parts)
    return "TOKEN"


def test_synthesized_pipelines_validate(sample: Synthesized) -> None:
    for stage in ("dev-us-east-1", "dev-eu-west-1"):
        template = sample.template(stage, "Pipelines")
        every = resources(template, "AWS::SageMaker::Pipeline")
        assert {p["Properties"]["PipelineName"] for p in every.values()} == {
            "mlexp-dev-vision--reference",
            "mlexp-dev-forecasting--reference",
            "mlexp-dev-vision--batch-defect-detector",  # the served group's batch inference
        }
        for pipeline in every.values():
            body = json.loads(_resolve_for_json(pipeline["Properties"]["PipelineDefinition"]["PipelineDefinitionBody"]))
            assert validate(body) == []
        pipelines = {lid: p for lid, p in every.items() if p["Properties"]["PipelineName"].endswith("--reference")}
        for pipeline in pipelines.values():
            body = json.loads(_resolve_for_json(pipeline["Properties"]["PipelineDefinition"]["PipelineDefinitionBody"]))
            assert validate(body) == []
            team = pipeline["Properties"]["PipelineName"].split("-")[2]
            assert f"Team{team}" in json.dumps(pipeline["Properties"]["RoleArn"])
            region = stage.removeprefix("dev-")
            job = steps(body)["Train" if team == "forecasting" else "Tune"]["Arguments"]
            image = job.get("TrainingJobDefinition", job)["AlgorithmSpecification"]["TrainingImage"]
            assert image == published_image("sklearn", region).uri
            names = [step["Name"] for step in body["Steps"]]
            if team == "vision":  # tunes and computes baselines with the region's analyzer
                assert names == [
                    "Preprocess",
                    "Tune",
                    "AssociateTuningRuns",
                    "Evaluate",
                    "DataQualityBaseline",
                    "ModelQualityBaseline",
                    "CheckAccuracy",
                ]
                analyzer = steps(body)["DataQualityBaseline"]["Arguments"]["AppSpecification"]["ImageUri"]
                assert analyzer == published_image("model-monitor", region).uri
                assert "DriftCheckBaselines" in steps(body)["RegisterModel"]["Arguments"]
            else:  # the old shape
                assert names == ["Preprocess", "Train", "Evaluate", "CheckAccuracy"]
            assert {"Key": "Team", "Value": team} in pipeline["Properties"]["Tags"]


def _run_steps(processes: StepProcesses, work: Path) -> dict[str, Any]:
    """The three steps as their containers run them, with SageMaker's paths under `work`."""

    def run(script: str, *args: str) -> None:
        processes.run([CODE / script, *args])

    run("preprocess.py", "--input", str(work / "raw"), "--train", str(work / "train"), "--test", str(work / "test"))
    (work / "config").mkdir()
    (work / "config" / "hyperparameters.json").write_text(
        json.dumps({"regularization": "1.0", "max-iterations": "200"})
    )
    run(
        "train.py",
        "--train",
        str(work / "train"),
        "--hyperparameters",
        str(work / "config" / "hyperparameters.json"),
        "--model-dir",
        str(work / "model"),
    )
    (work / "packaged").mkdir()  # SageMaker hands evaluate the model as model.tar.gz
    with tarfile.open(work / "packaged" / "model.tar.gz", "w:gz") as tar:
        tar.add(work / "model" / "model.joblib", arcname="model.joblib")
    run(
        "evaluate.py",
        "--model",
        str(work / "packaged"),
        "--test",
        str(work / "test"),
        "--output",
        str(work / "evaluation"),
        "--predictions",
        str(work / "predictions"),
    )
    report: dict[str, Any] = json.loads((work / "evaluation" / "evaluation.json").read_text())
    return report


def test_reference_code_runs_end_to_end_and_reproduces(tmp_path: Path, step_processes: StepProcesses) -> None:
    definition = build_definition(INPUTS)
    (property_file,) = steps(definition)["Evaluate"]["PropertyFiles"]
    reports = []
    # The second run on a server of its own: a new hash seed and random state, as a new container has.
    with StepProcesses() as second_server:
        for run, processes in (("first", step_processes), ("second", second_server)):
            work = tmp_path / run
            write_dataset(work / "raw")
            reports.append(_run_steps(processes, work))
            assert property_file["FilePath"] == "evaluation.json"
    value: Any = reports[0]
    for part in ACCURACY_PATH.split("."):
        value = value[part]
    assert isinstance(value, float)
    assert value >= INPUTS.accuracy_threshold
    assert reports[0] == reports[1]  # same data, same code, same numbers
    assert (tmp_path / "first" / "train" / "train.csv").read_bytes() == (
        tmp_path / "second" / "train" / "train.csv"
    ).read_bytes()
