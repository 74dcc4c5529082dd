"""The wildcard gate: every wildcard in a synthesized IAM statement has a reason written beside it.

A validation plugin, run at synth after the templates are written, so it sees statements exactly
as CloudFormation will (cross-stack references resolved, CDK's statement merging done). For each
allow statement that holds a wildcard in the platform's IAM policies it looks for, in order:

1. a statement recorded by `platform_constructs.explained` for the same owner (the role or the
   managed policy), equal in every field to the synthesized one: its reasons explain each
   wildcard element, keyed by the element (an action, or a resource);
2. statements CDK wrote for a `grant_*` call whose reasons were recorded with `explain_grant`:
   every (action, resource) pair of the synthesized statement, which CDK may have merged from
   several grants, must come from one recorded grant statement with the same conditions;
3. a statement CDK writes inside one of its own constructs (`compliance.cdk_internal`).

Explained findings are acknowledged on the policy, one finding id with the element's reason.
Anything else is a violation of this plugin, which fails synthesis: a new statement, even under a
known Sid, or a grant widened to `*`, is never acknowledged by accident.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import (
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
    Stack,
)
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from compliance.cdk_internal import internal_reason
from compliance.findings import action_finding, as_list, flatten_reference, resource_finding, wildcard_findings
from platform_constructs.acknowledge import PACKS, acknowledge_all
from platform_constructs.explained import Explanation, explanations

RULE = "ExplainedWildcards"
INLINE_POLICY_REASON = (
    "a role's own least-privilege statements (CDK grants and scoped statements) live in its inline policy, "
    "which no other principal can attach"
)
POLICY_TYPES = (iam.CfnPolicy, iam.CfnManagedPolicy, iam.CfnRole)


def _canonical(statement: dict[str, Any]) -> str:
    normalized = dict(statement)
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if key in normalized:
            normalized[key] = sorted(as_list(normalized[key]), key=lambda v: json.dumps(v, sort_keys=True))
    return json.dumps(normalized, sort_keys=True, separators=(",", ":"))


@dataclass
class _Resolved:
    """An explanation with its statement resolved in the owner's stack, as the template holds it."""

    explanation: Explanation
    statement: dict[str, Any]
    canonical: str
    reasons: dict[str, str] = field(default_factory=dict)  # finding id -> reason


def _resolve_all(records: list[Explanation]) -> dict[int, _Resolved]:
    """Every explanation resolved in its owner's stack, keyed by id(explanation): one call into
    CDK per statement for its JSON and one per stack to resolve them all, not one per element."""
    by_stack: dict[int, tuple[Stack, list[Explanation]]] = {}
    stack_of_owner: dict[int, Stack] = {}
    for explanation in records:
        owner = explanation.owner
        stack = stack_of_owner.get(id(owner))
        if stack is None:  # one jsii call per owner, not per statement
            stack = stack_of_owner[id(owner)] = Stack.of(owner)
        by_stack.setdefault(id(stack), (stack, []))[1].append(explanation)
    resolved: dict[int, _Resolved] = {}
    for stack, group in by_stack.values():
        written = [explanation.statement.to_statement_json() for explanation in group]
        # The elements that carry a reason, as written (tokens unresolved) and then as synthesized.
        keys = [_reasoned_resources(x, statement) for x, statement in zip(group, written, strict=True)]
        statements, elements = stack.resolve([written, keys])
        for explanation, raw, statement, key, element in zip(group, written, statements, keys, elements, strict=True):
            actions = as_list(raw.get("Action", []))
            reasons = {action_finding(a): why for a, why in explanation.reasons.items() if a in actions}
            reasons |= {resource_finding(r): explanation.reasons[k] for k, r in zip(key, element, strict=True)}
            resolved[id(explanation)] = _Resolved(explanation, statement, _canonical(statement), reasons)
    return resolved


def _reasoned_resources(explanation: Explanation, written: dict[str, Any]) -> list[str]:
    resources = as_list(written.get("Resource", []))
    return [element for element in explanation.reasons if element in resources]


def _pairs(statement: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (action, flatten_reference(resource))
        for action in as_list(statement.get("Action", []))
        for resource in as_list(statement.get("Resource", []))
    }


def _grant_reasons(statement: dict[str, Any], grants: list[_Resolved]) -> dict[str, str] | None:
    """Reasons from recorded grant statements that together hold every (action, resource) pair."""
    same_conditions = [g for g in grants if g.statement.get("Condition") == statement.get("Condition")]
    covered: set[tuple[str, str]] = set()
    reasons: dict[str, str] = {}
    for grant in same_conditions:
        covered |= _pairs(grant.statement)
        reasons.update(grant.reasons)
    if not _pairs(statement) <= covered:
        return None
    return reasons


