"""`validate` finds each kind of problem in a pipeline definition, one line each, without AWS."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest

from platform_constructs.batch_pipeline import MODEL_STEP, TRANSFORM_STEP, build_batch_definition
from platform_constructs.pipeline_definition import build_definition
from platform_constructs.pipeline_validation import MAX_DEFINITION_BYTES, validate
from tests.constructs.test_batch_pipeline import INPUTS as BATCH_INPUTS
from tests.constructs.test_pipeline_definition import INPUTS

Definition = dict[str, Any]


@pytest.fixture
def sound() -> Definition:
    return copy.deepcopy(build_definition(INPUTS))


def step(definition: Definition, name: str) -> dict[str, Any]:
    for candidate in definition["Steps"]:
        if candidate["Name"] == name:
            found: dict[str, Any] = candidate
            return found
        for nested in candidate["Arguments"].get("IfSteps", []) + candidate["Arguments"].get("ElseSteps", []):
            if nested["Name"] == name:
                found = nested
                return found
    raise KeyError(name)


def _no_default(d: Definition) -> None:
    del d["Parameters"][0]["DefaultValue"]


def _unknown_parameter(d: Definition) -> None:
    step(d, "Train")["Arguments"]["HyperParameters"]["regularization"] = {"Get": "Parameters.Regularization"}


def _unknown_step(d: Definition) -> None:
    step(d, "Train")["Arguments"]["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] = {
        "Get": "Steps.Prepare.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"
    }


def _unknown_output(d: Definition) -> None:
    step(d, "Train")["Arguments"]["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] = {
        "Get": "Steps.Preprocess.ProcessingOutputConfig.Outputs['validation'].S3Output.S3Uri"
    }


def _unknown_property_file(d: Definition) -> None:
    step(d, "CheckAccuracy")["Arguments"]["Conditions"][0]["LeftValue"] = {
        "Std:JsonGet": {
            "PropertyFile": {"Get": "Steps.Evaluate.PropertyFiles.Report"},
            "Path": "metrics.accuracy.value",
        }
    }


def _unknown_root(d: Definition) -> None:
    step(d, "Train")["Arguments"]["HyperParameters"]["seed"] = {"Get": "Context.Seed"}


def _processing_without_vpc(d: Definition) -> None:
    del step(d, "Preprocess")["Arguments"]["NetworkConfig"]["VpcConfig"]


def _processing_outputs_without_key(d: Definition) -> None:
    del step(d, "Evaluate")["Arguments"]["ProcessingOutputConfig"]["KmsKeyId"]


def _processing_volume_without_key(d: Definition) -> None:
    del step(d, "Preprocess")["Arguments"]["ProcessingResources"]["ClusterConfig"]["VolumeKmsKeyId"]


def _training_without_vpc(d: Definition) -> None:
    del step(d, "Train")["Arguments"]["VpcConfig"]


def _training_outputs_without_key(d: Definition) -> None:
    del step(d, "Train")["Arguments"]["OutputDataConfig"]["KmsKeyId"]


def _training_volume_without_key(d: Definition) -> None:
    del step(d, "Train")["Arguments"]["ResourceConfig"]["VolumeKmsKeyId"]


def _registered_as_approved(d: Definition) -> None:
    step(d, "RegisterModel")["Arguments"]["ModelApprovalStatus"] = "Approved"


def _too_large(d: Definition) -> None:
    d["Metadata"] = {"padding": "x" * MAX_DEFINITION_BYTES}


def _processing_without_team_tag(d: Definition) -> None:
    del step(d, "Evaluate")["Arguments"]["Tags"]


def _training_with_other_tags_only(d: Definition) -> None:
    step(d, "Train")["Arguments"]["Tags"] = [{"Key": "Owner", "Value": "alice"}]


PROBLEMS: dict[str, tuple[Callable[[Definition], None], str]] = {
    "a parameter without a default": (_no_default, r"^parameter InputDataUri has no default$"),
    "an unknown parameter": (_unknown_parameter, r"^Parameters\.Regularization: no such parameter$"),
    "an unknown step": (_unknown_step, r"^Steps\.Prepare\.ProcessingOutputConfig.*: no such step$"),
    "an unknown output": (_unknown_output, r"^Steps\.Preprocess\..*: step Preprocess has no output validation$"),
    "an unknown property file": (
        _unknown_property_file,
        r"^Steps\.Evaluate\.PropertyFiles\.Report: step Evaluate has no property file Report$",
    ),
    "an unknown reference": (_unknown_root, r"^Context\.Seed: unknown reference$"),
    "a processing job outside the VPC": (_processing_without_vpc, r"^step Preprocess: no VPC configuration$"),
    "processing outputs without KMS": (
        _processing_outputs_without_key,
        r"^step Evaluate: outputs not encrypted with KMS$",
    ),
    "a processing volume without KMS": (
        _processing_volume_without_key,
        r"^step Preprocess: volume not encrypted with KMS$",
    ),
    "a training job outside the VPC": (_training_without_vpc, r"^step Train: no VPC configuration$"),
    "training outputs without KMS": (_training_outputs_without_key, r"^step Train: outputs not encrypted with KMS$"),
    "a training volume without KMS": (_training_volume_without_key, r"^step Train: volume not encrypted with KMS$"),
    "a registration that is not pending": (
        _registered_as_approved,
        r"^step RegisterModel: registers as Approved, not PendingManualApproval$",
    ),
    "a definition over the size limit": (_too_large, rf"^definition is \d+ bytes, over {MAX_DEFINITION_BYTES}$"),
    "a processing job without tags": (
        _processing_without_team_tag,
        r"^step Evaluate: no Team tag \(the team role creates jobs only with it\)$",
    ),
    "a training job without the Team tag": (
        _training_with_other_tags_only,
        r"^step Train: no Team tag \(the team role creates jobs only with it\)$",
    ),
}


def test_a_sound_definition_has_no_problems(sound: Definition) -> None:
    assert validate(sound) == []


def one_problem(
    definition: Definition, problems: dict[str, tuple[Callable[[Definition], None], str]], name: str
) -> None:
    """Break `definition` the way `problems[name]` says: `validate` finds that, in one line."""
    breaking, expected = problems[name]
    breaking(definition)
    found = validate(definition)
    assert len(found) == 1, found
    assert re.match(expected, found[0]), found


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_finds_each_kind_of_problem_as_one_line(sound: Definition, problem: str) -> None:
    one_problem(sound, PROBLEMS, problem)


def test_steps_inside_a_condition_are_checked(sound: Definition) -> None:
    """RegisterModel sits in CheckAccuracy's IfSteps."""
    _registered_as_approved(sound)
    assert validate(sound) == ["step RegisterModel: registers as Approved, not PendingManualApproval"]


