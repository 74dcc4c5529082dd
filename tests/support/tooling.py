"""Helpers for the experiment tooling tests: the CLI run in-process against a moto server."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.stub import Stubber

from experiment_tools.cli import main
from experiment_tools.clients import AwsClients, new_session
from tests.support.aws import FAKE_CREDENTIALS, client


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


class Terminal(io.StringIO):
    """Standard input that says it is a terminal, holding what the person types."""

    def isatty(self) -> bool:
        return True


def unique(prefix: str) -> str:
    """Names are per account and region, and the moto server lives for the session."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def run_cli(
    endpoint: str, *args: str, stdin: io.StringIO | None = None, region: str = "us-east-1", **factory: Any
) -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [*args, "--endpoint-url", endpoint, "--region", region],
        stdin=stdin or io.StringIO(),
        stdout=out,
        stderr=err,
        **factory,
    )
    return Result(code, out.getvalue(), err.getvalue())


def moto_clients(endpoint: str, region: str = "us-east-1", max_attempts: int = 2) -> AwsClients:
    return AwsClients.create(
        region=region,
        endpoint_url=endpoint,
        max_attempts=max_attempts,
        session=new_session(region=region, **FAKE_CREDENTIALS),
    )


def stubbed_clients() -> tuple[AwsClients, Stubber]:
    """Clients whose SageMaker calls a Stubber answers (for what moto does not emulate)."""
    sagemaker = client("sagemaker")
    stubber = Stubber(sagemaker)
    clients = AwsClients(lambda service: client(service), max_attempts=1, sagemaker=sagemaker)
    return clients, stubber


def factory_for(clients: AwsClients) -> Callable[..., AwsClients]:
    return lambda **_: clients
