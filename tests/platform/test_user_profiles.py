"""User profiles: one per user, the team's role and defaults, stable placement, quota headroom."""

from __future__ import annotations

import json
from typing import Any

import pytest

from platform_config.placement import (
    MAX_PROFILES_PER_STACK,
    RESOURCE_QUOTA,
    RESOURCES_PER_PROFILE,
    place_users,
    user_stack_index,
)
from platform_constructs.studio_user_profile import profile_logical_id
from stacks.platform_stage import _never_empty
from stacks.user_profiles_stack import UserProfilesStack
from tests.stages import SAMPLE_STAGES
from tests.support.stacks import ENV, new_app, new_stack, template
from tests.support.synth import Synthesized, resources

STAGES = sorted(SAMPLE_STAGES)


def profiles(synth: Synthesized, stage: str) -> dict[str, tuple[str, dict[str, Any], dict[str, Any]]]:
    """user -> (stack id, profile resource, template)."""
    found = {}
    for name, stack in synth.stacks.items():
        if name.startswith(f"{stage}/Users"):
            for resource in resources(stack.template, "AWS::SageMaker::UserProfile").values():
                found[resource["Properties"]["UserProfileName"]] = (name.split("/")[1], resource, stack.template)
    return found


@pytest.mark.parametrize("stage", STAGES)
def test_one_profile_per_configured_user_in_its_placed_stack(sample: Synthesized, stage: str) -> None:
    found = profiles(sample, stage)
    assert sorted(found) == sorted(sample.config.all_users)
    for user, (stack_id, _, _) in found.items():
        assert stack_id == f"Users{user_stack_index(user, 4)}"


@pytest.mark.parametrize("stage", STAGES)
def test_profile_runs_as_its_team_role_in_the_studio_group(sample: Synthesized, stage: str) -> None:
    teams = {user: team.name for team in sample.config.teams for user in team.users}
    for user, (_, profile, _) in profiles(sample, stage).items():
        settings = profile["Properties"]["UserSettings"]
        role = settings["ExecutionRole"]["Fn::GetStackOutput"]
        assert role["StackName"] == "mlexp-dev-studio"
        assert f"Team{teams[user]}" in role["OutputName"]
        assert "StudioSecurityGroup" in settings["SecurityGroups"][0]["Fn::GetStackOutput"]["OutputName"]
        assert {"Key": "Team", "Value": teams[user]} in profile["Properties"]["Tags"]


@pytest.mark.parametrize("stage", STAGES)
def test_profile_ides_start_with_the_team_defaults(sample: Synthesized, stage: str) -> None:
    teams = {user: team.name for team in sample.config.teams for user in team.users}
    for user, (_, profile, _) in profiles(sample, stage).items():
        settings = profile["Properties"]["UserSettings"]
        for app in ("JupyterLab", "CodeEditor"):
            app_settings = settings[f"{app}AppSettings"]
            default = app_settings["DefaultResourceSpec"]["LifecycleConfigArn"]["Fn::GetStackOutput"]["OutputName"]
            assert f"TeamDefaults{teams[user]}{app}" in default
            assert app_settings["LifecycleConfigArns"][0] == app_settings["DefaultResourceSpec"]["LifecycleConfigArn"]
        assert len(settings["JupyterLabAppSettings"]["LifecycleConfigArns"]) == 2  # + the optional one
        assert len(settings["CodeEditorAppSettings"]["LifecycleConfigArns"]) == 1


@pytest.mark.parametrize("stage", STAGES)
def test_each_profile_has_a_teardown_that_depends_on_it(sample: Synthesized, stage: str) -> None:
    for user, (_, profile, stack_template) in profiles(sample, stage).items():
        logical_id = profile_logical_id(user)
        assert stack_template["Resources"][logical_id] is profile
        teardowns = [
            r
            for r in resources(stack_template, "Custom::StudioTeardown").values()
            if r["Properties"]["UserProfileName"] == user
        ]
        assert len(teardowns) == 1
        assert teardowns[0]["DependsOn"] == [logical_id]
        assert teardowns[0]["Properties"]["Retain"] == "true"
        assert "DeletionPolicy" not in profile  # profiles hold no data; the home file system stays


def test_profile_logical_ids_are_unique_for_similar_names() -> None:
    assert profile_logical_id("ana-b") != profile_logical_id("anab")
    assert profile_logical_id("alice").startswith("Profilealice")
    assert len(profile_logical_id("alice")) == len("Profilealice") + 8


def test_placement_ignores_the_other_users() -> None:
    users = tuple(f"user{i}" for i in range(300))
    before = place_users(users, 4)
    after = place_users((*users, "newcomer"), 4)
    moved = {u for i, members in before.items() for u in members if u not in after[i]}
    assert moved == set()


def test_a_user_joining_or_leaving_changes_only_their_stacks(sample: Synthesized, mutated: Synthesized) -> None:
    """`mutated` adds `newcomer` and removes `chen`: only the stacks that hold them change."""
    touched = {f"Users{user_stack_index(user, 4)}" for user in ("newcomer", "chen")}
    for name, stack in sample.stacks.items():
        if "/Users" in name:
            same = json.dumps(mutated.stacks[name].template) == json.dumps(stack.template)
            assert same == (name.split("/")[1] not in touched), name


def test_empty_user_stacks_hold_a_placeholder() -> None:
    """CloudFormation refuses a template with no resources (found by the config fuzzer): a share
    no user hashes to keeps a no-op placeholder."""
    stack = new_stack("EmptyShare")
    _never_empty(stack)
    assert [r["Type"] for r in template(stack).to_json()["Resources"].values()] == [
        "AWS::CloudFormation::WaitConditionHandle"
    ]


def test_a_full_share_of_profiles_stays_within_80_percent_of_the_resource_quota() -> None:
    """The config refuses a placement with more than MAX_PROFILES_PER_STACK in one share; a share
    that full still fits the quota with headroom (600 users over 4 shares is about 150 each)."""
    stack = UserProfilesStack(
        new_app(),
        "FullShare",
        env=ENV,
        members=tuple((f"scientist-{i:03d}", "vision") for i in range(MAX_PROFILES_PER_STACK)),
        domain_id="d-example",
        role_arns={"vision": "arn:aws:iam::111122223333:role/team"},
        team_defaults={"vision": {"JupyterLab": "arn:jl", "CodeEditor": "arn:ce"}},
        optional_configs={},
        teardown_token="arn:aws:lambda:us-east-1:111122223333:function:teardown",  # noqa: S106 - an ARN
        security_group_id="sg-1",
        retain=True,
    )
    count = len(template(stack).to_json()["Resources"])
    assert count == MAX_PROFILES_PER_STACK * RESOURCES_PER_PROFILE
    assert count <= RESOURCE_QUOTA * 0.8
