"""User profiles: one per user, the team's role and defaults, stable placement, quota headroom."""

from __future__ import annotations

import json
from typing import Any

import pytest

from platform_config.placement import MAX_PROFILES_PER_STACK, RESOURCE_QUOTA, place_users, user_stack_index
from platform_constructs.studio_user_profile import profile_logical_id
from tests.stages import SAMPLE_STAGES
from tests.support.synth import Synthesized, config_variant, resources, synthesize

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
    for user, (_, profile, template) in profiles(sample, stage).items():
        logical_id = profile_logical_id(user)
        assert template["Resources"][logical_id] is profile
        teardowns = [
            r
            for r in resources(template, "Custom::StudioTeardown").values()
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


def _add_user(data: dict[str, Any]) -> None:
    data["teams"][1]["users"].append("newcomer")


def test_adding_a_user_changes_only_the_stack_that_receives_them(
    sample: Synthesized, tmp_path_factory: pytest.TempPathFactory
) -> None:
    grown = synthesize(config_variant(_add_user), tmp_path_factory.mktemp("grown"))
    receiving = f"Users{user_stack_index('newcomer', 4)}"
    for name, stack in sample.stacks.items():
        if "/Users" in name:
            same = json.dumps(grown.stacks[name].template) == json.dumps(stack.template)
            assert same == (not name.endswith(receiving)), name


def _one_user(data: dict[str, Any]) -> None:
    data["environments"][0]["regions"] = data["environments"][0]["regions"][:1]
    data["teams"][0]["users"] = ["solo"]
    data["teams"][1]["users"] = []


def test_empty_user_stacks_hold_a_placeholder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """CloudFormation refuses a template with no resources (found by the config fuzzer)."""
    synth = synthesize(config_variant(_one_user), tmp_path_factory.mktemp("one-user"))
    users = {name: stack.template["Resources"] for name, stack in synth.stacks.items() if "/Users" in name}
    assert len(users) == 4
    for name, found in users.items():
        types = sorted({r["Type"] for r in found.values()})
        holds_solo = any(r.get("Properties", {}).get("UserProfileName") == "solo" for r in found.values())
        expected = (
            ["AWS::SageMaker::UserProfile", "Custom::StudioTeardown"]
            if holds_solo
            else ["AWS::CloudFormation::WaitConditionHandle"]
        )
        assert types == expected, name


def _many_users(data: dict[str, Any]) -> None:
    data["environments"][0]["regions"] = data["environments"][0]["regions"][:1]
    data["teams"][0]["users"] = [f"scientist-{i:03d}" for i in range(300)]
    data["teams"][1]["users"] = [f"analyst-{i:03d}" for i in range(300)]


def test_600_users_stay_within_80_percent_of_the_resource_quota(tmp_path_factory: pytest.TempPathFactory) -> None:
    config = config_variant(_many_users)
    assert len(config.all_users) == 600
    synth = synthesize(config, tmp_path_factory.mktemp("users600"))
    counts = {name: len(stack.template["Resources"]) for name, stack in synth.stacks.items()}
    user_stacks = {name: count for name, count in counts.items() if "/Users" in name}
    assert len(user_stacks) == 4
    assert sum(user_stacks.values()) == 600 * 2
    assert max(counts.values()) <= RESOURCE_QUOTA * 0.8, counts
    assert max(user_stacks.values()) <= MAX_PROFILES_PER_STACK * 2
