"""The reference SageMaker Pipeline of a team, as a definition built in Python.

preprocess (processing) -> train -> evaluate (processing, writes a property file)
-> condition: accuracy >= threshold ? register as PendingManualApproval : fail.

A team's config may make it tune instead of train (`pipeline_tuning`: the best job's model is
evaluated and registered, every training job becomes a run of the execution), compute drift
baselines registered with the version (`pipeline_baselines`), or run Debugger rules on training.

Every job runs in the platform's subnets and security group, with the platform key on volumes
and outputs, tagged for the team, and writes under the team's prefix of the artifacts bucket
(`pipeline_steps`). Each execution is recorded in an experiment named after the pipeline, one
trial per execution. The registered version carries the git commit, source repository, data
location, image and execution that made it: the lineage a reproducible model needs.
`pipeline_validation.validate` checks a definition without AWS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from platform_constructs.pipeline_baselines import baseline_steps, drift_check_baselines, model_metrics
from platform_constructs.pipeline_steps import (
    JobPlacement,
    get,
    join,
    pipeline_document,
    processing_job,
    processing_output,
    s3_channel,
    s3_input,
    s3_output,
    training_job,
)
from platform_constructs.pipeline_tuning import TuningPlan, associate_step, best_model_uri, tune_step

TRAINING_CODE_CHANNEL = "code"
PROPERTY_FILE = "EvaluationReport"
ACCURACY_PATH = "metrics.accuracy.value"


@dataclass(frozen=True)
class ReferencePipelineInputs:
    """Values may be CloudFormation tokens: the definition is rendered with Stack.to_json_string."""

    team: str
    role_arn: str
    image_uri: str
    key_arn: str
    subnet_ids: list[str]
    security_group_id: str
    artifacts_bucket: str
    datasets_bucket: str
    model_package_group: str
    processing_instance_type: str
    training_instance_type: str
    accuracy_threshold: float
    region: str = ""
    metric_definitions: tuple[tuple[str, str], ...] = ()
    hyperparameters: tuple[tuple[str, str], ...] = ()
    tuning: TuningPlan | None = None
    analyzer_image_uri: str | None = None  # drift baselines, when set
    debugger_image_uri: str = ""
    debugger_rules: tuple[str, ...] = ()

    def team_prefix(self) -> list[Any]:
        return ["s3:/", self.artifacts_bucket, self.team, "pipelines", "reference"]

    def placement(self) -> JobPlacement:
        return JobPlacement(
            team=self.team,
            role_arn=self.role_arn,
            key_arn=self.key_arn,
            subnet_ids=tuple(self.subnet_ids),
            security_group_id=self.security_group_id,
            run_prefix=(*self.team_prefix(), get("Execution.PipelineExecutionId")),
        )


def _preprocess(inputs: ReferencePipelineInputs, place: JobPlacement) -> dict[str, Any]:
    return {
        "Name": "Preprocess",
        "Type": "Processing",
        "Arguments": processing_job(
            place,
            image_uri=inputs.image_uri,
            code=get("Parameters.CodeUri"),
            script="preprocess.py",
            inputs=[s3_input("raw", get("Parameters.InputDataUri"), "/opt/ml/processing/input")],
            outputs=[
                s3_output(place, "train", "/opt/ml/processing/train"),
                s3_output(place, "test", "/opt/ml/processing/test"),
            ],
        ),
    }


TRAIN_DATA = processing_output("Preprocess", "train")


def _metrics(inputs: ReferencePipelineInputs) -> list[dict[str, str]]:
    return [{"Name": name, "Regex": regex} for name, regex in inputs.metric_definitions]


def _debugger(inputs: ReferencePipelineInputs, place: JobPlacement) -> dict[str, Any]:
    """Built-in rules, named after the rule so the names never change between synths. The rule
    jobs take no VPC or key settings (DebugRuleConfiguration has none): one reason they are opt-in."""
    if not inputs.debugger_rules:
        return {}
    return {
        "DebugHookConfig": {
            "S3OutputPath": place.output_uri("debug"),
            "CollectionConfigurations": [{"CollectionName": "losses", "CollectionParameters": {"save_interval": "10"}}],
        },
        "DebugRuleConfigurations": [
            {
                "RuleConfigurationName": rule,
                "RuleEvaluatorImage": inputs.debugger_image_uri,
                "RuleParameters": {"rule_to_invoke": rule},
            }
            for rule in inputs.debugger_rules
        ],
        "ProfilerConfig": {"DisableProfiler": True},
    }


def _train(inputs: ReferencePipelineInputs, place: JobPlacement) -> dict[str, Any]:
    arguments = training_job(
        place,
        image_uri=inputs.image_uri,
        entrypoint=["python3", f"/opt/ml/input/data/{TRAINING_CODE_CHANNEL}/train.py"],
        channels=[
            s3_channel("train", TRAIN_DATA),
            s3_channel(TRAINING_CODE_CHANNEL, join(get("Parameters.CodeUri"), "train.py")),
        ],
        hyperparameters=dict(inputs.hyperparameters),
        metric_definitions=_metrics(inputs),
    )
    return {"Name": "Train", "Type": "Training", "Arguments": {**arguments, **_debugger(inputs, place)}}


def _training(inputs: ReferencePipelineInputs, place: JobPlacement) -> list[dict[str, Any]]:
    if inputs.tuning is None:
        return [_train(inputs, place)]
    code = get("Parameters.CodeUri")
    return [
        tune_step(
            place, inputs.tuning, image_uri=inputs.image_uri, code=code, channels=[s3_channel("train", TRAIN_DATA)]
        ),
        associate_step(place, image_uri=inputs.image_uri, code=code, region=inputs.region),
    ]


def model_artifacts(inputs: ReferencePipelineInputs, place: JobPlacement) -> Any:
    if inputs.tuning is not None:
        return best_model_uri(place)
    return get("Steps.Train.ModelArtifacts.S3ModelArtifacts")


def _evaluate(inputs: ReferencePipelineInputs, place: JobPlacement) -> dict[str, Any]:
    return {
        "Name": "Evaluate",
        "Type": "Processing",
        "Arguments": processing_job(
            place,
            image_uri=inputs.image_uri,
            code=get("Parameters.CodeUri"),
            script="evaluate.py",
            inputs=[
                s3_input("model", model_artifacts(inputs, place), "/opt/ml/processing/model"),
                s3_input("test", processing_output("Preprocess", "test"), "/opt/ml/processing/test"),
            ],
            outputs=[
                s3_output(place, "evaluation", "/opt/ml/processing/evaluation"),
                s3_output(place, "predictions", "/opt/ml/processing/predictions"),
            ],
        ),
        "PropertyFiles": [
            {"PropertyFileName": PROPERTY_FILE, "OutputName": "evaluation", "FilePath": "evaluation.json"}
        ],
    }


ACCURACY = {
    "Std:JsonGet": {"PropertyFile": get(f"Steps.Evaluate.PropertyFiles.{PROPERTY_FILE}"), "Path": ACCURACY_PATH}
}


EVALUATION_REPORT = join(processing_output("Evaluate", "evaluation"), "evaluation.json")


def _quality(inputs: ReferencePipelineInputs) -> dict[str, Any]:
    """Drift baselines and the version's metrics; without baselines, the evaluation report."""
    if inputs.analyzer_image_uri is None:
        report = {"ContentType": "application/json", "S3Uri": EVALUATION_REPORT}
        return {"ModelMetrics": {"ModelQuality": {"Statistics": report}}}
    return {"ModelMetrics": model_metrics(), "DriftCheckBaselines": drift_check_baselines()}


