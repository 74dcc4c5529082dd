"""The boto3 clients the tooling uses, built once with throttling retries and backoff.

Every function in this package takes these clients as arguments, so tests hand it clients
pointed at a local moto server or wrapped in botocore's Stubber.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
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


@dataclass(frozen=True)
class AwsClients:
    """The clients for one account and region. Unused ones are never called."""

    sagemaker: Any
    metrics: Any
    s3: Any
    ecr: Any
    cloudformation: Any
    ec2: Any
    max_attempts: int = DEFAULT_MAX_ATTEMPTS

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

        return cls(
            sagemaker=build("sagemaker"),
            metrics=build("sagemaker-metrics"),
            s3=build("s3"),
            ecr=build("ecr"),
            cloudformation=build("cloudformation"),
            ec2=build("ec2"),
            max_attempts=max_attempts,
        )
