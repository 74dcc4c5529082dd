"""No template comes near a CloudFormation quota: the sample, and 5 regions with 600 users."""

from __future__ import annotations

import json

from tests.support.synth import Synthesized

HEADROOM = 0.8
QUOTAS = {"Resources": 500, "Outputs": 200, "Parameters": 200, "Mappings": 200}
TEMPLATE_BYTES = 1_000_000  # a template uploaded through S3, as cdk deploy does


def assert_headroom(synth: Synthesized) -> dict[str, int]:
    largest = dict.fromkeys(QUOTAS, 0)
    for name, stack in synth.stacks.items():
        for section, quota in QUOTAS.items():
            count = len(stack.template.get(section, {}))
            largest[section] = max(largest[section], count)
            assert count <= quota * HEADROOM, f"{name}: {count} {section}, over {HEADROOM:.0%} of {quota}"
        size = len(json.dumps(stack.template, indent=1).encode())
        assert size <= TEMPLATE_BYTES * HEADROOM, f"{name}: {size} bytes"
        assert len(stack.stack_name) <= 128
    return largest


def test_sample_has_headroom(sample: Synthesized) -> None:
    largest = assert_headroom(sample)
    assert largest["Resources"] > 10


def test_every_variant_has_headroom(extra_team: Synthesized, everything_on: Synthesized, mutated: Synthesized) -> None:
    """A full share of user profiles is checked in-process (test_user_profiles.py); how many
    regions a platform has changes how many stacks there are, never what one template holds."""
    for synth in (extra_team, everything_on, mutated):
        assert_headroom(synth)
