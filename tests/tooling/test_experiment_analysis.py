"""`compare` and `lineage`: leaderboards and the code, data, parameters and environment behind a result."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from experiment_tools import lineage
from experiment_tools.leaderboard import Condition, RunRow, collect_runs, leaderboard
from experiment_tools.tracking import RunTracker
from tests.support.aws import client
from tests.support.tooling import factory_for, moto_clients, run_cli, stubbed_clients, unique

pytestmark = pytest.mark.usefixtures("fake_aws_env")
DIGEST = "sha256:" + "cd" * 32


@pytest.fixture
def experiment(moto_endpoint: str) -> tuple[str, list[str]]:
    """Four runs of one experiment with a learning rate, a model family and an AUC."""
    clients = moto_clients(moto_endpoint)
    name = unique("churn")
    runs = []
    for rate, model, aucs in [
        (0.3, "xgboost", [0.70, 0.81]),
        (0.1, "xgboost", [0.75, 0.86]),
        (0.03, "linear", [0.66]),
        (0.01, "xgboost", [0.90, 0.79]),
    ]:
        run = unique("run")
        tracker = RunTracker(clients, experiment=name, run=run).start()
        tracker.log_parameters({"learning_rate": rate, "model": model})
        for step, auc in enumerate(aucs):
            tracker.log_metric("validation:auc", auc, step=step)
        tracker.finish()
        runs.append(run)
    return name, runs


def test_compare_ranks_runs_by_a_metric(moto_endpoint: str, experiment: tuple[str, list[str]]) -> None:
    name, runs = experiment
    result = run_cli(moto_endpoint, "compare", name, "--sort-by", "validation:auc", "-o", "json")
    assert result.code == 0, result.err
    ranked = json.loads(result.out)["runs"]
    assert [row["run"] for row in ranked] == [runs[1], runs[0], runs[3], runs[2]]  # by the last value
    assert ranked[0]["parameters"] == {"learning_rate": 0.1, "model": "xgboost"}
    assert ranked[0]["metrics"]["validation:auc"]["Last"] == 0.86
    by_best = run_cli(moto_endpoint, "compare", name, "--sort-by", "validation:auc", "--stat", "max", "-o", "json")
    assert json.loads(by_best.out)["runs"][0]["run"] == runs[3]


def test_compare_filters_by_parameters_and_writes_csv(moto_endpoint: str, experiment: tuple[str, list[str]]) -> None:
    name, runs = experiment
    result = run_cli(
        moto_endpoint, "compare", name, "--where", "model=xgboost", "--where", "learning_rate<0.3",
        "--sort-by", "learning_rate", "--ascending", "-o", "csv",
    )  # fmt: skip
    assert result.code == 0, result.err
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert [row["run"] for row in rows] == [runs[3], runs[1]]
    assert list(rows[0]) == ["rank", "run", "status", "learning_rate", "model", "validation:auc"]
    assert rows[1]["validation:auc"] == "0.86"


def test_compare_table_and_limit(moto_endpoint: str, experiment: tuple[str, list[str]]) -> None:
    name, runs = experiment
    result = run_cli(moto_endpoint, "compare", name, "--sort-by", "validation:auc", "--limit", "1")
    lines = result.out.splitlines()
    assert lines[0].split() == ["rank", "run", "status", "learning_rate", "model", "validation:auc"]
    assert lines[2].split() == ["1", runs[1], "Completed", "0.1", "xgboost", "0.86"]
    assert len(lines) == 3


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (["--sort-by", "accuracy"], 2, "error: no run has a parameter or metric named 'accuracy'"),
        (["--where", "learning_rate"], 2, "error: --where: 'learning_rate' is not NAME OP VALUE"),
        (["--limit", "0"], 2, "error: --limit: 0 must be at least 1"),
    ],
)
def test_compare_refuses_bad_input(
    moto_endpoint: str, experiment: tuple[str, list[str]], arguments: list[str], code: int, message: str
) -> None:
    result = run_cli(moto_endpoint, "compare", experiment[0], *arguments)
    assert (result.code, result.err.count("\n")) == (code, 1)
    assert result.err.startswith(message)


def test_compare_of_a_missing_experiment_is_an_aws_error(moto_endpoint: str) -> None:
    result = run_cli(moto_endpoint, "compare", unique("missing"))
    assert result.code == 3
    assert result.err.startswith("error: not found: DescribeExperiment:")


def test_a_trial_shaped_run_has_its_own_values_first_then_shared_ones(moto_endpoint: str) -> None:
    """A run written by earlier versions of track (a trial with a component of its name) and a
    preprocessing component shared with another trial: one run, its own values win."""
    sagemaker = client("sagemaker", moto_endpoint)
    experiment, run, other = unique("churn"), unique("r1"), unique("r2")
    sagemaker.create_experiment(ExperimentName=experiment)
    prep = unique("churn-prep")
    for trial in (run, other):
        sagemaker.create_trial(TrialName=trial, ExperimentName=experiment)
    sagemaker.create_trial_component(
        TrialComponentName=prep,
        Status={"PrimaryStatus": "InProgress"},
        Parameters={"rows": {"NumberValue": 1000}, "split": {"StringValue": "time"}},
    )
    sagemaker.create_trial_component(
        TrialComponentName=run, Status={"PrimaryStatus": "Completed"}, Parameters={"rows": {"NumberValue": 900}}
    )
    for trial, component in ((run, prep), (run, run), (other, prep)):
        sagemaker.associate_trial_component(TrialName=trial, TrialComponentName=component)
    rows = {row.run: row for row in collect_runs(moto_clients(moto_endpoint), experiment)}
    assert set(rows) == {run, other}
    assert (rows[run].status, rows[run].parameters) == ("Completed", {"rows": 900.0, "split": "time"})
    assert rows[run].components == [run, prep]
    assert rows[other].parameters == {"rows": 1000.0, "split": "time"}


def test_a_tuning_jobs_training_jobs_in_one_trial_are_runs_of_their_own(moto_endpoint: str) -> None:
    """A tuning step's training jobs associated with a pipeline execution's trial: one run per job,
    the execution's preprocessing counts for each."""
    sagemaker = client("sagemaker", moto_endpoint)
    experiment, execution = unique("pipeline"), unique("execution")
    sagemaker.create_experiment(ExperimentName=experiment)
    sagemaker.create_trial(TrialName=execution, ExperimentName=experiment)
    sagemaker.create_trial_component(TrialComponentName=f"{execution}-prep", Parameters={"rows": {"NumberValue": 500}})
    sagemaker.associate_trial_component(TrialName=execution, TrialComponentName=f"{execution}-prep")
    jobs = [f"{execution}-tune-00{index}-abc" for index in (1, 2, 3)]
    for depth, job in enumerate(jobs, start=3):
        sagemaker.create_trial_component(
            TrialComponentName=f"{job}-aws-training-job", Parameters={"max_depth": {"NumberValue": depth}}
        )
        sagemaker.associate_trial_component(TrialName=execution, TrialComponentName=f"{job}-aws-training-job")
    result = run_cli(moto_endpoint, "compare", experiment, "--sort-by", "max_depth", "-o", "json")
    assert result.code == 0, result.err
    ranked = json.loads(result.out)["runs"]
    assert [(row["run"], row["kind"], row["parameters"]) for row in ranked] == [
        (job, "job", {"max_depth": float(depth), "rows": 500.0}) for depth, job in reversed(list(enumerate(jobs, 3)))
    ]


