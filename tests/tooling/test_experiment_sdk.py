"""The official SageMaker Python SDK (2.257.7, test-only) and experiment-tools see the same runs.

Both directions, against the emulator: runs the SDK writes are compared, traced and cleaned up by
the tool; runs the tool writes are loaded, listed and analysed by the SDK, and continued by either.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from experiment_tools.analytics import dataframe
from experiment_tools.clients import new_session
from experiment_tools.runs import RUN_TAG
from tests.support.aws import FAKE_CREDENTIALS, client
from tests.support.tooling import moto_clients, run_cli, unique

pytestmark = pytest.mark.usefixtures("fake_aws_env", "sdk_endpoint")
# The seeds' example: RMSE per n_estimators, lowest at 30 (so neither creation order nor its reverse).
RMSE = {10: 0.91, 20: 0.52, 30: 0.31, 40: 0.35, 50: 0.44}


@pytest.fixture
def sdk_endpoint(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Any client the SDK makes on its own goes to the emulator too, never to AWS."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("SAGEMAKER_SUPPRESS_V2_WARNING", "1")


@pytest.fixture(scope="module")
def sdk(moto_endpoint: str) -> Iterator[Any]:
    """A sagemaker.Session whose SageMaker and Metrics clients reach the emulator."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
        import sagemaker

        boto = new_session(region="us-east-1", **FAKE_CREDENTIALS)
        make: Any = boto.client
        yield sagemaker.Session(
            boto_session=boto,
            sagemaker_client=make("sagemaker", endpoint_url=moto_endpoint),
            sagemaker_metrics_client=make("sagemaker-metrics", endpoint_url=moto_endpoint),
        )


@pytest.fixture(scope="module")
def sdk_loop(sdk: Any) -> str:
    """Five runs logged with the SDK, as a data scientist writes them: one RMSE per run, no step."""
    from sagemaker.experiments.run import Run

    experiment = unique("forest")
    for n_estimators, rmse in RMSE.items():
        with Run(experiment_name=experiment, run_name=f"n-estimators-{n_estimators}", sagemaker_session=sdk) as run:
            run.log_parameter("n_estimators", n_estimators)
            run.log_metric(name="RMSE", value=rmse)
    return experiment


def test_compare_ranks_the_sdks_runs_one_row_each(moto_endpoint: str, sdk_loop: str) -> None:
    result = run_cli(moto_endpoint, "compare", sdk_loop, "--sort-by", "RMSE", "--ascending", "-o", "json")
    assert result.code == 0, result.err
    ranked = json.loads(result.out)["runs"]
    assert [(row["run"], row["parameters"]["n_estimators"]) for row in ranked] == [
        (f"n-estimators-{n}", float(n)) for n in (30, 40, 50, 20, 10)
    ]
    assert [row["metrics"]["RMSE"]["Last"] for row in ranked] == sorted(RMSE.values())
    table = run_cli(moto_endpoint, "compare", sdk_loop, "--sort-by", "RMSE", "--ascending").out.splitlines()
    assert table[0].split() == ["rank", "run", "status", "n_estimators", "RMSE"]
    assert table[2].split() == ["1", "n-estimators-30", "Completed", "30", "0.31"]
    assert len(table) == 2 + 5


def test_where_filters_the_sdks_runs(moto_endpoint: str, sdk_loop: str) -> None:
    result = run_cli(moto_endpoint, "compare", sdk_loop, "--where", "n_estimators>=30", "--where", "RMSE<0.4")
    assert result.code == 0, result.err
    assert [line.split()[1] for line in result.out.splitlines()[2:]] == ["n-estimators-30", "n-estimators-40"]


def test_lineage_of_an_sdk_run_shows_that_runs_own_values(moto_endpoint: str, sdk_loop: str) -> None:
    result = run_cli(moto_endpoint, "lineage", "run", "n-estimators-40", "--experiment", sdk_loop, "-o", "json")
    assert result.code == 0, result.err
    found = json.loads(result.out)
    assert found["subject"]["run"] == "n-estimators-40"
    assert found["parameters"] == {"n_estimators": 40.0}
    assert found["metrics"]["RMSE"]["Last"] == RMSE[40]
    assert found["components"] == [f"{sdk_loop}-n-estimators-40"]


