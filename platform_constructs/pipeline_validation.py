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


def _job_settings(step: dict[str, Any]) -> dict[str, Any] | None:
    """VPC configuration, output key, volume key and tags of a job step, by name (only those its
    request can carry: see `MISSING`); None for other steps."""
    args = step["Arguments"]
    if step["Type"] in ("Processing", "QualityCheck"):
        return {
            "vpc": args.get("NetworkConfig", {}).get("VpcConfig"),
            "output_key": args.get("ProcessingOutputConfig", {}).get("KmsKeyId"),
            "volume_key": args.get("ProcessingResources", {}).get("ClusterConfig", {}).get("VolumeKmsKeyId"),
            "tags": args.get("Tags", []),
        }
    job = args.get("TrainingJobDefinition", {}) if step["Type"] == "Tuning" else args
    if step["Type"] in ("Training", "Tuning"):
        return {
            "vpc": job.get("VpcConfig"),
            "output_key": job.get("OutputDataConfig", {}).get("KmsKeyId"),
            "volume_key": job.get("ResourceConfig", {}).get("VolumeKmsKeyId"),
            "tags": args.get("Tags", []),
        }
    return _serving_settings(step)


def _serving_settings(step: dict[str, Any]) -> dict[str, Any] | None:
    """A model runs in the VPC; a transform job has no network of its own (its model's) and
    writes its output and volume with the key."""
    args = step["Arguments"]
    if step["Type"] == "Model":
        return {"vpc": args.get("VpcConfig"), "tags": args.get("Tags", [])}
    if step["Type"] == "Transform":
        return {
            "output_key": args.get("TransformOutput", {}).get("KmsKeyId"),
            "volume_key": args.get("TransformResources", {}).get("VolumeKmsKeyId"),
            "tags": args.get("Tags", []),
        }
    return None


MISSING = {
    "vpc": "no VPC configuration",
    "output_key": "outputs not encrypted with KMS",
    "volume_key": "volume not encrypted with KMS",
}
# Steps whose container needs no network, and where their request says so.
ISOLATED = {
    "QualityCheck": ("analyzer", ("NetworkConfig", "EnableNetworkIsolation")),
    "Model": ("model", ("EnableNetworkIsolation",)),
}


def _isolation_problems(name: str, step: dict[str, Any]) -> list[str]:
    if step["Type"] not in ISOLATED:
        return []
    what, path = ISOLATED[step["Type"]]
    node: Any = step["Arguments"]
    for key in path:
        node = node.get(key, {})
    return [] if node else [f"step {name}: the {what} needs no network: isolate it"]


def _job_problems(name: str, step: dict[str, Any]) -> list[str]:
    """Network, encryption and the team's tag of one job step (the team role creates jobs only with
    it: a step without it fails at run time with AccessDenied)."""
    settings = _job_settings(step)
    if settings is None:
        return []
    problems = [f"step {name}: {missing}" for key, missing in MISSING.items() if key in settings and not settings[key]]
    if not any(tag.get("Key") == TEAM_TAG for tag in settings["tags"]):
        problems.append(f"step {name}: no {TEAM_TAG} tag (the team role creates jobs only with it)")
    problems += _isolation_problems(name, step)
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
