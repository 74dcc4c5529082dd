#!/usr/bin/env python3
"""Smoke-test a deployed endpoint: every variant is served and answers a sample request.

Run by the deploy pipeline's Smoke step (CodeBuild in the VPC) after the staging deploy:

    python3 -I serving/smoke_endpoint.py --endpoint NAME --variants champion,challenger \\
        --payload-file sample.csv --region R

DescribeEndpoint must say InService and list exactly --variants; then each variant is invoked
directly (TargetVariant) with the payload as text/csv: the answer must not be empty and must come
from that variant (InvokedProductionVariant). One line per variant on stdout, one line per
failure on stderr. Every call is bounded (connect and read timeouts, few retries), so the step
fails instead of hanging.

Exit codes: 0 every variant answered; 1 a check failed; 2 bad arguments.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONTENT_TYPE = "text/csv"
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024  # InvokeEndpoint's request limit
CONNECT_TIMEOUT_SECONDS = 10
READ_TIMEOUT_SECONDS = 70  # InvokeEndpoint gives a model 60 s to answer
MAX_ATTEMPTS = 3
VARIANT_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")


class SmokeFailure(Exception):
    """A failed check, in one line."""


@dataclass(frozen=True)
class Outcome:
    """What the checks found: a line per variant that answered, a line per failure."""

    passed: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()


def client_config(read_timeout: float = READ_TIMEOUT_SECONDS) -> Any:
    from botocore.config import Config

    return Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=read_timeout,
        retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
    )


def parse_variants(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(","))
    if len(set(names)) != len(names) or not all(VARIANT_NAME.fullmatch(name) for name in names):
        raise argparse.ArgumentTypeError(f"must be distinct variant names separated by commas, got {text!r}")
    return names


def endpoint_problems(sagemaker: Any, endpoint: str, variants: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(problems, the expected variants the endpoint serves)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        described = sagemaker.describe_endpoint(EndpointName=endpoint)
    except (ClientError, BotoCoreError) as error:
        return [f"endpoint {endpoint}: {error}"], []
    status = described.get("EndpointStatus")
    if status != "InService":
        reason = f" ({described['FailureReason']})" if described.get("FailureReason") else ""
        return [f"endpoint {endpoint}: {status}, not InService{reason}"], []
    served = [variant.get("VariantName") for variant in described.get("ProductionVariants", [])]
    problems = [f"endpoint {endpoint}: variant {name} is not served" for name in variants if name not in served]
    problems += [f"endpoint {endpoint}: serves variant {name}, not expected" for name in served if name not in variants]
    return problems, [name for name in variants if name in served]


def invoke(runtime: Any, endpoint: str, variant: str, payload: bytes) -> str:
    """One line: what the variant answered. Raises SmokeFailure with one line otherwise."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        answer = runtime.invoke_endpoint(
            EndpointName=endpoint, TargetVariant=variant, ContentType=CONTENT_TYPE, Body=payload
        )
        body = answer["Body"].read()
    except (ClientError, BotoCoreError) as error:
        raise SmokeFailure(f"variant {variant}: {error}") from None
    answered_by = answer.get("InvokedProductionVariant")
    if answered_by != variant:
        raise SmokeFailure(f"variant {variant}: answered by variant {answered_by}, not {variant}")
    if not body.strip():
        raise SmokeFailure(f"variant {variant}: empty answer")
    return f"variant {variant}: answered {len(body)} bytes ({answer.get('ContentType', 'no content type')})"


def smoke(sagemaker: Any, runtime: Any, endpoint: str, variants: tuple[str, ...], payload: bytes) -> Outcome:
    problems, served = endpoint_problems(sagemaker, endpoint, variants)
    passed: list[str] = []
    for variant in served:
        try:
            passed.append(invoke(runtime, endpoint, variant, payload))
        except SmokeFailure as failure:
            problems.append(str(failure))
    return Outcome(tuple(passed), tuple(problems))


def read_payload(path: str) -> bytes:
    try:
        payload = Path(path).read_bytes()
    except OSError as error:
        raise argparse.ArgumentTypeError(f"cannot read {path}: {error.strerror}") from None
    if not payload.strip():
        raise argparse.ArgumentTypeError(f"{path} is empty")
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise argparse.ArgumentTypeError(f"{path} has {len(payload)} bytes; InvokeEndpoint takes {MAX_PAYLOAD_BYTES}")
    return payload


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--variants", required=True, type=parse_variants, help="champion[,challenger]")
    parser.add_argument("--payload-file", dest="payload", required=True, type=read_payload, help="a text/csv request")
    parser.add_argument("--region", required=True)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, sagemaker: Any = None, runtime: Any = None) -> int:
    """`sagemaker`, `runtime`: clients to use (tests); by default bounded ones for --region."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if sagemaker is None or runtime is None:
        import boto3

        session = boto3.session.Session(region_name=args.region)
        sagemaker = sagemaker or session.client("sagemaker", config=client_config())
        runtime = runtime or session.client("sagemaker-runtime", config=client_config())
    outcome = smoke(sagemaker, runtime, args.endpoint, args.variants, args.payload)
    for line in outcome.passed:
        print(line, flush=True)
    for line in outcome.failed:
        print(f"error: {line}", file=sys.stderr)
    return 1 if outcome.failed else 0


if __name__ == "__main__":
    sys.exit(main())
