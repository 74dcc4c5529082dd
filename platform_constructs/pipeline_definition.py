"""The reference SageMaker Pipeline of a team, as a definition built in Python.

preprocess (processing) -> train -> evaluate (processing, writes a property file)
-> condition: accuracy >= threshold ? register as PendingManualApproval : fail.

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

from platform_constructs.pipeline_steps import (
    JobPlacement,
    get,
    join,
    processing_job,
    processing_output,
    s3_channel,
    s3_input,
    s3_output,
    training_job,
)

SCHEMA_VERSION = "2020-12-01"
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


def _train(inputs: ReferencePipelineInputs, place: JobPlacement) -> dict[str, Any]:
    return {
        "Name": "Train",
        "Type": "Training",
        "Arguments": training_job(
            place,
            image_uri=inputs.image_uri,
            entrypoint=["python3", f"/opt/ml/input/data/{TRAINING_CODE_CHANNEL}/train.py"],
            channels=[
                s3_channel("train", processing_output("Preprocess", "train")),
                s3_channel(TRAINING_CODE_CHANNEL, join(get("Parameters.CodeUri"), "train.py")),
            ],
            hyperparameters={"regularization": "1.0", "max-iterations": "200"},
        ),
    }


MODEL_ARTIFACTS = get("Steps.Train.ModelArtifacts.S3ModelArtifacts")


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
                s3_input("model", MODEL_ARTIFACTS, "/opt/ml/processing/model"),
                s3_input("test", processing_output("Preprocess", "test"), "/opt/ml/processing/test"),
            ],
            outputs=[s3_output(place, "evaluation", "/opt/ml/processing/evaluation")],
        ),
        "PropertyFiles": [
            {"PropertyFileName": PROPERTY_FILE, "OutputName": "evaluation", "FilePath": "evaluation.json"}
        ],
    }


ACCURACY = {
    "Std:JsonGet": {"PropertyFile": get(f"Steps.Evaluate.PropertyFiles.{PROPERTY_FILE}"), "Path": ACCURACY_PATH}
}


def _register(inputs: ReferencePipelineInputs) -> dict[str, Any]:
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
                "Containers": [{"Image": inputs.image_uri, "ModelDataUrl": MODEL_ARTIFACTS}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
                "SupportedRealtimeInferenceInstanceTypes": ["ml.m5.large", "ml.m5.xlarge"],
                "SupportedTransformInstanceTypes": ["ml.m5.xlarge"],
            },
            "ModelMetrics": {
                "ModelQuality": {
                    "Statistics": {
                        "ContentType": "application/json",
                        "S3Uri": join(processing_output("Evaluate", "evaluation"), "evaluation.json"),
                    }
                }
            },
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
            },
        },
    }


def _check_accuracy(inputs: ReferencePipelineInputs) -> dict[str, Any]:
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
            "IfSteps": [_register(inputs)],
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
    place = inputs.placement()
    return {
        "Version": SCHEMA_VERSION,
        "Metadata": {},
        "Parameters": _parameters(inputs),
        "PipelineExperimentConfig": {
            "ExperimentName": get("Execution.PipelineName"),
            "TrialName": get("Execution.PipelineExecutionId"),
        },
        "Steps": [_preprocess(inputs, place), _train(inputs, place), _evaluate(inputs, place), _check_accuracy(inputs)],
    }
