"""Check a SageMaker Pipeline definition without AWS: references, defaults, network, encryption.

Run at synth on every definition the platform builds; problems are returned one line each.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEFINITION_BYTES = 1_048_576  # AWS::SageMaker::Pipeline PipelineDefinitionBody


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
