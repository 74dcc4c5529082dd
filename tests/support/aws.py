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


def moto_server() -> Iterator[str]:
    """moto's server with the emulator's shims (experiment_tools/emulator.py: it answers like AWS
    where released moto does not) on 127.0.0.1 and a free port; yields its endpoint."""
    from experiment_tools.emulator import serving

    with serving() as endpoint:
        yield endpoint


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
    path = Path(__file__).resolve().parents[2] / "handlers" / relative
    spec = importlib.util.spec_from_file_location(f"handler_{path.parent.name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
