"""`track` and `track_run`: SDK-shaped runs, parameters, metrics, lineage and team tags, on the emulator."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from experiment_tools import track_run
from experiment_tools.errors import AwsError, UsageError
from experiment_tools.runs import RUN_TAG
from experiment_tools.tracking import RunTracker
from tests.support.aws import client
from tests.support.tooling import moto_clients, run_cli, stubbed_clients, unique

pytestmark = pytest.mark.usefixtures("fake_aws_env")
DIGEST = "sha256:" + "ab" * 32
FIXED_TIME = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def dataset(moto_endpoint: str) -> tuple[str, str]:
    """A versioned bucket with one object; returns (object URI, its version id)."""
    s3 = client("s3", moto_endpoint)
    bucket = unique("datasets")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="churn/train.csv", Body=b"x,y\n1,0\n")
    version = s3.put_object(Bucket=bucket, Key="churn/train.csv", Body=b"x,y\n1,0\n2,1\n")["VersionId"]
    s3.put_object(Bucket=bucket, Key="churn/test.csv", Body=b"x,y\n3,1\n")
    return f"s3://{bucket}/churn/train.csv", version


@pytest.fixture
def repository(tmp_path: Path) -> tuple[Path, str]:
    """A git work tree with one commit; returns (path, commit)."""
    path = tmp_path / "training-code"
    path.mkdir()
    (path / "train.py").write_text("print('train')\n")
    git = ["git", "-C", str(path), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "first"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    return path, commit


def component(endpoint: str, name: str) -> dict[str, Any]:
    described: dict[str, Any] = client("sagemaker", endpoint).describe_trial_component(TrialComponentName=name)
    return described


def runs_of(endpoint: str, component_name: str) -> set[str]:
    answer = client("sagemaker", endpoint).list_trials(TrialComponentName=component_name)
    return {trial["TrialName"] for trial in answer["TrialSummaries"]}


def tags(endpoint: str, arn: str) -> list[dict[str, str]]:
    listed: list[dict[str, str]] = client("sagemaker", endpoint).list_tags(ResourceArn=arn)["Tags"]
    return listed


def test_track_records_parameters_metrics_and_the_lineage_of_a_run(
    moto_endpoint: str, dataset: tuple[str, str], repository: tuple[Path, str], tmp_path: Path
) -> None:
    uri, version = dataset
    code, commit = repository
    settings = tmp_path / "params.yaml"
    settings.write_text("learning_rate: 0.1\n")
    experiment, run = unique("churn"), unique("churn-lr")
    image = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/train@{DIGEST}"
    result = run_cli(
        moto_endpoint,
        "track",
        *("--experiment", experiment, "--run", run),
        *("--param", "learning_rate=0.1", "--param", "model=xgboost"),
        *("--metric", "validation:auc=0.71@1", "--metric", "validation:auc=0.83@2"),
        *("--dataset", f"train={uri}", "--code", str(code), "--config-file", str(settings), "--image", image),
        *("--output-artifact", "model=s3://artifacts/churn/model.tar.gz"),
        "-o",
        "json",
    )
    assert result.code == 0, result.err
    own = f"{experiment}-{run}"  # the SDK's component name for the run
    assert json.loads(result.out)["component"] == own
    recorded = component(moto_endpoint, own)
    parameters = recorded["Parameters"]
    assert parameters["learning_rate"] == {"NumberValue": 0.1}
    assert parameters["model"] == {"StringValue": "xgboost"}
    assert parameters["lineage.dataset.train.version_id"] == {"StringValue": version}
    assert parameters["lineage.git_commit"] == {"StringValue": commit}
    assert parameters["lineage.git_dirty"] == {"NumberValue": 0.0}  # a boolean, as the SDK records one
    assert parameters["lineage.image_digest"] == {"StringValue": DIGEST}
    assert len(parameters["lineage.config.params.yaml.sha256"]["StringValue"]) == 64
    assert recorded["InputArtifacts"]["train"]["Value"] == uri
    assert recorded["InputArtifacts"]["image"]["Value"] == image
    assert recorded["OutputArtifacts"]["model"]["Value"] == "s3://artifacts/churn/model.tar.gz"
    (auc,) = recorded["Metrics"]
    assert (auc["MetricName"], auc["Count"], auc["Last"], auc["Max"]) == ("validation:auc", 2, 0.83, 0.83)
    assert recorded["Status"]["PrimaryStatus"] == "Completed"
    assert runs_of(moto_endpoint, own) == {f"Default-Run-Group-{experiment}"}
    assert RUN_TAG in tags(moto_endpoint, recorded["TrialComponentArn"])


def test_a_dirty_work_tree_is_recorded(moto_endpoint: str, repository: tuple[Path, str]) -> None:
    code, _ = repository
    (code / "train.py").write_text("print('changed')\n")
    experiment, run = unique("e"), unique("dirty")
    assert run_cli(moto_endpoint, "track", "--experiment", experiment, "--run", run, "--code", str(code)).code == 0
    assert component(moto_endpoint, f"{experiment}-{run}")["Parameters"]["lineage.git_dirty"] == {"NumberValue": 1.0}


def test_a_prefix_is_pinned_by_a_manifest_that_changes_with_the_data(
    moto_endpoint: str, dataset: tuple[str, str]
) -> None:
    uri, _ = dataset
    prefix = uri.rsplit("/", 1)[0] + "/"
    clients = moto_clients(moto_endpoint)
    first = RunTracker(clients, experiment=unique("e"), run=unique("r")).start().log_dataset("all", prefix)
    bucket = prefix.split("/")[2]
    client("s3", moto_endpoint).put_object(Bucket=bucket, Key="churn/test.csv", Body=b"x,y\n9,9\n")
    second = RunTracker(clients, experiment=unique("e"), run=unique("r")).start().log_dataset("all", prefix)
    assert (first.objects, second.objects) == (2, 2)
    assert first.manifest_sha256 is not None
    assert second.manifest_sha256 not in (None, first.manifest_sha256)


def test_tracking_again_keeps_what_was_recorded_and_adds_to_it(moto_endpoint: str) -> None:
    experiment, run = unique("e"), unique("r")
    assert run_cli(moto_endpoint, "track", "--experiment", experiment, "--run", run, "--param", "a=1").code == 0
    assert run_cli(moto_endpoint, "track", "--experiment", experiment, "--run", run, "--param", "b=two").code == 0
    own = f"{experiment}-{run}"
    assert component(moto_endpoint, own)["Parameters"] == {"a": {"NumberValue": 1.0}, "b": {"StringValue": "two"}}
    trials = client("sagemaker", moto_endpoint).list_trials(ExperimentName=experiment)["TrialSummaries"]
    assert [trial["TrialName"] for trial in trials] == [f"Default-Run-Group-{experiment}"]
    assert runs_of(moto_endpoint, own) == {f"Default-Run-Group-{experiment}"}


def test_a_run_can_use_another_run_which_is_left_unchanged(moto_endpoint: str, dataset: tuple[str, str]) -> None:
    uri, _ = dataset
    experiment = unique("e")
    made = run_cli(moto_endpoint, "track", "--experiment", experiment, "--run", "prep", "--dataset", f"train={uri}")
    assert made.code == 0, made.err
    prep = component(moto_endpoint, f"{experiment}-prep")
    used = run_cli(
        moto_endpoint, "track", "--experiment", experiment, "--run", "fit", "--share", "prep", "--param", "depth=6"
    )
    assert used.code == 0, used.err
    fit = component(moto_endpoint, f"{experiment}-fit")
    assert fit["Parameters"] == {"depth": {"NumberValue": 6.0}}
    assert fit["InputArtifacts"] == {"prep": {"Value": prep["TrialComponentArn"]}}
    assert component(moto_endpoint, f"{experiment}-prep")["Parameters"] == prep["Parameters"]


def test_sharing_a_run_that_does_not_exist_is_refused(moto_endpoint: str) -> None:
    experiment = unique("e")
    result = run_cli(moto_endpoint, "track", "--experiment", experiment, "--run", unique("r"), "--share", "nothing")
    assert result.code == 2
    assert result.err == f"error: share: experiment {experiment!r} has no run 'nothing'; track it first\n"


def test_context_manager_completes_or_fails_the_run(moto_endpoint: str) -> None:
    clients = moto_clients(moto_endpoint)
    experiment, good, bad = unique("e"), unique("good"), unique("bad")
    with track_run(experiment=experiment, run=good, clients=clients) as run:
        run.log_parameters({"epochs": 3, "optimizer": "adam", "early_stopping": True})
        for step in range(25):  # more than one BatchPutMetrics call
            run.log_metric("train:loss", 1.0 / (step + 1), step=step)
    with pytest.raises(RuntimeError, match="diverged"), track_run(experiment=experiment, run=bad, clients=clients):
        raise RuntimeError("loss diverged")
    finished = component(moto_endpoint, f"{experiment}-{good}")
    assert finished["Status"]["PrimaryStatus"] == "Completed"
    assert finished["Parameters"]["early_stopping"] == {"NumberValue": 1.0}
    (loss,) = finished["Metrics"]
    assert (loss["Count"], loss["Last"]) == (25, pytest.approx(1 / 25))
    failed = component(moto_endpoint, f"{experiment}-{bad}")["Status"]
    assert failed == {"PrimaryStatus": "Failed", "Message": "RuntimeError: loss diverged"}


def test_a_run_of_another_experiment_is_not_taken_over(moto_endpoint: str) -> None:
    """Experiment a + run b-c and experiment a-b + run c are both the SDK component a-b-c."""
    first = unique("first")
    assert run_cli(moto_endpoint, "track", "--experiment", first, "--run", "b-c").code == 0
    result = run_cli(moto_endpoint, "track", "--experiment", f"{first}-b", "--run", "c")
    assert result.code == 2
    assert result.err == (
        f"error: run: component '{first}-b-c' already holds a run of another experiment "
        f"(in 'Default-Run-Group-{first}'): choose another run name\n"
    )


def test_names_are_lower_cased_as_the_sdk_does(moto_endpoint: str) -> None:
    experiment = unique("Churn")
    result = run_cli(moto_endpoint, "track", "--experiment", experiment, "--run", "LR-1", "-o", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["component"] == f"{experiment.lower()}-lr-1"
    assert "note: 'LR-1' is recorded as 'lr-1'" in result.err
    assert component(moto_endpoint, f"{experiment.lower()}-lr-1")["Status"]["PrimaryStatus"] == "Completed"


def test_with_a_team_everything_created_is_tagged(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Team roles may create experiment entities only with the request tag Team=<team>."""
    sagemaker = client("sagemaker", moto_endpoint)
    experiment, run = unique("e"), unique("r")
    assert run_cli(moto_endpoint, "track", "--experiment", experiment, "--run", run, "--team", "vision").code == 0
    team = {"Key": "Team", "Value": "vision"}
    assert tags(moto_endpoint, sagemaker.describe_experiment(ExperimentName=experiment)["ExperimentArn"]) == [team]
    assert tags(moto_endpoint, sagemaker.describe_trial(TrialName=f"Default-Run-Group-{experiment}")["TrialArn"]) == [
        team
    ]
    arn = component(moto_endpoint, f"{experiment}-{run}")["TrialComponentArn"]
    assert tags(moto_endpoint, arn) == [RUN_TAG, team]
    monkeypatch.setenv("PLATFORM_TEAM", "forecasting")
    with track_run(experiment=unique("e"), run="from-env", clients=moto_clients(moto_endpoint)) as tracked:
        pass
    assert {"Key": "Team", "Value": "forecasting"} in tags(moto_endpoint, tracked.component_arn)


