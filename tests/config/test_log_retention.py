"""Each configured number of days becomes that retention in the template."""

from __future__ import annotations

from typing import cast

import aws_cdk as cdk
import pytest
from aws_cdk import aws_logs as logs

from platform_config.schema import LOG_RETENTION_DAYS
from platform_constructs.log_retention import RETENTION_BY_DAYS, retention_days


def test_table_covers_exactly_the_days_config_accepts() -> None:
    assert tuple(sorted(RETENTION_BY_DAYS)) == LOG_RETENTION_DAYS


def test_every_entry_synthesizes_its_number_of_days() -> None:
    stack = cdk.Stack(cdk.App(analytics_reporting=False), "Retention")
    found = {}
    for days in LOG_RETENTION_DAYS:
        group = logs.LogGroup(stack, f"Group{days}", retention=retention_days(days))
        found[days] = stack.resolve(cast(logs.CfnLogGroup, group.node.default_child).retention_in_days)
    assert found == {days: days for days in LOG_RETENTION_DAYS}


def test_unknown_period_is_refused() -> None:
    with pytest.raises(ValueError, match="42 is not a CloudWatch Logs retention period"):
        retention_days(42)