def _register(inputs: ReferencePipelineInputs, place: JobPlacement) -> dict[str, Any]:
    """PendingManualApproval, with the lineage a reproduction needs (code, data, image, execution)."""
    return {
        "Name": "RegisterModel",
        "Type": "RegisterModel",
        "Arguments": {
            "ModelPackageGroupName": inputs.model_package_group,
            "ModelApprovalStatus": "PendingManualApproval",
            "ModelPackageDescription": join(
                "Reference pipeline execution", get("Execution.PipelineExecutionId"), on=" "
            ),
            "InferenceSpecification": {
                "Containers": [{"Image": inputs.image_uri, "ModelDataUrl": model_artifacts(inputs, place)}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
                "SupportedRealtimeInferenceInstanceTypes": ["ml.m5.large", "ml.m5.xlarge"],
                "SupportedTransformInstanceTypes": ["ml.m5.xlarge"],
            },
            **_quality(inputs),
            "MetadataProperties": {
                "CommitId": get("Parameters.GitCommit"),
                "Repository": get("Parameters.SourceRepository"),
                "GeneratedBy": get("Execution.PipelineExecutionArn"),
            },
            "CustomerMetadataProperties": {
                "InputDataUri": get("Parameters.InputDataUri"),
                "CodeUri": get("Parameters.CodeUri"),
                "ImageUri": inputs.image_uri,
                "GitCommit": get("Parameters.GitCommit"),
                "EvaluationReport": EVALUATION_REPORT,
            },
        },
    }


def _check_accuracy(inputs: ReferencePipelineInputs, place: JobPlacement) -> dict[str, Any]:
    fail = {
        "Name": "AccuracyBelowThreshold",
        "Type": "Fail",
        "Arguments": {
            "ErrorMessage": join(
                "Accuracy", ACCURACY, "is below the threshold", get("Parameters.AccuracyThreshold"), on=" "
            )
        },
    }
    return {
        "Name": "CheckAccuracy",
        "Type": "Condition",
        "Arguments": {
            "Conditions": [
                {
                    "Type": "GreaterThanOrEqualTo",
                    "LeftValue": ACCURACY,
                    "RightValue": get("Parameters.AccuracyThreshold"),
                }
            ],
            "IfSteps": [_register(inputs, place)],
            "ElseSteps": [fail],
        },
    }


def _parameters(inputs: ReferencePipelineInputs) -> list[dict[str, Any]]:
    return [
        {
            "Name": "InputDataUri",
            "Type": "String",
            "DefaultValue": join("s3:/", inputs.datasets_bucket, inputs.team, "reference", "raw"),
        },
        {"Name": "CodeUri", "Type": "String", "DefaultValue": join(*inputs.team_prefix(), "code")},
        {"Name": "GitCommit", "Type": "String", "DefaultValue": "unknown"},
        {"Name": "SourceRepository", "Type": "String", "DefaultValue": "unknown"},
        {"Name": "ProcessingInstanceType", "Type": "String", "DefaultValue": inputs.processing_instance_type},
        {"Name": "TrainingInstanceType", "Type": "String", "DefaultValue": inputs.training_instance_type},
        {"Name": "AccuracyThreshold", "Type": "Float", "DefaultValue": inputs.accuracy_threshold},
    ]


def build_definition(inputs: ReferencePipelineInputs) -> dict[str, Any]:
    return pipeline_document(_parameters(inputs), _steps(inputs, inputs.placement()))


def _steps(inputs: ReferencePipelineInputs, place: JobPlacement) -> list[dict[str, Any]]:
    steps = [_preprocess(inputs, place), *_training(inputs, place), _evaluate(inputs, place)]
    if inputs.analyzer_image_uri is not None:
        steps += baseline_steps(
            place,
            image_uri=inputs.analyzer_image_uri,
            group=inputs.model_package_group,
            training_data=TRAIN_DATA,
            predictions=join(processing_output("Evaluate", "predictions"), "predictions.csv"),
        )
    return [*steps, _check_accuracy(inputs, place)]


def describe(inputs: ReferencePipelineInputs) -> str:
    """The steps in a few words, for the pipeline's description."""
    training = "tune (runs associated with the execution)" if inputs.tuning else "train"
    if inputs.debugger_rules:
        training += f" with Debugger rules {', '.join(inputs.debugger_rules)}"
    baselines = ", drift baselines" if inputs.analyzer_image_uri is not None else ""
    return f"preprocess, {training}, evaluate{baselines}, register"