def test_without_a_team_nothing_is_tagged_but_the_sdk_run_marker(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PLATFORM_TEAM", raising=False)
    experiment = unique("e")
    assert run_cli(moto_endpoint, "track", "--experiment", experiment, "--run", "r").code == 0
    sagemaker = client("sagemaker", moto_endpoint)
    assert tags(moto_endpoint, sagemaker.describe_experiment(ExperimentName=experiment)["ExperimentArn"]) == []
    assert tags(moto_endpoint, component(moto_endpoint, f"{experiment}-r")["TrialComponentArn"]) == [RUN_TAG]


def test_an_unversioned_dataset_is_refused_before_anything_is_written(moto_endpoint: str) -> None:
    s3 = client("s3", moto_endpoint)
    bucket = unique("plain")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="data.csv", Body=b"1")
    experiment = unique("e")
    result = run_cli(
        moto_endpoint,
        "track",
        "--experiment",
        experiment,
        "--run",
        unique("r"),
        "--dataset",
        f"d=s3://{bucket}/data.csv",
    )
    assert result.code == 2
    expected = f"error: --dataset d: 's3://{bucket}/data.csv' has no version id; the bucket must be versioned"
    assert result.err == f"{expected} to pin a dataset\n"
    with pytest.raises(ClientError, match="does not exist"):
        client("sagemaker", moto_endpoint).describe_experiment(ExperimentName=experiment)


