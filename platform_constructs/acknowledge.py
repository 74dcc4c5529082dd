"""The one way a construct acknowledges a compliance finding: on itself, for one finding id, with a reason.

Constructs import this module only; the validation plugins and their reason tables live in
`compliance/`, so a construct never depends on how the packs are attached.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

MIN_REASON = 20
# The rule-id prefixes of the packs beside AwsSolutions (whose ids carry no pack prefix of their own).
PACKS = ("NIST.800.53.R5", "HIPAA.Security")


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """One finding id on one construct. Reasons are for reviewers: short ones are refused."""
    if len(reason) < MIN_REASON:
        raise ValueError(f"acknowledgment of {rule_id} on {scope.node.path}: reason too short ({reason!r})")
    Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))


def acknowledge_in_packs(scope: IConstruct, rule: str, reason: str) -> None:
    """The same rule of the NIST 800-53 r5 and HIPAA packs, which share rule names."""
    for pack in PACKS:
        acknowledge(scope, f"{pack}-{rule}", reason)
