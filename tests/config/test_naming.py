"""The naming function and the limits every derived name is checked against."""

from __future__ import annotations

import pytest

from platform_config.naming import NAME_RULES, Naming, StackKind

NAMING = Naming(project="mlexp", environment="dev")


def test_names_of_one_environment() -> None:
    assert NAMING.stage_id("eu-west-1") == "dev-eu-west-1"
    assert NAMING.stack_name(StackKind.DATA) == "mlexp-dev-data"
    assert NAMING.stack_name(StackKind.NETWORK) == "mlexp-dev-network"
    assert NAMING.kms_alias() == "alias/mlexp-dev-data"
    assert NAMING.domain_name() == "mlexp-dev"
    assert NAMING.model_package_group_name("churn") == "mlexp-dev-churn"
    assert NAMING.user_profile_name("alice") == "alice"


def test_environment_names_are_all_valid_for_the_sample() -> None:
    assert all(NAME_RULES[rule].problem(name) is None for rule, name in NAMING.environment_names())


@pytest.mark.parametrize(
    ("rule", "name", "problem"),
    [
        ("domain", "a" * 64, "is 64 characters, over the limit of 63"),
        ("domain", "bad_name", "does not match"),
        ("model_package_group", "-lead", "does not match"),
        ("stack", "1-starts-with-digit", "does not match"),
        ("kms_alias", "alias/aws/reserved", "does not match"),
        ("user_profile", "a" * 63, None),
        ("stack", "mlexp-dev-network", None),
    ],
)
def test_name_rules(rule: str, name: str, problem: str | None) -> None:
    found = NAME_RULES[rule].problem(name)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found