def test_an_ecr_tag_is_resolved_to_its_digest(moto_endpoint: str) -> None:
    ecr = client("ecr", moto_endpoint)
    repository = unique("train")
    registry = ecr.create_repository(repositoryName=repository)["repository"]["registryId"]
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"digest": DIGEST},
            "layers": [],
        }
    )
    pushed = ecr.put_image(repositoryName=repository, imageManifest=manifest, imageTag="1.4")["image"]["imageId"]
    experiment, run = unique("e"), unique("r")
    image = f"{registry}.dkr.ecr.us-east-1.amazonaws.com/{repository}:1.4"
    result = run_cli(moto_endpoint, "track", "--experiment", experiment, "--run", run, "--image", image)
    assert result.code == 0, result.err
    recorded = component(moto_endpoint, f"{experiment}-{run}")
    assert recorded["Parameters"]["lineage.image_digest"] == {"StringValue": pushed["imageDigest"]}
    assert recorded["InputArtifacts"]["image"]["Value"] == image.replace(":1.4", f"@{pushed['imageDigest']}")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--param", "learning_rate"], "error: --param: 'learning_rate' is not NAME=VALUE"),
        (["--metric", "auc=high"], "error: --metric: 'auc=high' is not NAME=NUMBER or NAME=NUMBER@STEP"),
        (["--metric", "auc=nan"], "error: metric auc: value nan is not a finite number"),
        (["--dataset", "d=/tmp/data.csv"], "error: --dataset d: '/tmp/data.csv' is not an s3://bucket/key URI"),
        (["--image", "python:3.11"], "error: --image: 'python:3.11' is not pinned"),
        (["--code", "/nonexistent/dir"], "error: --code: '/nonexistent/dir' is not a directory"),
        (["--config-file", "/nonexistent.yaml"], "error: --config-file: '/nonexistent.yaml' is not a readable file"),
        (["--status", "Done"], "error: experiment-tools track: argument --status: invalid choice: 'Done'"),
        (["--team", "vision!"], "error: --team: 'vision!' is not a valid tag value"),
        (["--share", "a_b"], "error: share: 'a_b' is not a valid name"),
    ],
)
def test_bad_arguments_name_the_flag_and_value(moto_endpoint: str, arguments: list[str], message: str) -> None:
    result = run_cli(moto_endpoint, "track", "--experiment", unique("e"), "--run", unique("r"), *arguments)
    assert result.code == 2
    assert result.err.startswith(message)
    assert result.err.count("\n") == 1
    assert result.out == ""


