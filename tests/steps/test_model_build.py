"""Model-build CodePipelines: the template, and the build script against a moto server."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from model_build import run_pipeline
from platform_constructs.model_build_pipeline import BOTO3_VERSION
from platform_constructs.pipeline_tuning import SOURCE_ARCHIVE
from tests.support.aws import client
from tests.support.synth import ROOT, Synthesized, resources

PIPELINE = "mlexp-dev-vision-reference"
ROLE = "arn:aws:iam::123456789012:role/team"
DEFINITION = json.dumps({"Version": "2020-12-01", "Parameters": [], "Steps": []})


def args(tmp_path: Path, **overrides: Any) -> Any:
    code = tmp_path / "code"
    code.mkdir(exist_ok=True)
    (code / "train.py").write_text("print('train')\n")
    (code / "lib").mkdir(exist_ok=True)
    (code / "lib" / "util.py").write_text("X = 1\n")
    argv = [
        "--pipeline-name",
        PIPELINE,
        "--code-dir",
        str(code),
        "--code-uri-prefix",
        "s3://artifacts/vision/pipelines/reference/code",
        "--commit",
        "abc123",
        "--repository",
        "repo",
    ]
    for key, value in overrides.items():
        argv += [f"--{key.replace('_', '-')}", str(value)]
    return run_pipeline.parse_args(argv)


@pytest.fixture
def moto_clients(moto_endpoint: str) -> tuple[Any, Any]:
    s3 = client("s3", moto_endpoint)
    if "artifacts" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        s3.create_bucket(Bucket="artifacts")
    return client("sagemaker", moto_endpoint), s3


def test_code_is_published_under_its_commit(tmp_path: Path, moto_clients: tuple[Any, Any]) -> None:
    _, s3 = moto_clients
    args(tmp_path)  # writes the code folder
    uri = run_pipeline.publish_code(s3, tmp_path / "code", "s3://artifacts/vision/pipelines/reference/code", "abc123")
    assert uri == "s3://artifacts/vision/pipelines/reference/code/abc123"
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="artifacts", Prefix="vision/")["Contents"])
    assert keys == [
        "vision/pipelines/reference/code/abc123/lib/util.py",
        "vision/pipelines/reference/code/abc123/sourcedir.tar.gz",
        "vision/pipelines/reference/code/abc123/train.py",
    ]
    archive = s3.get_object(Bucket="artifacts", Key="vision/pipelines/reference/code/abc123/sourcedir.tar.gz")
    with tarfile.open(fileobj=io.BytesIO(archive["Body"].read())) as tar:
        assert tar.getnames() == ["lib/util.py", "train.py"]
        member = tar.extractfile("train.py")
        assert member is not None
        assert member.read() == (tmp_path / "code" / "train.py").read_bytes()


def test_the_source_archive_is_byte_identical_for_the_same_code(tmp_path: Path) -> None:
    """Script mode unpacks it in a tuning job's training jobs: the same commit gives the same bytes."""
    args(tmp_path)
    code = tmp_path / "code"
    files = sorted(p for p in code.rglob("*") if p.is_file())
    first = run_pipeline.source_archive(code, files)
    os.utime(files[0], (1, 1))
    assert run_pipeline.source_archive(code, files) == first
    (code / "train.py").write_text("changed = True\n")
    assert run_pipeline.source_archive(code, files) != first


def test_the_archive_is_where_the_tuning_step_reads_it() -> None:
    assert run_pipeline.SOURCE_ARCHIVE == SOURCE_ARCHIVE


def test_upsert_creates_then_updates(moto_clients: tuple[Any, Any]) -> None:
    sagemaker, _ = moto_clients
    name = "upsert-test-pipeline"
    assert run_pipeline.upsert_pipeline(sagemaker, name, DEFINITION, ROLE) == "created"
    assert run_pipeline.upsert_pipeline(sagemaker, name, DEFINITION, ROLE) == "updated"
    assert sagemaker.describe_pipeline(PipelineName=name)["PipelineName"] == name


def test_a_definition_that_is_not_json_is_refused(moto_clients: tuple[Any, Any]) -> None:
    with pytest.raises(run_pipeline.BuildError, match="--definition is not valid JSON"):
        run_pipeline.upsert_pipeline(moto_clients[0], "x", "{nope", ROLE)


