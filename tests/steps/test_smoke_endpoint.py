"""The Smoke step's script (serving/smoke_endpoint.py): endpoints from the emulator, invocations
stubbed.

moto's sagemaker-runtime answers every InvokeEndpoint with the same canned data (body `body`,
InvokedProductionVariant `invoked_production_variant`), whatever the endpoint or TargetVariant
(test_the_emulator_cannot_tell_variants_apart): InvokeEndpoint is answered by botocore's Stubber,
which also checks each request (TargetVariant, ContentType, the payload).
"""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from serving import smoke_endpoint
from tests.support.aws import FAKE_CREDENTIALS, client
from tests.support.synth import ROOT
from tests.support.tooling import unique

SCRIPT = ROOT / "serving" / "smoke_endpoint.py"
PAYLOAD = b"5.1,3.5,1.4,0.2\n"
ROLE = "arn:aws:iam::123456789012:role/serving"


def deploy(sagemaker: Any, *variants: str) -> str:
    """An endpoint serving `variants` (the emulator puts it InService at once)."""
    name = unique("churn")
    sagemaker.create_model(
        ModelName=name,
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1"},
    )
    production = [
        {"VariantName": variant, "ModelName": name, "InitialInstanceCount": 2, "InstanceType": "ml.m5.large"}
        for variant in variants
    ]
    sagemaker.create_endpoint_config(EndpointConfigName=name, ProductionVariants=production)
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=name)
    return name


def answer(variant: str, body: bytes = b"0.93\n") -> dict[str, Any]:
    return {
        "Body": StreamingBody(io.BytesIO(body), len(body)),
        "ContentType": "text/csv",
        "InvokedProductionVariant": variant,
    }


def request(endpoint: str, variant: str) -> dict[str, Any]:
    return {"EndpointName": endpoint, "TargetVariant": variant, "ContentType": "text/csv", "Body": PAYLOAD}


@pytest.fixture
def sagemaker(moto_endpoint: str) -> Any:
    return client("sagemaker", moto_endpoint)


@pytest.fixture
def runtime() -> Iterator[tuple[Any, Stubber]]:
    stubbed = client("sagemaker-runtime")
    with Stubber(stubbed) as stub:
        yield stubbed, stub
        stub.assert_no_pending_responses()


@pytest.fixture
def payload(tmp_path: Path) -> str:
    path = tmp_path / "sample.csv"
    path.write_bytes(PAYLOAD)
    return str(path)


def smoke(
    capsys: pytest.CaptureFixture[str], sagemaker: Any, runtime: Any, endpoint: str, variants: str, payload: str
) -> tuple[int, list[str], list[str]]:
    argv = ["--endpoint", endpoint, "--variants", variants, "--payload-file", payload, "--region", "us-east-1"]
    code = smoke_endpoint.main(argv, sagemaker=sagemaker, runtime=runtime)
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