def _policy_documents(resource: dict[str, Any]) -> Iterator[dict[str, Any]]:
    properties = resource.get("Properties", {})
    if "PolicyDocument" in properties:
        yield properties["PolicyDocument"]
    for inline in properties.get("Policies", []) if resource["Type"] == "AWS::IAM::Role" else []:
        yield inline["PolicyDocument"]


@jsii.implements(IPolicyValidationPlugin)
class WildcardGate:
    """See the module docstring. Also acknowledges NIST/HIPAA IAMNoInlinePolicy on role policies."""

    def __init__(self, root: IConstruct, before: Callable[[IPolicyValidationContext], None] | None = None) -> None:
        """`before` runs first in `validate`, once the templates are written (the Guard sidecar
        starts validating them then, while this gate and the packs run)."""
        self._root = root
        self._before = before

    @property
    def name(self) -> str:
        return RULE

    @property
    def version(self) -> str:
        return "2.0.0"

    @property
    def rule_ids(self) -> list[str]:
        return [RULE]

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        if self._before is not None:
            self._before(context)
        owners: dict[tuple[str, str], IConstruct] = {}
        for node in self._root.node.find_all():
            if isinstance(node, POLICY_TYPES):
                stack = Stack.of(node)
                owners[(stack.template_file, stack.resolve(node.logical_id))] = node
        records = explanations(self._root)
        resolved = _resolve_all(records)
        by_owner: dict[str, list[_Resolved]] = {}
        for explanation in records:
            by_owner.setdefault(explanation.owner.node.path, []).append(resolved[id(explanation)])
        violations = []
        for path in context.template_paths:
            template = json.loads(Path(path).read_text())
            for logical_id, resource in template.get("Resources", {}).items():
                owner = owners.get((Path(path).name, logical_id))
                if owner is None:
                    continue
                for message in self._check(owner, resource, by_owner):
                    violations.append(
                        PolicyViolation(
                            rule_name=RULE,
                            description=message,
                            fix="explain the wildcard where the statement is written (platform_constructs.explained)",
                            violating_resources=[
                                PolicyViolatingResource(
                                    locations=["Properties.PolicyDocument"],
                                    resource_logical_id=logical_id,
                                    template_path=path,
                                )
                            ],
                        )
                    )
        return PolicyValidationPluginReport(success=not violations, violations=violations)

    def _check(self, node: IConstruct, resource: dict[str, Any], by_owner: dict[str, list[_Resolved]]) -> list[str]:
        """Acknowledge what is explained; return one message per statement that is not."""
        scope = node.node.scope
        owner_paths = [p.node.path for p in (scope, scope.node.scope if scope else None) if p is not None]
        candidates = [c for path in owner_paths for c in by_owner.get(path, [])]
        exact = {c.canonical: c for c in candidates}
        grants = [c for c in candidates if "Sid" not in c.statement]
        # Internal statements are described by their role's path below the stack: a CfnPolicy
        # sits in <role>/DefaultPolicy, a managed policy or an inline role policy in <owner>.
        role = scope.node.scope if isinstance(node, iam.CfnPolicy) and scope is not None else scope
        owner_below_stack = (role.node.path if role else node.node.path).removeprefix(Stack.of(node).node.path + "/")
        problems = []
        acknowledgments: list[tuple[str, str]] = []
        if resource["Type"] == "AWS::IAM::Policy":
            acknowledgments += [(f"{pack}-IAMNoInlinePolicy", INLINE_POLICY_REASON) for pack in PACKS]
        for document in _policy_documents(resource):
            for index, statement in enumerate(as_list(document.get("Statement", []))):
                findings = wildcard_findings(statement)
                if not findings:
                    continue
                reasons = self._reasons(statement, exact, grants, owner_below_stack)
                unexplained = [f for f in findings if reasons is None or f not in reasons]
                if unexplained:
                    where = statement.get("Sid", f"statement {index}")
                    problems.append(f"{node.node.path}: {where} has a wildcard no code explained: {unexplained[0]}")
                    continue
                acknowledgments += [(finding, reasons[finding]) for finding in findings]  # type: ignore[index]
        acknowledge_all(node, acknowledgments)
        return problems

    @staticmethod
    def _reasons(
        statement: dict[str, Any], exact: dict[str, _Resolved], grants: list[_Resolved], owner: str
    ) -> dict[str, str] | None:
        match = exact.get(_canonical(statement))
        if match is not None:
            return match.reasons
        if "Sid" not in statement:
            from_grants = _grant_reasons(statement, grants)
            if from_grants is not None:
                return from_grants
        actions = as_list(statement.get("Action", []))
        resources = [flatten_reference(r) for r in as_list(statement.get("Resource", []))]
        reason = internal_reason(owner, actions, resources)
        if reason is None:
            return None
        return dict.fromkeys(wildcard_findings(statement), reason)
