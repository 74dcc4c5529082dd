"""Roles across the synthesized stages: every role bounded, stacks ordered after the boundary,
every policy document within IAM's size limits once resolved. What a team role may do is proven
by the access journeys (tests/access) and its statements by the construct tier."""

from __future__ import annotations

import json
from typing import Any

from tests.support.synth import Synthesized, Template, resources

INLINE_LIMIT = 10_240  # IAM: all inline policies of one role, whitespace excluded
MANAGED_LIMIT = 6_144  # IAM: one customer-managed policy, whitespace excluded


def resolved_size(value: Any) -> int:
    """Length of a policy once CloudFormation resolves it, with generous stand-ins for ids and
    ARNs (generated names are at most 63 characters for buckets, 64 for roles)."""

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "Fn::Join" in node:
                separator, parts = node["Fn::Join"]
                return separator.join(str(resolve(p)) for p in parts)
            if "Ref" in node:
                return "x" * 64
            if "Fn::GetAtt" in node or "Fn::GetStackOutput" in node or "Fn::ImportValue" in node:
                return "arn:aws:service:us-east-1:111122223333:" + "x" * 64
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return len(json.dumps(resolve(value), separators=(",", ":")))


def _documents(template: Template, kind: str) -> dict[str, Any]:
    return {lid: p["Properties"]["PolicyDocument"] for lid, p in resources(template, kind).items()}


def test_every_policy_document_of_the_sample_fits_iam_limits(sample: Synthesized) -> None:
    assert _policies_within_iam_limits(sample) > 20


def test_every_policy_document_with_everything_on_fits_iam_limits(everything_on: Synthesized) -> None:
    assert _policies_within_iam_limits(everything_on) > 20


def _policies_within_iam_limits(synth: Synthesized) -> int:
    """Assert that each role's inline policies and each managed policy fit IAM's limits once
    resolved; return how many were checked. The variants are read as fixtures (not through
    `request.getfixturevalue`) so that the conftest marks these tests `platform`."""
    checked = 0
    for name, stack in synth.stacks.items():
        inline_per_role: dict[str, int] = {}
        for policy in resources(stack.template, "AWS::IAM::Policy").values():
            size = resolved_size(policy["Properties"]["PolicyDocument"])
            for role in policy["Properties"].get("Roles", []):
                key = json.dumps(role)
                inline_per_role[key] = inline_per_role.get(key, 0) + size
        for role, size in inline_per_role.items():
            checked += 1
            assert size < INLINE_LIMIT, f"{name}: inline policies of {role} are {size} characters"
        for lid, document in _documents(stack.template, "AWS::IAM::ManagedPolicy").items():
            checked += 1
            assert resolved_size(document) < MANAGED_LIMIT, f"{name}/{lid}: {resolved_size(document)} characters"
    return checked


def test_every_role_in_every_stack_has_the_platform_boundary(sample: Synthesized, disposable: Synthesized) -> None:
    roles = 0
    for synth in (sample, disposable):
        for name, stack in synth.stacks.items():
            region = name.split("/")[0].removeprefix("dev-")
            for logical_id, role in resources(stack.template, "AWS::IAM::Role").items():
                roles += 1
                boundary = json.dumps(role["Properties"].get("PermissionsBoundary"))
                assert f"policy/mlexp-dev-{region}-boundary" in boundary, f"{name} {logical_id}"
    assert roles > 20


def test_no_role_carries_an_aws_managed_policy_but_lambdas_basic_execution(sample: Synthesized) -> None:
    for name, stack in sample.stacks.items():
        for logical_id, role in resources(stack.template, "AWS::IAM::Role").items():
            for arn in role["Properties"].get("ManagedPolicyArns", []):
                text = json.dumps(arn)
                if ":iam::aws:policy/" in text:
                    assert ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"' in text, f"{name} {logical_id}"


def test_stacks_that_hold_roles_deploy_after_the_boundary(sample: Synthesized) -> None:
    for name, stack in sample.stacks.items():
        stage, stack_id = name.split("/")
        if stack_id != "Guardrails":
            assert f"{stage}/Guardrails" in stack.dependencies, name
