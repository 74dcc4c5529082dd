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


def processing_job(
    place: JobPlacement,
    *,
    image_uri: str,
    code: Any,
    script: str,
    inputs: list[dict[str, Any]],
    outputs: list[dict[str, Any]],
) -> dict[str, Any]:
    """A processing job running `script` from the code channel, in the platform's network."""
    return {
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceType": get("Parameters.ProcessingInstanceType"),
                "InstanceCount": 1,
                "VolumeSizeInGB": VOLUME_GB,
                "VolumeKmsKeyId": place.key_arn,
            }
        },
        "AppSpecification": {"ImageUri": image_uri, "ContainerEntrypoint": ["python3", f"{PROCESSING_CODE}/{script}"]},
        "RoleArn": place.role_arn,
        "ProcessingInputs": [s3_input("code", join(code, script), PROCESSING_CODE), *inputs],
        "ProcessingOutputConfig": {"Outputs": outputs, "KmsKeyId": place.key_arn},
        "NetworkConfig": {
            "EnableInterContainerTrafficEncryption": True,
            "EnableNetworkIsolation": False,
            "VpcConfig": place.network,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": MAX_RUNTIME_SECONDS},
        "Tags": place.tags,
    }


def s3_channel(name: str, uri: Any) -> dict[str, Any]:
    return {
        "ChannelName": name,
        "DataSource": {
            "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri, "S3DataDistributionType": "FullyReplicated"}
        },
    }


def training_job(
    place: JobPlacement,
    *,
    image_uri: str,
    entrypoint: list[str],
    channels: list[dict[str, Any]],
    hyperparameters: dict[str, str],
) -> dict[str, Any]:
    """A training job in the platform's network, its model written under the execution's folder."""
    return {
        "AlgorithmSpecification": {
            "TrainingImage": image_uri,
            "TrainingInputMode": "File",
            "ContainerEntrypoint": entrypoint,
        },
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
        "EnableInterContainerTrafficEncryption": True,
        "StoppingCondition": {"MaxRuntimeInSeconds": MAX_RUNTIME_SECONDS},
        "HyperParameters": hyperparameters,
        "Tags": place.tags,
    }
