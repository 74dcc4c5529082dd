"""Check a SageMaker Pipeline definition without AWS: references, defaults, network, encryption.

Run at synth on every definition the platform builds; problems are returned one line each.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEFINITION_BYTES = 1_048_576  # AWS::SageMaker::Pipeline PipelineDefinitionBody
TEAM_TAG = "Team"


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


def _reference_problems(path: str, parameters: dict[str, Any], steps: dict[str, dict[str, Any]]) -> list[str]:
    if path.startswith("Parameters."):
        return [] if path.split(".", 1)[1] in parameters else [f"{path}: no such parameter"]
    if path.startswith("Execution."):
        return []
    if not path.startswith("Steps."):
        return [f"{path}: unknown reference"]
    step_name = path.split(".")[1]
    step = steps.get(step_name)
    if step is None:
        return [f"{path}: no such step"]
    problems = []
    output = re.search(r"Outputs\['([^']+)'\]", path)
    if output:
        outputs = step["Arguments"].get("ProcessingOutputConfig", {}).get("Outputs", [])
        if output.group(1) not in {o.get("OutputName") for o in outputs}:
            problems.append(f"{path}: step {step_name} has no output {output.group(1)}")
    files = re.search(r"PropertyFiles\.(\w+)", path)
    if files and files.group(1) not in {f["PropertyFileName"] for f in step.get("PropertyFiles", [])}:
        problems.append(f"{path}: step {step_name} has no property file {files.group(1)}")
    return problems


def _job_settings(step: dict[str, Any]) -> tuple[Any, Any, Any, Any] | None:
    """(VPC configuration, output key, volume key, tags) of a job step; None for other steps."""
    args = step["Arguments"]
    if step["Type"] in ("Processing", "QualityCheck"):
        return (
            args.get("NetworkConfig", {}).get("VpcConfig"),
            args.get("ProcessingOutputConfig", {}).get("KmsKeyId"),
            args.get("ProcessingResources", {}).get("ClusterConfig", {}).get("VolumeKmsKeyId"),
            args.get("Tags", []),
        )
    job = args.get("TrainingJobDefinition", {}) if step["Type"] == "Tuning" else args
    if step["Type"] in ("Training", "Tuning"):
        return (
            job.get("VpcConfig"),
            job.get("OutputDataConfig", {}).get("KmsKeyId"),
            job.get("ResourceConfig", {}).get("VolumeKmsKeyId"),
            args.get("Tags", []),
        )
    return None


def _job_problems(name: str, step: dict[str, Any]) -> list[str]:
    """Network, encryption and the team's tag of one job step (the team role creates jobs only with
    it: a step without it fails at run time with AccessDenied)."""
    settings = _job_settings(step)
    if settings is None:
        return []
    vpc, output_key, volume_key, tags = settings
    problems = []
    if not vpc:
        problems.append(f"step {name}: no VPC configuration")
    if not output_key:
        problems.append(f"step {name}: outputs not encrypted with KMS")
    if not volume_key:
        problems.append(f"step {name}: volume not encrypted with KMS")
    if not any(tag.get("Key") == TEAM_TAG for tag in tags):
        problems.append(f"step {name}: no {TEAM_TAG} tag (the team role creates jobs only with it)")
    if step["Type"] == "QualityCheck" and not step["Arguments"].get("NetworkConfig", {}).get("EnableNetworkIsolation"):
        problems.append(f"step {name}: the analyzer needs no network: isolate it")
    if step["Type"] == "Training" and step["Arguments"].get("DebugRuleConfigurations"):
        problems += _rule_problems(name, step["Arguments"]["DebugRuleConfigurations"])
    return problems


def _rule_problems(name: str, rules: list[dict[str, Any]]) -> list[str]:
    names = [str(rule.get("RuleConfigurationName")) for rule in rules]
    problems = [
        f"step {name}: Debugger rule {rule} listed twice" for rule in sorted(set(names)) if names.count(rule) > 1
    ]
    problems += [
        f"step {name}: Debugger rule {rule.get('RuleConfigurationName')} has no image"
        for rule in rules
        if not rule.get("RuleEvaluatorImage")
    ]
    return problems


def validate(definition: dict[str, Any]) -> list[str]:
    """Problems with a definition, one line each; empty when it is sound."""
    problems: list[str] = []
    body = json.dumps(definition)
    if len(body.encode("utf-8")) > MAX_DEFINITION_BYTES:
        problems.append(f"definition is {len(body)} bytes, over {MAX_DEFINITION_BYTES}")
    parameters = {p["Name"]: p for p in definition.get("Parameters", [])}
    problems += [f"parameter {name} has no default" for name, p in parameters.items() if "DefaultValue" not in p]
    steps = {step["Name"]: step for step in _all_steps(definition.get("Steps", []))}
    for node in _walk(definition):
        if isinstance(node, dict) and isinstance(node.get("Get"), str):
            problems += _reference_problems(node["Get"], parameters, steps)
    for name, step in steps.items():
        problems += _job_problems(name, step)
        status = step["Arguments"].get("ModelApprovalStatus")
        if step["Type"] == "RegisterModel" and status != "PendingManualApproval":
            problems.append(f"step {name}: registers as {status}, not PendingManualApproval")
    return problems
