"""A local SageMaker Experiments endpoint that answers like AWS: moto's server plus small shims.

moto 5.2 emulates experiments, trials, trial components and metrics well enough for boto3 code,
but differs from AWS in ways that hide real bugs (a run that is silently replaced instead of
loaded, a filter that is ignored). Each `Shim` below names the operation of the SageMaker API
Reference it follows and what released moto does instead; `tests/tooling/test_experiment_emulator.py`
calls released moto for every shim, so an upgrade that closes a gap fails a test and the shim
can go.

The test suite's server and `make sandbox` are this module:

    python -m experiment_tools.emulator [--port N]

prints the variables to export, seeds what the README walkthrough reads (a versioned datasets
bucket and an ECR image), and serves on 127.0.0.1 until Ctrl-C. It needs the `emulator` extra
(moto[server]); the shims replace moto methods in this process only.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from typing import IO, Any
from weakref import WeakKeyDictionary

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
DATASETS_BUCKET = "sandbox-datasets"
WALKTHROUGH_DATASET = "forecasting/churn/train.csv"
WALKTHROUGH_IMAGE = ("train", "2.1")
DEFAULT_PAGE = 10  # ListTrialComponents and Search return 10 results a page unless MaxResults says otherwise
MAX_PAGE = 100

# Set in a thread (a test) to call released moto through the same classes; the server's threads
# never see it, so the emulator keeps answering like AWS meanwhile.
_RELEASED: ContextVar[bool] = ContextVar("released_moto", default=False)
_installed = False
_install_lock = threading.Lock()


@dataclass(frozen=True)
class Shim:
    """One difference from AWS, closed in this process."""

    name: str
    operation: str
    reference: str
    released_moto: str


SHIMS: tuple[Shim, ...] = (
    Shim(
        "tags-on-create",
        "CreateExperiment, CreateTrial, CreateTrialComponent",
        "SageMaker API Reference, CreateTrialComponent (and CreateExperiment, CreateTrial): request parameter Tags",
        "drops the Tags of the request: ListTags and Search find none",
    ),
    Shim(
        "existing-name",
        "CreateExperiment, CreateTrial, CreateTrialComponent",
        "SageMaker API Reference, CreateTrialComponent: errors, ValidationException (the name already exists)",
        "replaces the existing entity, losing its parameters, associations and metrics",
    ),
    Shim(
        "missing-experiment",
        "DescribeExperiment",
        "SageMaker API Reference, DescribeExperiment: errors, ResourceNotFound",
        "answers HTTP 500 (a KeyError in the backend)",
    ),
    Shim(
        "list-components",
        "ListTrialComponents",
        "SageMaker API Reference, ListTrialComponents: request parameters ExperimentName, TrialName, SourceArn",
        "ignores ExperimentName and lists a component under the last trial it joined only",
    ),
    Shim(
        "search-components",
        "Search",
        "SageMaker API Reference, Search (Resource ExperimentTrialComponent) and the TrialComponent type: "
        "Parents, Metrics, Tags",
        "has no Parents.ExperimentName filter and returns no Parents and no metric summaries",
    ),
    Shim(
        "metrics-without-step",
        "BatchPutMetrics",
        "SageMaker Metrics API Reference, BatchPutMetrics: RawMetricData.Step is optional",
        "answers HTTP 500 when a value has no Step",
    ),
    Shim(
        "batch-get-metrics",
        "BatchGetMetrics",
        "SageMaker Metrics API Reference, BatchGetMetrics",
        "does not implement it (HTTP 404)",
    ),
    Shim(
        "delete-order",
        "DeleteTrialComponent, DeleteTrial, DeleteExperiment",
        "SageMaker API Reference, DeleteTrialComponent (disassociate first), DeleteTrial (its components first), "
        "DeleteExperiment (its trials first)",
        "deletes an entity that is still associated or not empty",
    ),
    Shim(
        "tuning-job-training-jobs",
        "ListTrainingJobsForHyperParameterTuningJob",
        "SageMaker API Reference, ListTrainingJobsForHyperParameterTuningJob; a tuning job names its training "
        "jobs <tuning job>-<3-digit number>-<8 hex digits>",
        "does not implement it (no launched training jobs either): the shim lists the training jobs named so",
    ),
)


class EmulatorMissing(RuntimeError):
    """moto is not installed: the emulator is a development tool (the `emulator` extra)."""


def _moto() -> None:
    try:
        import moto  # noqa: F401
    except ImportError as error:
        raise EmulatorMissing(
            "the emulator needs moto: pip install 'sagemaker-experiment-platform[emulator]' (or make setup-dev)"
        ) from error


@contextmanager
def released_moto() -> Iterator[None]:
    """Calls made by this thread inside the block reach moto as released, without the shims."""
    token = _RELEASED.set(True)
    try:
        yield
    finally:
        _RELEASED.reset(token)


def _shimmed(original: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(replacement: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(original)
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            if _RELEASED.get():
                return original(self, *args, **kwargs)
            return replacement(self, original, *args, **kwargs)

        return method

    return decorate


def _replace(owner: type, name: str, replacement: Callable[..., Any]) -> None:
    setattr(owner, name, _shimmed(getattr(owner, name))(replacement))


def install() -> None:
    """Put every shim in place (once per process)."""
    global _installed
    _moto()
    with _install_lock:
        if _installed:
            return
        from moto.sagemaker.models import FakeTrialComponent, SageMakerModelBackend
        from moto.sagemaker.responses import SageMakerResponse
        from moto.sagemakermetrics.models import SageMakerMetricsBackend

        for kind, collection, name_param in (
            ("experiment", "experiments", "ExperimentName"),
            ("trial", "trials", "TrialName"),
            ("trial_component", "trial_components", "TrialComponentName"),
        ):
            _replace(SageMakerResponse, f"create_{kind}", _keep_tags(collection, name_param))
            _replace(SageMakerModelBackend, f"create_{kind}", _refuse_existing(kind, collection))
        _replace(SageMakerModelBackend, "describe_experiment", _describe_experiment)
        _replace(SageMakerResponse, "list_trial_components", _list_trial_components)
        _replace(SageMakerResponse, "search", _search)
        _replace(SageMakerMetricsBackend, "batch_put_metrics", _batch_put_metrics)
        _replace(FakeTrialComponent, "gen_metrics_response_object", _metric_summaries)
        _replace(SageMakerModelBackend, "delete_trial_component", _delete_trial_component)
        _replace(SageMakerModelBackend, "delete_trial", _delete_trial)
        _replace(SageMakerModelBackend, "delete_experiment", _delete_experiment)
        # moto has no such method to replace: the shim adds it (and refuses for released moto).
        SageMakerResponse.list_training_jobs_for_hyper_parameter_tuning_job = _tuning_job_training_jobs  # type: ignore[attr-defined]
        _installed = True


# -- errors as AWS words them ---------------------------------------------------------------------


def _validation(message: str) -> Exception:
    from moto.sagemaker.exceptions import ValidationError

    return ValidationError(message=message)


def _not_found(message: str) -> Exception:
    from moto.sagemaker.exceptions import ResourceNotFound

    return ResourceNotFound(message=message)


def _arn(backend: Any, kind: str, name: str) -> str:
    return f"arn:aws:sagemaker:{backend.region_name}:{backend.account_id}:{kind}/{name}"


# -- tags-on-create, existing-name ----------------------------------------------------------------


def _keep_tags(collection: str, name_param: str) -> Callable[..., Any]:
    def create(self: Any, original: Callable[..., Any]) -> Any:
        answer = original(self)
        tags = self._get_param("Tags") or []
        entity = getattr(self.sagemaker_backend, collection)[self._get_param(name_param)]
        entity.tags = [{"Key": tag["Key"], "Value": tag.get("Value", "")} for tag in tags]
        return answer

    return create


_KIND_WORDS = {"experiment": "Experiment", "trial": "Trial", "trial_component": "Trial component"}


def _refuse_existing(kind: str, collection: str) -> Callable[..., Any]:
    def create(self: Any, original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        name = kwargs.get(f"{kind}_name", args[0] if args else None)
        if name in getattr(self, collection):
            raise _validation(f"{_KIND_WORDS[kind]} with name ({name}) already exists.")
        return original(self, *args, **kwargs)

    return create


# -- missing-experiment ---------------------------------------------------------------------------


def _describe_experiment(self: Any, original: Callable[..., Any], experiment_name: str) -> Any:
    if experiment_name not in self.experiments:
        raise _not_found(f"Experiment '{_arn(self, 'experiment', experiment_name)}' does not exist.")
    return original(self, experiment_name)


# -- delete-order ---------------------------------------------------------------------------------


def _trials_of(backend: Any, component: str) -> list[Any]:
    """Every trial the component joined; moto's own `trial_name` keeps only the last one."""
    return [trial for trial in backend.trials.values() if component in trial.trial_components]


