"""The one way a construct acknowledges a compliance finding: on itself, for one finding id, with a reason.

Constructs import this module only; the validation plugins and their reason tables live in
`compliance/`, so a construct never depends on how the packs are attached.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

MIN_REASON = 20
# The rule-id prefixes of the packs beside AwsSolutions (whose ids carry no pack prefix of their own).
PACKS = ("NIST.800.53.R5", "HIPAA.Security")


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """One finding id on one construct. Reasons are for reviewers: short ones are refused."""
    acknowledge_all(scope, [(rule_id, reason)])


def acknowledge_all(scope: IConstruct, acknowledgments: Sequence[tuple[str, str]]) -> None:
    """Several (finding id, reason) on one construct in one call into CDK: the wildcard gate
    acknowledges hundreds of findings at synth, and each call crosses into Node."""
    for rule_id, reason in acknowledgments:
        if len(reason) < MIN_REASON:
            raise ValueError(f"acknowledgment of {rule_id} on {scope.node.path}: reason too short ({reason!r})")
    if acknowledgments:
        Validations.of(scope).acknowledge(*(Acknowledgment(id=i, reason=r) for i, r in acknowledgments))


def acknowledge_in_packs(scope: IConstruct, rule: str, reason: str) -> None:
    """The same rule of the NIST 800-53 r5 and HIPAA packs, which share rule names."""
    for pack in PACKS:
        acknowledge(scope, f"{pack}-{rule}", reason)
