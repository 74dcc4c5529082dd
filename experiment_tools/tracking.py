"""Record a run: experiment, run (trial) and trial component, with parameters, metrics and lineage.

Used from the command line (`track`) and from training code:

    with track_run(experiment="churn", run="churn-lr-0-1", region="eu-west-1") as run:
        run.log_dataset("train", "s3://datasets/churn/train.csv")
        run.log_code(".")
        run.log_parameters({"learning_rate": 0.1})
        for epoch, loss in enumerate(training()):
            run.log_metric("train:loss", loss, step=epoch)

A failure inside the block marks the component Failed with the error and re-raises it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from botocore.exceptions import ClientError

from experiment_tools import names, provenance
from experiment_tools.clients import AwsClients
from experiment_tools.errors import AwsError, UsageError, is_not_found

LINEAGE = "lineage"
METRICS_PER_CALL = 10  # the BatchPutMetrics limit
STATUS_MESSAGE_MAX = 1024
Status = Literal["InProgress", "Completed", "Failed", "Stopped"]
STATUSES: tuple[Status, ...] = ("InProgress", "Completed", "Failed", "Stopped")
ParameterValue = str | int | float | bool


def parameter_value(value: ParameterValue) -> dict[str, Any]:
    """SageMaker keeps numbers and strings apart; booleans are recorded as the strings true/false."""
    if isinstance(value, bool):
        return {"StringValue": "true" if value else "false"}
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise UsageError(f"parameter value {value!r} is not a finite number")
        return {"NumberValue": float(value)}
    return {"StringValue": str(value)}


def plain_parameter(value: Mapping[str, Any]) -> str | float:
    if "NumberValue" in value:
        return float(value["NumberValue"])
    return str(value.get("StringValue", ""))


@dataclass
class _Metric:
    name: str
    value: float
    step: int | None
    timestamp: datetime


class RunTracker:
    """One run of an experiment and the trial component it writes to.

    Names are unique per account and region for experiments, trials and trial components alike;
    an existing run or component is reused, never recreated, so logging twice is safe.
    """

    def __init__(
        self,
        clients: AwsClients,
        *,
        experiment: str,
        run: str,
        component: str | None = None,
        description: str = "",
    ) -> None:
        self.clients = clients
        self.experiment = names.entity_name("experiment", experiment)
        self.run = names.entity_name("run", run)
        self.component = names.entity_name("component", component or run)
        self.description = description
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
        sagemaker = self.clients.sagemaker
        if not self._describe(sagemaker.describe_experiment, ExperimentName=self.experiment):
            sagemaker.create_experiment(ExperimentName=self.experiment, Description=self.description)
        trial = self._describe(sagemaker.describe_trial, TrialName=self.run)
        if trial is None:
            sagemaker.create_trial(TrialName=self.run, ExperimentName=self.experiment)
        elif trial.get("ExperimentName") != self.experiment:
            raise UsageError(
                f"run: {self.run!r} already belongs to experiment {trial.get('ExperimentName')!r}, "
                f"not {self.experiment!r} (run names are unique per account and region)"
            )
        existing = self._describe(sagemaker.describe_trial_component, TrialComponentName=self.component)
        if existing is None:
            created = sagemaker.create_trial_component(
                TrialComponentName=self.component,
                Status={"PrimaryStatus": "InProgress"},
                StartTime=datetime.now(UTC),
            )
            self.component_arn = created["TrialComponentArn"]
        else:
            self.component_arn = existing["TrialComponentArn"]
            self._parameters = dict(existing.get("Parameters", {}))
            self._inputs = dict(existing.get("InputArtifacts", {}))
            self._outputs = dict(existing.get("OutputArtifacts", {}))
        self._associate(self.component)
        return self

    def _describe(self, call: Any, **kwargs: str) -> dict[str, Any] | None:
        try:
            answer: dict[str, Any] = call(**kwargs)
            return answer
        except ClientError as error:
            if is_not_found(error):
                return None
            raise

    def _associate(self, component: str) -> None:
        """A component may belong to many runs; associate only where it is not already."""
        runs = self.clients.sagemaker.get_paginator("list_trials").paginate(TrialComponentName=component)
        if any(summary["TrialName"] == self.run for page in runs for summary in page.get("TrialSummaries", [])):
            return
        self.clients.sagemaker.associate_trial_component(TrialComponentName=component, TrialName=self.run)

    def share(self, component: str) -> None:
        """Add an existing component (a dataset or preprocessing step) to this run, unchanged."""
        names.entity_name("share", component)
        if self._describe(self.clients.sagemaker.describe_trial_component, TrialComponentName=component) is None:
            raise UsageError(f"share: trial component {component!r} does not exist; track it first")
        self._associate(component)
        self.shared.append(component)

    # -- what a run records ---------------------------------------------------------------------

    def log_parameter(self, name: str, value: ParameterValue) -> None:
        self._parameters[names.parameter_name("param", name)] = parameter_value(value)
        self._dirty = True

    def log_parameters(self, values: Mapping[str, ParameterValue]) -> None:
        for name, value in values.items():
            self.log_parameter(name, value)

    def log_metric(self, name: str, value: float, step: int | None = None, timestamp: datetime | None = None) -> None:
        names.metric_name("metric", name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise UsageError(f"metric {name}: value {value!r} is not a finite number")
        if step is not None and step < 0:
            raise UsageError(f"metric {name}: step {step} is negative")
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
    component: str | None = None,
    description: str = "",
    clients: AwsClients | None = None,
    region: str | None = None,
) -> Iterator[RunTracker]:
    """Track a run for the length of a with-block; Completed on success, Failed (and re-raised) on error."""
    tracker = RunTracker(
        clients or AwsClients.create(region=region),
        experiment=experiment,
        run=run,
        component=component,
        description=description,
    ).start()
    try:
        yield tracker
    except BaseException as error:
        tracker.finish("Failed", f"{type(error).__name__}: {error}")
        raise
    tracker.finish("Completed")