def _delete_trial_component(self: Any, original: Callable[..., Any], trial_component_name: str) -> Any:
    joined = _trials_of(self, trial_component_name)
    if trial_component_name in self.trial_components and joined:
        raise _validation(
            f"Trial component '{trial_component_name}' is associated with trials "
            f"({', '.join(trial.trial_name for trial in joined)}): disassociate it first."
        )
    return original(self, trial_component_name)


def _delete_trial(self: Any, original: Callable[..., Any], trial_name: str) -> Any:
    trial = self.trials.get(trial_name)
    if trial is not None and trial.trial_components:
        raise _validation(f"Trial '{trial_name}' still has trial components: remove them first.")
    return original(self, trial_name)


def _delete_experiment(self: Any, original: Callable[..., Any], experiment_name: str) -> Any:
    if any(trial.experiment_name == experiment_name for trial in self.trials.values()):
        raise _validation(f"Experiment '{experiment_name}' still has trials: delete them first.")
    return original(self, experiment_name)


# -- metrics-without-step and the metric store ----------------------------------------------------


@dataclass(frozen=True)
class _Point:
    timestamp: float
    step: int | None
    value: float
    order: int


_POINTS: WeakKeyDictionary[Any, dict[str, list[_Point]]] = WeakKeyDictionary()
_points_lock = threading.Lock()


