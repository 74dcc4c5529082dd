"""The reference pipeline's Tuning, QualityCheck and Debugger options, built in process.

The request bodies are checked against what the SageMaker Python SDK writes for the same settings
(`TuningStep`, `QualityCheckStep`, built offline), so a key the service reads is never misspelt.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from platform_config.tuning import TuningSettings
from platform_constructs.pipeline_baselines import DATA_QUALITY_STEP, MODEL_QUALITY_STEP
from platform_constructs.pipeline_definition import build_definition, describe
from platform_constructs.pipeline_steps import get
from platform_constructs.pipeline_tuning import ASSOCIATE_STEP, SCRIPT_MODE_SOURCE, TUNE_STEP
from platform_constructs.pipeline_validation import validate
from stacks.reference_options import tuning_plan
from tests.support.reference_inputs import reference_inputs
from tests.support.sagemaker_sdk import definition_steps, offline_sdk, pipeline_session

KEY = "arn:aws:kms:us-east-1:111122223333:key/k"
ROLE = "arn:aws:iam::111122223333:role/vision"
SETTINGS = TuningSettings.model_validate(
    {
        "ranges": [
            {"name": "regularization", "type": "Continuous", "min": 0.01, "max": 10, "scaling": "Logarithmic"},
            {"name": "max-iterations", "type": "Integer", "min": 50, "max": 400},
            {"name": "solver", "type": "Categorical", "values": ["lbfgs", "saga"]},
        ],
        "max_jobs": 6,
        "early_stopping": "Auto",
        "random_seed": 42,
        "warm_start": {"parents": ["parent-1"], "type": "TransferLearning"},
    }
)
BASE = reference_inputs(
    role_arn=ROLE,
    image_uri="683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
    key_arn=KEY,
    model_package_group="grp",
    region="us-east-1",
    metric_definitions=(("validation:accuracy", r"validation:accuracy=([0-9.]+);"),),
)
TUNED = dataclasses.replace(
    BASE,
    tuning=tuning_plan(SETTINGS),
    analyzer_image_uri="156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer",
)
RULES = dataclasses.replace(
    BASE, debugger_rules=("LossNotDecreasing", "Overfit"), debugger_image_uri="503895931360.dkr.ecr/rules:latest"
)


def steps(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    pending = list(definition["Steps"])
    while pending:
        step = pending.pop(0)
        found[step["Name"]] = step
        pending += step["Arguments"].get("IfSteps", []) + step["Arguments"].get("ElseSteps", [])
    return found


@pytest.fixture(scope="module")
def sdk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    """The SDK's own steps for the same settings, by name (built offline, telemetry off)."""
    with offline_sdk(tmp_path_factory.mktemp("sdk")):
        yield _sdk_steps()


def _sdk_steps() -> dict[str, dict[str, Any]]:
    from sagemaker.estimator import Estimator
    from sagemaker.tuner import (
        CategoricalParameter,
        ContinuousParameter,
        HyperparameterTuner,
        IntegerParameter,
        WarmStartConfig,
        WarmStartTypes,
    )
    from sagemaker.workflow.check_job_config import CheckJobConfig
    from sagemaker.workflow.quality_check_step import DataQualityCheckConfig, ModelQualityCheckConfig, QualityCheckStep
    from sagemaker.workflow.steps import TuningStep

    session = pipeline_session("artifacts")
    check = CheckJobConfig(
        role=ROLE,
        instance_count=1,
        instance_type="ml.m5.xlarge",
        volume_kms_key=KEY,
        output_kms_key=KEY,
        sagemaker_session=session,
    )
    common = {"skip_check": True, "register_new_baseline": True, "model_package_group_name": "grp"}
    data = QualityCheckStep(
        name=DATA_QUALITY_STEP,
        quality_check_config=DataQualityCheckConfig(
            baseline_dataset="s3://b/train", dataset_format={"csv": {"header": True}}, output_s3_uri="s3://b/o"
        ),
        check_job_config=check,
        **common,
    )
    model = QualityCheckStep(
        name=MODEL_QUALITY_STEP,
        quality_check_config=ModelQualityCheckConfig(
            baseline_dataset="s3://b/predictions.csv",
            dataset_format={"csv": {"header": True}},
            output_s3_uri="s3://b/o",
            problem_type="MulticlassClassification",
            inference_attribute="prediction",
            ground_truth_attribute="label",
        ),
        check_job_config=check,
        **common,
    )
    estimator = Estimator(
        image_uri=BASE.image_uri,
        role=ROLE,
        instance_count=1,
        instance_type="ml.m5.xlarge",
        sagemaker_session=session,
        output_path="s3://artifacts/model",
        volume_kms_key=KEY,
        output_kms_key=KEY,
        subnets=["subnet-a"],
        security_group_ids=["sg-1"],
        enable_network_isolation=True,
    )
    tuner = HyperparameterTuner(
        estimator,
        "validation:accuracy",
        {
            "regularization": ContinuousParameter(0.01, 10.0, scaling_type="Logarithmic"),
            "max-iterations": IntegerParameter(50, 400),
            "solver": CategoricalParameter(["lbfgs", "saga"]),
        },
        metric_definitions=[{"Name": "validation:accuracy", "Regex": "x"}],
        max_jobs=6,
        max_parallel_jobs=2,
        strategy="Bayesian",
        early_stopping_type="Auto",
        random_seed=42,
        warm_start_config=WarmStartConfig(WarmStartTypes.TRANSFER_LEARNING, parents={"parent-1"}),
    )
    tune = TuningStep(name=TUNE_STEP, step_args=tuner.fit({"train": "s3://b/train"}))
    return definition_steps(session, [data, model, tune])


