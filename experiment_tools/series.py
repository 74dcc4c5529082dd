"""A metric's values step by step, per run, from SageMaker Metrics (BatchGetMetrics).

DescribeTrialComponent gives a metric's summary only (last, min, max, ...); the values behind a
curve come from the metrics service, one query per run, for the component that holds the metric.
Values logged without a step have no place on an iteration axis and are not returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from experiment_tools.clients import AwsClients
from experiment_tools.errors import AwsError
from experiment_tools.leaderboard import RunRow

QUERIES_PER_CALL = 100  # the BatchGetMetrics limit


@dataclass(frozen=True)
class Series:
    run: str
    steps: list[int]
    values: list[float]


def metric_series(clients: AwsClients, rows: Sequence[RunRow], metric: str) -> list[Series]:
    """The metric over its steps for each run that has it, in the rows' order (runs with no step left out)."""
    wanted = [row for row in rows if row.metric_sources.get(metric)]
    found: list[Series] = []
    for start in range(0, len(wanted), QUERIES_PER_CALL):
        batch = wanted[start : start + QUERIES_PER_CALL]
        answer = clients.metrics.batch_get_metrics(
            MetricQueries=[
                {
                    "MetricName": metric,
                    "ResourceArn": row.metric_sources[metric],
                    "MetricStat": "Avg",
                    "Period": "IterationNumber",
                    "XAxisType": "IterationNumber",
                }
                for row in batch
            ]
        )
        for row, result in zip(batch, answer.get("MetricQueryResults", []), strict=True):
            if result.get("Status") != "Complete":
                raise AwsError(
                    f"BatchGetMetrics: {metric!r} of run {row.run!r}: {result.get('Status')} "
                    f"{result.get('Message', '')}".rstrip()
                )
            steps = [int(step) for step in result.get("XAxisValues", [])]
            if steps:
                found.append(Series(row.run, steps, [float(value) for value in result.get("MetricValues", [])]))
    return found
