"""Stage-level tags: project, environment and team, never a value that changes per commit."""

from __future__ import annotations

from tests.support.synth import Synthesized

EXPECTED = {"Project": "mlexp", "Environment": "dev"}
TEAMS = {"platform", "vision", "forecasting"}
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
            team = values.pop("Team", None)
            assert team in TEAMS, f"{name} {logical_id}"
            assert {k: v for k, v in values.items() if k not in CDK_TAGS} == EXPECTED, f"{name} {logical_id}"
    assert tagged > 20


def test_team_resources_carry_their_team(sample: Synthesized) -> None:
    for name, stack in sample.stacks.items():
        for resource in stack.template["Resources"].values():
            props = resource.get("Properties", {})
            tags = {t["Key"]: t["Value"] for t in props.get("Tags", []) if isinstance(t, dict)}
            if resource["Type"] == "AWS::SageMaker::UserProfile":
                team = next(t.name for t in sample.config.teams if props["UserProfileName"] in t.users)
                assert tags["Team"] == team, name
            if resource["Type"] == "AWS::SageMaker::Domain":
                assert tags["Team"] == "platform"
