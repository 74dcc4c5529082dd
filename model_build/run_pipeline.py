#!/usr/bin/env python3
"""Publish training code, upsert and start a SageMaker Pipeline, wait for it, fail if it fails.

Run by the model-build CodeBuild step on every change of a team's training code:

    python run_pipeline.py --pipeline-name NAME --code-dir code \\
        --code-uri-prefix s3://BUCKET/TEAM/pipelines/reference/code \\
        --commit $CODEBUILD_RESOLVED_SOURCE_VERSION --repository REPO [--definition pipeline.json]

The code goes to `<prefix>/<commit>/`: immutable per commit, so an execution always points at the
exact scripts it ran. With `--definition`, the pipeline is created or updated from that file
first (teams that evolve their own pipeline); without it, the deployed definition runs.
Exit codes: 0 succeeded, 1 the execution failed or was stopped, 2 bad arguments or AWS errors,
3 timed out (the execution is stopped).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import sys
import tarfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TERMINAL = {"Succeeded", "Failed", "Stopped"}
# What a tuning step's `code` channel reads (platform_constructs/pipeline_tuning.py; a test checks).
SOURCE_ARCHIVE = "sourcedir.tar.gz"
POLL_SECONDS = 30


class BuildError(Exception):
    """A problem to report in one line, with the exit code to end with."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def _split_s3(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise BuildError(f"--code-uri-prefix must look like s3://bucket/prefix, got {uri!r}")
    bucket, _, prefix = uri[5:].partition("/")
    return bucket, prefix.strip("/")


def publish_code(s3: Any, code_dir: Path, code_uri_prefix: str, commit: str) -> str:
    """Upload every file of `code_dir` under `<prefix>/<commit>/`; return that URI."""
    bucket, prefix = _split_s3(code_uri_prefix)
    if not code_dir.is_dir():
        raise BuildError(f"--code-dir {code_dir} is not a directory")
    files = sorted(p for p in code_dir.rglob("*") if p.is_file())
    if not files:
        raise BuildError(f"--code-dir {code_dir} holds no files")
    target = f"{prefix}/{commit}" if prefix else commit
    for path in files:
        s3.upload_file(str(path), bucket, f"{target}/{path.relative_to(code_dir).as_posix()}")
    # The same files as one archive: a tuning job's training toolkit unpacks it (script mode).
    s3.put_object(Bucket=bucket, Key=f"{target}/{SOURCE_ARCHIVE}", Body=source_archive(code_dir, files))
    return f"s3://{bucket}/{target}"


