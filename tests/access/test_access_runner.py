"""access/simulate.cjs through the Python runner: what the simulator decides and reports, on tiny simulations."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from access.runner import SCRIPT, SimulatorError, node_binary, run_simulations

pytestmark = pytest.mark.cli  # one Node process per test

ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/team"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/team/SageMaker"
BUCKET = "arn:aws:s3:::data"


def simulation(action: str, resource: str, statements: list[dict[str, Any]], **context: Any) -> dict[str, Any]:
    return {
        "request": {
            "principal": SESSION,
            "action": action,
            "resource": {"resource": resource, "accountId": ACCOUNT},
            "contextVariables": {"aws:PrincipalArn": ROLE, **context},
        },
        "identityPolicies": [{"name": "team-policy", "policy": {"Version": "2012-10-17", "Statement": statements}}],
        "serviceControlPolicies": [],
        "resourceControlPolicies": [],
    }


READ = {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{BUCKET}/team/*"}
NO_SECRETS = {"Effect": "Deny", "Action": "s3:GetObject", "Resource": f"{BUCKET}/team/secret/*"}
JOBS = {"Sid": "Jobs", "Effect": "Allow", "Action": "sagemaker:CreateTrainingJob", "Resource": "*"}


@pytest.fixture(scope="module")
def verdicts() -> list[dict[str, Any]]:
    """All cases in one batch: the runner's point is one Node process for everything."""
    return run_simulations(
        [
            simulation("s3:GetObject", f"{BUCKET}/team/a.csv", [READ, NO_SECRETS]),
            simulation("s3:GetObject", f"{BUCKET}/team/secret/key", [READ, NO_SECRETS]),
            simulation("s3:GetObject", f"{BUCKET}/other/a.csv", [READ, NO_SECRETS]),
            simulation(
                "sagemaker:CreateTrainingJob",
                f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:training-job/j",
                [JOBS],
                **{"sagemaker:VolumeKmsKey": "k", "sagemaker:VolumeKmsKeyArn": "arn:aws:kms:us-east-1:1:key/k"},
            ),
            simulation("s3:GetObject", f"{BUCKET}/team/a.csv", [READ], **{"aws:SourceIdentity": ["alice", "bob"]}),
            simulation("s3:GetObject", f"{BUCKET}/team/a.csv", [{**READ, "Principal": "*"}]),
            simulation("s3:NoSuchAction", f"{BUCKET}/team/a.csv", [READ]),
        ]
    )


def test_allowed_names_the_granting_statement(verdicts: list[dict[str, Any]]) -> None:
    verdict = verdicts[0]
    assert verdict["overallResult"] == "Allowed"
    assert verdict["allow"] == [{"policy": "identity", "name": "team-policy", "sid": "Read", "index": 1}]
    assert verdict["ignoredContextKeys"] == []


def test_explicit_deny_names_the_denying_statement_by_index(verdicts: list[dict[str, Any]]) -> None:
    verdict = verdicts[1]
    assert verdict["overallResult"] == "ExplicitlyDenied"
    assert verdict["deny"] == [{"policy": "identity", "name": "team-policy", "index": 2, "explicit": True}]


def test_implicit_deny_names_the_policy_kind_that_allows_nothing(verdicts: list[dict[str, Any]]) -> None:
    verdict = verdicts[2]
    assert verdict["overallResult"] == "ImplicitlyDenied"
    assert verdict["deny"] == [{"policy": "identity", "explicit": False}]


def test_a_key_the_action_never_sends_is_reported_ignored(verdicts: list[dict[str, Any]]) -> None:
    # The defect of issue 12: sagemaker:VolumeKmsKey is no key of CreateTrainingJob (VolumeKmsKeyArn is).
    assert verdicts[3]["ignoredContextKeys"] == ["sagemaker:VolumeKmsKey"]


def test_a_list_for_a_single_valued_key_is_an_error_not_its_first_item(verdicts: list[dict[str, Any]]) -> None:
    assert verdicts[4]["contextErrors"] == ["aws:SourceIdentity takes one value (String), got a list of 2"]


def test_an_invalid_policy_is_a_simulation_error(verdicts: list[dict[str, Any]]) -> None:
    assert verdicts[5]["resultType"] == "error"
    assert "identityPolicyErrors" in verdicts[5]["errors"]


def test_an_unknown_action_is_a_simulation_error(verdicts: list[dict[str, Any]]) -> None:
    assert verdicts[6]["resultType"] == "error"
    assert verdicts[6]["errors"]["message"] == "invalid.action"


def test_an_empty_batch_starts_no_process() -> None:
    assert run_simulations([]) == []


@pytest.mark.parametrize(
    ("stdin", "message"),
    [("not json", "stdin is not JSON"), ('{"a": 1}', "must be a JSON array"), ("[1]", "simulation 0 is not an object")],
)
def test_a_broken_batch_exits_non_zero_with_one_line(stdin: str, message: str) -> None:
    result = subprocess.run(
        [node_binary(), str(SCRIPT)], input=stdin, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr


def test_the_runner_turns_a_broken_batch_into_simulator_error() -> None:
    with pytest.raises(SimulatorError, match="simulation 0 is not an object"):
        run_simulations([{"no": "request"}])
