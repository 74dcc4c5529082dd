"""Fail when a change would replace or delete a stateful resource.

    python scripts/replacement_guard.py BASE_CDK_OUT HEAD_CDK_OUT [--allow STACK/LOGICAL_ID ...]

Compares the synthesized templates of the base branch and of the change, stack by stack (by
the Stage/Stack path, e.g. dev-us-east-1/Data). For every stateful resource of the base it
reports, one line each, when the change would:
  - remove it (or its whole stack), or give it another logical id: CloudFormation deletes the
    old resource (or orphans it, when retained) and creates a new, empty one;
  - change a create-only property (table below): CloudFormation replaces it;
  - change its type, or drop DeletionPolicy/UpdateReplacePolicy Retain.
`--allow` accepts one finding that a person has reviewed (printed, never silent).
Exit 0: nothing stateful at risk; 1: findings; 2: unusable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devtools.synth_summary import stack_templates

# Stateful types and their create-only properties (CloudFormation resource schemas; for the
# Studio domain also the properties SageMaker cannot change in place, and its tags).
CREATE_ONLY: dict[str, tuple[str, ...]] = {
    "AWS::S3::Bucket": ("BucketName", "ObjectLockEnabled"),
    "AWS::KMS::Key": ("KeySpec", "KeyUsage", "MultiRegion"),
    "AWS::Logs::LogGroup": ("LogGroupName",),
    "AWS::EC2::VPC": ("CidrBlock", "InstanceTenancy", "Ipv4IpamPoolId"),
    "AWS::SageMaker::Domain": (
        "DomainName",
        "AuthMode",
        "KmsKeyId",
        "VpcId",
        "SubnetIds",
        "AppNetworkAccessType",
        "Tags",
    ),
    "AWS::SageMaker::UserProfile": ("DomainId", "UserProfileName"),
    "AWS::SageMaker::ModelPackageGroup": ("ModelPackageGroupName", "ModelPackageGroupDescription"),
    "AWS::SageMaker::Experiment": ("ExperimentName",),
    "AWS::SageMaker::MlflowTrackingServer": ("TrackingServerName",),
}
Template = dict[str, Any]


@dataclass(frozen=True)
class Finding:
    stack: str
    logical_id: str
    resource_type: str
    what: str

    @property
    def key(self) -> str:
        return f"{self.stack}/{self.logical_id}"

    def __str__(self) -> str:
        return f"{self.key} ({self.resource_type}): {self.what}"


def _templates(assembly: Path) -> dict[str, Template]:
    if not (assembly / "manifest.json").is_file():
        raise ValueError(f"{assembly} is not a cloud assembly (no manifest.json)")
    return {display: json.loads(path.read_text()) for display, _, path in stack_templates(assembly)}


def _shown(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _create_only(resource: dict[str, Any]) -> dict[str, Any]:
    props = resource.get("Properties", {})
    return {name: props.get(name) for name in CREATE_ONLY[resource["Type"]]}


def _renamed_to(resource: dict[str, Any], head: Template, base: Template) -> str | None:
    """The new logical id of a resource that moved: same type, same create-only values, new id."""
    path = resource.get("Metadata", {}).get("aws:cdk:path")
    for logical_id, candidate in head.get("Resources", {}).items():
        if logical_id in base.get("Resources", {}) or candidate["Type"] != resource["Type"]:
            continue
        same_path = path is not None and candidate.get("Metadata", {}).get("aws:cdk:path") == path
        values = _create_only(resource)
        same_values = any(v is not None for v in values.values()) and _same(values, _create_only(candidate))
        if same_path or same_values:
            return str(logical_id)
    return None


def compare(base: dict[str, Template], head: dict[str, Template]) -> list[Finding]:
    findings: list[Finding] = []
    for stack, base_template in sorted(base.items()):
        head_template = head.get(stack)
        for logical_id, resource in sorted(base_template.get("Resources", {}).items()):
            kind = resource["Type"]
            if kind not in CREATE_ONLY:
                continue
            findings.extend(
                Finding(stack, logical_id, kind, what)
                for what in _risks(logical_id, resource, head_template, base_template)
            )
    return findings


def _risks(
    logical_id: str, resource: dict[str, Any], head_template: Template | None, base_template: Template
) -> list[str]:
    """Why the stateful resource would be replaced or lose its data; empty when it is safe."""
    kind = resource["Type"]
    retained = (
        " (retained: it would be orphaned and a new one created on the next deploy)"
        if resource.get("DeletionPolicy") == "Retain"
        else ""
    )
    if head_template is None:
        return [f"its stack is removed{retained}"]
    new = head_template.get("Resources", {}).get(logical_id)
    if new is None:
        moved = _renamed_to(resource, head_template, base_template)
        what = f"logical id changed to {moved}: replaced" if moved else "removed"
        return [what + retained]
    if new["Type"] != kind:
        return [f"type changed to {new['Type']}: replaced"]
    return _changes_in_place(resource, new)


def _changes_in_place(resource: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Same logical id and type: a changed create-only property replaces it, a dropped Retain risks its data."""
    changes = []
    for name, before in _create_only(resource).items():
        after = new.get("Properties", {}).get(name)
        if not _same(before, after):
            changes.append(f"create-only property {name} changed: {_shown(before)} -> {_shown(after)}")
    for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
        if resource.get(policy) == "Retain" and new.get(policy) != "Retain":
            changes.append(f"{policy} Retain dropped (now {new.get(policy)})")
    return changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", type=Path, help="cdk.out of the base branch")
    parser.add_argument("head", type=Path, help="cdk.out of the change")
    parser.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="STACK/LOGICAL_ID",
        help="a reviewed finding to accept (repeatable)",
    )
    args = parser.parse_args(argv)
    try:
        base, head = _templates(args.base), _templates(args.head)
    except (ValueError, OSError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    findings = compare(base, head)
    allowed = [f for f in findings if f.key in args.allow]
    blocking = [f for f in findings if f.key not in args.allow]
    for finding in allowed:
        print(f"ALLOWED  {finding}")
    for finding in blocking:
        print(f"BLOCKED  {finding}")
    stateful = sum(1 for t in base.values() for r in t.get("Resources", {}).values() if r["Type"] in CREATE_ONLY)
    print(
        f"{len(blocking)} stateful resource(s) at risk, {len(allowed)} allowed, of {stateful} in {len(base)} "
        f"base stack(s)"
    )
    return 1 if blocking else 0
