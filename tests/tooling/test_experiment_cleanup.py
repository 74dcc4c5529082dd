"""`cleanup`: an experiment, its runs and the components only it uses; shared ones are kept.

The emulator refuses deletions in an order AWS refuses (a component still associated, a trial
with components, an experiment with trials), so these tests also pin the order.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError

from experiment_tools.cleanup import CleanupPlan, execute, plan_cleanup
from experiment_tools.errors import UsageError
from experiment_tools.tracking import RunTracker
from tests.support.aws import client
from tests.support.tooling import Terminal, moto_clients, run_cli, stubbed_clients, unique

pytestmark = pytest.mark.usefixtures("fake_aws_env")
NOW = datetime(2026, 11, 23, tzinfo=UTC)
EXPERIMENT_ARN = "arn:aws:sagemaker:us-east-1:111122223333:experiment/churn"


@pytest.fixture
def experiment(moto_endpoint: str) -> tuple[str, list[str]]:
    clients = moto_clients(moto_endpoint)
    name = unique("scratch")
    runs = [unique("run"), unique("run")]
    for run in runs:
        tracker = RunTracker(clients, experiment=name, run=run).start()
        tracker.log_parameter("seed", 7)
        tracker.finish()
    return name, runs


def exists(endpoint: str, call: str, **kwargs: str) -> bool:
    try:
        getattr(client("sagemaker", endpoint), call)(**kwargs)
    except ClientError:
        return False
    return True


def test_dry_run_lists_everything_and_changes_nothing(moto_endpoint: str, experiment: tuple[str, list[str]]) -> None:
    name, runs = experiment
    result = run_cli(moto_endpoint, "cleanup", name, "--dry-run", "-o", "json")
    assert result.code == 0, result.err
    plan = json.loads(result.out)
    assert plan == {
        "experiment": name,
        "trials": [f"Default-Run-Group-{name}"],
        "delete_components": plan["delete_components"],
        "keep_components": {},
    }
    assert sorted(plan["delete_components"]) == sorted(f"{name}-{run}" for run in runs)
    assert exists(moto_endpoint, "describe_experiment", ExperimentName=name)
    assert all(exists(moto_endpoint, "describe_trial_component", TrialComponentName=f"{name}-{run}") for run in runs)


def test_yes_deletes_the_experiment_its_runs_and_components(
    moto_endpoint: str, experiment: tuple[str, list[str]]
) -> None:
    name, runs = experiment
    result = run_cli(moto_endpoint, "cleanup", name, "--yes", "-o", "json")
    assert result.code == 0, result.err
    deleted = json.loads(result.out)["deleted"]
    assert deleted[-2:] == [
        {"deleted": "trial", "name": f"Default-Run-Group-{name}"},
        {"deleted": "experiment", "name": name},
    ]
    assert not exists(moto_endpoint, "describe_experiment", ExperimentName=name)
    assert not exists(moto_endpoint, "describe_trial", TrialName=f"Default-Run-Group-{name}")
    assert not any(
        exists(moto_endpoint, "describe_trial_component", TrialComponentName=f"{name}-{run}") for run in runs
    )


def test_a_component_in_a_trial_of_another_experiment_is_detached_and_kept(moto_endpoint: str) -> None:
    """A job's component associated with runs of two experiments (the emulator lists it under both)."""
    sagemaker = client("sagemaker", moto_endpoint)
    ours, theirs, shared = unique("ours"), unique("theirs"), unique("prep") + "-aws-processing-job"
    for experiment in (ours, theirs):
        sagemaker.create_experiment(ExperimentName=experiment)
        sagemaker.create_trial(TrialName=f"{experiment}-exec", ExperimentName=experiment)
    sagemaker.create_trial_component(TrialComponentName=shared)
    sagemaker.create_trial_component(TrialComponentName=f"{ours}-train")
    for trial, component in ((f"{ours}-exec", shared), (f"{theirs}-exec", shared), (f"{ours}-exec", f"{ours}-train")):
        sagemaker.associate_trial_component(TrialName=trial, TrialComponentName=component)
    result = run_cli(moto_endpoint, "cleanup", ours, "--yes", "-o", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["keep_components"] == {shared: [f"{theirs}-exec"]}
    assert exists(moto_endpoint, "describe_trial_component", TrialComponentName=shared)
    assert not exists(moto_endpoint, "describe_trial_component", TrialComponentName=f"{ours}-train")
    listed = sagemaker.list_trial_components(TrialName=f"{theirs}-exec")["TrialComponentSummaries"]
    assert [summary["TrialComponentName"] for summary in listed] == [shared]


def test_without_yes_a_terminal_must_type_the_name(moto_endpoint: str, experiment: tuple[str, list[str]]) -> None:
    name, _ = experiment
    declined = run_cli(moto_endpoint, "cleanup", name, stdin=Terminal("scratch\n"))
    assert declined.code == 1
    assert declined.out.endswith("not deleted\n")
    assert exists(moto_endpoint, "describe_experiment", ExperimentName=name)
    confirmed = run_cli(moto_endpoint, "cleanup", name, stdin=Terminal(f"{name}\n"))
    assert confirmed.code == 0, confirmed.err
    assert not exists(moto_endpoint, "describe_experiment", ExperimentName=name)


def test_without_yes_and_without_a_terminal_nothing_is_deleted(
    moto_endpoint: str, experiment: tuple[str, list[str]]
) -> None:
    name, _ = experiment
    result = run_cli(moto_endpoint, "cleanup", name)
    assert result.code == 2
    assert (
        result.err == "error: cleanup: not a terminal, so no one can confirm: pass --yes, or --dry-run to look first\n"
    )
    assert exists(moto_endpoint, "describe_experiment", ExperimentName=name)


def test_an_experiment_cloudformation_manages_is_refused() -> None:
    clients, stubber = stubbed_clients()
    stubber.add_response(
        "describe_experiment",
        {"ExperimentName": "mlexp-dev-vision-defect-baselines", "ExperimentArn": EXPERIMENT_ARN},
        None,
    )
    stubber.add_response(
        "list_tags", {"Tags": [{"Key": "aws:cloudformation:stack-name", "Value": "mlexp-dev-registry"}]}, None
    )
    with stubber, pytest.raises(UsageError, match="managed by CloudFormation stack 'mlexp-dev-registry'"):
        plan_cleanup(clients, "mlexp-dev-vision-defect-baselines")


def test_runs_made_by_pipeline_executions_need_an_explicit_flag() -> None:
    clients, stubber = stubbed_clients()
    execution = "arn:aws:sagemaker:us-east-1:111122223333:pipeline/mlexp-dev-vision-reference/execution/abc123"
    for _ in range(2):
        stubber.add_response("describe_experiment", {"ExperimentName": "p", "ExperimentArn": EXPERIMENT_ARN}, None)
        stubber.add_response("list_tags", {"Tags": []}, None)
        stubber.add_response(
            "list_trials", {"TrialSummaries": [{"TrialName": "abc123", "TrialSource": {"SourceArn": execution}}]}, None
        )
    stubber.add_response("list_trial_components", {"TrialComponentSummaries": []}, None)
    with stubber:
        with pytest.raises(UsageError, match=r"runs made by pipeline executions \(abc123\)"):
            plan_cleanup(clients, "p")
        assert plan_cleanup(clients, "p", include_pipeline_runs=True).trials == ["abc123"]
    stubber.assert_no_pending_responses()


def test_what_is_already_gone_is_skipped_but_other_errors_stop() -> None:
    clients, stubber = stubbed_clients()
    plan = plan_for("churn", runs=["churn-1"], delete=["churn-1"])
    stubber.add_client_error("disassociate_trial_component", "ResourceNotFound", "Trial component does not exist")
    stubber.add_client_error(
        "delete_trial_component", "ValidationException", "Could not find trial-component 'churn-1'"
    )
    stubber.add_client_error("delete_trial", "AccessDeniedException", "not authorized")
    with stubber, pytest.raises(ClientError, match="AccessDeniedException"):
        execute(clients, plan)


def plan_for(experiment: str, runs: list[str], delete: list[str]) -> CleanupPlan:
    return CleanupPlan(
        experiment=experiment, trials=runs, delete_components=delete, detach=[(name, runs[0]) for name in delete]
    )
