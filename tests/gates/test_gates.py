"""The gate gates on every path: the pinned CDK CLI fails on a finding nobody acknowledged,
whether or not the command selects stacks, and passes the same app without the finding.

The probe (tests/gates/probe_app.py) is the regression of the issue that brought this test: a
SecureBucket without `enforce_ssl`. `make synth` and the delivery pipeline's synth step run the
same CLI command as the first case (tests/platform/test_delivery.py checks the step's command).
"""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.gates.probe_app import STAGE
from tests.support.synth import ROOT

pytestmark = pytest.mark.cli
CDK = ROOT / "node_modules" / ".bin" / "cdk"
PYTHON = ROOT / ".venv" / "bin" / "python"


def offline_env(tmp: Path, broken: bool) -> dict[str, str]:
    """The caller's environment without any AWS credential source."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
    env.update(
        AWS_CONFIG_FILE=str(tmp / "no-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp / "no-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        CDK_DISABLE_CLI_TELEMETRY="true",
        PROBE_BROKEN="1" if broken else "0",
    )
    return env


def cdk_synth(tmp: Path, *, broken: bool, selection: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    if not CDK.exists():
        pytest.fail(f"{CDK} is missing: run the tests through `make test`, which installs the pinned CLI")
    command = [str(CDK), "synth", "--quiet", "--no-notices", "--app", f"{PYTHON} -m tests.gates.probe_app"]
    command += ["-o", str(tmp / "cdk.out"), *selection]
    return subprocess.run(
        command, cwd=ROOT, env=offline_env(tmp, broken), capture_output=True, text=True, timeout=600, check=False
    )


CASES = {
    "clean, no selection": (False, ()),
    "broken, no selection": (True, ()),
    "broken, stage selected": (True, (f"{STAGE}/*",)),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """The three CLI runs, side by side."""
    with ThreadPoolExecutor(max_workers=len(CASES)) as pool:
        futures = {
            name: pool.submit(cdk_synth, tmp_path_factory.mktemp("probe"), broken=broken, selection=selection)
            for name, (broken, selection) in CASES.items()
        }
        return {name: future.result() for name, future in futures.items()}


def test_the_clean_probe_passes(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    result = runs["clean, no selection"]
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.parametrize("case", ["broken, no selection", "broken, stage selected"])
def test_a_finding_fails_the_cli_and_names_itself(runs: dict[str, subprocess.CompletedProcess[str]], case: str) -> None:
    result = runs[case]
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert "error: AwsSolutions-S10 on probe-us-east-1/Data/Datasets/Resource/Resource: " in "\n".join(errors)
    assert any("HIPAA.Security-S3BucketSSLRequestsOnly" in line for line in errors)
    assert "Traceback" not in result.stderr
