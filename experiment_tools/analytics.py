"""An experiment's runs as a pandas DataFrame with the columns of the SDK's ExperimentAnalytics.

`ExperimentAnalytics(experiment_name=...).dataframe()` has one row per trial component:
`TrialComponentName`, `DisplayName`, `SourceArn` (for jobs), one column per parameter, six per
metric (`<metric> - Min`, `- Max`, `- Avg`, `- StdDev`, `- Last`, `- Count`), two per artifact
(`<artifact> - MediaType`, `- Value`), `Trials` and `Experiments`. This frame has the same columns
with one row per run as `compare` counts runs (`runs.py`), indexed by the run's name: for SDK runs
the rows are the same; a pipeline execution's run merges its components, its own values first.

    from experiment_tools.analytics import dataframe
    frame = dataframe(AwsClients.create(region="eu-west-1"), "churn")
    frame.sort_values("RMSE - Last")[["n_estimators", "RMSE - Last"]]

pandas is the `analytics` extra.
"""

from __future__ import annotations

from typing import Any

from experiment_tools import runs
from experiment_tools.clients import AwsClients
from experiment_tools.optional import require

METRIC_STATS = ("Min", "Max", "Avg", "StdDev", "Last", "Count")  # ExperimentAnalytics' column order


def records(clients: AwsClients, experiment: str) -> list[tuple[str, dict[str, Any]]]:
    """(run name, ExperimentAnalytics-shaped row) per run, oldest run first."""
    experiment = runs.experiment_name(clients, experiment)
    cache = runs.ComponentCache(clients)
    found = runs.discover(clients, experiment, cache)
    found.sort(key=lambda run: (run.created is None, run.created, run.name))
    rows = []
    for run in found:
        components = [described for described in map(cache.find, run.components) if described is not None]
        rows.append((run.name, _row(run, components)))
    return rows


def _row(run: runs.Run, components: list[dict[str, Any]]) -> dict[str, Any]:
    own = components[0] if components else {}
    row: dict[str, Any] = {
        "TrialComponentName": own.get("TrialComponentName", "") if run.own_component else "",
        "DisplayName": own.get("DisplayName", "") if run.own_component else run.name,
    }
    source = own.get("Source", {}).get("SourceArn")
    if source:
        row["SourceArn"] = source
    parameters: dict[str, Any] = {}
    metrics: dict[str, dict[str, Any]] = {}
    inputs: dict[str, dict[str, Any]] = {}
    outputs: dict[str, dict[str, Any]] = {}
    for component in components:  # the run's own component first: its values win
        for name, value in component.get("Parameters", {}).items():
            parameters.setdefault(name, value.get("NumberValue", value.get("StringValue")))
        for summary in component.get("Metrics", []):
            metrics.setdefault(summary["MetricName"], summary)
        for name, artifact in component.get("InputArtifacts", {}).items():
            inputs.setdefault(name, artifact)
        for name, artifact in component.get("OutputArtifacts", {}).items():
            outputs.setdefault(name, artifact)
    row.update(sorted(parameters.items()))
    for name, summary in metrics.items():
        row.update({f"{name} - {stat}": summary[stat] for stat in METRIC_STATS if summary.get(stat) is not None})
    for artifacts in (inputs, outputs):
        for name, artifact in sorted(artifacts.items()):
            row[f"{name} - MediaType"] = artifact.get("MediaType")
            row[f"{name} - Value"] = artifact.get("Value")
    row["Trials"] = [run.trial]
    row["Experiments"] = [run.experiment]
    return row


def dataframe(clients: AwsClients, experiment: str) -> Any:
    """The runs as a pandas DataFrame (columns as ExperimentAnalytics, index the run names)."""
    pandas = require("pandas", "the analytics DataFrame", "analytics")
    found = records(clients, experiment)
    frame = pandas.DataFrame([row for _, row in found], index=pandas.Index([name for name, _ in found], name="Run"))
    return frame
