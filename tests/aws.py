"""Real boto3 clients against a local moto server, and stubbed ones for what moto lacks."""

from __future__ import annotations

import importlib.util
import socket
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
from botocore.config import Config

FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
NO_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def answer_missing_experiments_as_aws_does() -> None:
    """moto 5.2.5 answers DescribeExperiment for a missing experiment with HTTP 500 (a KeyError in
    its backend); SageMaker answers ResourceNotFound. The server runs in this process, so the
    backend method is wrapped to answer as AWS does."""
    from moto.sagemaker.exceptions import ResourceNotFound
    from moto.sagemaker.models import SageMakerModelBackend

    original: Any = SageMakerModelBackend.describe_experiment
    if getattr(original, "answers_as_aws", False):
        return

    def describe_experiment(self: Any, experiment_name: str) -> Any:
        if experiment_name not in self.experiments:
            arn = f"arn:aws:sagemaker:{self.region_name}:{self.account_id}:experiment/{experiment_name}"
            raise ResourceNotFound(message=f"Experiment '{arn}' does not exist.")
        return original(self, experiment_name)

    describe_experiment.answers_as_aws = True  # type: ignore[attr-defined]
    SageMakerModelBackend.describe_experiment = describe_experiment  # type: ignore[method-assign]


def moto_server() -> Iterator[str]:
    """A moto server on 127.0.0.1 and a free port; yields its endpoint."""
    from moto.server import ThreadedMotoServer

    answer_missing_experiments_as_aws_does()
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def client(service: str, endpoint: str | None = None, region: str = "us-east-1") -> Any:
    """endpoint None: a client for botocore's Stubber, which never reaches the network."""
    make: Any = boto3.client  # boto3-stubs types clients per service literal; tests pass the name through
    return make(
        service,
        region_name=region,
        endpoint_url=endpoint or "http://127.0.0.1:9",
        config=NO_RETRIES,
        **FAKE_CREDENTIALS,
    )


def load_handler(relative: str) -> ModuleType:
    """Import a Lambda handler from handlers/ the way Lambda does: as a top-level module."""
    path = Path(__file__).resolve().parents[1] / "handlers" / relative
    spec = importlib.util.spec_from_file_location(f"handler_{path.parent.name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