def _seconds(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    text = str(value)
    try:
        return float(text)
    except ValueError:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _batch_put_metrics(
    self: Any, original: Callable[..., Any], trial_component_name: str, metric_data: list[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    component = self.sagemaker_backend.trial_components.get(trial_component_name)
    if component is None:
        return {"Errors": [{"Code": "VALIDATION_ERROR", "MetricIndex": index} for index in range(len(metric_data))]}
    with _points_lock:
        series = _POINTS.setdefault(component, {})
        for datum in metric_data:
            points = series.setdefault(str(datum["MetricName"]), [])
            step = datum.get("Step")
            points.append(
                _Point(
                    timestamp=_seconds(datum["Timestamp"]),
                    step=None if step is None else int(step),
                    value=float(datum["Value"]),
                    order=len(points),
                )
            )
    return {"Errors": []}


def _latest(points: Sequence[_Point]) -> _Point:
    # "Last" is the most recent value. The SDK sends whole seconds, so values within one second
    # are ordered by step, then by arrival.
    return max(
        points, key=lambda point: (math.floor(point.timestamp), -1 if point.step is None else point.step, point.order)
    )


def _summary(name: str, arn: str, points: Sequence[_Point]) -> dict[str, Any]:
    values = [point.value for point in points]
    mean = sum(values) / len(values)
    return {
        "MetricName": name,
        "SourceArn": arn,
        "TimeStamp": datetime.fromtimestamp(max(point.timestamp for point in points), tz=UTC),
        "Max": max(values),
        "Min": min(values),
        "Last": _latest(points).value,
        "Count": len(values),
        "Avg": mean,
        "StdDev": math.sqrt(sum((value - mean) ** 2 for value in values) / len(values)),
    }


def _metric_summaries(self: Any, original: Callable[..., Any]) -> list[dict[str, Any]]:
    with _points_lock:
        series = {name: list(points) for name, points in _POINTS.get(self, {}).items() if points}
    return [_summary(name, self.arn, points) for name, points in series.items()]


# -- batch-get-metrics ----------------------------------------------------------------------------

_PERIOD_SECONDS = {"OneMinute": 60, "FiveMinute": 300, "OneHour": 3600}


def _aggregate(stat: str, points: Sequence[_Point]) -> float:
    values = [point.value for point in points]
    mean = sum(values) / len(values)
    return {
        "Min": min(values),
        "Max": max(values),
        "Avg": mean,
        "Count": float(len(values)),
        "StdDev": math.sqrt(sum((value - mean) ** 2 for value in values) / len(values)),
        "Last": _latest(points).value,
    }[stat]


def batch_get_metrics(request: dict[str, Any]) -> dict[str, Any]:
    """BatchGetMetrics over the values BatchPutMetrics stored, for trial components."""
    from moto.sagemaker.models import sagemaker_backends

    results: list[dict[str, Any]] = []
    for query in request.get("MetricQueries", []):
        arn = str(query.get("ResourceArn", ""))
        parts = arn.split(":")
        resource = parts[5] if len(parts) > 5 else ""
        kind, _, name = resource.partition("/")
        if kind != "experiment-trial-component":
            results.append({"Status": "Failed", "Message": f"{arn} is not a trial component the emulator knows"})
            continue
        component = sagemaker_backends[parts[4]][parts[3]].trial_components.get(name)
        if component is None:
            results.append({"Status": "Failed", "Message": f"Trial component {arn} does not exist."})
            continue
        with _points_lock:
            points = list(_POINTS.get(component, {}).get(str(query.get("MetricName")), []))
        by_step = query.get("XAxisType") == "IterationNumber"
        groups: dict[int, list[_Point]] = {}
        for point in points:
            if by_step and point.step is None:
                continue  # a value without a step has no place on an iteration axis
            if point.step is not None and by_step:
                key = point.step
            else:
                period = _PERIOD_SECONDS.get(str(query.get("Period")), 1)
                key = int(point.timestamp // period * period)
            groups.setdefault(key, []).append(point)
        start, end = query.get("Start"), query.get("End")
        axis = [key for key in sorted(groups) if (start is None or key >= start) and (end is None or key <= end)]
        stat = str(query.get("MetricStat", "Avg"))
        results.append(
            {
                "Status": "Complete",
                "XAxisValues": axis,
                "MetricValues": [_aggregate(stat, groups[key]) for key in axis],
            }
        )
    return {"MetricQueryResults": results}


class _BatchGetMetrics:
    """WSGI layer in front of moto: moto's router has no route for BatchGetMetrics."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "POST" and str(environ.get("PATH_INFO", "")).endswith("/BatchGetMetrics"):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            request = json.loads(environ["wsgi.input"].read(length) or b"{}")
            payload = json.dumps(batch_get_metrics(request)).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
            return [payload]
        answer: Iterable[bytes] = self.app(environ, start_response)
        return answer


# -- list-components ------------------------------------------------------------------------------


def _page(items: list[dict[str, Any]], max_results: Any, next_token: Any) -> tuple[list[dict[str, Any]], str | None]:
    size = min(int(max_results or DEFAULT_PAGE), MAX_PAGE)
    start = int(next_token or 0)
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)


def _without_none(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if value is not None}


def _summary_of(component: Any) -> dict[str, Any]:
    return _without_none(
        {
            "TrialComponentName": component.trial_component_name,
            "TrialComponentArn": component.arn,
            "DisplayName": component.display_name,
            "Status": component.status,
            "StartTime": component.start_time,
            "EndTime": component.end_time,
            "CreationTime": component.creation_time,
            "LastModifiedTime": component.last_modified_time,
        }
    )


def _list_trial_components(self: Any, original: Callable[..., Any]) -> Any:
    from moto.core.responses import ActionResult

    backend = self.sagemaker_backend
    experiment, trial, source = (self._get_param(key) for key in ("ExperimentName", "TrialName", "SourceArn"))
    if sum(value is not None for value in (experiment, trial, source)) > 1:
        raise _validation("Only one of ExperimentName, TrialName and SourceArn may be given.")
    components = list(backend.trial_components.values())
    if trial is not None:
        members = backend.trials[trial].trial_components if trial in backend.trials else []
        components = [component for component in components if component.trial_component_name in members]
    if experiment is not None:
        trials = [each for each in backend.trials.values() if each.experiment_name == experiment]
        members = {name for each in trials for name in each.trial_components}
        components = [component for component in components if component.trial_component_name in members]
    if source is not None:
        components = [component for component in components if _source_arn(component) == source]
    after, before = self._get_param("CreatedAfter"), self._get_param("CreatedBefore")
    components = [
        component
        for component in components
        if (after is None or component.creation_time > after) and (before is None or component.creation_time < before)
    ]
    by_name = self._get_param("SortBy") == "Name"
    components.sort(
        key=lambda component: component.trial_component_name if by_name else component.creation_time,
        reverse=self._get_param("SortOrder", "Descending") == "Descending",
    )
    page, token = _page(
        [_summary_of(component) for component in components],
        self._get_param("MaxResults"),
        self._get_param("NextToken"),
    )
    return ActionResult(_without_none({"TrialComponentSummaries": page, "NextToken": token}))


def _source_arn(component: Any) -> str | None:
    sources = getattr(component, "sources", None) or []
    return str(sources[0].get("SourceArn")) if sources else None


# -- search-components ----------------------------------------------------------------------------


def _component_document(backend: Any, component: Any) -> dict[str, Any]:
    return _without_none(
        {
            **_summary_of(component),
            "Parameters": component.parameters,
            "InputArtifacts": component.input_artifacts,
            "OutputArtifacts": component.output_artifacts,
            "Metrics": component.gen_metrics_response_object(),
            "MetadataProperties": component.metadata_properties,
            "Tags": list(component.tags),
            "Parents": [
                {"TrialName": trial.trial_name, "ExperimentName": trial.experiment_name}
                for trial in _trials_of(backend, component.trial_component_name)
            ],
        }
    )


_MISSING = object()


def _property(document: dict[str, Any], name: str) -> list[Any]:
    """The values a Search property name selects (several for Parents.*); unknown names are refused."""
    head, _, rest = name.partition(".")
    if head == "Parents" and rest in ("TrialName", "ExperimentName"):
        return [parent[rest] for parent in document.get("Parents", [])]
    if head == "Tags" and rest:
        return [tag["Value"] for tag in document.get("Tags", []) if tag["Key"] == rest]
    if head == "Parameters" and rest:
        value = document.get("Parameters", {}).get(rest)
        return [] if value is None else [value.get("NumberValue", value.get("StringValue"))]
    if head == "Metrics" and rest:
        metric, _, stat = rest.rpartition(".")
        summaries = [summary for summary in document.get("Metrics", []) if summary["MetricName"] == metric]
        return [summary[stat] for summary in summaries if stat in summary]
    if head in ("InputArtifacts", "OutputArtifacts") and rest.endswith(".Value"):
        value = document.get(head, {}).get(rest.removesuffix(".Value"))
        return [] if value is None else [value.get("Value")]
    if head in ("Status", "Source") and rest:
        nested = document.get(head) or {}
        return [] if rest not in nested else [nested[rest]]
    if name in ("TrialComponentName", "DisplayName", "TrialComponentArn", "CreationTime", "LastModifiedTime"):
        return [] if document.get(name) is None else [document[name]]
    raise _validation(f"Unknown property name: {name}")


def _matches(values: list[Any], operator: str, expected: Any) -> bool:
    if operator == "Exists":
        return bool(values)
    if operator == "NotExists":
        return not values
    if operator == "NotEquals":
        return all(str(value) != str(expected) for value in values)
    if operator == "In":
        return any(str(value) in str(expected).split(",") for value in values)
    tests: dict[str, Callable[[Any, Any], bool]] = {
        "Equals": lambda value, wanted: str(value) == str(wanted),
        "Contains": lambda value, wanted: str(wanted) in str(value),
        "GreaterThan": lambda value, wanted: _number(value) > _number(wanted),
        "GreaterThanOrEqualTo": lambda value, wanted: _number(value) >= _number(wanted),
        "LessThan": lambda value, wanted: _number(value) < _number(wanted),
        "LessThanOrEqualTo": lambda value, wanted: _number(value) <= _number(wanted),
    }
    if operator not in tests:
        raise _validation(f"Unknown operator: {operator}")
    return any(tests[operator](value, expected) for value in values)


def _number(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan  # comparisons with NaN are false, as a string never orders against a number


def _search(self: Any, original: Callable[..., Any]) -> Any:
    if self._get_param("Resource") != "ExperimentTrialComponent":
        return original(self)
    from moto.core.responses import ActionResult

    backend = self.sagemaker_backend
    expression = self._get_param("SearchExpression") or {}
    if expression.get("NestedFilters") or expression.get("SubExpressions"):
        raise _validation("The emulator's Search supports Filters only (no NestedFilters or SubExpressions).")
    if expression.get("Operator", "And") != "And" and len(expression.get("Filters", [])) > 1:
        raise _validation("The emulator's Search supports the And operator only.")
    documents = [_component_document(backend, component) for component in backend.trial_components.values()]
    for condition in expression.get("Filters", []):
        operator = condition.get("Operator", "Equals")
        documents = [
            document
            for document in documents
            if _matches(_property(document, condition["Name"]), operator, condition.get("Value"))
        ]
    sort_by = self._get_param("SortBy")
    if sort_by:
        keyed = [(_property(document, sort_by), document) for document in documents]
        present = [(values[0], document) for values, document in keyed if values]
        present.sort(key=lambda pair: _sort_key(pair[0]), reverse=self._get_param("SortOrder") != "Ascending")
        documents = [document for _, document in present] + [document for values, document in keyed if not values]
    page, token = _page(documents, self._get_param("MaxResults"), self._get_param("NextToken"))
    return ActionResult(_without_none({"Results": [{"TrialComponent": item} for item in page], "NextToken": token}))


# -- tuning-job-training-jobs ---------------------------------------------------------------------


def _tuning_job_training_jobs(self: Any) -> Any:
    """The training jobs created (CreateTrainingJob) under the names the tuning job gives its own."""
    import re

    from moto.core.responses import ActionResult

    if _RELEASED.get():
        raise NotImplementedError("ListTrainingJobsForHyperParameterTuningJob")
    backend = self.sagemaker_backend
    tuning = str(self._get_param("HyperParameterTuningJobName"))
    if tuning not in backend.hyper_parameter_tuning_jobs:
        raise _not_found(f"Amazon SageMaker can't find a tuning job with name {tuning}")
    pattern = re.compile(rf"{re.escape(tuning)}-\d{{3}}-[0-9a-f]{{8}}")
    summaries = [
        _without_none(
            {
                "TrainingJobName": job.training_job_name,
                "TrainingJobArn": job.arn,
                "TuningJobName": tuning,
                "CreationTime": job.creation_time,
                "TrainingJobStatus": job.training_job_status,
                "TunedHyperParameters": job.hyper_parameters or {},
            }
        )
        for name, job in sorted(backend.training_jobs.items())
        if pattern.fullmatch(name)
    ]
    page, token = _page(summaries, self._get_param("MaxResults"), self._get_param("NextToken"))
    return ActionResult(_without_none({"TrainingJobSummaries": page, "NextToken": token}))


def _sort_key(value: Any) -> tuple[int, float, str]:
    number = _number(value)
    return (1, number, "") if not math.isnan(number) else (0, 0.0, str(value))


# -- the server -----------------------------------------------------------------------------------


def _server_class() -> type:
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    class EmulatorServer(ThreadedMotoServer):
        """moto's threaded server with the BatchGetMetrics route in front of moto's router."""

        def _server_entry(self) -> None:
            app = _BatchGetMetrics(DomainDispatcherApplication(create_backend_app))
            self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
            self._server_ready_event.set()
            self._server.serve_forever()

    return EmulatorServer


@contextmanager
def serving(port: int = 0) -> Iterator[str]:
    """The emulator on 127.0.0.1 (port 0: a free one); yields its endpoint and stops after the block."""
    install()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not one line per request
    server = _server_class()(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        host, bound = server.get_host_and_port()
        yield f"http://{host}:{bound}"
    finally:
        server.stop()


def exports(endpoint: str, region: str = REGION) -> dict[str, str]:
    """What a shell needs to send every AWS call, the tooling's and the SDK's, to the emulator."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        **FAKE_CREDENTIALS,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "DATASETS": DATASETS_BUCKET,
        "ECR": f"{ACCOUNT}.dkr.ecr.{region}.amazonaws.com",
    }


def seed_walkthrough(endpoint: str, region: str = REGION) -> dict[str, str]:
    """The data and image the README walkthrough reads: a versioned datasets bucket and an ECR tag."""
    import boto3

    session = boto3.Session(
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=region,
    )
    make: Any = session.client
    s3, ecr = make("s3", endpoint_url=endpoint), make("ecr", endpoint_url=endpoint)
    if DATASETS_BUCKET not in {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}:
        location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=DATASETS_BUCKET, **location)
        s3.put_bucket_versioning(Bucket=DATASETS_BUCKET, VersioningConfiguration={"Status": "Enabled"})
        rows = "\n".join(f"{i},{(i * 7) % 5},{i % 2}" for i in range(1, 41))
        s3.put_object(Bucket=DATASETS_BUCKET, Key=WALKTHROUGH_DATASET, Body=f"id,tenure,churned\n{rows}\n".encode())
    repository, tag = WALKTHROUGH_IMAGE
    if repository not in {item["repositoryName"] for item in ecr.describe_repositories().get("repositories", [])}:
        ecr.create_repository(repositoryName=repository)
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"digest": "sha256:" + "0" * 64},
            "layers": [],
        }
        ecr.put_image(repositoryName=repository, imageManifest=json.dumps(manifest), imageTag=tag)
    return exports(endpoint, region)


def export_lines(variables: dict[str, str]) -> list[str]:
    return ["unset AWS_PROFILE AWS_SESSION_TOKEN"] + [f"export {name}={value}" for name, value in variables.items()]


def main(argv: Sequence[str] | None = None, out: IO[str] | None = None, stop: threading.Event | None = None) -> int:
    out = out or sys.stdout
    parser = argparse.ArgumentParser(
        prog="python -m experiment_tools.emulator",
        description="Serve the SageMaker Experiments emulator on 127.0.0.1 until Ctrl-C.",
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default 0: a free port)")
    parser.add_argument("--region", default=REGION, help=f"region of the seeded data (default {REGION})")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        print(f"error: --port: {args.port} is not a port number (0-65535)", file=sys.stderr)
        return 2
    try:
        _moto()
    except EmulatorMissing as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    stop = stop or threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with serving(args.port) as endpoint:
        variables = seed_walkthrough(endpoint, args.region)
        print(f"# SageMaker Experiments emulator on {endpoint}. In another shell:", file=out)
        for line in export_lines(variables):
            print(line, file=out)
        print("# Ctrl-C stops it; everything it holds is lost.", file=out, flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
