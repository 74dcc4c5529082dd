"""IAM statements that carry, beside them, the reason for every wildcard they contain.

A wildcard in an allow statement (an action such as `s3:GetObject*`, a resource such as
`arn:...:training-job/*`) is a finding of the compliance packs (AwsSolutions-IAM5). The platform
accepts one only where the code that writes the statement says why, in the same place:

    role.add_to_principal_policy(
        explained(
            sid="DescribeTeamJobs",
            actions=["sagemaker:DescribeTrainingJob"],
            resources=[jobs_arn("training-job")],
            conditions={...},
            why={jobs_arn("training-job"): "job names are generated at run time; scoped by the Team tag"},
        )
    )

`why` maps each wildcard element, exactly as written in `actions` or `resources`, to its reason.
A wildcard without a reason, or a reason for an element the statement does not hold, is an
error at construction time. The statement is remembered with its owner (the role or policy it
goes into); `compliance.wildcards` later matches every synthesized statement against these
records by owner and full content, so a statement nobody explained, even one that reuses a
known Sid, fails synthesis.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_iam as iam
from constructs import IConstruct

from platform_constructs.acknowledge import MIN_REASON


@dataclass(frozen=True)
class Explanation:
    """Reasons for the wildcards of one statement in the policy of `owner`."""

    owner: IConstruct
    statement: iam.PolicyStatement
    reasons: Mapping[str, str]


# Per app (the root construct), the explanations recorded while it was built. Keyed by identity:
# jsii hands back the same Python object for the same construct.
_RECORDS: dict[int, tuple[IConstruct, list[Explanation]]] = {}


TOKEN = re.compile(r"\$\{Token\[[^\]]*\]\}")


def _has_wildcard(element: str) -> bool:
    """A literal `*` or `?` outside any token (tokens are resolved and checked again at synth).
    Tokens are recognised by their string encoding here, not by asking jsii: this runs for every
    element of every statement, and a round trip each costs more than the whole check."""
    literal = TOKEN.sub("", element)
    return "*" in literal or "?" in literal


def wildcard_elements(actions: Sequence[str], resources: Sequence[str]) -> list[str]:
    return [a for a in actions if _has_wildcard(a)] + [r for r in resources if _has_wildcard(r)]


def explained(
    *,
    sid: str,
    actions: Sequence[str],
    resources: Sequence[str],
    why: Mapping[str, str] | None = None,
    conditions: Mapping[str, Any] | None = None,
    effect: iam.Effect = iam.Effect.ALLOW,
    principals: Sequence[iam.IPrincipal] | None = None,
) -> iam.PolicyStatement:
    """A statement whose wildcards all have a reason in `why` (see the module docstring)."""
    why = dict(why or {})
    if effect == iam.Effect.ALLOW:
        missing = [e for e in wildcard_elements(actions, resources) if e not in why]
        if missing:
            raise ValueError(f"statement {sid}: wildcard {missing[0]!r} has no reason in why=")
    stale = [e for e in why if e not in (*actions, *resources)]
    if stale:
        raise ValueError(f"statement {sid}: why= names {stale[0]!r}, which is not one of its actions or resources")
    short = [e for e, reason in why.items() if len(reason) < MIN_REASON]
    if short:
        raise ValueError(f"statement {sid}: the reason for {short[0]!r} is too short ({why[short[0]]!r})")
    statement = iam.PolicyStatement(
        sid=sid,
        effect=effect,
        actions=list(actions),
        resources=list(resources),
        conditions=dict(conditions) if conditions else None,
        principals=list(principals) if principals else None,
    )
    _PENDING[id(statement)] = (statement, why)
    return statement


# Statements built but not yet attached to an owner (see `record`).
_PENDING: dict[int, tuple[iam.PolicyStatement, dict[str, str]]] = {}


def record(owner: IConstruct, statement: iam.PolicyStatement, reasons: Mapping[str, str] | None = None) -> None:
    """Remember that `statement` sits in the policy of `owner`, with its reasons.

    Statements from `explained` carry their reasons; a statement CDK wrote for a grant takes them
    here (`grant_statements` below)."""
    pending = _PENDING.pop(id(statement), None)
    merged = dict(pending[1] if pending else {})
    merged.update(reasons or {})
    root = owner.node.root
    _RECORDS.setdefault(id(root), (root, []))[1].append(Explanation(owner, statement, merged))


def add_to_role(role: iam.IRole, *statements: iam.PolicyStatement) -> None:
    """Add explained statements to a role's default policy and record them with the role."""
    for statement in statements:
        role.add_to_principal_policy(statement)
        record(role, statement)


def managed_policy(
    scope: IConstruct, construct_id: str, description: str, statements: Sequence[iam.PolicyStatement]
) -> iam.ManagedPolicy:
    """A customer-managed policy holding explained statements, each recorded with it."""
    policy = iam.ManagedPolicy(scope, construct_id, description=description, statements=list(statements))  # type: ignore[arg-type]
    for statement in statements:
        record(policy, statement)
    return policy


def explain_grant(grantee_owner: IConstruct, grant: iam.Grant, why: Mapping[str, str]) -> None:
    """Reasons for the wildcards of the statements a CDK `grant_*` call wrote into a role's policy.

    `why` is keyed like the grant's own elements: an action such as `s3:GetObject*`, or a
    resource string as the grant wrote it (`bucket.arn_for_objects("team/*")`)."""
    for statement in grant.principal_statements:
        elements = wildcard_elements(statement.actions, statement.resources)
        missing = [e for e in elements if e not in why]
        if missing:
            raise ValueError(f"grant to {grantee_owner.node.path}: wildcard {missing[0]!r} has no reason")
        record(grantee_owner, statement, {e: why[e] for e in elements})


def explanations(root: IConstruct) -> list[Explanation]:
    entry = _RECORDS.get(id(root))
    return list(entry[1]) if entry and entry[0] is root else []


def forget(root: IConstruct) -> None:
    """Drop an app's records once it is synthesized (tests build many apps in one process)."""
    _RECORDS.pop(id(root), None)
