"""Reading a synthesized template as plain dicts: resources by type, a role's statements by Sid.

One `Template.to_json()` per module-scoped stack, then plain Python: a dict lookup costs nothing,
while every `Template.has_resource_properties` call is a round trip to the jsii process.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

Json = dict[str, Any]
TemplateJson = Mapping[str, Any]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def resources(template: TemplateJson, resource_type: str) -> dict[str, Json]:
    """Logical id -> resource, for every resource of `resource_type`."""
    return {lid: r for lid, r in template.get("Resources", {}).items() if r["Type"] == resource_type}


def only(template: TemplateJson, resource_type: str) -> tuple[str, Json]:
    """The one resource of `resource_type` (fails when there are none or several)."""
    found = resources(template, resource_type)
    assert len(found) == 1, f"{len(found)} resources of type {resource_type}: {sorted(found)}"
    return next(iter(found.items()))


def attached_policies(template: TemplateJson, role_id: str) -> dict[str, Json]:
    """Logical id -> policy, for every policy of the template attached to the role `role_id`:
    its inline policies, then the managed policies that name it in `Roles` (where CDK moves what
    overflows the inline one), then the managed policies its `ManagedPolicyArns` refer to, in
    that order."""
    attached = {
        lid: policy
        for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
        for lid, policy in resources(template, kind).items()
        if {"Ref": role_id} in policy["Properties"].get("Roles", [])
    }
    managed = resources(template, "AWS::IAM::ManagedPolicy")
    for arn in template["Resources"][role_id]["Properties"].get("ManagedPolicyArns", []):
        if isinstance(arn, dict) and arn.get("Ref") in managed:
            attached[arn["Ref"]] = managed[arn["Ref"]]
    return attached


def role_statements(template: TemplateJson, role_id: str) -> list[Json]:
    """Every statement of every policy of the template attached to the role `role_id` (see
    `attached_policies`)."""
    return [
        statement
        for policy in attached_policies(template, role_id).values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def by_sid(statements: list[Json], sid: str) -> Json:
    found = [s for s in statements if s.get("Sid") == sid]
    assert len(found) == 1, f"{len(found)} statements with Sid {sid}"
    return found[0]


def sids(statements: list[Json]) -> list[str]:
    return [s["Sid"] for s in statements if "Sid" in s]


def all_statements(template: TemplateJson) -> list[Json]:
    """Every IAM statement anywhere in the template: policies, key, bucket and topic policies, trust."""
    found: list[Json] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "Effect" in node and ("Action" in node or "NotAction" in node):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(template.get("Resources", {}))
    return found


def compact_length(document: Any) -> int:
    """Characters of a policy document as IAM counts them: JSON without whitespace."""
    return len(json.dumps(document, separators=(",", ":")))
