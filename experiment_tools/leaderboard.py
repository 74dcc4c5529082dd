"""A leaderboard of an experiment's runs: parameters and metric summaries, filtered and sorted.

What SageMaker's ExperimentAnalytics gives as a dataframe, one row per run as the SDK counts runs
(`runs.py`), as rows a terminal, a spreadsheet or jq can take. A run that used another run
(`track --share`) or a trial's shared components (a pipeline's preprocessing) has their
parameters and metrics too, its own values first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from experiment_tools import runs
from experiment_tools.clients import AwsClients
from experiment_tools.errors import UsageError
from experiment_tools.tracking import LINEAGE, plain_parameter

Stat = Literal["Last", "Max", "Min", "Avg", "StdDev", "Count"]
STATS: dict[str, Stat] = {
    "last": "Last",
    "max": "Max",
    "min": "Min",
    "avg": "Avg",
    "stddev": "StdDev",
    "count": "Count",
}
CONDITION = re.compile(r"^\s*(?P<name>[^=!<>]+?)\s*(?P<op>==|!=|<=|>=|=|<|>)\s*(?P<value>.*?)\s*$")


@dataclass
class RunRow:
    run: str
    created: Any = None
    kind: str = "run"
    trial: str = ""
    status: str = ""
    components: list[str] = field(default_factory=list)
    parameters: dict[str, str | float] = field(default_factory=dict)
    metrics: dict[str, dict[Stat, float]] = field(default_factory=dict)
    metric_sources: dict[str, str] = field(default_factory=dict)  # metric -> ARN of the component holding it

    def value(self, name: str, stat: Stat) -> str | float | None:
        if name in self.metrics:
            return self.metrics[name].get(stat)
        return self.parameters.get(name)


@dataclass(frozen=True)
class Condition:
    name: str
    op: str
    value: str

    @classmethod
    def parse(cls, text: str) -> Condition:
        match = CONDITION.match(text)
        if not match or not match["name"]:
            raise UsageError(f"--where: {text!r} is not NAME OP VALUE (OP one of = != < <= > >=)")
        return cls(match["name"], "==" if match["op"] == "=" else match["op"], match["value"])

    def holds(self, actual: str | float | None) -> bool:
        """= and != compare numbers as numbers and text as text; <, <=, >, >= need two numbers."""
        if actual is None:
            return False
        try:
            wanted: str | float = float(self.value)
        except ValueError:
            wanted = self.value
        if self.op in ("==", "!="):
            same = actual == wanted if isinstance(actual, float) == isinstance(wanted, float) else False
            return same if self.op == "==" else not same
        if not (isinstance(actual, float) and isinstance(wanted, float)):
            return False
        return {"<": actual < wanted, "<=": actual <= wanted, ">": actual > wanted, ">=": actual >= wanted}[self.op]


def collect_runs(clients: AwsClients, experiment: str) -> list[RunRow]:
    """One row per run (see `runs.py`): its own component's values, then those of shared ones."""
    experiment = runs.experiment_name(clients, experiment)
    cache = runs.ComponentCache(clients)
    rows = []
    for run in runs.discover(clients, experiment, cache):
        row = RunRow(run=run.name, created=run.created, kind=run.kind, trial=run.trial)
        for name in run.components:
            described = cache.find(name)
            if described is not None:  # a shared run deleted since: its values are gone
                _merge(row, described, own=name == run.components[0])
        rows.append(row)
    return rows


def _merge(row: RunRow, component: dict[str, Any], *, own: bool) -> None:
    row.components.append(component["TrialComponentName"])
    for name, value in component.get("Parameters", {}).items():
        row.parameters.setdefault(name, plain_parameter(value))
    for metric in component.get("Metrics", []):
        summary: dict[Stat, float] = {
            stat: float(metric[stat]) for stat in STATS.values() if metric.get(stat) is not None
        }
        row.metrics.setdefault(metric["MetricName"], summary)
        row.metric_sources.setdefault(metric["MetricName"], str(component.get("TrialComponentArn", "")))
    if own or not row.status:
        row.status = str(component.get("Status", {}).get("PrimaryStatus", ""))


def leaderboard(
    rows: Sequence[RunRow],
    *,
    where: Iterable[Condition] = (),
    sort_by: str | None = None,
    stat: Stat = "Last",
    ascending: bool = False,
    limit: int | None = None,
) -> list[RunRow]:
    conditions = list(where)
    for name in [condition.name for condition in conditions] + ([sort_by] if sort_by else []):
        check_known(rows, name)
    kept = [row for row in rows if all(condition.holds(row.value(condition.name, stat)) for condition in conditions)]
    kept.sort(key=lambda row: row.run)
    if sort_by:
        present = [row for row in kept if row.value(sort_by, stat) is not None]
        missing = [row for row in kept if row.value(sort_by, stat) is None]
        present.sort(key=lambda row: _sort_key(row.value(sort_by, stat)), reverse=not ascending)
        kept = present + missing  # runs without the value go last either way
    return kept[:limit] if limit else kept


def check_known(rows: Sequence[RunRow], name: str) -> None:
    """A name no run has is a typo, not an empty result."""
    known = {known for row in rows for known in (*row.parameters, *row.metrics)}
    if rows and name not in known:
        raise UsageError(f"no run has a parameter or metric named {name!r} (known: {', '.join(sorted(known))})")


def _sort_key(value: str | float | None) -> tuple[int, float, str]:
    if isinstance(value, float):
        return (1, value, "")
    return (0, 0.0, str(value))


def columns(rows: Sequence[RunRow], with_lineage: bool) -> tuple[list[str], list[str]]:
    parameters = sorted({name for row in rows for name in row.parameters})
    if not with_lineage:
        parameters = [name for name in parameters if not name.startswith(f"{LINEAGE}.")]
    metrics = sorted({name for row in rows for name in row.metrics})
    return parameters, metrics


def flat_rows(rows: Sequence[RunRow], stat: Stat, with_lineage: bool) -> tuple[list[str], list[dict[str, Any]]]:
    parameters, metrics = columns(rows, with_lineage)
    header = ["rank", "run", "status", *parameters, *metrics]
    flat = []
    for rank, row in enumerate(rows, start=1):
        line: dict[str, Any] = {"rank": rank, "run": row.run, "status": row.status}
        line.update({name: row.parameters.get(name) for name in parameters})
        line.update({name: row.metrics.get(name, {}).get(stat) for name in metrics})
        flat.append(line)
    return header, flat


def document(rows: Sequence[RunRow], experiment: str, stat: Stat) -> dict[str, Any]:
    return {
        "experiment": experiment,
        "stat": stat,
        "runs": [
            {
                "rank": rank,
                "run": row.run,
                "kind": row.kind,
                "trial": row.trial,
                "status": row.status,
                "created": row.created,
                "components": row.components,
                "parameters": row.parameters,
                "metrics": row.metrics,
            }
            for rank, row in enumerate(rows, start=1)
        ],
    }
