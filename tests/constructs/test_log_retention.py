"""CloudWatch Logs retention from a number of days."""

from __future__ import annotations

import pytest
from aws_cdk import aws_logs as logs

from platform_config.schema import LOG_RETENTION_DAYS
from platform_constructs.log_retention import RETENTION_BY_DAYS, retention_days
from tests.constructs.reading import resources
from tests.support.stacks import new_stack, template


@pytest.fixture(scope="module")
def stored_days() -> dict[str, int]:
    """Log group id (`Days<n>`) -> the retention CloudFormation is given, one group per mapping entry."""
    stack = new_stack()
    for days in RETENTION_BY_DAYS:
        logs.LogGroup(stack, f"Days{days}", retention=retention_days(days))
    found = resources(template(stack).to_json(), "AWS::Logs::LogGroup")
    return {lid[:-8]: group["Properties"]["RetentionInDays"] for lid, group in found.items()}


def test_days_map_to_the_retention_of_that_many_days() -> None:
    assert (retention_days(1), retention_days(365), retention_days(3653)) == (
        logs.RetentionDays.ONE_DAY,
        logs.RetentionDays.ONE_YEAR,
        logs.RetentionDays.TEN_YEARS,
    )


def test_every_period_the_config_accepts_has_a_retention() -> None:
    assert sorted(RETENTION_BY_DAYS) == sorted(LOG_RETENTION_DAYS)


def test_each_retention_is_the_number_of_days_cloudwatch_stores(stored_days: dict[str, int]) -> None:
    assert stored_days == {f"Days{days}": days for days in RETENTION_BY_DAYS}


def test_fails_if_cloudwatch_has_no_such_period() -> None:
    with pytest.raises(ValueError, match=r"^2 is not a CloudWatch Logs retention period \(\[1, 3, 5, 7, 14, 30,"):
        retention_days(2)