def test_a_pipeline_executions_trial_is_one_run(moto_endpoint: str) -> None:
    sagemaker = client("sagemaker", moto_endpoint)
    experiment, execution = unique("pipeline"), unique("execution")
    sagemaker.create_experiment(ExperimentName=experiment)
    sagemaker.create_trial(TrialName=execution, ExperimentName=experiment)
    for step, parameters in (("prep", {"rows": {"NumberValue": 500}}), ("train", {"C": {"NumberValue": 0.5}})):
        sagemaker.create_trial_component(TrialComponentName=f"{execution}-{step}", Parameters=parameters)
        sagemaker.associate_trial_component(TrialName=execution, TrialComponentName=f"{execution}-{step}")
    (row,) = collect_runs(moto_clients(moto_endpoint), experiment)
    assert (row.run, row.kind, row.parameters) == (execution, "trial", {"rows": 500.0, "C": 0.5})
    found = run_cli(moto_endpoint, "lineage", "run", execution, "-o", "json")
    assert found.code == 0, found.err
    assert json.loads(found.out)["parameters"] == {"rows": 500.0, "C": 0.5}


def test_ordering_conditions_need_numbers_and_equality_compares_like_with_like() -> None:
    assert Condition.parse("model != linear").holds("xgboost")
    assert Condition.parse("rate = 0.1").holds(0.1)
    assert not Condition.parse("rate = 0.1").holds("0.1")
    assert not Condition.parse("rate > 0.1").holds("fast")
    assert not Condition.parse("rate > 0.1").holds(None)
    rows = [RunRow(run="r1", parameters={"rows": 900.0}), RunRow(run="r2", parameters={"rows": 1000.0})]
    assert [row.run for row in leaderboard(rows, where=[Condition.parse("rows >= 950")])] == ["r2"]