def test_every_problem_is_reported_not_only_the_first(sound: Definition) -> None:
    _training_without_vpc(sound)
    _no_default(sound)
    assert validate(sound) == ["parameter InputDataUri has no default", "step Train: no VPC configuration"]


def _training_output_referenced_as_processing(d: Definition) -> None:
    step(d, "Evaluate")["Arguments"]["ProcessingInputs"][1]["S3Input"]["S3Uri"] = {
        "Get": "Steps.Train.ProcessingOutputConfig.Outputs['model'].S3Output.S3Uri"
    }


def _processing_without_outputs(d: Definition) -> None:
    """ProcessingOutputConfig is optional in CreateProcessingJob."""
    del step(d, "Preprocess")["Arguments"]["ProcessingOutputConfig"]


def test_a_reference_to_a_training_steps_processing_outputs_is_reported_not_a_crash(sound: Definition) -> None:
    _training_output_referenced_as_processing(sound)
    assert validate(sound) == [
        "Steps.Train.ProcessingOutputConfig.Outputs['model'].S3Output.S3Uri: step Train has no output model"
    ]


def test_a_processing_step_without_outputs_is_reported_not_a_crash(sound: Definition) -> None:
    """Each reference to its outputs is a problem; so is the missing output key, which the team
    role's guardrails require on every processing job (DenyJobsWithoutOutputKey)."""
    _processing_without_outputs(sound)
    assert validate(sound) == [
        "Steps.Preprocess.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri: step Preprocess has no output train",
        "Steps.Preprocess.ProcessingOutputConfig.Outputs['test'].S3Output.S3Uri: step Preprocess has no output test",
        "step Preprocess: outputs not encrypted with KMS",
    ]