def _numbers(ranges: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Range bounds as numbers: the SDK writes 10, the platform 10.0; the service reads either."""
    return {
        kind: [{k: float(v) if k in ("MinValue", "MaxValue") else v for k, v in item.items()} for item in items]
        for kind, items in ranges.items()
    }


def test_the_tuning_job_config_is_the_sdks(sdk: dict[str, dict[str, Any]]) -> None:
    ours = steps(build_definition(TUNED))[TUNE_STEP]["Arguments"]["HyperParameterTuningJobConfig"]
    theirs = sdk[TUNE_STEP]["Arguments"]["HyperParameterTuningJobConfig"]
    assert _numbers(ours.pop("ParameterRanges")) == _numbers(theirs.pop("ParameterRanges"))
    assert ours == theirs


def test_the_training_job_definition_reads_as_the_sdks(sdk: dict[str, dict[str, Any]]) -> None:
    ours = steps(build_definition(TUNED))[TUNE_STEP]["Arguments"]
    theirs = sdk[TUNE_STEP]["Arguments"]
    assert ours["WarmStartConfig"] == theirs["WarmStartConfig"]
    definition, expected = ours["TrainingJobDefinition"], theirs["TrainingJobDefinition"]
    # The SDK's newer HyperParameterTuningResourceConfig; ResourceConfig is the same shape, older.
    expected["ResourceConfig"] = expected.pop("HyperParameterTuningResourceConfig")
    for key in ("RoleArn", "VpcConfig", "EnableNetworkIsolation"):
        assert definition[key] == expected[key], key
    assert set(expected) - set(definition) == set()  # nothing the SDK sends is missing
    assert definition["OutputDataConfig"]["KmsKeyId"] == definition["ResourceConfig"]["VolumeKmsKeyId"] == KEY
    assert set(definition["AlgorithmSpecification"]) == set(expected["AlgorithmSpecification"])


@pytest.mark.parametrize("name", [DATA_QUALITY_STEP, MODEL_QUALITY_STEP])
def test_the_quality_checks_are_the_sdks_in_the_platform_network(name: str, sdk: dict[str, dict[str, Any]]) -> None:
    ours, theirs = steps(build_definition(TUNED))[name], sdk[name]
    assert {k: v for k, v in ours.items() if k != "Arguments"} == {k: v for k, v in theirs.items() if k != "Arguments"}
    request, expected = ours["Arguments"], theirs["Arguments"]
    assert request["Environment"] == expected["Environment"]
    assert request["AppSpecification"] == {"ImageUri": TUNED.analyzer_image_uri}
    (given,), (wanted,) = request["ProcessingInputs"], expected["ProcessingInputs"]
    assert {**given["S3Input"], "S3Uri": None} == {**wanted["S3Input"], "S3Uri": None}
    (output,), (wanted_output,) = (
        request["ProcessingOutputConfig"]["Outputs"],
        expected["ProcessingOutputConfig"]["Outputs"],
    )
    assert {**output["S3Output"], "S3Uri": None} == {**wanted_output["S3Output"], "S3Uri": None}
    assert request["NetworkConfig"]["EnableNetworkIsolation"] is True
    assert request["NetworkConfig"]["VpcConfig"] == {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-a"]}
    assert request["ProcessingOutputConfig"]["KmsKeyId"] == KEY
    assert {"Key": "Team", "Value": "vision"} in request["Tags"]


def test_without_options_the_pipeline_keeps_its_old_shape() -> None:
    definition = build_definition(BASE)
    assert [step["Name"] for step in definition["Steps"]] == ["Preprocess", "Train", "Evaluate", "CheckAccuracy"]
    register = steps(definition)["RegisterModel"]["Arguments"]
    assert "DriftCheckBaselines" not in register
    assert (
        register["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"]["Std:Join"]["Values"][-1] == "evaluation.json"
    )
    assert "DebugRuleConfigurations" not in steps(definition)["Train"]["Arguments"]
    assert describe(BASE) == "preprocess, train, evaluate, register"


def test_with_options_the_pipeline_tunes_associates_and_computes_baselines() -> None:
    definition = build_definition(TUNED)
    assert [step["Name"] for step in definition["Steps"]] == [
        "Preprocess",
        TUNE_STEP,
        ASSOCIATE_STEP,
        "Evaluate",
        DATA_QUALITY_STEP,
        MODEL_QUALITY_STEP,
        "CheckAccuracy",
    ]
    assert validate(definition) == []


def test_the_best_training_job_feeds_evaluation_and_registration() -> None:
    found = steps(build_definition(TUNED))
    best = get(f"Steps.{TUNE_STEP}.BestTrainingJob.TrainingJobName")
    (model_input,) = [i for i in found["Evaluate"]["Arguments"]["ProcessingInputs"] if i["InputName"] == "model"]
    uri = model_input["S3Input"]["S3Uri"]["Std:Join"]["Values"]
    assert best in uri
    assert uri[-1] == "output/model.tar.gz"
    (container,) = found["RegisterModel"]["Arguments"]["InferenceSpecification"]["Containers"]
    assert container["ModelDataUrl"] == model_input["S3Input"]["S3Uri"]


def test_the_tuning_jobs_run_the_code_archive_in_script_mode() -> None:
    definition = steps(build_definition(TUNED))[TUNE_STEP]["Arguments"]["TrainingJobDefinition"]
    static = definition["StaticHyperParameters"]
    assert static["sagemaker_program"] == "train.py"
    assert static["sagemaker_submit_directory"] == SCRIPT_MODE_SOURCE
    assert not {"regularization", "max-iterations", "solver"} & set(static)  # searched, not fixed
    (code,) = [c for c in definition["InputDataConfig"] if c["ChannelName"] == "code"]
    assert code["DataSource"]["S3DataSource"]["S3Uri"]["Std:Join"]["Values"][-1] == "sourcedir.tar.gz"


def test_associate_step_names_the_tuning_job_and_the_execution_trial() -> None:
    step = steps(build_definition(TUNED))[ASSOCIATE_STEP]["Arguments"]
    arguments = step["AppSpecification"]["ContainerArguments"]
    assert arguments[arguments.index("--tuning-job") + 1] == get(f"Steps.{TUNE_STEP}.HyperParameterTuningJobName")
    assert arguments[arguments.index("--trial") + 1] == get("Execution.PipelineExecutionId")
    assert step["NetworkConfig"]["EnableNetworkIsolation"] is False  # it calls the SageMaker API


def test_a_version_carries_the_executions_baselines() -> None:
    register = steps(build_definition(TUNED))["RegisterModel"]["Arguments"]
    drift = register["DriftCheckBaselines"]
    assert drift["ModelDataQuality"]["Statistics"]["S3Uri"] == get(
        f"Steps.{DATA_QUALITY_STEP}.BaselineUsedForDriftCheckStatistics"
    )
    assert drift["ModelQuality"]["Constraints"]["S3Uri"] == get(
        f"Steps.{MODEL_QUALITY_STEP}.BaselineUsedForDriftCheckConstraints"
    )
    metrics = register["ModelMetrics"]
    assert metrics["ModelDataQuality"]["Constraints"]["S3Uri"] == get(
        f"Steps.{DATA_QUALITY_STEP}.CalculatedBaselineConstraints"
    )
    assert metrics["ModelQuality"]["Statistics"]["S3Uri"] == get(
        f"Steps.{MODEL_QUALITY_STEP}.CalculatedBaselineStatistics"
    )
    assert register["CustomerMetadataProperties"]["EvaluationReport"]["Std:Join"]["Values"][-1] == "evaluation.json"


def test_baselines_are_written_under_the_executions_folder() -> None:
    found = steps(build_definition(TUNED))
    for name in (DATA_QUALITY_STEP, MODEL_QUALITY_STEP):
        (output,) = found[name]["Arguments"]["ProcessingOutputConfig"]["Outputs"]
        values = output["S3Output"]["S3Uri"]["Std:Join"]["Values"]
        assert values[:5] == ["s3:/", "artifacts", "vision", "pipelines", "reference"]
        assert values[5:] == [get("Execution.PipelineExecutionId"), name]


def test_grid_search_has_no_job_limit_and_hyperband_its_resources() -> None:
    grid = TuningSettings.model_validate(
        {"strategy": "Grid", "ranges": [{"name": "solver", "type": "Categorical", "values": ["lbfgs", "saga"]}]}
    )
    config = steps(build_definition(dataclasses.replace(BASE, tuning=tuning_plan(grid))))[TUNE_STEP]["Arguments"]
    assert config["HyperParameterTuningJobConfig"]["ResourceLimits"] == {"MaxParallelTrainingJobs": 2}
    band = TuningSettings.model_validate(
        {
            "strategy": "Hyperband",
            "ranges": [{"name": "max-iterations", "type": "Integer", "min": 10, "max": 100}],
            "hyperband": {"min_resource": 10, "max_resource": 100},
        }
    )
    config = steps(build_definition(dataclasses.replace(BASE, tuning=tuning_plan(band))))[TUNE_STEP]["Arguments"]
    job = config["HyperParameterTuningJobConfig"]
    assert job["StrategyConfig"] == {"HyperbandStrategyConfig": {"MinResource": 10, "MaxResource": 100}}
    assert job["TrainingJobEarlyStoppingType"] == "Off"
    assert "WarmStartConfig" not in config


def test_debugger_rules_are_named_after_the_rule_and_stable() -> None:
    first, second = build_definition(RULES), build_definition(RULES)
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    train = steps(first)["Train"]["Arguments"]
    assert [r["RuleConfigurationName"] for r in train["DebugRuleConfigurations"]] == ["LossNotDecreasing", "Overfit"]
    assert {r["RuleEvaluatorImage"] for r in train["DebugRuleConfigurations"]} == {RULES.debugger_image_uri}
    assert [r["RuleParameters"] for r in train["DebugRuleConfigurations"]] == [
        {"rule_to_invoke": "LossNotDecreasing"},
        {"rule_to_invoke": "Overfit"},
    ]
    assert train["DebugHookConfig"]["S3OutputPath"]["Std:Join"]["Values"][-1] == "debug"
    assert validate(first) == []
    assert describe(RULES) == "preprocess, train with Debugger rules LossNotDecreasing, Overfit, evaluate, register"


def _break(definition: dict[str, Any], name: str, path: list[str]) -> dict[str, Any]:
    node = steps(definition)[name]["Arguments"]
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    return definition


@pytest.mark.parametrize(
    ("name", "path", "problem"),
    [
        (TUNE_STEP, ["TrainingJobDefinition", "VpcConfig"], "step Tune: no VPC configuration"),
        (TUNE_STEP, ["TrainingJobDefinition", "OutputDataConfig", "KmsKeyId"], "step Tune: outputs not encrypted"),
        (TUNE_STEP, ["TrainingJobDefinition", "ResourceConfig", "VolumeKmsKeyId"], "step Tune: volume not encrypted"),
        (TUNE_STEP, ["Tags"], "step Tune: no Team tag"),
        (DATA_QUALITY_STEP, ["NetworkConfig", "EnableNetworkIsolation"], "the analyzer needs no network"),
        (MODEL_QUALITY_STEP, ["ProcessingOutputConfig", "KmsKeyId"], "step ModelQualityBaseline: outputs not"),
    ],
)
def test_validation_catches_a_broken_new_step(name: str, path: list[str], problem: str) -> None:
    problems = validate(_break(build_definition(TUNED), name, path))
    assert any(problem in line for line in problems), problems


def test_validation_catches_a_rule_without_an_image() -> None:
    definition = build_definition(dataclasses.replace(RULES, debugger_image_uri=""))
    assert "step Train: Debugger rule LossNotDecreasing has no image" in validate(definition)


def test_the_reference_code_reads_what_the_definition_sends(tmp_path: Path) -> None:
    """Every static hyperparameter is one train.py reads (or the toolkit's own sagemaker_*)."""
    code = (Path(__file__).resolve().parents[2] / "pipelines" / "reference" / "code" / "train.py").read_text()
    static = steps(build_definition(TUNED))[TUNE_STEP]["Arguments"]["TrainingJobDefinition"]["StaticHyperParameters"]
    for name in static:
        assert name.startswith("sagemaker_") or f'"{name}"' in code, name
