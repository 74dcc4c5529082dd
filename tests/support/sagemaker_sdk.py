"""The SageMaker Python SDK offline: what it writes into a pipeline definition, with no AWS call.

Tests compare the platform's request bodies with the SDK's for the same settings, so a key the
service reads is never misspelt. Telemetry is off and the SDK's v2 warning silenced.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.aws import FAKE_CREDENTIALS

REGION = "us-east-1"


@contextmanager
def offline_sdk(folder: Path) -> Iterator[None]:
    """SDK settings for the duration: a config file in `folder` that opts out of telemetry."""
    config = folder / "config.yaml"
    config.write_text("SchemaVersion: '1.0'\nSageMaker:\n  PythonSDK:\n    Modules:\n      TelemetryOptOut: true\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
        patch.setenv("SAGEMAKER_USER_CONFIG_OVERRIDE", str(config))
        yield


def pipeline_session(bucket: str) -> Any:
    """A PipelineSession with fake credentials: its job calls are recorded as steps, never sent."""
    import boto3
    from sagemaker.workflow.pipeline_context import PipelineSession

    boto = boto3.Session(
        region_name=REGION,
        aws_access_key_id=FAKE_CREDENTIALS["aws_access_key_id"],
        aws_secret_access_key=FAKE_CREDENTIALS["aws_secret_access_key"],
    )
    return PipelineSession(boto_session=boto, default_bucket=bucket)


def definition_steps(session: Any, steps: list[Any], parameters: list[Any] | None = None) -> dict[str, dict[str, Any]]:
    """The SDK's steps as it writes them into a definition, by name."""
    from sagemaker.workflow.pipeline import Pipeline

    pipeline = Pipeline(name="p", parameters=parameters or [], steps=steps, sagemaker_session=session)
    return {step["Name"]: step for step in json.loads(pipeline.definition())["Steps"]}