def source_archive(code_dir: Path, files: list[Path]) -> bytes:
    """A gzipped tar of `files`, byte-identical for the same contents (no times, owners or modes)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as packed, tarfile.open(fileobj=packed, mode="w") as tar:
        for path in files:
            data = path.read_bytes()
            info = tarfile.TarInfo(path.relative_to(code_dir).as_posix())
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _pipeline_exists(sagemaker: Any, name: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        sagemaker.describe_pipeline(PipelineName=name)
    except ClientError as error:
        # The API documents ResourceNotFound; SageMaker also answers ValidationException "... not find ...".
        code, message = error.response["Error"]["Code"], error.response["Error"].get("Message", "")
        if code == "ResourceNotFound" or (code == "ValidationException" and "not find" in message.lower()):
            return False
        raise
    return True


def upsert_pipeline(sagemaker: Any, name: str, definition: str, role_arn: str) -> str:
    """Create the pipeline, or update it when it exists; returns 'created' or 'updated'."""
    try:
        json.loads(definition)
    except json.JSONDecodeError as error:
        raise BuildError(f"--definition is not valid JSON: {error}") from None
    if not _pipeline_exists(sagemaker, name):
        sagemaker.create_pipeline(PipelineName=name, PipelineDefinition=definition, RoleArn=role_arn)
        return "created"
    sagemaker.update_pipeline(PipelineName=name, PipelineDefinition=definition, RoleArn=role_arn)
    return "updated"


def start(sagemaker: Any, name: str, parameters: dict[str, str]) -> str:
    response = sagemaker.start_pipeline_execution(
        PipelineName=name,
        PipelineExecutionDisplayName=f"build-{parameters.get('GitCommit', 'manual')[:12]}",
        PipelineParameters=[{"Name": k, "Value": v} for k, v in parameters.items()],
    )
    arn: str = response["PipelineExecutionArn"]
    return arn


def stop_token(execution_arn: str) -> str:
    """Idempotency token of the stop request (32 to 128 characters): one per execution."""
    return hashlib.sha256(execution_arn.encode("utf-8")).hexdigest()[:32]


def wait(
    sagemaker: Any,
    execution_arn: str,
    timeout_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> str:
    """Poll until the execution ends; stop it and raise on timeout. Returns the final status."""
    deadline = clock() + timeout_seconds
    while True:
        status: str = sagemaker.describe_pipeline_execution(PipelineExecutionArn=execution_arn)[
            "PipelineExecutionStatus"
        ]
        print(f"execution {execution_arn}: {status}", flush=True)
        if status in TERMINAL:
            return status
        if clock() >= deadline:
            sagemaker.stop_pipeline_execution(
                PipelineExecutionArn=execution_arn, ClientRequestToken=stop_token(execution_arn)
            )
            raise BuildError(f"execution {execution_arn} still {status} after {timeout_seconds:.0f} s; stopped it", 3)
        sleep(POLL_SECONDS)


def failure_reason(sagemaker: Any, execution_arn: str) -> str:
    steps = sagemaker.list_pipeline_execution_steps(PipelineExecutionArn=execution_arn)["PipelineExecutionSteps"]
    failed = [
        f"{s['StepName']}: {s.get('FailureReason', s['StepStatus'])}"
        for s in steps
        if s.get("StepStatus") in {"Failed", "Stopped"}
    ]
    return "; ".join(failed) or "no step reported a reason"


def run(
    args: argparse.Namespace,
    sagemaker: Any,
    s3: Any,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    code_uri = publish_code(s3, Path(args.code_dir), args.code_uri_prefix, args.commit)
    print(f"code published to {code_uri}", flush=True)
    if args.definition:
        if not args.role_arn:
            raise BuildError("--definition needs --role-arn (the role the pipeline runs as)")
        action = upsert_pipeline(sagemaker, args.pipeline_name, Path(args.definition).read_text(), args.role_arn)
        print(f"pipeline {args.pipeline_name} {action}", flush=True)
    parameters = {"CodeUri": code_uri, "GitCommit": args.commit, "SourceRepository": args.repository}
    execution = start(sagemaker, args.pipeline_name, parameters)
    status = wait(sagemaker, execution, args.timeout_minutes * 60, sleep, clock)
    if status != "Succeeded":
        print(f"error: execution {execution} {status}: {failure_reason(sagemaker, execution)}", file=sys.stderr)
        return 1
    print(f"execution {execution} succeeded", flush=True)
    return 0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pipeline-name", required=True)
    parser.add_argument("--code-dir", required=True)
    parser.add_argument("--code-uri-prefix", required=True)
    parser.add_argument("--commit", required=True)
    parser.add_argument("--repository", default="unknown")
    parser.add_argument("--definition", help="a pipeline definition JSON to create or update first")
    parser.add_argument("--role-arn", help="the pipeline's role, with --definition")
    parser.add_argument("--timeout-minutes", type=float, default=120)
    parser.add_argument("--region")
    args = parser.parse_args(argv)
    if not args.commit.strip():
        parser.error("--commit must not be empty")
    if args.timeout_minutes <= 0:
        parser.error(f"--timeout-minutes must be positive, got {args.timeout_minutes}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    config = Config(retries={"max_attempts": 10, "mode": "adaptive"})  # throttling is retried with backoff
    session = boto3.session.Session(region_name=args.region)
    try:
        return run(args, session.client("sagemaker", config=config), session.client("s3", config=config))
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.code
    except (ClientError, BotoCoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
