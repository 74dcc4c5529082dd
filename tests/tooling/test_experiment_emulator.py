"""Each emulator shim: the emulator answers as the SageMaker API Reference says, and released moto
(called in this process with the shims stepped aside) still does not. When a moto upgrade closes
a gap, its `released moto` test fails: drop the shim and the test.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from experiment_tools import emulator
from tests.support.aws import FAKE_CREDENTIALS, client
from tests.support.tooling import unique
from tests.support.tuning import TrainedJob, create_tuning_job, record_training_job

pytestmark = pytest.mark.usefixtures("fake_aws_env")
RELEASED_REGION = "ap-southeast-2"  # released moto shares this process's backends: keep its data apart
NOW = datetime.now(UTC)
Clients = Callable[[str], Any]


@contextmanager
def released() -> Iterator[Clients]:
    """moto as released, in process: nothing is reset, and the shims step aside for this thread."""
    from moto import mock_aws

    mock = mock_aws()
    mock.start(reset=False)
    try:
        with emulator.released_moto():
            make: Any = boto3.client
            yield lambda service: make(service, region_name=RELEASED_REGION, **FAKE_CREDENTIALS)
    finally:
        mock.stop(remove_data=False)


def emulated(endpoint: str) -> Clients:
    return lambda service: client(service, endpoint)


def code_of(call: Callable[[], Any]) -> str:
    """The error code a call answers with; 'none' when it succeeds."""
    try:
        call()
    except ClientError as error:
        return f"{error.response['Error']['Code']} {error.response['ResponseMetadata'].get('HTTPStatusCode')}"
    except Exception as error:  # released moto may raise its own exception in process
        return type(error).__name__
    return "none"


def experiment_with_trial(make: Clients, **tags: Any) -> tuple[str, str]:
    sagemaker = make("sagemaker")
    experiment, trial = unique("e"), unique("t")
    sagemaker.create_experiment(ExperimentName=experiment, **tags)
    sagemaker.create_trial(TrialName=trial, ExperimentName=experiment, **tags)
    return experiment, trial


def test_every_shim_names_its_operation_and_reference() -> None:
    assert len({shim.name for shim in emulator.SHIMS}) == len(emulator.SHIMS) == 9
    assert all(shim.reference.startswith("SageMaker") and shim.released_moto for shim in emulator.SHIMS)


# -- tags-on-create -------------------------------------------------------------------------------


def tagged_entities(make: Clients) -> list[list[dict[str, str]]]:
    sagemaker, team = make("sagemaker"), [{"Key": "Team", "Value": "vision"}]
    experiment, trial = experiment_with_trial(make, Tags=team)
    component = sagemaker.create_trial_component(TrialComponentName=unique("c"), Tags=team)["TrialComponentArn"]
    arns = [
        sagemaker.describe_experiment(ExperimentName=experiment)["ExperimentArn"],
        sagemaker.describe_trial(TrialName=trial)["TrialArn"],
        component,
    ]
    return [sagemaker.list_tags(ResourceArn=arn)["Tags"] for arn in arns]


def test_tags_on_create_are_kept(moto_endpoint: str) -> None:
    assert tagged_entities(emulated(moto_endpoint)) == [[{"Key": "Team", "Value": "vision"}]] * 3


def test_released_moto_drops_tags_on_create() -> None:
    with released() as make:
        assert tagged_entities(make) == [[], [], []]


# -- existing-name --------------------------------------------------------------------------------


def create_twice(make: Clients) -> tuple[list[str], dict[str, Any]]:
    sagemaker = make("sagemaker")
    experiment, trial = experiment_with_trial(make)
    component = unique("c")
    sagemaker.create_trial_component(TrialComponentName=component, Parameters={"a": {"NumberValue": 1}})
    sagemaker.associate_trial_component(TrialName=trial, TrialComponentName=component)
    codes = [
        code_of(lambda: sagemaker.create_experiment(ExperimentName=experiment)),
        code_of(lambda: sagemaker.create_trial(TrialName=trial, ExperimentName=experiment)),
        code_of(lambda: sagemaker.create_trial_component(TrialComponentName=component)),
    ]
    after = sagemaker.describe_trial_component(TrialComponentName=component)
    return codes, {
        "parameters": after.get("Parameters", {}),
        "trials": sagemaker.list_trials(ExperimentName=experiment),
    }


def test_creating_an_existing_name_is_refused_and_changes_nothing(moto_endpoint: str) -> None:
    codes, after = create_twice(emulated(moto_endpoint))
    assert codes == ["ValidationException 400"] * 3
    assert after["parameters"] == {"a": {"NumberValue": 1.0}}
    assert len(after["trials"]["TrialSummaries"]) == 1
    sagemaker, experiment = client("sagemaker", moto_endpoint), unique("e")
    sagemaker.create_experiment(ExperimentName=experiment)
    with pytest.raises(ClientError, match=rf"Experiment with name \({experiment}\) already exists"):
        sagemaker.create_experiment(ExperimentName=experiment)


def test_released_moto_replaces_an_existing_name() -> None:
    with released() as make:
        codes, after = create_twice(make)
    assert codes == ["none"] * 3
    assert after["parameters"] == {}


# -- missing-experiment ---------------------------------------------------------------------------


def test_a_missing_experiment_is_resource_not_found(moto_endpoint: str) -> None:
    sagemaker = client("sagemaker", moto_endpoint)
    assert code_of(lambda: sagemaker.describe_experiment(ExperimentName=unique("missing"))) == "ResourceNotFound 400"


def test_released_moto_fails_on_a_missing_experiment() -> None:
    with released() as make:
        answer = code_of(lambda: make("sagemaker").describe_experiment(ExperimentName=unique("missing")))
    assert answer not in ("ResourceNotFound 400", "none")


# -- list-components ------------------------------------------------------------------------------


def listing(make: Clients) -> dict[str, list[str]]:
    """Two experiments; a component shared by a trial of each, then a component of the first only."""
    sagemaker = make("sagemaker")
    first, first_trial = experiment_with_trial(make)
    _, second_trial = experiment_with_trial(make)
    shared, own = unique("shared"), unique("own")
    for component in (shared, own):
        sagemaker.create_trial_component(TrialComponentName=component)
    for trial, component in ((first_trial, shared), (second_trial, shared), (first_trial, own)):
        sagemaker.associate_trial_component(TrialName=trial, TrialComponentName=component)

    def names(**filters: str) -> list[str]:
        pages = sagemaker.get_paginator("list_trial_components").paginate(**filters)
        return sorted(summary["TrialComponentName"] for page in pages for summary in page["TrialComponentSummaries"])

    return {"experiment": names(ExperimentName=first), "first trial": names(TrialName=first_trial)}


def test_list_trial_components_filters_by_experiment_and_every_trial(moto_endpoint: str) -> None:
    found = listing(emulated(moto_endpoint))
    assert len(found["experiment"]) == 2
    assert found["first trial"] == found["experiment"]


def test_released_moto_ignores_the_experiment_and_keeps_one_trial_per_component() -> None:
    with released() as make:
        found = listing(make)
    assert len(found["experiment"]) > 2  # every component in the account and region
    assert len(found["first trial"]) == 1  # the shared component moved to the second trial


# -- search-components ----------------------------------------------------------------------------


def search_by_experiment(make: Clients) -> Any:
    sagemaker, metrics = make("sagemaker"), make("sagemaker-metrics")
    experiment, trial = experiment_with_trial(make)
    component = unique("c")
    sagemaker.create_trial_component(TrialComponentName=component)
    sagemaker.associate_trial_component(TrialName=trial, TrialComponentName=component)
    metrics.batch_put_metrics(
        TrialComponentName=component, MetricData=[{"MetricName": "auc", "Timestamp": NOW, "Step": 1, "Value": 0.5}]
    )
    filters = [{"Name": "Parents.ExperimentName", "Operator": "Equals", "Value": experiment}]
    return (
        experiment,
        trial,
        sagemaker.search(Resource="ExperimentTrialComponent", SearchExpression={"Filters": filters}),
    )


def test_search_finds_components_by_experiment_with_parents_and_metrics(moto_endpoint: str) -> None:
    experiment, trial, found = search_by_experiment(emulated(moto_endpoint))
    (result,) = found["Results"]
    assert result["TrialComponent"]["Parents"] == [{"TrialName": trial, "ExperimentName": experiment}]
    (auc,) = result["TrialComponent"]["Metrics"]
    assert (auc["MetricName"], auc["Last"], auc["Count"]) == ("auc", 0.5, 1)


def test_released_moto_search_has_no_experiment_filter() -> None:
    with released() as make, pytest.raises(ClientError, match=r"Unknown property name: Parents\.ExperimentName"):
        search_by_experiment(make)


# -- metrics-without-step and batch-get-metrics ---------------------------------------------------


def metrics_without_step(make: Clients) -> str:
    sagemaker, metrics = make("sagemaker"), make("sagemaker-metrics")
    component = unique("c")
    sagemaker.create_trial_component(TrialComponentName=component)
    data = [{"MetricName": "RMSE", "Timestamp": NOW, "Value": 0.4}]
    return code_of(lambda: metrics.batch_put_metrics(TrialComponentName=component, MetricData=data))


def test_metrics_without_a_step_are_accepted_and_summarised(moto_endpoint: str) -> None:
    assert metrics_without_step(emulated(moto_endpoint)) == "none"


def test_released_moto_fails_on_a_metric_without_a_step() -> None:
    with released() as make:
        assert metrics_without_step(make) != "none"


def steps_of(make: Clients) -> Any:
    sagemaker, metrics = make("sagemaker"), make("sagemaker-metrics")
    component = unique("c")
    arn = sagemaker.create_trial_component(TrialComponentName=component)["TrialComponentArn"]
    metrics.batch_put_metrics(
        TrialComponentName=component,
        MetricData=[
            {"MetricName": "loss", "Timestamp": NOW, "Step": step, "Value": value}
            for step, value in ((2, 0.5), (1, 0.9), (3, 0.2))
        ]
        + [{"MetricName": "loss", "Timestamp": NOW, "Value": 7.0}],  # no step: not on the iteration axis
    )
    query = {"MetricName": "loss", "ResourceArn": arn, "MetricStat": "Avg", "Period": "IterationNumber"}
    return metrics.batch_get_metrics(MetricQueries=[{**query, "XAxisType": "IterationNumber"}])


def test_batch_get_metrics_returns_the_values_by_step(moto_endpoint: str) -> None:
    (result,) = steps_of(emulated(moto_endpoint))["MetricQueryResults"]
    assert result == {"Status": "Complete", "XAxisValues": [1, 2, 3], "MetricValues": [0.9, 0.5, 0.2]}


def test_released_moto_has_no_batch_get_metrics() -> None:
    with released() as make:
        assert code_of(lambda: steps_of(make)) != "none"


# -- delete-order ---------------------------------------------------------------------------------


def delete_out_of_order(make: Clients) -> list[str]:
    sagemaker = make("sagemaker")
    experiment, trial = experiment_with_trial(make)
    component = unique("c")
    sagemaker.create_trial_component(TrialComponentName=component)
    sagemaker.associate_trial_component(TrialName=trial, TrialComponentName=component)
    return [
        code_of(lambda: sagemaker.delete_experiment(ExperimentName=experiment)),
        code_of(lambda: sagemaker.delete_trial_component(TrialComponentName=component)),
        code_of(lambda: sagemaker.delete_trial(TrialName=trial)),
    ]


def test_what_is_in_use_cannot_be_deleted(moto_endpoint: str) -> None:
    assert delete_out_of_order(emulated(moto_endpoint)) == ["ValidationException 400"] * 3


def test_released_moto_deletes_what_is_in_use() -> None:
    with released() as make:
        assert delete_out_of_order(make) == ["none"] * 3


# -- tuning-job-training-jobs ---------------------------------------------------------------------


def tuning_job_training_jobs(make: Clients) -> list[str]:
    sagemaker, metrics = make("sagemaker"), make("sagemaker-metrics")
    tuning = unique("tune")[:32]
    create_tuning_job(sagemaker, tuning)
    for index in range(3):
        record_training_job(sagemaker, metrics, f"{tuning}-{index + 1:03d}-{index:08x}", TrainedJob({"a": "1"}, {}))
    record_training_job(sagemaker, metrics, f"{tuning}x-001-00000000", TrainedJob({"a": "1"}, {}))  # not its own
    pages = sagemaker.get_paginator("list_training_jobs_for_hyper_parameter_tuning_job")
    found = pages.paginate(HyperParameterTuningJobName=tuning, PaginationConfig={"PageSize": 2})
    return [summary["TrainingJobName"] for page in found for summary in page["TrainingJobSummaries"]]


def test_a_tuning_job_lists_the_training_jobs_named_after_it(moto_endpoint: str) -> None:
    names = tuning_job_training_jobs(emulated(moto_endpoint))
    assert len(names) == 3
    assert all(re.fullmatch(r"tune-[0-9a-f]{8}-00[1-3]-[0-9a-f]{8}", name) for name in names)


def test_a_missing_tuning_job_is_resource_not_found(moto_endpoint: str) -> None:
    sagemaker = client("sagemaker", moto_endpoint)
    call = lambda: sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(  # noqa: E731
        HyperParameterTuningJobName=unique("absent")
    )
    assert code_of(call) == "ResourceNotFound 400"


def test_released_moto_cannot_list_a_tuning_jobs_training_jobs() -> None:
    with released() as make:
        assert code_of(lambda: tuning_job_training_jobs(make)) != "none"