def test_run_lineage_lists_code_data_parameters_and_environment(moto_endpoint: str) -> None:
    clients = moto_clients(moto_endpoint)
    s3 = client("s3", moto_endpoint)
    bucket = unique("data")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    version = s3.put_object(Bucket=bucket, Key="train.csv", Body=b"1")["VersionId"]
    run = unique("r")
    tracker = RunTracker(clients, experiment=unique("e"), run=run).start()
    tracker.log_dataset("train", f"s3://{bucket}/train.csv")
    tracker.log_image(f"example.com/train@{DIGEST}")
    tracker.log_parameters({"lineage.git_commit": "a" * 40, "lineage.git_dirty": False, "depth": 6})
    tracker.log_parameter("lineage.config.params.yaml.sha256", "f" * 64)
    tracker.log_metric("auc", 0.7, step=1)
    tracker.log_metric("auc", 0.8, step=2)
    tracker.finish()
    result = run_cli(moto_endpoint, "lineage", "run", run, "--experiment", tracker.experiment, "-o", "json")
    assert result.code == 0, result.err
    found = json.loads(result.out)
    assert found["code"] == {"git_commit": "a" * 40, "git_dirty": False}
    assert found["config"] == {"params.yaml.sha256": "f" * 64}
    assert found["metrics"]["auc"]["Last"] == 0.8
    assert found["metrics"]["auc"]["Count"] == 2
    assert found["data"]["train"]["version_id"] == version
    assert found["data"]["train"]["uri"] == f"s3://{bucket}/train.csv"
    assert found["parameters"] == {"depth": 6.0}
    assert found["environment"]["image_digest"] == DIGEST
    assert found["gaps"] == []


def test_run_lineage_names_what_would_stop_a_reproduction(moto_endpoint: str) -> None:
    clients = moto_clients(moto_endpoint)
    run = unique("r")
    tracker = RunTracker(clients, experiment=unique("e"), run=run).start()
    tracker.log_input("raw", "s3://somewhere/raw/")
    tracker.log_parameters({"lineage.git_commit": "b" * 40, "lineage.git_dirty": True})
    tracker.finish()
    # Without --experiment, a run is found by its SDK component name.
    gaps = json.loads(run_cli(moto_endpoint, "lineage", "run", tracker.component, "-o", "json").out)["gaps"]
    assert gaps == [
        "code: the work tree had uncommitted changes when the run was tracked",
        "data raw: no object version or manifest recorded",
        "environment: no container image digest recorded",
    ]