def test_the_dataframe_has_experiment_analytics_columns_and_values(sdk: Any, sdk_loop: str) -> None:
    from sagemaker.analytics import ExperimentAnalytics

    theirs = ExperimentAnalytics(experiment_name=sdk_loop, sagemaker_session=sdk).dataframe()
    ours = dataframe(moto_clients(sdk.sagemaker_client.meta.endpoint_url), sdk_loop)
    assert list(ours.columns) == list(theirs.columns)
    assert list(ours.index) == [f"n-estimators-{n}" for n in RMSE]
    by_component = theirs.set_index("TrialComponentName").sort_index()
    mine = ours.set_index("TrialComponentName").sort_index()
    assert mine.drop(columns=["Trials", "Experiments"]).equals(by_component.drop(columns=["Trials", "Experiments"]))
    assert mine["Trials"].tolist() == by_component["Trials"].tolist()


def test_a_run_the_tool_tracked_is_loaded_listed_and_analysed_by_the_sdk(moto_endpoint: str, sdk: Any) -> None:
    from sagemaker.analytics import ExperimentAnalytics
    from sagemaker.experiments.run import list_runs, load_run

    experiment = unique("churn")
    tracked = run_cli(
        moto_endpoint, "track", "--experiment", experiment, "--run", "lr-0-1",
        "--param", "learning_rate=0.1", "--param", "model=xgboost", "--metric", "auc=0.8@1",
    )  # fmt: skip
    assert tracked.code == 0, tracked.err
    with load_run(experiment_name=experiment, run_name="lr-0-1", sagemaker_session=sdk) as run:
        assert run._trial_component.parameters == {"learning_rate": 0.1, "model": "xgboost"}
        run.log_parameter("max_depth", 6)
        run.log_metric(name="auc", value=0.85, step=2)
    sagemaker = client("sagemaker", moto_endpoint)
    listed = sagemaker.list_trial_components(ExperimentName=experiment)["TrialComponentSummaries"]
    assert [summary["TrialComponentName"] for summary in listed] == [f"{experiment}-lr-0-1"]  # no second run
    trials = sagemaker.list_trials(ExperimentName=experiment)["TrialSummaries"]
    assert [trial["TrialName"] for trial in trials] == [f"Default-Run-Group-{experiment}"]
    assert [run.run_name for run in list_runs(experiment, sagemaker_session=sdk)] == ["lr-0-1"]
    frame = ExperimentAnalytics(experiment_name=experiment, sagemaker_session=sdk).dataframe()
    assert frame[["learning_rate", "max_depth", "model", "auc - Last", "auc - Count"]].values.tolist() == [
        [0.1, 6, "xgboost", 0.85, 2]
    ]


def test_a_run_the_sdk_started_is_continued_by_the_tool(moto_endpoint: str, sdk: Any) -> None:
    from sagemaker.experiments.run import Run, list_runs

    experiment = unique("churn")
    with Run(experiment_name=experiment, run_name="warm-start", sagemaker_session=sdk) as run:
        run.log_parameters({"learning_rate": 0.3, "early_stopping": True})
        run.log_metric(name="auc", value=0.7, step=1)
    more = run_cli(
        moto_endpoint, "track", "--experiment", experiment, "--run", "warm-start",
        "--param", "epochs=20", "--metric", "auc=0.75@2",
    )  # fmt: skip
    assert more.code == 0, more.err
    (row,) = json.loads(run_cli(moto_endpoint, "compare", experiment, "-o", "json").out)["runs"]
    assert row["parameters"] == {"learning_rate": 0.3, "early_stopping": 1.0, "epochs": 20.0}
    assert (row["metrics"]["auc"]["Last"], row["metrics"]["auc"]["Count"]) == (0.75, 2)
    assert [run.run_name for run in list_runs(experiment, sagemaker_session=sdk)] == ["warm-start"]


