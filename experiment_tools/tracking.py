"""Record a run the way the SageMaker Python SDK does, so `load_run`, `list_runs` and
`ExperimentAnalytics` see it and an SDK run can be continued here (see `runs.py`).

Used from the command line (`track`) and from training code:

    with track_run(experiment="churn", run="lr-0-1", region="eu-west-1") as run:
        run.log_dataset("train", "s3://datasets/churn/train.csv")
        run.log_code(".")
        run.log_parameters({"learning_rate": 0.1})
        for epoch, loss in enumerate(training()):
            run.log_metric("train:loss", loss, step=epoch)

A failure inside the block marks the run Failed with the error and re-raises it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from botocore.exceptions import ClientError

from experiment_tools import names, provenance, runs
from experiment_tools.clients import AwsClients
from experiment_tools.errors import AwsError, UsageError, error_code, is_not_found

LINEAGE = "lineage"
TEAM_VARIABLE = "PLATFORM_TEAM"  # the Studio lifecycle configuration exports the user's team
METRICS_PER_CALL = 10  # the BatchPutMetrics limit
STATUS_MESSAGE_MAX = 1024
Status = Literal["InProgress", "Completed", "Failed", "Stopped"]
STATUSES: tuple[Status, ...] = ("InProgress", "Completed", "Failed", "Stopped")
ParameterValue = str | int | float | bool


def default_team() -> str | None:
    return os.environ.get(TEAM_VARIABLE) or None


def parameter_value(value: ParameterValue) -> dict[str, Any]:
    """As the SDK records them: numbers (booleans too, as 1 and 0) are numbers, the rest strings."""
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise UsageError(f"parameter value {value!r} is not a finite number")
        return {"NumberValue": float(value)}
    return {"StringValue": str(value)}


def plain_parameter(value: Mapping[str, Any]) -> str | float:
    if "NumberValue" in value:
        return float(value["NumberValue"])
    return str(value.get("StringValue", ""))


def check_parameter(name: str, value: ParameterValue) -> None:
    names.parameter_name("param", name)
    if isinstance(value, int | float) and not math.isfinite(value):
        raise UsageError(f"param {name}: value {value!r} is not a finite number")  # the SDK drops such values


def check_metric(name: str, value: float, step: int | None) -> None:
    names.metric_name("metric", name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise UsageError(f"metric {name}: value {value!r} is not a finite number")
    if step is not None and step < 0:
        raise UsageError(f"metric {name}: step {step} is negative")


def _already_exists(error: ClientError) -> bool:
    message = str(error.response.get("Error", {}).get("Message", ""))
    return error_code(error) == "ValidationException" and "already exists" in message


@dataclass
class _Metric:
    name: str
    value: float
    step: int | None
    timestamp: datetime


class RunTracker:
    """One run of an experiment: the SDK's trial component `<experiment>-<run>` in the run group.

    Creating what exists is answered "already exists" and the existing run is loaded, as the SDK
    does: logging to the same run twice adds to it. With a team, everything created is tagged
    `Team=<team>` (team roles may create experiment entities only with that tag).
    """

    def __init__(
        self,
        clients: AwsClients,
        *,
        experiment: str,
        run: str,
        description: str = "",
        team: str | None = None,
    ) -> None:
        self.clients = clients
        self.names = runs.sdk_names(experiment, run)
        self.experiment = self.names.experiment
        self.run = self.names.run
        self.component = self.names.component
        self.trial = self.names.trial
        self.description = description
        self.team = team
        self.tags = runs.team_tags(team)
        self.component_arn = ""
        self.shared: list[str] = []
        self._parameters: dict[str, dict[str, Any]] = {}
        self._inputs: dict[str, dict[str, str]] = {}
        self._outputs: dict[str, dict[str, str]] = {}
        self._dirty = False
        self._metrics: list[_Metric] = []
        self.metrics_logged = 0

    # -- set-up ---------------------------------------------------------------------------------

    def start(self) -> RunTracker:
        """Create or load the experiment, its run group and the run's component, then associate."""
        sagemaker = self.clients.sagemaker
        # Create first and load on "already exists", as the SDK does: a role whose Describe is
        # scoped to its team's tags may not describe what does not exist yet.
        description: dict[str, Any] = {"Description": self.description} if self.description else {}
        self._create(sagemaker.create_experiment, ExperimentName=self.experiment, **description)
        if not self._create(sagemaker.create_trial, TrialName=self.trial, ExperimentName=self.experiment):
            owner = sagemaker.describe_trial(TrialName=self.trial).get("ExperimentName")
            if owner != self.experiment:
                raise UsageError(f"run: trial {self.trial!r} belongs to experiment {owner!r}, not {self.experiment!r}")
        created = self._create(
            sagemaker.create_trial_component,
            TrialComponentName=self.component,
            Status={"PrimaryStatus": "InProgress"},
            StartTime=datetime.now(UTC),
            tags=[runs.RUN_TAG],
        )
        if created:
            self.component_arn = created["TrialComponentArn"]
        else:
            existing = sagemaker.describe_trial_component(TrialComponentName=self.component)
            self.component_arn = existing["TrialComponentArn"]
            self._parameters = dict(existing.get("Parameters", {}))
            self._inputs = dict(existing.get("InputArtifacts", {}))
            self._outputs = dict(existing.get("OutputArtifacts", {}))
        trials = self._trials_of(self.component)
        elsewhere = [trial for trial in trials if runs.is_run_group(trial) and trial != self.trial]
        if elsewhere:
            raise UsageError(
                f"run: component {self.component!r} already holds a run of another experiment "
                f"(in {elsewhere[0]!r}): choose another run name"
            )
        if self.trial not in trials:
            sagemaker.associate_trial_component(TrialComponentName=self.component, TrialName=self.trial)
        return self

    def _create(self, call: Any, tags: list[dict[str, str]] | None = None, **kwargs: Any) -> dict[str, Any] | None:
        """The answer of a create call, or None when the entity already exists."""
        every_tag = [*(tags or []), *self.tags]
        try:
            answer: dict[str, Any] = call(**kwargs, **({"Tags": every_tag} if every_tag else {}))
            return answer
        except ClientError as error:
            if _already_exists(error):
                return None
            raise

    def _trials_of(self, component: str) -> list[str]:
        pages = self.clients.sagemaker.get_paginator("list_trials").paginate(TrialComponentName=component)
        return [summary["TrialName"] for page in pages for summary in page.get("TrialSummaries", [])]

    def share(self, name: str) -> None:
        """Record that this run used another run of the experiment (a dataset or preprocessing step).

        The other run is named among this run's inputs by its component ARN and left unchanged;
        `compare` and `lineage` count its values for this run (this run's own values win).
        """
        names.entity_name("share", name)
        for candidate in dict.fromkeys((f"{self.experiment}-{name.lower()}", name)):
            try:
                shared = self.clients.sagemaker.describe_trial_component(TrialComponentName=candidate)
            except ClientError as error:
                if is_not_found(error):
                    continue
                raise
            if candidate == self.component:
                raise UsageError(f"share: {name!r} is this run itself")
            if self.trial not in self._trials_of(candidate):
                continue
            self._inputs[names.artifact_name("share", name)] = {"Value": shared["TrialComponentArn"]}
            self._dirty = True
            self.shared.append(candidate)
            return
        raise UsageError(f"share: experiment {self.experiment!r} has no run {name!r}; track it first")

    # -- what a run records ---------------------------------------------------------------------

    def log_parameter(self, name: str, value: ParameterValue) -> None:
        check_parameter(name, value)
        self._parameters[name] = parameter_value(value)
        self._dirty = True

    def log_parameters(self, values: Mapping[str, ParameterValue]) -> None:
        for name, value in values.items():
            self.log_parameter(name, value)

    def log_metric(self, name: str, value: float, step: int | None = None, timestamp: datetime | None = None) -> None:
        check_metric(name, value, step)
        self._metrics.append(_Metric(name, float(value), step, timestamp or datetime.now(UTC)))
        if len(self._metrics) >= METRICS_PER_CALL:
            self._put_metrics()

    def log_input(self, name: str, uri: str, media_type: str | None = None) -> None:
        self._inputs[names.artifact_name("input", name)] = _artifact(uri, media_type)
        self._dirty = True

    def log_output(self, name: str, uri: str, media_type: str | None = None) -> None:
        self._outputs[names.artifact_name("output", name)] = _artifact(uri, media_type)
        self._dirty = True

    def log_dataset(self, name: str, uri: str) -> provenance.DatasetVersion:
        """An input pinned to the data version it read: the object's version id or a prefix manifest."""
        version = provenance.dataset_version(self.clients.s3, f"dataset {name}", uri)
        self.record_dataset(name, version)
        return version

    def record_dataset(self, name: str, version: provenance.DatasetVersion) -> None:
        self.log_input(name, version.uri)
        prefix = f"{LINEAGE}.dataset.{name}"
        if version.version_id:
            self.log_parameter(f"{prefix}.version_id", version.version_id)
        if version.manifest_sha256:
            self.log_parameter(f"{prefix}.manifest_sha256", version.manifest_sha256)
            self.log_parameter(f"{prefix}.objects", version.objects)
        if version.as_of:
            self.log_parameter(f"{prefix}.as_of", version.as_of.isoformat())

    def log_code(self, directory: str | Path = ".") -> provenance.CodeVersion:
        code = provenance.code_version(directory)
        self.record_code(code)
        return code

    def record_code(self, code: provenance.CodeVersion) -> None:
        self.log_parameter(f"{LINEAGE}.git_commit", code.commit)
        self.log_parameter(f"{LINEAGE}.git_dirty", code.dirty)
        if code.remote:
            self.log_parameter(f"{LINEAGE}.git_remote", code.remote)

    def log_config_file(self, path: str | Path) -> str:
        digest = provenance.file_sha256(path)
        self.record_config_file(Path(path).name, digest)
        return digest

    def record_config_file(self, name: str, digest: str) -> None:
        self.log_parameter(f"{LINEAGE}.config.{name}.sha256", digest)

    def log_image(self, image: str) -> str:
        pinned, digest = provenance.image_digest(self.clients.ecr, "image", image)
        self.record_image(pinned, digest)
        return digest

    def record_image(self, pinned: str, digest: str) -> None:
        self.log_input("image", pinned)
        self.log_parameter(f"{LINEAGE}.image_digest", digest)

    # -- writing --------------------------------------------------------------------------------

    def flush(self) -> None:
        if self._dirty:
            # The whole set each time: AWS merges, and re-sending what is there is harmless.
            self.clients.sagemaker.update_trial_component(
                TrialComponentName=self.component,
                Parameters=self._parameters,
                InputArtifacts=self._inputs,
                OutputArtifacts=self._outputs,
            )
            self._dirty = False
        self._put_metrics()

    def _put_metrics(self) -> None:
        while self._metrics:
            batch, self._metrics = self._metrics[:METRICS_PER_CALL], self._metrics[METRICS_PER_CALL:]
            data = []
            for metric in batch:
                entry: dict[str, Any] = {
                    "MetricName": metric.name,
                    "Timestamp": metric.timestamp,
                    "Value": metric.value,
                }
                if metric.step is not None:
                    entry["Step"] = metric.step
                data.append(entry)
            answer = self.clients.metrics.batch_put_metrics(TrialComponentName=self.component, MetricData=data)
            errors = answer.get("Errors", [])
            if errors:
                first = errors[0]
                failed = batch[int(first.get("MetricIndex", 0))]
                raise AwsError(
                    f"BatchPutMetrics refused {len(errors)} of {len(batch)} metrics on {self.component!r}, "
                    f"first {failed.name!r}: {first.get('Code')} {first.get('Message', '')}".rstrip()
                )
            self.metrics_logged += len(batch)

    def finish(self, status: Status = "Completed", message: str = "") -> None:
        self.flush()
        update: dict[str, Any] = {"PrimaryStatus": status}
        if message:
            update["Message"] = message[:STATUS_MESSAGE_MAX]
        extra: dict[str, Any] = {} if status == "InProgress" else {"EndTime": datetime.now(UTC)}
        self.clients.sagemaker.update_trial_component(TrialComponentName=self.component, Status=update, **extra)

    def summary(self) -> dict[str, Any]:
        return {
            "experiment": self.experiment,
            "run": self.run,
            "component": self.component,
            "trial": self.trial,
            "team": self.team,
            "component_arn": self.component_arn,
            "shared_components": list(self.shared),
            "parameters": {name: plain_parameter(value) for name, value in sorted(self._parameters.items())},
            "inputs": {name: value["Value"] for name, value in sorted(self._inputs.items())},
            "outputs": {name: value["Value"] for name, value in sorted(self._outputs.items())},
            "metrics_logged": self.metrics_logged,
        }


def _artifact(uri: str, media_type: str | None) -> dict[str, str]:
    if not uri or len(uri) > 2048:
        raise UsageError(f"artifact URI {uri[:80]!r} must be 1-2048 characters")
    return {"Value": uri, **({"MediaType": media_type} if media_type else {})}


@contextmanager
def track_run(
    *,
    experiment: str,
    run: str,
    description: str = "",
    team: str | None = None,
    clients: AwsClients | None = None,
    region: str | None = None,
) -> Iterator[RunTracker]:
    """Track a run for the length of a with-block; Completed on success, Failed (and re-raised) on error.

    team: tag what is created `Team=<team>`; default the PLATFORM_TEAM environment variable.
    """
    tracker = RunTracker(
        clients or AwsClients.create(region=region),
        experiment=experiment,
        run=run,
        description=description,
        team=team if team is not None else default_team(),
    ).start()
    try:
        yield tracker
    except BaseException as error:
        tracker.finish("Failed", f"{type(error).__name__}: {error}")
        raise
    tracker.finish("Completed")
