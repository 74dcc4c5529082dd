"""Requests decided by the IAM policy simulator the access harness uses (access/runner.py,
@cloud-copilot/iam-simulate), for what reading a condition cannot show: that it holds.

All the requests of a module go to the simulator in one batch (one Node process, about half a
second). Each decision names the statements that allowed or denied it and the context keys the
action does not support, which the simulator drops: a test asserts none were dropped, so that a
condition it relies on was really evaluated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from access.runner import run_simulations
from tests.constructs.reading import Json
from tests.support.stacks import ACCOUNT

Context = Mapping[str, str | list[str]]


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    context: Context = field(default_factory=dict)
    principal: str | None = None  # when not `decide`'s


@dataclass(frozen=True)
class Decision:
    result: str  # Allowed, ImplicitlyDenied or ExplicitlyDenied
    allowed_by: tuple[str, ...]  # Sids
    denied_by: tuple[str, ...]  # Sids of explicit denies
    ignored_keys: tuple[str, ...]  # context keys the action does not support (lower case)


def principal_keys(role_arn: str) -> dict[str, str]:
    """The global keys AWS fills for a session of the role `role_arn` of this account."""
    return {"aws:PrincipalArn": role_arn, "aws:PrincipalAccount": ACCOUNT, "aws:PrincipalType": "AssumedRole"}


def decide(
    principal: str,
    policies: Mapping[str, Json],
    requests: Mapping[str, Request],
    *,
    resource_policy: Json | None = None,
) -> dict[str, Decision]:
    """Request name -> the simulator's decision for `principal` (a role of this account) holding
    the identity `policies` (name -> policy document), under `resource_policy` if given; no
    boundary or SCP. The global keys of the principal are filled as AWS fills them."""
    names = list(requests)
    simulations: list[dict[str, Any]] = [
        {
            "request": {
                "principal": requests[name].principal or principal,
                "action": requests[name].action,
                "resource": {"resource": requests[name].resource, "accountId": ACCOUNT},
                "contextVariables": {**principal_keys(requests[name].principal or principal), **requests[name].context},
            },
            "identityPolicies": [{"name": policy, "policy": document} for policy, document in policies.items()],
            "serviceControlPolicies": [],
            "resourceControlPolicies": [],
            **({"resourcePolicy": resource_policy} if resource_policy is not None else {}),
        }
        for name in names
    ]
    decisions = {}
    for name, result in zip(names, run_simulations(simulations), strict=True):
        assert result["resultType"] == "single", f"{name}: {result}"
        assert not result["contextErrors"], f"{name}: {result['contextErrors']}"
        decisions[name] = Decision(
            result=result["overallResult"],
            allowed_by=tuple(s.get("sid", "?") for s in result["allow"]),
            denied_by=tuple(s.get("sid", "?") for s in result["deny"] if s.get("explicit")),
            ignored_keys=tuple(result["ignoredContextKeys"]),
        )
    return decisions
