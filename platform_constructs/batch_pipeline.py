"""A team's batch-inference SageMaker Pipeline, as a definition built in Python.

CloudFormation has no transform-job resource: batch inference runs as a pipeline execution.
`CreateModel` makes a model from an approved version (`ModelPackageArn`), then `Transform` runs a
transform job over `InputDataUri` (CSV, a record a line) with that model.

The caller passes the approved version's ARN when it starts an execution; the parameter's
default is a well-formed ARN of version 0 of the team's group, which never exists (versions
count from 1), so an execution started without it fails at CreateModel, before any instance
starts, instead of transforming with a model nobody chose.

The model runs network-isolated in the platform's subnets and group (SageMaker itself fetches the
model and the data); the transform job writes under the execution's folder of the team's prefix of
the artifacts bucket, with the platform key on its output and volume. The model and the job carry
the team's tag: the team role creates them only with it. Request bodies match what the SageMaker
Python SDK writes (`ModelStep` of a `ModelPackage`, `TransformStep`), except where noted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from platform_constructs.pipeline_steps import JobPlacement, get, join, pipeline_document

MODEL_STEP = "CreateModel"
TRANSFORM_STEP = "Transform"
UNSET_VERSION = "0"  # versions count from 1: the default names no version that can exist
CONTENT_TYPE = "text/csv"


@dataclass(frozen=True)
class BatchPipelineInputs:
    """Values may be CloudFormation tokens: the definition is rendered with Stack.to_json_string.
    `partition`, `region` and `account` only make the `ModelPackageArn` default well-formed."""

    team: str
    role_arn: str
    key_arn: str
    subnet_ids: list[str]
    security_group_id: str
    artifacts_bucket: str
    datasets_bucket: str
    model_package_group: str
    instance_type: str
    region: str
    account: str
    partition: str = "aws"

    def placement(self) -> JobPlacement:
        return JobPlacement(
            team=self.team,
            role_arn=self.role_arn,
            key_arn=self.key_arn,
            subnet_ids=tuple(self.subnet_ids),
            security_group_id=self.security_group_id,
            run_prefix=("s3:/", self.artifacts_bucket, self.team, "batch", get("Execution.PipelineExecutionId")),
        )

    def default_input_uri(self) -> str:
        return f"s3://{self.datasets_bucket}/{self.team}/batch/input"

    def unset_model_package_arn(self) -> str:
        return (
            f"arn:{self.partition}:sagemaker:{self.region}:{self.account}:"
            f"model-package/{self.model_package_group}/{UNSET_VERSION}"
        )


def _model(place: JobPlacement) -> dict[str, Any]:
    """A CreateModel request minus its name. The version in `Containers`, as the SDK writes a model
    package (not `PrimaryContainer`). Isolated, where the SDK's ModelPackage isolates only a
    Marketplace version: the container needs no network. Isolation first: the Guard rule reads it
    next to the step's type, in the same piece of the template's Fn::Join."""
    return {
        "Name": MODEL_STEP,
        "Type": "Model",
        "Arguments": {
            "EnableNetworkIsolation": True,
            "ExecutionRoleArn": place.role_arn,
            "Containers": [{"ModelPackageName": get("Parameters.ModelPackageArn")}],
            "VpcConfig": place.network,
            "Tags": place.tags,
        },
    }


def _transform(place: JobPlacement) -> dict[str, Any]:
    """A CreateTransformJob request minus its name. The output's key first, for the Guard rule."""
    return {
        "Name": TRANSFORM_STEP,
        "Type": "Transform",
        "Arguments": {
            "ModelName": get(f"Steps.{MODEL_STEP}.ModelName"),
            "TransformInput": {
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": get("Parameters.InputDataUri")}},
                "ContentType": CONTENT_TYPE,
                "SplitType": "Line",
            },
            "TransformOutput": {
                "KmsKeyId": place.key_arn,
                "S3OutputPath": join(*place.run_prefix),
                "AssembleWith": "Line",
                "Accept": CONTENT_TYPE,
            },
            "TransformResources": {
                "InstanceCount": 1,
                "InstanceType": get("Parameters.TransformInstanceType"),
                "VolumeKmsKeyId": place.key_arn,
            },
            "BatchStrategy": "MultiRecord",
            "Tags": place.tags,
        },
    }


def _parameters(inputs: BatchPipelineInputs) -> list[dict[str, Any]]:
    return [
        {"Name": "ModelPackageArn", "Type": "String", "DefaultValue": inputs.unset_model_package_arn()},
        # A plain string, not a Std:Join: a parameter's default is a value, never an expression.
        {"Name": "InputDataUri", "Type": "String", "DefaultValue": inputs.default_input_uri()},
        {"Name": "TransformInstanceType", "Type": "String", "DefaultValue": inputs.instance_type},
    ]


def build_batch_definition(inputs: BatchPipelineInputs) -> dict[str, Any]:
    place = inputs.placement()
    return pipeline_document(_parameters(inputs), [_model(place), _transform(place)])