def test_a_job_without_the_team_tag_is_reported_with_every_other_problem_of_its_step(sound: Definition) -> None:
    _processing_without_team_tag(sound)
    _processing_outputs_without_key(sound)
    assert validate(sound) == [
        "step Evaluate: outputs not encrypted with KMS",
        "step Evaluate: no Team tag (the team role creates jobs only with it)",
    ]


@pytest.fixture
def sound_batch() -> Definition:
    return copy.deepcopy(build_batch_definition(BATCH_INPUTS))


def _model_without_vpc(d: Definition) -> None:
    del step(d, MODEL_STEP)["Arguments"]["VpcConfig"]


def _model_not_isolated(d: Definition) -> None:
    step(d, MODEL_STEP)["Arguments"]["EnableNetworkIsolation"] = False


def _model_without_isolation_setting(d: Definition) -> None:
    """EnableNetworkIsolation is optional in CreateModel: without it, the model has the network."""
    del step(d, MODEL_STEP)["Arguments"]["EnableNetworkIsolation"]


def _model_without_team_tag(d: Definition) -> None:
    del step(d, MODEL_STEP)["Arguments"]["Tags"]


def _transform_output_without_key(d: Definition) -> None:
    del step(d, TRANSFORM_STEP)["Arguments"]["TransformOutput"]["KmsKeyId"]


def _transform_volume_without_key(d: Definition) -> None:
    del step(d, TRANSFORM_STEP)["Arguments"]["TransformResources"]["VolumeKmsKeyId"]


def _transform_with_other_tags_only(d: Definition) -> None:
    step(d, TRANSFORM_STEP)["Arguments"]["Tags"] = [{"Key": "Owner", "Value": "alice"}]


def _transform_of_an_unknown_model(d: Definition) -> None:
    step(d, TRANSFORM_STEP)["Arguments"]["ModelName"] = {"Get": "Steps.Model.ModelName"}


MODEL, TRANSFORM = rf"^step {MODEL_STEP}: ", rf"^step {TRANSFORM_STEP}: "
NO_TEAM_TAG, NOT_ISOLATED = (
    r"no Team tag \(the team role creates jobs only with it\)$",
    "the model needs no network: isolate it$",
)
BATCH_PROBLEMS: dict[str, tuple[Callable[[Definition], None], str]] = {
    "a model outside the VPC": (_model_without_vpc, MODEL + "no VPC configuration$"),
    "a model with the network": (_model_not_isolated, MODEL + NOT_ISOLATED),
    "a model that does not say it is isolated": (_model_without_isolation_setting, MODEL + NOT_ISOLATED),
    "a model without tags": (_model_without_team_tag, MODEL + NO_TEAM_TAG),
    "transform outputs without KMS": (_transform_output_without_key, TRANSFORM + "outputs not encrypted with KMS$"),
    "a transform volume without KMS": (_transform_volume_without_key, TRANSFORM + "volume not encrypted with KMS$"),
    "a transform job without the Team tag": (_transform_with_other_tags_only, TRANSFORM + NO_TEAM_TAG),
    "a transform of an unknown model step": (
        _transform_of_an_unknown_model,
        r"^Steps\.Model\.ModelName: no such step$",
    ),
}


def test_a_sound_batch_definition_has_no_problems_and_no_network_for_its_transform(sound_batch: Definition) -> None:
    """CreateTransformJob takes no VPC configuration: the job runs in its model's."""
    assert "VpcConfig" not in step(sound_batch, TRANSFORM_STEP)["Arguments"]
    assert validate(sound_batch) == []


@pytest.mark.parametrize("problem", sorted(BATCH_PROBLEMS))
def test_finds_each_kind_of_problem_of_a_batch_step_as_one_line(sound_batch: Definition, problem: str) -> None:
    one_problem(sound_batch, BATCH_PROBLEMS, problem)


def test_every_problem_of_a_batch_step_is_reported(sound_batch: Definition) -> None:
    _model_without_vpc(sound_batch)
    _model_not_isolated(sound_batch)
    _model_without_team_tag(sound_batch)
    _transform_output_without_key(sound_batch)
    assert validate(sound_batch) == [
        f"step {MODEL_STEP}: no VPC configuration",
        f"step {MODEL_STEP}: no Team tag (the team role creates jobs only with it)",
        f"step {MODEL_STEP}: the model needs no network: isolate it",
        f"step {TRANSFORM_STEP}: outputs not encrypted with KMS",
    ]
