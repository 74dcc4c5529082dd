"""The reference SageMaker Pipeline of a team, as a definition built in Python.

preprocess (processing) -> train -> evaluate (processing, writes a property file)
-> condition: accuracy >= threshold ? register as PendingManualApproval : fail.

Every job runs in the platform's subnets and security group, with the platform key on volumes
and outputs, and writes under the team's prefix of the artifacts bucket. Each execution is
recorded in an experiment named after the pipeline, one trial per execution. The registered
version carries the git commit, source repository, data location, image and execution that made
it: the lineage a reproducible model needs.

`validate` checks a definition without AWS: references, defaults, network and encryption.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

SCHEMA_VERSION = "2020-12-01"
MAX_DEFINITION_BYTES = 1_048_576  # AWS::SageMaker::Pipeline PipelineDefinitionBody
PROCESSING_CODE = "/opt/ml/processing/code"
TRAINING_CODE_CHANNEL = "code"
PROPERTY_FILE = "EvaluationReport"
TEAM_TAG = "Team"
ACCURACY_PATH = "metrics.accuracy.value"
MAX_RUNTIME_SECONDS = 3600
VOLUME_GB = 30


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


def _get(path: str) -> dict[str, str]:
    return {"Get": path}


def _join(*values: Any, on: str = "/") -> dict[str, Any]:
    return {"Std:Join": {"On": on, "Values": list(values)}}


def build_definition(inputs: ReferencePipelineInputs) -> dict[str, Any]:
    team_prefix = ["s3:/", inputs.artifacts_bucket, inputs.team, "pipelines", "reference"]
    run_prefix = [*team_prefix, _get("Execution.PipelineExecutionId")]
    code = _get("Parameters.CodeUri")
    network = {"SecurityGroupIds": [inputs.security_group_id], "Subnets": list(inputs.subnet_ids)}
    # The team role creates jobs only with the team's tag (platform_constructs/team_access.py).
    tags = [{"Key": TEAM_TAG, "Value": inputs.team}]
    stopping = {"MaxRuntimeInSeconds": MAX_RUNTIME_SECONDS}

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

    def s3_output(name: str, local: str) -> dict[str, Any]:
        return {
            "OutputName": name,
            "AppManaged": False,
            "S3Output": {"S3Uri": _join(*run_prefix, name), "LocalPath": local, "S3UploadMode": "EndOfJob"},
        }

    def processing(script: str, inputs_: list[dict[str, Any]], outputs: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "ProcessingResources": {
                "ClusterConfig": {
                    "InstanceType": _get("Parameters.ProcessingInstanceType"),
                    "InstanceCount": 1,
                    "VolumeSizeInGB": VOLUME_GB,
                    "VolumeKmsKeyId": inputs.key_arn,
                }
            },
            "AppSpecification": {
                "ImageUri": inputs.image_uri,
                "ContainerEntrypoint": ["python3", f"{PROCESSING_CODE}/{script}"],
            },
            "RoleArn": inputs.role_arn,
            "ProcessingInputs": [s3_input("code", _join(code, script), PROCESSING_CODE), *inputs_],
            "ProcessingOutputConfig": {"Outputs": outputs, "KmsKeyId": inputs.key_arn},
            "NetworkConfig": {
                "EnableInterContainerTrafficEncryption": True,
                "EnableNetworkIsolation": False,
                "VpcConfig": network,
            },
            "StoppingCondition": stopping,
            "Tags": tags,
        }

    def output_uri(step: str, output: str) -> dict[str, str]:
        return _get(f"Steps.{step}.ProcessingOutputConfig.Outputs['{output}'].S3Output.S3Uri")

    preprocess = {
        "Name": "Preprocess",
        "Type": "Processing",
        "Arguments": processing(
            "preprocess.py",
            [s3_input("raw", _get("Parameters.InputDataUri"), "/opt/ml/processing/input")],
            [s3_output("train", "/opt/ml/processing/train"), s3_output("test", "/opt/ml/processing/test")],
        ),
    }
    model_artifacts = _get("Steps.Train.ModelArtifacts.S3ModelArtifacts")
    train = {
        "Name": "Train",
        "Type": "Training",
        "Arguments": {
            "AlgorithmSpecification": {
                "TrainingImage": inputs.image_uri,
                "TrainingInputMode": "File",
                "ContainerEntrypoint": ["python3", f"/opt/ml/input/data/{TRAINING_CODE_CHANNEL}/train.py"],
            },
            "RoleArn": inputs.role_arn,
            "InputDataConfig": [
                {
                    "ChannelName": "train",
                    "DataSource": {
                        "S3DataSource": {
                            "S3DataType": "S3Prefix",
                            "S3Uri": output_uri("Preprocess", "train"),
                            "S3DataDistributionType": "FullyReplicated",
                        }
                    },
                },
                {
                    "ChannelName": TRAINING_CODE_CHANNEL,
                    "DataSource": {
                        "S3DataSource": {
                            "S3DataType": "S3Prefix",
                            "S3Uri": _join(code, "train.py"),
                            "S3DataDistributionType": "FullyReplicated",
                        }
                    },
                },
            ],
            "OutputDataConfig": {"S3OutputPath": _join(*run_prefix, "model"), "KmsKeyId": inputs.key_arn},
            "ResourceConfig": {
                "InstanceCount": 1,
                "InstanceType": _get("Parameters.TrainingInstanceType"),
                "VolumeSizeInGB": VOLUME_GB,
                "VolumeKmsKeyId": inputs.key_arn,
            },
            "VpcConfig": network,
            "EnableInterContainerTrafficEncryption": True,
            "StoppingCondition": stopping,
            "HyperParameters": {"regularization": "1.0", "max-iterations": "200"},
            "Tags": tags,
        },
    }
    evaluate = {
        "Name": "Evaluate",
        "Type": "Processing",
        "Arguments": processing(
            "evaluate.py",
            [
                s3_input("model", model_artifacts, "/opt/ml/processing/model"),
                s3_input("test", output_uri("Preprocess", "test"), "/opt/ml/processing/test"),
            ],
            [s3_output("evaluation", "/opt/ml/processing/evaluation")],
        ),
        "PropertyFiles": [
            {"PropertyFileName": PROPERTY_FILE, "OutputName": "evaluation", "FilePath": "evaluation.json"}
        ],
    }
    accuracy = {
        "Std:JsonGet": {"PropertyFile": _get(f"Steps.Evaluate.PropertyFiles.{PROPERTY_FILE}"), "Path": ACCURACY_PATH}
    }
    register = {
        "Name": "RegisterModel",
        "Type": "RegisterModel",
        "Arguments": {
            "ModelPackageGroupName": inputs.model_package_group,
            "ModelApprovalStatus": "PendingManualApproval",
            "ModelPackageDescription": _join(
                "Reference pipeline execution", _get("Execution.PipelineExecutionId"), on=" "
            ),
            "InferenceSpecification": {
                "Containers": [{"Image": inputs.image_uri, "ModelDataUrl": model_artifacts}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
                "SupportedRealtimeInferenceInstanceTypes": ["ml.m5.large", "ml.m5.xlarge"],
                "SupportedTransformInstanceTypes": ["ml.m5.xlarge"],
            },
            "ModelMetrics": {
                "ModelQuality": {
                    "Statistics": {
                        "ContentType": "application/json",
                        "S3Uri": _join(output_uri("Evaluate", "evaluation"), "evaluation.json"),
                    }
                }
            },
            "MetadataProperties": {
                "CommitId": _get("Parameters.GitCommit"),
                "Repository": _get("Parameters.SourceRepository"),
                "GeneratedBy": _get("Execution.PipelineExecutionArn"),
            },
            "CustomerMetadataProperties": {
                "InputDataUri": _get("Parameters.InputDataUri"),
                "CodeUri": code,
                "ImageUri": inputs.image_uri,
                "GitCommit": _get("Parameters.GitCommit"),
            },
        },
    }
    fail = {
        "Name": "AccuracyBelowThreshold",
        "Type": "Fail",
        "Arguments": {
            "ErrorMessage": _join(
                "Accuracy", accuracy, "is below the threshold", _get("Parameters.AccuracyThreshold"), on=" "
            )
        },
    }
    check = {
        "Name": "CheckAccuracy",
        "Type": "Condition",
        "Arguments": {
            "Conditions": [
                {
                    "Type": "GreaterThanOrEqualTo",
                    "LeftValue": accuracy,
                    "RightValue": _get("Parameters.AccuracyThreshold"),
                }
            ],
            "IfSteps": [register],
            "ElseSteps": [fail],
        },
    }
    return {
        "Version": SCHEMA_VERSION,
        "Metadata": {},
        "Parameters": [
            {
                "Name": "InputDataUri",
                "Type": "String",
                "DefaultValue": _join("s3:/", inputs.datasets_bucket, inputs.team, "reference", "raw"),
            },
            {"Name": "CodeUri", "Type": "String", "DefaultValue": _join(*team_prefix, "code")},
            {"Name": "GitCommit", "Type": "String", "DefaultValue": "unknown"},
            {"Name": "SourceRepository", "Type": "String", "DefaultValue": "unknown"},
            {"Name": "ProcessingInstanceType", "Type": "String", "DefaultValue": inputs.processing_instance_type},
            {"Name": "TrainingInstanceType", "Type": "String", "DefaultValue": inputs.training_instance_type},
            {"Name": "AccuracyThreshold", "Type": "Float", "DefaultValue": inputs.accuracy_threshold},
        ],
        "PipelineExperimentConfig": {
            "ExperimentName": _get("Execution.PipelineName"),
            "TrialName": _get("Execution.PipelineExecutionId"),
        },
        "Steps": [preprocess, train, evaluate, check],
    }


def _walk(node: Any) -> list[Any]:
    found = [node]
    if isinstance(node, dict):
        for value in node.values():
            found += _walk(value)
    elif isinstance(node, list):
        for value in node:
            found += _walk(value)
    return found


def _all_steps(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for step in steps:
        found.append(step)
        if step["Type"] == "Condition":
            found += _all_steps(step["Arguments"].get("IfSteps", []) + step["Arguments"].get("ElseSteps", []))
    return found


def validate(definition: dict[str, Any]) -> list[str]:
    """Problems with a definition, one line each; empty when it is sound."""
    problems: list[str] = []
    body = json.dumps(definition)
    if len(body.encode("utf-8")) > MAX_DEFINITION_BYTES:
        problems.append(f"definition is {len(body)} bytes, over {MAX_DEFINITION_BYTES}")
    parameters = {p["Name"]: p for p in definition.get("Parameters", [])}
    for name, parameter in parameters.items():
        if "DefaultValue" not in parameter:
            problems.append(f"parameter {name} has no default")
    steps = {step["Name"]: step for step in _all_steps(definition.get("Steps", []))}
    for node in _walk(definition):
        if not (isinstance(node, dict) and isinstance(node.get("Get"), str)):
            continue
        path = node["Get"]
        if path.startswith("Parameters."):
            if path.split(".", 1)[1] not in parameters:
                problems.append(f"{path}: no such parameter")
        elif path.startswith("Steps."):
            step_name = path.split(".")[1]
            step = steps.get(step_name)
            if step is None:
                problems.append(f"{path}: no such step")
                continue
            output = re.search(r"Outputs\['([^']+)'\]", path)
            if output:
                names = {o["OutputName"] for o in step["Arguments"]["ProcessingOutputConfig"]["Outputs"]}
                if output.group(1) not in names:
                    problems.append(f"{path}: step {step_name} has no output {output.group(1)}")
            files = re.search(r"PropertyFiles\.(\w+)", path)
            if files and files.group(1) not in {f["PropertyFileName"] for f in step.get("PropertyFiles", [])}:
                problems.append(f"{path}: step {step_name} has no property file {files.group(1)}")
        elif not path.startswith("Execution."):
            problems.append(f"{path}: unknown reference")
    for name, step in steps.items():
        args = step["Arguments"]
        if step["Type"] == "Processing":
            if not args.get("NetworkConfig", {}).get("VpcConfig"):
                problems.append(f"step {name}: no VPC configuration")
            if not args["ProcessingOutputConfig"].get("KmsKeyId"):
                problems.append(f"step {name}: outputs not encrypted with KMS")
            if not args["ProcessingResources"]["ClusterConfig"].get("VolumeKmsKeyId"):
                problems.append(f"step {name}: volume not encrypted with KMS")
        elif step["Type"] == "Training":
            if not args.get("VpcConfig"):
                problems.append(f"step {name}: no VPC configuration")
            if not args["OutputDataConfig"].get("KmsKeyId"):
                problems.append(f"step {name}: outputs not encrypted with KMS")
            if not args["ResourceConfig"].get("VolumeKmsKeyId"):
                problems.append(f"step {name}: volume not encrypted with KMS")
        elif step["Type"] == "RegisterModel" and args.get("ModelApprovalStatus") != "PendingManualApproval":
            problems.append(f"step {name}: registers as {args.get('ModelApprovalStatus')}, not PendingManualApproval")
    return problems
