"""The command line itself: help, entry points, retries with backoff, and one-line AWS errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from experiment_tools.cli import main
from tests.support.tooling import moto_clients, run_cli

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ("track", "compare", "lineage", "cleanup", "smoke")


class ThrottlingService:
    """A local endpoint that answers the first `throttle` requests as SageMaker does when throttling."""

    def __init__(self, throttle: int) -> None:
        self.throttle = throttle
        self.requests: list[str] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                service.requests.append(self.headers.get("X-Amz-Target", ""))
                throttled = len(service.requests) <= service.throttle
                body = (
                    {"__type": "ThrottlingException", "message": "Rate exceeded"}
                    if throttled
                    else {
                        "ExperimentName": "churn",
                        "ExperimentArn": "arn:aws:sagemaker:us-east-1:111122223333:experiment/churn",
                    }
                )
                payload = json.dumps(body).encode()
                self.send_response(400 if throttled else 200)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> ThrottlingService:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_region_and_output(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert "--region" in text
    assert "{table,json,csv}" in text


def test_smoke_help_shows_region_as_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["smoke", "--help"])
    usage = capsys.readouterr().out.split("\n\n")[0]
    assert " --region REGION" in usage
    assert "[--region" not in usage
    missing = io.StringIO()
    assert main(["smoke", "--environment", "dev"], stderr=missing) == 2
    assert missing.getvalue() == ("error: experiment-tools smoke: the following arguments are required: --region\n")


@pytest.mark.usefixtures("fake_aws_env")
def test_throttling_is_retried_with_backoff() -> None:
    with ThrottlingService(throttle=2) as service:
        answer = moto_clients(service.endpoint, max_attempts=3).sagemaker.describe_experiment(ExperimentName="churn")
    assert answer["ExperimentName"] == "churn"
    assert service.requests == ["SageMaker.DescribeExperiment"] * 3


@pytest.mark.usefixtures("fake_aws_env")
def test_throttling_that_outlasts_the_retries_is_one_line_and_exit_3() -> None:
    with ThrottlingService(throttle=100) as service:
        result = run_cli(service.endpoint, "compare", "churn", "--max-attempts", "2")
    assert len(service.requests) == 2
    assert result.code == 3
    assert result.err == (
        "error: throttled: DescribeExperiment was still throttled after 2 attempts with backoff "
        "(ThrottlingException); wait and run again, or raise --max-attempts\n"
    )


def test_no_region_and_no_credentials_are_one_line_errors(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    errors = []
    for argv in (["compare", "churn"], ["compare", "churn", "--region", "eu-west-1"]):
        capture = io.StringIO()
        errors.append((main(argv, stderr=capture), capture.getvalue()))
    assert errors == [
        (3, "error: no AWS region: pass --region or set AWS_REGION (or AWS_DEFAULT_REGION)\n"),
        (3, "error: no AWS credentials found: set a profile (--profile) or credentials in the environment\n"),
    ]


@pytest.mark.cli
def test_module_and_console_script_entry_points() -> None:
    module = subprocess.run(
        [sys.executable, "-m", "experiment_tools", "--help"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert module.returncode == 0, module.stderr
    assert all(command in module.stdout for command in COMMANDS)
    script = Path(sys.executable).parent / "experiment-tools"
    console = subprocess.run([str(script), "lineage", "--help"], capture_output=True, text=True, cwd="/", check=False)
    assert console.returncode == 0, console.stderr
    assert "the code, data, parameters and environment" in console.stdout


@pytest.mark.cli
def test_an_unknown_command_is_one_line_and_exit_2() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "experiment_tools", "train"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: experiment-tools: argument command: invalid choice: 'train'")
    assert done.stderr.count("\n") == 1
