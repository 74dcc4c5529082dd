"""Compliance packs at synth: zero unacknowledged findings, and every acknowledgment is narrow."""

from __future__ import annotations

import re

import pytest

from compliance.acknowledgments import Acknowledged
from platform_constructs.acknowledge import MIN_REASON
from tests.support.pool import SynthPool
from tests.support.synth import ROOT, Synthesized

# Rules whose findings carry a per-item suffix ([Resource::...], [Policy::...]): a bare id would
# acknowledge nothing, and a broad one would hide future findings.
PER_ITEM_RULES = {"AwsSolutions-IAM4", "AwsSolutions-IAM5"}


@pytest.mark.parametrize("variant", ["sample", "disposable", "everything_on", "extra_team"])
def test_no_finding_is_left_unacknowledged(synth_pool: SynthPool, variant: str) -> None:
    """What `make synth` would refuse: any pack, Guard or wildcard-gate finding nobody acknowledged."""
    assert [finding.line() for finding in synth_pool.findings(variant)] == []


def test_acknowledgments_are_narrow_and_reasoned(sample: Synthesized, everything_on: Synthesized) -> None:
    for item in (*sample.acknowledgments, *everything_on.acknowledgments):
        assert not item.on_stack_or_stage, f"{item.rule_id} acknowledged stack-wide on {item.path}"
        assert item.rule not in PER_ITEM_RULES or "[" in item.rule_id, item
        assert len(item.reason) >= MIN_REASON, item


def test_no_wildcard_is_acknowledged_by_statement_id_alone(sample: Synthesized) -> None:
    """Wildcard findings are acknowledged per policy and element; a policy with two statements
    holding the same element has one reason for it (the element, not the Sid, is the key)."""
    wildcards = [a for a in sample.acknowledgments if a.rule == "AwsSolutions-IAM5"]
    assert wildcards
    assert all(a.rule_id.startswith(("AwsSolutions-IAM5[Action::", "AwsSolutions-IAM5[Resource::")) for a in wildcards)


def test_every_acknowledged_rule_is_explained_in_the_readme(sample: Synthesized, everything_on: Synthesized) -> None:
    readme = (ROOT / "README.md").read_text()
    rules = {
        re.sub(r"^(NIST\.800\.53\.R5|HIPAA\.Security)-", "", a.rule)
        for a in (*sample.acknowledgments, *everything_on.acknowledgments)
    }
    missing = sorted(rule for rule in rules if rule not in readme)
    assert missing == [], f"add to README 'Security posture': {missing}"


def _of(items: tuple[Acknowledged, ...], rule: str) -> list[Acknowledged]:
    return [a for a in items if a.rule == rule]
