"""The boto3 clients the tooling uses, built once with throttling retries and backoff.

Every function in this package takes these clients as arguments, so tests hand it clients
pointed at a local moto server or wrapped in botocore's Stubber.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config

USER_AGENT = "experiment-tools/0.1"
# Standard retry mode retries throttling and transient errors with exponential backoff and
# jitter (base 1 s, capped at 20 s), and stops early when the client's retry quota runs out.
DEFAULT_MAX_ATTEMPTS = 8


# Service models are the same for every session of a process; loading them again for each
# session costs about half a second (tests and long-lived training code make many sessions).
_LOADER = botocore.loaders.create_loader()


def new_session(*, profile: str | None = None, region: str | None = None, **credentials: str) -> boto3.Session:
    """A boto3 session that shares this process's loaded service models."""
    core = botocore.session.Session(profile=profile)
    core.register_component("data_loader", _LOADER)
    session = boto3.Session(region_name=region, botocore_session=core, **credentials)
    # Each boto3 session appends its data folder to the loader's search path: keep it once.
    _LOADER.search_paths[:] = list(dict.fromkeys(_LOADER.search_paths))
    return session


def retry_config(max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> Config:
    # total_max_attempts counts the first call; botocore's max_attempts would count retries only.
    return Config(retries={"mode": "standard", "total_max_attempts": max_attempts}, user_agent_extra=USER_AGENT)


# The attribute each client has on AwsClients, and its botocore service name.
SERVICES = {
    "sagemaker": "sagemaker",
    "metrics": "sagemaker-metrics",
    "s3": "s3",
    "ecr": "ecr",
    "cloudformation": "cloudformation",
    "ec2": "ec2",
}


class AwsClients:
    """The clients for one account and region, each built on first use: building one costs tens
    of milliseconds, and most commands need two of the six."""

    def __init__(self, build: Callable[[str], Any], *, max_attempts: int = DEFAULT_MAX_ATTEMPTS, **ready: Any) -> None:
        """`build(service)` makes a client when first needed; `ready` gives some already made
        (tests hand in a client wrapped in botocore's Stubber)."""
        unknown = sorted(set(ready) - set(SERVICES))
        if unknown:
            raise TypeError(f"AwsClients: no client named {', '.join(unknown)}")
        self._build = build
        self._clients: dict[str, Any] = dict(ready)
        self.max_attempts = max_attempts

    def _client(self, name: str) -> Any:
        if name not in self._clients:
            self._clients[name] = self._build(SERVICES[name])
        return self._clients[name]

    @property
    def sagemaker(self) -> Any:
        return self._client("sagemaker")

    @property
    def metrics(self) -> Any:
        return self._client("metrics")

    @property
    def s3(self) -> Any:
        return self._client("s3")

    @property
    def ecr(self) -> Any:
        return self._client("ecr")

    @property
    def cloudformation(self) -> Any:
        return self._client("cloudformation")

    @property
    def ec2(self) -> Any:
        return self._client("ec2")

    @property
    def region(self) -> str:
        return str(self.sagemaker.meta.region_name)

    @classmethod
    def create(
        cls,
        *,
        region: str | None = None,
        profile: str | None = None,
        endpoint_url: str | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        session: boto3.Session | None = None,
    ) -> AwsClients:
        """Clients from a profile or the default credential chain; endpoint_url for VPC endpoints or tests."""
        session = session or new_session(profile=profile, region=region)
        # botocore reads AWS_DEFAULT_REGION; Studio and CodeBuild also set AWS_REGION.
        region = region or session.region_name or os.environ.get("AWS_REGION")
        config = retry_config(max_attempts)
        make: Any = session.client  # boto3-stubs types clients per service literal; the names pass through

        def build(service: str) -> Any:
            return make(service, region_name=region, endpoint_url=endpoint_url, config=config)

        return cls(build, max_attempts=max_attempts)