def test_full_run_against_moto(tmp_path: Path, moto_clients: tuple[Any, Any]) -> None:
    """Publish, upsert from pipeline.json, start with the commit as parameters, wait."""
    sagemaker, s3 = moto_clients
    definition = tmp_path / "pipeline.json"
    definition.write_text(DEFINITION)
    parsed = args(tmp_path, definition=definition, role_arn=ROLE, pipeline_name="full-run-pipeline", timeout_minutes=1)
    clock = iter(range(0, 10_000, 30))
    code = run_pipeline.run(parsed, sagemaker, s3, sleep=lambda _: None, clock=lambda: float(next(clock)))
    executions = sagemaker.list_pipeline_executions(PipelineName="full-run-pipeline")["PipelineExecutionSummaries"]
    assert len(executions) == 1
    arn = executions[0]["PipelineExecutionArn"]
    assert code == 0  # moto completes executions at once
    assert sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"] == "Succeeded"
    parameters = {
        p["Name"]: p["Value"]
        for p in sagemaker.list_pipeline_parameters_for_execution(PipelineExecutionArn=arn)["PipelineParameters"]
    }
    assert parameters == {
        "CodeUri": "s3://artifacts/vision/pipelines/reference/code/abc123",
        "GitCommit": "abc123",
        "SourceRepository": "repo",
    }


def test_timeout_stops_the_execution() -> None:
    """moto finishes executions at once, so a long one is stubbed."""
    sagemaker = client("sagemaker")
    arn = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/e1"
    stub = Stubber(sagemaker)
    for _ in range(2):
        stub.add_response(
            "describe_pipeline_execution", {"PipelineExecutionStatus": "Executing"}, {"PipelineExecutionArn": arn}
        )
    stub.add_response(
        "stop_pipeline_execution",
        {"PipelineExecutionArn": arn},
        {"PipelineExecutionArn": arn, "ClientRequestToken": run_pipeline.stop_token(arn)},
    )
    ticks = iter([0.0, 10.0, 100.0])
    with stub, pytest.raises(run_pipeline.BuildError) as caught:
        run_pipeline.wait(sagemaker, arn, 60, sleep=lambda _: None, clock=lambda: next(ticks))
    assert caught.value.code == 3
    assert str(caught.value) == f"execution {arn} still Executing after 60 s; stopped it"
    stub.assert_no_pending_responses()


def test_failed_execution_fails_the_build_with_the_step_reason(tmp_path: Path) -> None:
    """moto runs no steps, so the failure path is stubbed."""
    sagemaker, s3 = client("sagemaker"), client("s3")
    arn = f"arn:aws:sagemaker:us-east-1:123456789012:pipeline/{PIPELINE}/execution/e1"
    sm_stub, s3_stub = Stubber(sagemaker), Stubber(s3)
    s3_stub.add_response("put_object", {}, None)
    s3_stub.add_response("put_object", {}, None)
    s3_stub.add_response("put_object", {}, None)  # sourcedir.tar.gz
    sm_stub.add_response("start_pipeline_execution", {"PipelineExecutionArn": arn})
    sm_stub.add_response("describe_pipeline_execution", {"PipelineExecutionStatus": "Executing"})
    sm_stub.add_response("describe_pipeline_execution", {"PipelineExecutionStatus": "Failed"})
    sm_stub.add_response(
        "list_pipeline_execution_steps",
        {
            "PipelineExecutionSteps": [
                {"StepName": "Train", "StepStatus": "Failed", "FailureReason": "ClientError: out of memory"},
                {"StepName": "Preprocess", "StepStatus": "Succeeded"},
            ]
        },
    )
    with sm_stub, s3_stub:
        code = run_pipeline.run(args(tmp_path), sagemaker, s3, sleep=lambda _: None, clock=lambda: 0.0)
    assert code == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--pipeline-name", "p", "--code-dir", "c", "--code-uri-prefix", "s3://b/p", "--commit", " "],
            "--commit must not be empty",
        ),
        (
            [
                "--pipeline-name",
                "p",
                "--code-dir",
                "c",
                "--code-uri-prefix",
                "s3://b/p",
                "--commit",
                "x",
                "--timeout-minutes",
                "0",
            ],
            "--timeout-minutes must be positive, got 0.0",
        ),
        (["--code-dir", "c"], "the following arguments are required: --pipeline-name"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(argv: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "model_build" / "run_pipeline.py"), *argv],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr.splitlines()[-1]


def test_bad_code_location_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(run_pipeline.BuildError, match=r"--code-uri-prefix must look like s3://bucket/prefix, got 'x'"):
        run_pipeline.publish_code(client("s3"), tmp_path, "x", "c")
    with pytest.raises(run_pipeline.BuildError, match="is not a directory"):
        run_pipeline.publish_code(client("s3"), tmp_path / "missing", "s3://b/p", "c")


