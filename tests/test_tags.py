"""Stage-level tags: project, environment and team, never a value that changes per commit."""

from __future__ import annotations

from tests.synth import Synthesized

EXPECTED = {"Project": "mlexp", "Environment": "dev", "Team": "platform"}
# Tags CDK adds itself, with values fixed by the construct tree.
CDK_TAGS = {"Name", "aws-cdk:subnet-name", "aws-cdk:subnet-type"}


def test_every_taggable_resource_carries_exactly_the_stable_tags(sample: Synthesized) -> None:
    tagged = 0
    for name, stack in sample.stacks.items():
        for logical_id, resource in stack.template["Resources"].items():
            tags = resource.get("Properties", {}).get("Tags")
            if not isinstance(tags, list):
                continue
            tagged += 1
            values = {tag["Key"]: tag["Value"] for tag in tags}
            assert {k: v for k, v in values.items() if k not in CDK_TAGS} == EXPECTED, f"{name} {logical_id}"
    assert tagged > 20