def test_model_lineage_follows_the_package_to_its_pipeline_execution(moto_endpoint: str) -> None:
    sagemaker = client("sagemaker", moto_endpoint)
    pipeline = unique("mlexp-dev-vision") + "--reference"
    definition = json.dumps(
        {"Version": "2020-12-01", "Parameters": [{"Name": "InputDataUri", "Type": "String"}], "Steps": []}
    )
    sagemaker.create_pipeline(
        PipelineName=pipeline, PipelineDefinition=definition, RoleArn="arn:aws:iam::123456789012:role/p"
    )
    execution = sagemaker.start_pipeline_execution(
        PipelineName=pipeline,
        PipelineParameters=[
            {"Name": "InputDataUri", "Value": "s3://datasets/vision/raw"},
            {"Name": "GitCommit", "Value": "c" * 40},
        ],
    )["PipelineExecutionArn"]
    execution_id = execution.rsplit("/", 1)[-1]
    sagemaker.create_experiment(ExperimentName=pipeline)
    sagemaker.create_trial(TrialName=execution_id, ExperimentName=pipeline)
    sagemaker.create_trial_component(
        TrialComponentName=f"{execution_id}-train", Parameters={"max_depth": {"NumberValue": 4}}
    )
    sagemaker.associate_trial_component(TrialComponentName=f"{execution_id}-train", TrialName=execution_id)
    group = unique("defect-detector")
    sagemaker.create_model_package_group(ModelPackageGroupName=group)
    sagemaker.create_model_package(
        ModelPackageGroupName=group,
        ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification={
            "Containers": [{"Image": f"example.com/sklearn@{DIGEST}", "ModelDataUrl": "s3://artifacts/model.tar.gz"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
        MetadataProperties={"CommitId": "c" * 40, "Repository": "acme/vision-models", "GeneratedBy": execution},
        CustomerMetadataProperties={
            "InputDataUri": "s3://datasets/vision/raw",
            "CodeUri": "s3://artifacts/code/" + "c" * 40,
        },
    )
    result = run_cli(moto_endpoint, "lineage", "model", f"{group}/1", "-o", "json")
    assert result.code == 0, result.err
    found = json.loads(result.out)
    assert found["subject"]["approval"] == "PendingManualApproval"
    assert found["subject"]["pipeline_execution_status"] == "Succeeded"
    assert found["code"] == {
        "git_commit": "c" * 40,
        "repository": "acme/vision-models",
        "code_uri": "s3://artifacts/code/" + "c" * 40,
    }
    assert found["data"]["input"]["uri"] == "s3://datasets/vision/raw"
    assert "artifacts bucket" in found["data"]["input"]["pinned_by"]
    assert found["parameters"] == {"InputDataUri": "s3://datasets/vision/raw", "GitCommit": "c" * 40, "max_depth": 4.0}
    assert found["components"] == [f"{execution_id}-train"]
    assert found["outputs"] == {"container0.model_data": "s3://artifacts/model.tar.gz"}
    assert found["environment"]["image_digest"] == DIGEST
    assert found["gaps"] == []


def test_model_reference_must_be_an_arn_or_group_and_version(moto_endpoint: str) -> None:
    result = run_cli(moto_endpoint, "lineage", "model", "latest")
    assert result.code == 2
    assert result.err == "error: model: 'latest' is neither a model package ARN nor GROUP/VERSION\n"


def test_a_component_made_by_a_training_job_adds_the_jobs_image_and_inputs() -> None:
    """moto has no training jobs with trial components: the calls are stubbed."""
    clients, stubber = stubbed_clients()
    job_arn = "arn:aws:sagemaker:us-east-1:111122223333:training-job/churn-xgb-1"
    now = datetime(2026, 11, 23, tzinfo=UTC)
    stubber.add_response("list_trials", {"TrialSummaries": []}, {"TrialComponentName": "churn-xgb-1"})
    stubber.add_response(
        "describe_trial", {"TrialName": "churn-xgb-1", "ExperimentName": "churn"}, {"TrialName": "churn-xgb-1"}
    )
    stubber.add_response("list_trials", {"TrialSummaries": [{"TrialName": "churn-xgb-1"}]}, {"ExperimentName": "churn"})
    stubber.add_response(
        "list_trial_components",
        {"TrialComponentSummaries": [{"TrialComponentName": "churn-xgb-1-aws-training-job", "CreationTime": now}]},
        {"TrialName": "churn-xgb-1"},
    )
    stubber.add_response(
        "describe_trial_component",
        {
            "TrialComponentName": "churn-xgb-1-aws-training-job",
            "Source": {"SourceArn": job_arn, "SourceType": "SageMakerTrainingJob"},
        },
        {"TrialComponentName": "churn-xgb-1-aws-training-job"},
    )
    stubber.add_response("describe_training_job", training_job(now), {"TrainingJobName": "churn-xgb-1"})
    with stubber:
        found = lineage.run_lineage(clients, "churn-xgb-1")
    assert found.environment == {
        "churn-xgb-1.image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1.7",
        "churn-xgb-1.instance_type": "ml.m5.xlarge",
    }
    assert found.parameters == {"max_depth": "6"}
    assert found.data == {"churn-xgb-1.train": {"uri": "s3://datasets/churn/train/"}}
    assert found.outputs == {"churn-xgb-1.model": "s3://artifacts/churn/model.tar.gz"}
    stubber.assert_no_pending_responses()


def training_job(now: datetime) -> dict[str, Any]:
    return {
        "TrainingJobName": "churn-xgb-1",
        "TrainingJobArn": "arn:aws:sagemaker:us-east-1:111122223333:training-job/churn-xgb-1",
        "ModelArtifacts": {"S3ModelArtifacts": "s3://artifacts/churn/model.tar.gz"},
        "TrainingJobStatus": "Completed",
        "SecondaryStatus": "Completed",
        "HyperParameters": {"max_depth": "6"},
        "AlgorithmSpecification": {
            "TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1.7",
            "TrainingInputMode": "File",
        },
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://datasets/churn/train/"}},
            }
        ],
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "CreationTime": now,
    }


def test_access_denied_is_one_line_and_exit_3() -> None:
    clients, stubber = stubbed_clients()
    stubber.add_client_error(
        "describe_experiment", "AccessDeniedException", "not authorized to perform: sagemaker:DescribeExperiment"
    )
    with stubber:
        result = run_cli(
            "http://127.0.0.1:9", "lineage", "run", "r1", "--experiment", "churn", clients_factory=factory_for(clients)
        )
    assert result.code == 3
    assert result.err == (
        "error: access denied: DescribeExperiment: not authorized to perform: sagemaker:DescribeExperiment\n"
    )