def test_build_installs_the_pinned_boto3() -> None:
    pins = (ROOT / "requirements.txt").read_text()
    assert re.search(rf"^boto3=={re.escape(BOTO3_VERSION)}$", pins, re.MULTILINE)


def build_stack(synth: Synthesized, stage: str = "dev-us-east-1") -> dict[str, Any]:
    return synth.template(stage, "ModelBuild")


def test_one_v2_pipeline_per_team_with_source_then_build(sample: Synthesized) -> None:
    pipelines = resources(build_stack(sample), "AWS::CodePipeline::Pipeline")
    assert len(pipelines) == 2
    for pipeline in pipelines.values():
        props = pipeline["Properties"]
        assert props["PipelineType"] == "V2"
        assert [s["Name"] for s in props["Stages"]] == ["Source", "Build"]
        source = props["Stages"][0]["Actions"][0]
        assert source["ActionTypeId"]["Provider"] == "S3"
        assert source["Configuration"]["PollForSourceChanges"] is False
        assert re.fullmatch(r"(vision|forecasting)/model-build/source\.zip", source["Configuration"]["S3ObjectKey"])
        store = props["ArtifactStore"]
        assert re.search(r"PipelineArtifacts(vision|forecasting)[0-9A-F]{8}", json.dumps(store["Location"]))
        assert "PlatformKey" in json.dumps(store["EncryptionKey"])


def test_s3_source_uploads_start_the_pipeline(sample: Synthesized) -> None:
    rules = [
        r
        for r in resources(build_stack(sample), "AWS::Events::Rule").values()
        if r["Properties"]["EventPattern"].get("detail-type") == ["Object Created"]
    ]
    assert sorted(r["Properties"]["EventPattern"]["detail"]["object"]["key"][0] for r in rules) == [
        "forecasting/model-build/source.zip",
        "vision/model-build/source.zip",
    ]
    artifacts = sample.template("dev-us-east-1", "Data")["Resources"]["ArtifactsBucket"]["Properties"]
    assert artifacts["NotificationConfiguration"] == {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}


def test_codebuild_is_unprivileged_encrypted_and_logged(sample: Synthesized) -> None:
    template = build_stack(sample)
    for project in resources(template, "AWS::CodeBuild::Project").values():
        props = project["Properties"]
        assert props["Environment"]["PrivilegedMode"] is False
        assert "PlatformKey" in json.dumps(props["EncryptionKey"])
        group = props["LogsConfig"]["CloudWatchLogs"]["GroupName"]
        assert template["Resources"][group["Ref"]]["Properties"]["RetentionInDays"] == 365
        assert "run_pipeline.py" in props["Source"]["BuildSpec"]
        assert f"boto3=={BOTO3_VERSION}" in props["Source"]["BuildSpec"]


def test_build_role_is_scoped_to_its_pipeline(sample: Synthesized) -> None:
    template = build_stack(sample)
    statements = [
        s
        for p in resources(template, "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    upserts = [s for s in statements if s.get("Sid") == "UpsertStartAndWatchTheTeamPipeline"]
    assert len(upserts) == 2
    for statement in upserts:
        assert re.search(r"pipeline/mlexp-dev-(vision|forecasting)--reference", json.dumps(statement["Resource"]))
    passes = [s for s in statements if s.get("Sid") == "PassTheTeamRoleToSageMaker"]
    assert all(s["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}} for s in passes)
    experiment_artifact_puts = [
        s for s in statements if "s3:PutObject" in s["Action"] and "PipelineArtifacts" not in json.dumps(s["Resource"])
    ]
    assert len(experiment_artifact_puts) == 2
    for statement in experiment_artifact_puts:
        assert re.search(r"/(vision|forecasting)/pipelines/reference/code/\*", json.dumps(statement["Resource"]))


def test_codeconnections_source_when_configured(extra_team: Synthesized) -> None:
    """`extra_team`: vision-x builds from a CodeConnections repository, the others from S3."""
    template = build_stack(extra_team)
    sources = {}
    for pipeline in resources(template, "AWS::CodePipeline::Pipeline").values():
        action = pipeline["Properties"]["Stages"][0]["Actions"][0]
        sources[action["ActionTypeId"]["Provider"]] = action["Configuration"]
    assert set(sources) == {"CodeStarSourceConnection", "S3"}
    assert sources["CodeStarSourceConnection"]["FullRepositoryId"] == "acme/vision-x-models"
    assert sources["CodeStarSourceConnection"]["BranchName"] == "main"
    rules = [
        r
        for r in resources(template, "AWS::Events::Rule").values()
        if r["Properties"]["EventPattern"].get("detail-type") == ["Object Created"]
    ]
    assert len(rules) == 2  # only the S3-sourced teams need the upload rule