def test_booleans_and_numbers_are_recorded_as_the_sdk_records_them(moto_endpoint: str, sdk: Any) -> None:
    from sagemaker.experiments.run import Run

    from experiment_tools import track_run

    experiment = unique("types")
    values: dict[str, str | int | float | bool] = {"flag": True, "off": False, "trees": 10, "rate": 0.5, "model": "xgb"}
    with Run(experiment_name=experiment, run_name="by-sdk", sagemaker_session=sdk) as run:
        run.log_parameters(values)
    with track_run(experiment=experiment, run="by-tool", clients=moto_clients(moto_endpoint)) as tracked:
        tracked.log_parameters(values)
    sagemaker = client("sagemaker", moto_endpoint)
    by_sdk = sagemaker.describe_trial_component(TrialComponentName=f"{experiment}-by-sdk")["Parameters"]
    by_tool = sagemaker.describe_trial_component(TrialComponentName=f"{experiment}-by-tool")["Parameters"]
    assert by_tool == by_sdk
    assert by_tool["flag"] == {"NumberValue": 1.0}


def test_names_are_lower_cased_alike(moto_endpoint: str, sdk: Any) -> None:
    from sagemaker.experiments.run import Run

    experiment = unique("Churn")
    with Run(experiment_name=experiment, run_name="LR-1", sagemaker_session=sdk) as run:
        run.log_parameter("a", 1)
    assert run_cli(moto_endpoint, "track", "--experiment", experiment, "--run", "LR-1", "--param", "b=2").code == 0
    result = run_cli(moto_endpoint, "compare", experiment, "-o", "json")  # the mixed-case name is found too
    assert result.code == 0, result.err
    (row,) = json.loads(result.out)["runs"]
    assert (row["run"], row["parameters"]) == ("lr-1", {"a": 1.0, "b": 2.0})


def test_run_tags_reach_every_entity_the_sdk_creates(moto_endpoint: str, sdk: Any) -> None:
    """What the README tells SDK users: tags=[Team] on Run(...) tags the experiment, trial and run."""
    from sagemaker.experiments.run import Run

    experiment, team = unique("vision"), {"Key": "Team", "Value": "vision"}
    with Run(experiment_name=experiment, run_name="r1", sagemaker_session=sdk, tags=[team]):
        pass
    sagemaker = client("sagemaker", moto_endpoint)
    arns = [
        sagemaker.describe_experiment(ExperimentName=experiment)["ExperimentArn"],
        sagemaker.describe_trial(TrialName=f"Default-Run-Group-{experiment}")["TrialArn"],
        sagemaker.describe_trial_component(TrialComponentName=f"{experiment}-r1")["TrialComponentArn"],
    ]
    tags = [sagemaker.list_tags(ResourceArn=arn)["Tags"] for arn in arns]
    assert tags == [[team], [team], [team, RUN_TAG]]


def test_cleanup_removes_the_sdks_runs(moto_endpoint: str, sdk: Any) -> None:
    from sagemaker.experiments.run import Run, list_runs

    experiment = unique("scratch")
    for name in ("a", "b"):
        with Run(experiment_name=experiment, run_name=name, sagemaker_session=sdk) as run:
            run.log_metric(name="loss", value=0.1)
    result = run_cli(moto_endpoint, "cleanup", experiment, "--yes", "-o", "json")
    assert result.code == 0, result.err
    assert sorted(item["name"] for item in json.loads(result.out)["deleted"]) == sorted(
        [f"{experiment}-a", f"{experiment}-b", f"Default-Run-Group-{experiment}", experiment]
    )
    assert list_runs(experiment, sagemaker_session=sdk) == []
    assert run_cli(moto_endpoint, "compare", experiment).code == 3  # the experiment is gone