def test_every_variant_answers_its_own_request(
    sagemaker: Any, runtime: tuple[Any, Stubber], payload: str, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint = deploy(sagemaker, "champion", "challenger")
    stubbed, stub = runtime
    for variant in ("champion", "challenger"):
        stub.add_response("invoke_endpoint", answer(variant), request(endpoint, variant))
    assert smoke(capsys, sagemaker, stubbed, endpoint, "champion,challenger", payload) == (
        0,
        ["variant champion: answered 5 bytes (text/csv)", "variant challenger: answered 5 bytes (text/csv)"],
        [],
    )


def test_an_answer_from_another_variant_fails(
    sagemaker: Any, runtime: tuple[Any, Stubber], payload: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """TargetVariant ignored (e.g. a proxy in front) would test the same variant twice."""
    endpoint = deploy(sagemaker, "champion", "challenger")
    stubbed, stub = runtime
    stub.add_response("invoke_endpoint", answer("champion"), request(endpoint, "champion"))
    stub.add_response("invoke_endpoint", answer("champion"), request(endpoint, "challenger"))
    code, out, err = smoke(capsys, sagemaker, stubbed, endpoint, "champion,challenger", payload)
    assert (code, len(out)) == (1, 1)
    assert err == ["error: variant challenger: answered by variant champion, not challenger"]


def test_an_empty_answer_fails(
    sagemaker: Any, runtime: tuple[Any, Stubber], payload: str, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint = deploy(sagemaker, "champion")
    stubbed, stub = runtime
    stub.add_response("invoke_endpoint", answer("champion", b"\n"), request(endpoint, "champion"))
    assert smoke(capsys, sagemaker, stubbed, endpoint, "champion", payload) == (
        1,
        [],
        ["error: variant champion: empty answer"],
    )


def test_a_model_error_fails_in_one_line(
    sagemaker: Any, runtime: tuple[Any, Stubber], payload: str, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint = deploy(sagemaker, "champion", "challenger")
    stubbed, stub = runtime
    stub.add_client_error(
        "invoke_endpoint", "ModelError", "Received server error (500) from primary", 424, request(endpoint, "champion")
    )
    stub.add_response("invoke_endpoint", answer("challenger"), request(endpoint, "challenger"))
    code, out, err = smoke(capsys, sagemaker, stubbed, endpoint, "champion,challenger", payload)
    assert (code, out) == (1, ["variant challenger: answered 5 bytes (text/csv)"])
    assert len(err) == 1
    assert err[0].startswith("error: variant champion: An error occurred (ModelError)")


def test_the_endpoint_must_serve_exactly_the_expected_variants(
    sagemaker: Any, runtime: tuple[Any, Stubber], payload: str, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint = deploy(sagemaker, "champion", "shadow")
    stubbed, stub = runtime
    stub.add_response("invoke_endpoint", answer("champion"), request(endpoint, "champion"))
    code, out, err = smoke(capsys, sagemaker, stubbed, endpoint, "champion,challenger", payload)
    assert (code, out) == (1, ["variant champion: answered 5 bytes (text/csv)"])
    assert err == [
        f"error: endpoint {endpoint}: variant challenger is not served",
        f"error: endpoint {endpoint}: serves variant shadow, not expected",
    ]


def test_an_endpoint_that_is_not_in_service_is_not_invoked(
    runtime: tuple[Any, Stubber], payload: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The emulator puts endpoints InService at once: a failed one is stubbed."""
    sagemaker = client("sagemaker")
    described = {
        "EndpointName": "churn",
        "EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn",
        "EndpointStatus": "Failed",
        "FailureReason": "The primary container did not pass the ping health check.",
        "CreationTime": 0,
        "LastModifiedTime": 0,
    }
    with Stubber(sagemaker) as stub:
        stub.add_response("describe_endpoint", described, {"EndpointName": "churn"})
        code, out, err = smoke(capsys, sagemaker, runtime[0], "churn", "champion", payload)
    assert (code, out) == (1, [])
    assert err == [
        "error: endpoint churn: Failed, not InService (The primary container did not pass the ping health check.)"
    ]


def test_a_missing_endpoint_fails_in_one_line(
    sagemaker: Any, runtime: tuple[Any, Stubber], payload: str, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = unique("absent")
    code, out, err = smoke(capsys, sagemaker, runtime[0], missing, "champion", payload)
    assert (code, out, len(err)) == (1, [], 1)
    assert err[0].startswith(f"error: endpoint {missing}: An error occurred (ValidationException)")


def test_the_emulator_cannot_tell_variants_apart(moto_endpoint: str) -> None:
    """Why InvokeEndpoint is stubbed here; when this fails, moto emulates it and the stubs can go."""
    answered = client("sagemaker-runtime", moto_endpoint).invoke_endpoint(
        EndpointName=unique("no-such-endpoint"), TargetVariant="challenger", ContentType="text/csv", Body=PAYLOAD
    )
    assert answered["InvokedProductionVariant"] == "invoked_production_variant"


# -- bounded --------------------------------------------------------------------------------------


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """Accepts connections and never answers: a model that hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    done, held = threading.Event(), []

    def accept() -> None:
        while not done.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    done.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


def test_the_clients_are_bounded() -> None:
    config = smoke_endpoint.client_config()
    assert (config.connect_timeout, config.read_timeout) == (10, 70)
    assert config.retries == {"max_attempts": 3, "mode": "standard"}


def test_a_model_that_never_answers_fails_instead_of_hanging(silent_endpoint: str) -> None:
    make: Any = boto3.client
    runtime = make(
        "sagemaker-runtime",
        region_name="us-east-1",
        endpoint_url=silent_endpoint,
        config=smoke_endpoint.client_config(read_timeout=0.5),
        **FAKE_CREDENTIALS,
    )
    started = time.monotonic()
    with pytest.raises(smoke_endpoint.SmokeFailure, match=r"^variant champion: Read timeout on endpoint URL"):
        smoke_endpoint.invoke(runtime, "churn", "champion", PAYLOAD)
    assert time.monotonic() - started < 15  # three attempts of 0.5 s, with backoff


# -- the command line -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variants", "content", "message"),
    [
        ("champion,champion", PAYLOAD, "must be distinct variant names separated by commas, got 'champion,champion'"),
        ("champion", b" \n", "sample.csv is empty"),
        ("champion", None, "cannot read"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(
    tmp_path: Path, variants: str, content: bytes | None, message: str
) -> None:
    payload = tmp_path / "sample.csv"
    if content is not None:
        payload.write_bytes(content)
    argv = ["--endpoint", "e", "--variants", variants, "--payload-file", str(payload), "--region", "us-east-1"]
    result = subprocess.run(
        [sys.executable, "-I", str(SCRIPT), *argv], capture_output=True, text=True, check=False, cwd="/"
    )
    assert result.returncode == 2
    assert message in result.stderr.splitlines()[-1]