def test_bad_names_are_refused_with_the_field_one_line_each(moto_endpoint: str) -> None:
    result = run_cli(moto_endpoint, "track", "--experiment", "my_experiment", "--run", "r" * 60)
    assert result.code == 2
    first, second = result.err.splitlines()
    assert first.startswith("error: experiment: 'my_experiment' is not a valid name")
    assert second.startswith(f"error: run: '{'r' * 60}' is 60 characters; the SDK allows 59")


def test_metrics_without_a_step_omit_it_and_refused_metrics_are_an_error() -> None:
    clients, _ = stubbed_clients()
    metrics = Stubber(clients.metrics)
    tracker = RunTracker(clients, experiment="e", run="r")
    metrics.add_response(
        "batch_put_metrics",
        {"Errors": [{"Code": "METRIC_LIMIT_EXCEEDED", "MetricIndex": 0}]},
        {"TrialComponentName": "e-r", "MetricData": [{"MetricName": "auc", "Timestamp": FIXED_TIME, "Value": 0.5}]},
    )
    tracker.log_metric("auc", 0.5, timestamp=FIXED_TIME)  # no step given: none is sent
    refused = "BatchPutMetrics refused 1 of 1 metrics on 'e-r', first 'auc': METRIC_LIMIT_EXCEEDED"
    with metrics, pytest.raises(AwsError, match=refused):
        tracker.flush()
    metrics.assert_no_pending_responses()


def test_negative_steps_are_refused() -> None:
    clients, _ = stubbed_clients()
    with pytest.raises(UsageError, match="step -1 is negative"):
        RunTracker(clients, experiment="e", run="r").log_metric("auc", 0.5, step=-1)
