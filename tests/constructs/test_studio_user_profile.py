"""One Studio user profile: its team's role, the Studio group, the team's default lifecycle config
first, a pinned logical id, and a teardown that deletes its apps and spaces first."""

from __future__ import annotations

import pytest

from platform_constructs.stateful import named_logical_id
from platform_constructs.studio_teardown import RESOURCE_TYPE
from platform_constructs.studio_user_profile import StudioUserProfile, profile_logical_id
from tests.constructs.reading import Json, resources
from tests.support.stacks import ACCOUNT, new_stack, template

ROLE = f"arn:aws:iam::{ACCOUNT}:role/vision"
DEFAULTS = {"JupyterLab": "arn:lcc/vision-jl", "CodeEditor": "arn:lcc/vision-ce"}
OPTIONAL = {"JupyterLab": ["arn:lcc/lab-extensions"]}
TEARDOWN_FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:teardown"


@pytest.fixture(scope="module")
def synthesized() -> Json:
    stack = new_stack()
    for user, retain in (("alice", True), ("bruno.b", False)):
        StudioUserProfile(
            stack,
            f"User-{user}",
            domain_id="d-abc",
            user=user,
            team="vision",
            execution_role_arn=ROLE,
            security_group_id="sg-1",
            team_defaults=DEFAULTS,
            optional_configs=OPTIONAL,
            teardown_token=TEARDOWN_FUNCTION,
            retain=retain,
        )
    return dict(template(stack).to_json())


def profile(synthesized: Json, user: str) -> Json:
    found: Json = synthesized["Resources"][profile_logical_id(user)]
    return found


def teardowns(synthesized: Json) -> dict[str, Json]:
    """User profile name -> teardown resource."""
    return {r["Properties"]["UserProfileName"]: r for r in resources(synthesized, RESOURCE_TYPE).values()}


def test_the_logical_id_is_pinned_to_the_user_name(synthesized: Json) -> None:
    assert sorted(resources(synthesized, "AWS::SageMaker::UserProfile")) == sorted(
        [named_logical_id("Profile", "alice"), named_logical_id("Profile", "bruno.b")]
    )


def test_the_profile_runs_as_the_team_role_in_the_studio_group(synthesized: Json) -> None:
    props = profile(synthesized, "alice")["Properties"]
    assert (props["DomainId"], props["UserProfileName"]) == ("d-abc", "alice")
    assert (props["UserSettings"]["ExecutionRole"], props["UserSettings"]["SecurityGroups"]) == (ROLE, ["sg-1"])


def test_jupyterlab_starts_with_the_team_defaults_and_may_choose_the_optional_configs(synthesized: Json) -> None:
    settings = profile(synthesized, "alice")["Properties"]["UserSettings"]["JupyterLabAppSettings"]
    assert settings == {
        "DefaultResourceSpec": {"LifecycleConfigArn": DEFAULTS["JupyterLab"]},
        "LifecycleConfigArns": [DEFAULTS["JupyterLab"], *OPTIONAL["JupyterLab"]],
    }


def test_code_editor_starts_with_the_team_defaults(synthesized: Json) -> None:
    settings = profile(synthesized, "alice")["Properties"]["UserSettings"]["CodeEditorAppSettings"]
    assert settings == {
        "DefaultResourceSpec": {"LifecycleConfigArn": DEFAULTS["CodeEditor"]},
        "LifecycleConfigArns": [DEFAULTS["CodeEditor"]],
    }


def test_the_profile_carries_the_team_tag(synthesized: Json) -> None:
    assert profile(synthesized, "alice")["Properties"]["Tags"] == [{"Key": "Team", "Value": "vision"}]


def test_a_teardown_for_the_profile_uses_the_shared_provider(synthesized: Json) -> None:
    assert teardowns(synthesized)["alice"]["Properties"] == {
        "ServiceToken": TEARDOWN_FUNCTION,
        "DomainId": "d-abc",
        "UserProfileName": "alice",
        "Retain": "true",
    }


def test_the_teardown_deletes_nothing_in_a_retained_environment_only(synthesized: Json) -> None:
    assert {user: t["Properties"]["Retain"] for user, t in teardowns(synthesized).items()} == {
        "alice": "true",
        "bruno.b": "false",
    }


def test_the_teardown_goes_before_the_profile(synthesized: Json) -> None:
    """It depends on the profile, so CloudFormation deletes it (and the apps) first."""
    assert teardowns(synthesized)["alice"]["DependsOn"] == [profile_logical_id("alice")]


def test_logical_ids_differ_for_names_that_differ_only_in_punctuation() -> None:
    assert profile_logical_id("bruno.b") != profile_logical_id("brunob")
