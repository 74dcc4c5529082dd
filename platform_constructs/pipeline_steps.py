"""Building blocks of a SageMaker Pipeline definition: expressions, S3 channels, job arguments.

Each function returns the JSON the Pipelines service reads (the request body of the job it
creates, with `Get`/`Std:Join` expressions). Values may be CloudFormation tokens: the
definition is rendered with `Stack.to_json_string`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PROCESSING_CODE = "/opt/ml/processing/code"
MAX_RUNTIME_SECONDS = 3600
VOLUME_GB = 30
TEAM_TAG = "Team"
SCHEMA_VERSION = "2020-12-01"


def get(path: str) -> dict[str, str]:
    return {"Get": path}


def join(*values: Any, on: str = "/") -> dict[str, Any]:
    return {"Std:Join": {"On": on, "Values": list(values)}}


@dataclass(frozen=True)
class JobPlacement:
    """Where every job of a team's pipeline runs and writes, and how it is tagged: the platform's
    subnets and group, the platform key on volumes and outputs, the team's tag (the team role
    creates jobs only with it) and the execution's folder of the artifacts bucket."""

    team: str
    role_arn: str
    key_arn: str
    subnet_ids: tuple[str, ...]
    security_group_id: str
    run_prefix: tuple[Any, ...]  # s3:/, bucket, ..., execution id: joined with "/"

    @property
    def network(self) -> dict[str, Any]:
        return {"SecurityGroupIds": [self.security_group_id], "Subnets": list(self.subnet_ids)}

    @property
    def tags(self) -> list[dict[str, str]]:
        return [{"Key": TEAM_TAG, "Value": self.team}]

    def output_uri(self, name: str) -> dict[str, Any]:
        return join(*self.run_prefix, name)


def pipeline_document(parameters: list[dict[str, Any]], steps: list[dict[str, Any]]) -> dict[str, Any]:
    """A definition (schema 2020-12-01) whose executions are trials of an experiment named after
    the pipeline: one trial per execution, so each execution's jobs are its runs."""
    return {
        "Version": SCHEMA_VERSION,
        "Metadata": {},
        "Parameters": parameters,
        "PipelineExperimentConfig": {
            "ExperimentName": get("Execution.PipelineName"),
            "TrialName": get("Execution.PipelineExecutionId"),
        },
        "Steps": steps,
    }


def s3_input(name: str, uri: Any, local: str) -> dict[str, Any]:
    return {
        "InputName": name,
        "AppManaged": False,
        "S3Input": {
            "S3Uri": uri,
            "LocalPath": local,
            "S3DataType": "S3Prefix",
            "S3InputMode": "File",
            "S3DataDistributionType": "FullyReplicated",
        },
    }


def s3_output(place: JobPlacement, name: str, local: str) -> dict[str, Any]:
    return {
        "OutputName": name,
        "AppManaged": False,
        "S3Output": {"S3Uri": place.output_uri(name), "LocalPath": local, "S3UploadMode": "EndOfJob"},
    }


def processing_output(step: str, output: str) -> dict[str, str]:
    return get(f"Steps.{step}.ProcessingOutputConfig.Outputs['{output}'].S3Output.S3Uri")


def processing_request(
    place: JobPlacement,
    *,
    app: dict[str, Any],
    inputs: list[dict[str, Any]],
    outputs: list[dict[str, Any]],
    isolated: bool,
) -> dict[str, Any]:
    """A CreateProcessingJob request in the platform's network, the platform key on volume and outputs."""
    return {
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceType": get("Parameters.ProcessingInstanceType"),
                "InstanceCount": 1,
                "VolumeSizeInGB": VOLUME_GB,
                "VolumeKmsKeyId": place.key_arn,
            }
        },
        "AppSpecification": app,
        "RoleArn": place.role_arn,
        "ProcessingInputs": inputs,
        "ProcessingOutputConfig": {"Outputs": outputs, "KmsKeyId": place.key_arn},
        "NetworkConfig": {
            "EnableInterContainerTrafficEncryption": True,
            "EnableNetworkIsolation": isolated,
            "VpcConfig": place.network,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": MAX_RUNTIME_SECONDS},
        "Tags": place.tags,
    }


def processing_job(
    place: JobPlacement,
    *,
    image_uri: str,
    code: Any,
    script: str,
    inputs: list[dict[str, Any]],
    outputs: list[dict[str, Any]],
    arguments: list[Any] | None = None,
) -> dict[str, Any]:
    """A processing job running `script` from the code channel. Not network-isolated: the
    reference steps have always run with the VPC's endpoints, and a step that calls AWS needs them."""
    app: dict[str, Any] = {"ImageUri": image_uri, "ContainerEntrypoint": ["python3", f"{PROCESSING_CODE}/{script}"]}
    if arguments:
        app["ContainerArguments"] = arguments
    return processing_request(
        place,
        app=app,
        inputs=[s3_input("code", join(code, script), PROCESSING_CODE), *inputs],
        outputs=outputs,
        isolated=False,
    )


def s3_channel(name: str, uri: Any) -> dict[str, Any]:
    return {
        "ChannelName": name,
        "DataSource": {
            "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri, "S3DataDistributionType": "FullyReplicated"}
        },
    }


def training_definition(
    place: JobPlacement,
    *,
    algorithm: dict[str, Any],
    channels: list[dict[str, Any]],
) -> dict[str, Any]:
    """What a training job and a tuning job's training jobs share: the platform's network (isolated:
    the training code needs no network, SageMaker itself fetches the channels and writes the
    model), the platform key, the model under the execution's folder."""
    return {
        "AlgorithmSpecification": {"TrainingInputMode": "File", **algorithm},
        "RoleArn": place.role_arn,
        "InputDataConfig": channels,
        "OutputDataConfig": {"S3OutputPath": place.output_uri("model"), "KmsKeyId": place.key_arn},
        "ResourceConfig": {
            "InstanceCount": 1,
            "InstanceType": get("Parameters.TrainingInstanceType"),
            "VolumeSizeInGB": VOLUME_GB,
            "VolumeKmsKeyId": place.key_arn,
        },
        "VpcConfig": place.network,
        "EnableNetworkIsolation": True,
        "EnableInterContainerTrafficEncryption": True,
        "StoppingCondition": {"MaxRuntimeInSeconds": MAX_RUNTIME_SECONDS},
    }


def training_job(
    place: JobPlacement,
    *,
    image_uri: str,
    entrypoint: list[str],
    channels: list[dict[str, Any]],
    hyperparameters: dict[str, str],
    metric_definitions: list[dict[str, str]],
) -> dict[str, Any]:
    """A training job running `entrypoint`; its metrics are read from its log (`metric_definitions`)."""
    algorithm = {"TrainingImage": image_uri, "ContainerEntrypoint": entrypoint, "MetricDefinitions": metric_definitions}
    return {
        **training_definition(place, algorithm=algorithm, channels=channels),
        "HyperParameters": hyperparameters,
        "Tags": place.tags,
    }
