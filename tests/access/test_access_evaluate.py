"""Journeys evaluated end to end on the tiny assembly, through the simulator: statuses, table, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from access.__main__ import main
from access.evaluate import JourneyResult, evaluate
from access.journeys import Journey
from access.report import README_END, README_START, markdown, summary, table
from platform_config import PlatformConfig
from tests.access.access_assembly import write_assembly
from tests.support.synth import ROOT, SAMPLE_CONFIG

pytestmark = pytest.mark.cli  # the simulator runs in Node

TEAM = {"role": "{arn:Studio/Team-vision}", "session": "SageMaker"}
JOB = "arn:{partition}:sagemaker:{region}:{account}:training-job/vision--j"


def spec(id: str, expect: str = "allowed", **fields: Any) -> dict[str, Any]:
    return {
        "id": id,
        "title": f"the journey {id}",
        "principal": TEAM,
        "action": "s3:GetObject",
        "resource": "{arn:Data/Datasets}/vision/a.csv",
        "expect": expect,
        "proves": "what the harness does",
        **fields,
    }


CATALOGUE = [
    spec("reads-team-data", via="s3"),
    spec("reads-other-data", resource="{arn:Data/Datasets}/forecasting/a.csv"),
    spec("expects-wrongly", expect="denied"),
    spec(
        "job-in-subnets",
        action="sagemaker:CreateTrainingJob",
        resource=JOB,
        context={"sagemaker:VpcSubnets": "{output:Network/IsolatedSubnetIds|list}"},
    ),
    spec(
        "job-elsewhere",
        "denied",
        action="sagemaker:CreateTrainingJob",
        resource=JOB,
        context={"sagemaker:VpcSubnets": ["subnet-1"]},
    ),
    spec(
        "old-key-name",
        action="sagemaker:CreateTrainingJob",
        resource=JOB,
        context={
            "sagemaker:VolumeKmsKey": "{arn:Data/Key}",
            "sagemaker:VpcSubnets": "{output:Network/IsolatedSubnetIds|list}",
        },
    ),
    spec("unknown-path", resource="{arn:Data/Nope}/a"),
    spec(
        "foreign-through-endpoint",
        "denied",
        principal={"external": "{foreign_account}"},
        action="sagemaker:DescribeTrainingJob",
        resource="arn:{partition}:sagemaker:{region}:{foreign_account}:training-job/x",
        via="sagemaker-api",
    ),
    spec("not-yet", pending="no such thing in the templates yet"),
    spec("other-variant-only", variants=["extra-team"]),
]


@pytest.fixture(scope="module")
def results(sample_config: PlatformConfig, tmp_path_factory: pytest.TempPathFactory) -> dict[str, JourneyResult]:
    assembly = write_assembly(tmp_path_factory.mktemp("tiny"))
    catalogue = [Journey.model_validate(item) for item in CATALOGUE]
    return {result.journey.id: result for result in evaluate(assembly, sample_config, catalogue=catalogue)}


def test_only_the_journeys_of_this_variant_run(results: dict[str, JourneyResult]) -> None:
    assert "other-variant-only" not in results
    assert {result.stage for result in results.values()} == {"dev-us-east-1"}


def test_a_journey_that_decides_as_expected_passes_and_names_its_statements(results: dict[str, JourneyResult]) -> None:
    result = results["reads-team-data"]
    assert (result.status, result.decision) == ("PASS", "allowed")
    assert result.deciding == (
        "identity TeamPolicy#ReadTeamData",
        "boundary mlexp-dev-us-east-1-boundary#AllowedServices",
        "endpoint AWS default policy of s3 (none set)#statement 1",
    )


def test_an_implicit_deny_names_the_policies_that_allow_nothing(results: dict[str, JourneyResult]) -> None:
    result = results["reads-other-data"]
    assert (result.status, result.decision) == ("FAIL", "denied")
    assert result.deciding == ("identity: no statement allows", "bucket policy DatasetsPolicy: no statement allows")


def test_a_decision_other_than_expected_fails(results: dict[str, JourneyResult]) -> None:
    assert (results["expects-wrongly"].status, results["expects-wrongly"].decision) == ("FAIL", "allowed")


def test_weak_references_and_split_reach_the_condition(results: dict[str, JourneyResult]) -> None:
    assert results["job-in-subnets"].status == "PASS"
    assert results["job-elsewhere"].status == "PASS"
    assert results["job-elsewhere"].deciding == ("identity TeamPolicy#JobsInPlatformSubnets",)


def test_a_key_the_action_never_sends_is_an_error_not_a_pass(results: dict[str, JourneyResult]) -> None:
    result = results["old-key-name"]
    assert result.status == "ERROR"
    assert (
        result.detail == "sagemaker:CreateTrainingJob does not send sagemaker:VolumeKmsKey (the simulator ignored it)"
    )


def test_an_unresolvable_placeholder_is_an_error(results: dict[str, JourneyResult]) -> None:
    assert results["unknown-path"].status == "ERROR"
    assert "no resource at the construct path 'Data/Nope'" in results["unknown-path"].detail


def test_an_endpoint_policy_decides_for_requests_through_it(results: dict[str, JourneyResult]) -> None:
    result = results["foreign-through-endpoint"]
    assert result.status == "PASS"
    assert result.deciding == ("endpoint endpoint policy of sagemaker-api: no statement allows",)


def test_pending_is_reported_not_passed(results: dict[str, JourneyResult]) -> None:
    assert (results["not-yet"].status, results["not-yet"].detail) == ("PENDING", "no such thing in the templates yet")


def test_the_table_has_one_row_per_journey_and_stage_and_a_summary(results: dict[str, JourneyResult]) -> None:
    rows = table(list(results.values())).splitlines()
    assert rows[0].split() == [
        "journey", "stage", "principal", "action", "resource", "expected", "decision", "result", "deciding", "statement"
    ]  # fmt: skip
    assert len(rows) == 1 + len(results)
    assert summary(list(results.values())) == (
        "9 evaluations (9 journeys x 1 stages): 6 expect allowed, 3 expect denied; "
        "4 passed, 2 failed, 2 errors, 1 pending"
    )


def test_the_markdown_says_who_may_do_what_and_whether_it_holds(results: dict[str, JourneyResult]) -> None:
    lines = markdown(list(results.values())).splitlines()
    assert lines[:3] == ["#### Journeys", "", "| who | may | what | on which resource | why | holds |"]
    row = next(line for line in lines if "reads-team-data" in line or "the journey reads-team-data" in line)
    assert row.startswith(
        "| Studio/Team-vision (through the s3 endpoint) | may | the journey reads-team-data (`s3:GetObject`)"
    )
    assert row.endswith("| yes |")
    assert "| **no** (dev-us-east-1) |" in next(line for line in lines if "expects-wrongly" in line)


def run_cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "access", *arguments], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_assembly(tmp_path_factory.mktemp("tiny-cli"))


def catalogue_dir(tmp_path: Path, journeys: list[dict[str, Any]]) -> str:
    (tmp_path / "j.yaml").write_text(yaml.safe_dump(journeys))
    return str(tmp_path)


def test_python_m_access_exits_0_when_every_journey_holds(tiny: Path, tmp_path: Path) -> None:
    result = run_cli(str(tiny), "--journeys", catalogue_dir(tmp_path, [spec("ok"), spec("later", pending="x")]))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].endswith("1 passed, 0 failed, 0 errors, 1 pending")


def test_exit_1_on_a_mismatch_or_an_error(tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tiny), "--journeys", catalogue_dir(tmp_path, [spec("no", "denied")])]) == 1
    assert main([str(tiny), "--journeys", catalogue_dir(tmp_path, [spec("bad", resource="{nope}")])]) == 1
    assert "1 errors" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--config", "nowhere.yaml"], "error: nowhere.yaml"),
        (["--stage", "prod-us-east-1"], "error: no stage prod-us-east-1"),
        (["--journeys", "tests"], "error: "),
    ],
)
def test_exit_2_on_bad_input_with_one_line_per_problem(
    tiny: Path, arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tiny), "--config", str(SAMPLE_CONFIG), *arguments]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert all(line.startswith("error: ") for line in err.splitlines())
    assert err.startswith(message)


def test_exit_2_for_a_folder_without_assembly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path)]) == 2
    assert (
        capsys.readouterr().err
        == f"error: {tmp_path}: no cloud assembly here (manifest.json missing); run make synth first\n"
    )


def test_readme_block_is_rewritten_between_its_markers(tiny: Path, tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{README_START}\nold table\n{README_END}\n\nafter\n")
    main([str(tiny), "--journeys", catalogue_dir(tmp_path, [spec("ok")]), "--readme", str(readme)])
    text = readme.read_text()
    assert "old table" not in text
    assert text.startswith(f"# Title\n\n{README_START}\n#### J\n")  # the area: j.yaml
    assert text.endswith(f"| yes |\n{README_END}\n\nafter\n")


def test_a_readme_without_the_markers_is_bad_input(tiny: Path, tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Title\n")
    assert main([str(tiny), "--journeys", catalogue_dir(tmp_path, [spec("ok")]), "--readme", str(readme)]) == 2
    assert readme.read_text() == "# Title\n"
