"""Finding ids the way cdk-nag writes them, from synthesized IAM statements."""

from __future__ import annotations

import json
from typing import Any


def flatten_reference(value: Any) -> str:
    """A resource value the way cdk-nag names it in a finding id (intrinsics as <Id.Attr>)."""
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    if isinstance(value, dict):
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return str(separator).join(flatten_reference(part) for part in parts)
        if "Fn::Sub" in value:
            return flatten_reference(value["Fn::Sub"])
        if "Fn::GetAtt" in value:
            resource, attribute = value["Fn::GetAtt"]
            return f"<{flatten_reference(resource)}.{flatten_reference(attribute)}>"
        if "Fn::ImportValue" in value:
            return flatten_reference(value["Fn::ImportValue"])
        if "Ref" in value:
            return f"<{flatten_reference(value['Ref'])}>"
    return json.dumps(value, separators=(",", ":"))


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def action_finding(action: str) -> str:
    return f"AwsSolutions-IAM5[Action::{action}]"


def resource_finding(resource: Any) -> str:
    return f"AwsSolutions-IAM5[Resource::{flatten_reference(resource)}]"


def wildcard_findings(statement: dict[str, Any]) -> list[str]:
    """The AwsSolutions-IAM5 finding ids one Allow statement raises."""
    if statement.get("Effect") != "Allow":
        return []
    findings = [action_finding(a) for a in as_list(statement.get("Action", [])) if "*" in a]
    findings += [resource_finding(r) for r in as_list(statement.get("Resource", [])) if "*" in flatten_reference(r)]
    return findings
