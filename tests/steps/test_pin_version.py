"""The Release step's script (serving/pin_version.py) against the emulator: model package groups
and versions created, approved and rejected through boto3, as the registry and the approver do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from serving import pin_version
from serving.release import Baselines, PinnedVersion, Release
from tests.support.aws import FAKE_CREDENTIALS, client
from tests.support.synth import ROOT
from tests.support.tooling import unique

SCRIPT = ROOT / "serving" / "pin_version.py"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1"
SPEC = {
    "Containers": [{"Image": IMAGE, "ModelDataUrl": "s3://artifacts/vision/model.tar.gz"}],
    "SupportedContentTypes": ["text/csv"],
    "SupportedResponseMIMETypes": ["text/csv"],
}


def drift_baselines(prefix: str, model_quality: bool = False) -> dict[str, Any]:
    def pair(kind: str) -> dict[str, Any]:
        return {
            name: {"ContentType": "application/json", "S3Uri": f"{prefix}/{kind}/{name.lower()}.json"}
            for name in ("Statistics", "Constraints")
        }

    return {"ModelDataQuality": pair("data"), **({"ModelQuality": pair("model")} if model_quality else {})}


def register(sagemaker: Any, group: str, status: str = "Approved", **extra: Any) -> str:
    """Register as a pipeline does (PendingManualApproval), then decide as the approver does."""
    request = {"InferenceSpecification": SPEC, "DriftCheckBaselines": drift_baselines("s3://artifacts/b"), **extra}
    arn: str = sagemaker.create_model_package(
        ModelPackageGroupName=group, ModelApprovalStatus="PendingManualApproval", **request
    )["ModelPackageArn"]
    if status != "PendingManualApproval":
        decide(sagemaker, arn, status)
    return arn


def decide(sagemaker: Any, arn: str, status: str) -> None:
    sagemaker.update_model_package(ModelPackageArn=arn, ModelApprovalStatus=status)


@pytest.fixture
def sagemaker(moto_endpoint: str) -> Any:
    return client("sagemaker", moto_endpoint)


@pytest.fixture
def group(sagemaker: Any) -> str:
    name = unique("churn")
    sagemaker.create_model_package_group(ModelPackageGroupName=name)
    return name


@dataclass(frozen=True)
class Pinned:
    code: int
    out: list[str]
    err: list[str]
    path: Path

    @property
    def release(self) -> Release:
        return Release.load(self.path)

    def served(self) -> list[tuple[str, int]]:
        return [(name, version.number) for name, version in self.release.variants]


@pytest.fixture
def pin(sagemaker: Any, group: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Any:
    """pin(*options, variants=..., current=<Release | path | ''>): the script's main, its output."""

    def run(*options: str, variants: str = "champion,challenger", current: Release | str = "") -> Pinned:
        if isinstance(current, Release):
            (tmp_path / "current.json").write_text(current.to_json())
            current = str(tmp_path / "current.json")
        out = tmp_path / "release.json"
        argv = ["--group", group, "--variants", variants, "--current", current, "--out", str(out)]
        code = pin_version.main([*argv, *options, "--region", "us-east-1"], sagemaker=sagemaker)
        captured = capsys.readouterr()
        return Pinned(code, captured.out.splitlines(), captured.err.splitlines(), out)

    return run


def release(group: str, *served: tuple[str, str]) -> Release:
    pinned = [(variant, PinnedVersion(arn, None)) for variant, arn in served]
    return Release(group, tuple(pinned))


# -- which version ----------------------------------------------------------------------------------


def test_the_newest_approved_version_is_chosen_not_the_oldest(sagemaker: Any, group: str, pin: Any) -> None:
    """Three approved versions created in a known order, approved newest first, and a fourth pending.
    ListModelPackages answers oldest first unless SortOrder says Descending (a bug of public samples)."""
    versions = [register(sagemaker, group, status="PendingManualApproval") for _ in range(4)]
    for arn in reversed(versions[:3]):
        decide(sagemaker, arn, "Approved")  # the oldest is the last approved
    created = [sagemaker.describe_model_package(ModelPackageName=arn)["CreationTime"] for arn in versions]
    assert created == sorted(created)  # the emulator keeps microseconds; answers carry milliseconds
    default_order = sagemaker.list_model_packages(ModelPackageGroupName=group, ModelApprovalStatus="Approved")
    assert default_order["ModelPackageSummaryList"][0]["ModelPackageArn"] == versions[0]

    assert pin_version.newest_approved(sagemaker, group) == versions[2]
    result = pin(variants="champion")
    assert result.code == 0, result.err
    assert result.served() == [("champion", 3)]
    assert result.out[-1] == f"champion <- {versions[2]} (baselines: yes)"


def test_no_approved_version_is_refused_and_nothing_written(sagemaker: Any, group: str, pin: Any) -> None:
    register(sagemaker, group, status="PendingManualApproval")
    register(sagemaker, group, status="Rejected")
    result = pin()
    assert (result.code, result.err) == (2, [f"error: group {group} has no Approved version"])
    assert list(result.path.parent.iterdir()) == []


# -- where it goes ----------------------------------------------------------------------------------


def test_a_first_deploy_with_two_variants_serves_the_approved_version_on_both(
    sagemaker: Any, group: str, pin: Any
) -> None:
    arn = register(sagemaker, group)
    result = pin()
    assert result.code == 0, result.err
    assert result.out == [
        "no current release (none given): first deploy",
        f"champion <- {arn} (baselines: yes)",
        f"challenger <- {arn} (baselines: yes)",
    ]
    assert result.served() == [("champion", 1), ("challenger", 1)]
    assert result.path.read_text() == result.release.to_json()


def test_an_absent_or_empty_current_file_is_a_first_deploy(
    sagemaker: Any, group: str, pin: Any, tmp_path: Path
) -> None:
    register(sagemaker, group)
    assert pin(current=str(tmp_path / "absent.json")).served() == [("champion", 1), ("challenger", 1)]
    (tmp_path / "empty.json").write_text("\n")
    assert pin(current=str(tmp_path / "empty.json")).served() == [("champion", 1), ("challenger", 1)]


def test_the_approved_version_becomes_the_challenger_and_the_champion_keeps_its_own(
    sagemaker: Any, group: str, pin: Any
) -> None:
    first = register(sagemaker, group)
    assert pin().code == 0
    second = register(sagemaker, group)
    result = pin(current=release(group, ("champion", first), ("challenger", first)))
    assert result.code == 0, result.err
    assert result.out == [f"champion <- {first} (baselines: yes)", f"challenger <- {second} (baselines: yes)"]


def test_promote_ends_the_ab_test_in_favour_of_the_challenger(sagemaker: Any, group: str, pin: Any) -> None:
    first, second = register(sagemaker, group), register(sagemaker, group)
    register(sagemaker, group)  # approved since: promote keeps to what was tested
    result = pin("--promote", current=release(group, ("champion", first), ("challenger", second)))
    assert result.code == 0, result.err
    assert result.served() == [("champion", 2), ("challenger", 2)]


def test_promote_needs_a_current_release(sagemaker: Any, group: str, pin: Any) -> None:
    register(sagemaker, group)
    result = pin("--promote")
    assert result.code == 2
    assert result.err == ["error: --promote needs the current release (--current): there is no A/B test to end"]


def test_a_champion_rejected_since_is_not_kept(sagemaker: Any, group: str, pin: Any) -> None:
    first = register(sagemaker, group)
    register(sagemaker, group)
    decide(sagemaker, first, "Rejected")
    result = pin(current=release(group, ("champion", first), ("challenger", first)))
    assert result.code == 2
    assert result.err == [f"error: version {first}: ModelApprovalStatus is Rejected, not Approved"]


# -- rollback and stale versions --------------------------------------------------------------------


def test_rollback_pins_an_older_version_on_every_variant_and_says_so(sagemaker: Any, group: str, pin: Any) -> None:
    first, second, third = (register(sagemaker, group) for _ in range(3))
    result = pin("--version-arn", first, current=release(group, ("champion", second), ("challenger", third)))
    assert result.code == 0, result.err
    assert result.served() == [("champion", 1), ("challenger", 1)]
    assert result.out == [
        f"rollback: champion: {first} is older than version 2, which it serves now",
        f"rollback: challenger: {first} is older than version 3, which it serves now",
        f"champion <- {first} (baselines: yes)",
        f"challenger <- {first} (baselines: yes)",
    ]


def test_a_stale_version_is_refused_and_the_existing_file_kept(sagemaker: Any, group: str, pin: Any) -> None:
    """The challenger's version 3 was rejected; a late approval of version 2 must not move it back."""
    first, second, third = (register(sagemaker, group, status="PendingManualApproval") for _ in range(3))
    for arn in (first, third):
        decide(sagemaker, arn, "Approved")
    current = release(group, ("champion", first), ("challenger", third))
    decide(sagemaker, third, "Rejected")
    decide(sagemaker, second, "Approved")
    previous = pin("--version-arn", first, variants="champion").path
    previous.write_text("the file of the previous run\n")
    result = pin(current=current)
    assert result.code == 2
    assert result.err == [
        f"error: stale version: challenger: {second} is older than version 3, which it serves now "
        "(a late approval? --version-arn rolls back)"
    ]
    assert previous.read_text() == "the file of the previous run\n"
    assert sorted(path.name for path in previous.parent.iterdir()) == ["current.json", "release.json"]


def test_a_stale_version_on_one_variant_is_refused(sagemaker: Any, group: str, pin: Any) -> None:
    first, second = register(sagemaker, group), register(sagemaker, group)
    decide(sagemaker, second, "Rejected")
    result = pin(variants="champion", current=release(group, ("champion", second)))
    assert result.code == 2
    assert result.err == [
        f"error: stale version: champion: {first} is older than version 2, which it serves now "
        "(a late approval? --version-arn rolls back)"
    ]


# -- refused versions -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["PendingManualApproval", "Rejected"])
def test_a_version_that_is_not_approved_is_refused(sagemaker: Any, group: str, pin: Any, status: str) -> None:
    register(sagemaker, group)
    arn = register(sagemaker, group, status=status)
    result = pin("--version-arn", arn)
    assert (result.code, result.err) == (2, [f"error: version {arn}: ModelApprovalStatus is {status}, not Approved"])
    assert not result.path.exists()


def test_a_version_of_another_group_is_refused(sagemaker: Any, group: str, pin: Any) -> None:
    other = unique("other")
    sagemaker.create_model_package_group(ModelPackageGroupName=other)
    arn = register(sagemaker, other)
    result = pin("--version-arn", arn)
    assert (result.code, result.err) == (2, [f"error: version {arn} is in group {other}, not {group}"])
    assert not result.path.exists()


def test_a_version_of_another_region_is_refused(sagemaker: Any, group: str, pin: Any) -> None:
    arn = register(sagemaker, group).replace(":us-east-1:", ":eu-west-1:")
    result = pin("--version-arn", arn)
    assert result.err == [f"error: version {arn} is in region eu-west-1, not us-east-1"]


def test_a_version_with_nothing_to_deploy_is_refused(sagemaker: Any, group: str, pin: Any) -> None:
    arn = sagemaker.create_model_package(ModelPackageGroupName=group, ModelApprovalStatus="PendingManualApproval")[
        "ModelPackageArn"
    ]
    decide(sagemaker, arn, "Approved")
    result = pin()
    assert result.err == [f"error: version {arn}: has no InferenceSpecification (nothing to deploy)"]


@pytest.mark.parametrize(
    ("described", "problem"),
    [
        ({"ModelApprovalStatus": "Rejected"}, "ModelApprovalStatus is Rejected, not Approved"),
        ({"ModelPackageGroupName": "elsewhere"}, "ModelPackageGroupName is elsewhere, not {group}"),
    ],
)
def test_the_version_is_checked_again_after_listing(group: str, described: dict[str, str], problem: str) -> None:
    """Listed as Approved, then rejected (or answered otherwise) by the time it is described: the
    emulator answers both calls from one state, so the race is stubbed."""
    stubbed = client("sagemaker")
    arn = f"arn:aws:sagemaker:us-east-1:123456789012:model-package/{group}/2"
    summary: dict[str, Any] = {"ModelPackageArn": arn, "ModelPackageGroupName": group, "ModelPackageVersion": 2}
    summary |= {"CreationTime": 0, "ModelPackageStatus": "Completed", "ModelApprovalStatus": "Approved"}
    listed: dict[str, Any] = {"ModelPackageGroupName": group, "ModelApprovalStatus": "Approved", "MaxResults": 1}
    listed |= {"SortBy": "CreationTime", "SortOrder": "Descending"}
    description: dict[str, Any] = {
        "ModelPackageArn": arn,
        "ModelPackageGroupName": group,
        "ModelApprovalStatus": "Approved",
    }
    description |= {"ModelPackageName": group, "CreationTime": 0, "ModelPackageStatus": "Completed"}
    description |= {"ModelPackageStatusDetails": {"ValidationStatuses": []}, "InferenceSpecification": SPEC}
    description |= described
    with Stubber(stubbed) as stub:
        stub.add_response("list_model_packages", {"ModelPackageSummaryList": [summary]}, listed)
        stub.add_response("describe_model_package", description, {"ModelPackageName": arn})
        with pytest.raises(pin_version.PinError, match=rf"^version {arn}: {problem.format(group=group)}$"):
            pin_version.checked_version(stubbed, group, pin_version.newest_approved(stubbed, group))
        stub.assert_no_pending_responses()


# -- baselines --------------------------------------------------------------------------------------


def test_baselines_are_read_from_drift_check_baselines(sagemaker: Any, group: str, pin: Any) -> None:
    both = register(sagemaker, group, DriftCheckBaselines=drift_baselines("s3://artifacts/v1", model_quality=True))
    assert pin(variants="champion").release.version_of("champion").baselines == Baselines(
        "s3://artifacts/v1/data/statistics.json",
        "s3://artifacts/v1/data/constraints.json",
        "s3://artifacts/v1/model/statistics.json",
        "s3://artifacts/v1/model/constraints.json",
    )
    data_only = register(sagemaker, group, DriftCheckBaselines=drift_baselines("s3://artifacts/v2"))
    result = pin(current=release(group, ("champion", both), ("challenger", both)))
    assert result.release.version_of("challenger").baselines == Baselines(
        "s3://artifacts/v2/data/statistics.json", "s3://artifacts/v2/data/constraints.json"
    )
    assert result.release.newest.arn == data_only


def test_a_version_without_baselines_is_pinned_without(sagemaker: Any, group: str, pin: Any) -> None:
    arn = sagemaker.create_model_package(
        ModelPackageGroupName=group, ModelApprovalStatus="PendingManualApproval", InferenceSpecification=SPEC
    )["ModelPackageArn"]
    decide(sagemaker, arn, "Approved")
    result = pin(variants="champion")
    assert result.out[-1] == f"champion <- {arn} (baselines: no)"
    assert result.release.version_of("champion").baselines is None


def test_half_a_baseline_is_refused(sagemaker: Any, group: str, pin: Any) -> None:
    drift = drift_baselines("s3://artifacts/v1")
    del drift["ModelDataQuality"]["Constraints"]
    arn = register(sagemaker, group, DriftCheckBaselines=drift)
    result = pin()
    assert result.err == [
        f"error: version {arn}: DriftCheckBaselines.ModelDataQuality.Constraints is missing (the other is set)"
    ]


def test_a_baseline_the_release_file_refuses_is_refused_in_one_line(sagemaker: Any, group: str, pin: Any) -> None:
    drift = drift_baselines("https://example.com/v1")
    register(sagemaker, group, DriftCheckBaselines=drift)
    result = pin(variants="champion")
    assert result.code == 2
    assert len(result.err) == 1
    assert "release: variants[0].baselines.data_statistics: must be an s3:// URI (got 'https://" in result.err[0]


# -- the current release ----------------------------------------------------------------------------


def test_a_current_release_of_another_group_is_refused(sagemaker: Any, group: str, pin: Any, tmp_path: Path) -> None:
    register(sagemaker, group)
    other = release("other", ("champion", "arn:aws:sagemaker:us-east-1:123456789012:model-package/other/1"))
    result = pin(current=other)
    assert result.err == [f"error: --current {tmp_path / 'current.json'} is a release of group other, not {group}"]


def test_a_current_release_that_is_not_right_is_refused_in_one_line(
    sagemaker: Any, group: str, pin: Any, tmp_path: Path
) -> None:
    register(sagemaker, group)
    (tmp_path / "bad.json").write_text(json.dumps({"format": 2, "group": group, "variants": []}))
    result = pin(current=str(tmp_path / "bad.json"))
    assert result.code == 2
    assert result.err == [
        f"error: --current: {tmp_path / 'bad.json'}: format: must be 1 (got 2); "
        f"{tmp_path / 'bad.json'}: variants: must be a list of 1 or 2 variants (got [])"
    ]


def test_a_current_release_without_the_champion_is_refused(sagemaker: Any, group: str, pin: Any) -> None:
    first = register(sagemaker, group)
    register(sagemaker, group)
    result = pin(current=release(group, ("blue", first)))
    assert result.err == ["error: the current release has no variant champion (it serves: blue)"]


# -- the command line -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--variants", "champion,champion"], "must be one or two distinct variant names, got 'champion,champion'"),
        (["--variants", "a,b,c"], "must be one or two distinct variant names, got 'a,b,c'"),
        (["--variants", "a_b"], "'a_b' is not a variant name (letters, digits, hyphens)"),
        (["--variants", "champion", "--promote"], "--promote needs two variants (champion,challenger)"),
        (["--variants", "a,b", "--promote", "--version-arn", "x"], "not allowed with argument"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(options: list[str], message: str) -> None:
    argv = ["--group", "g", "--current", "", "--out", "release.json", "--region", "us-east-1", *options]
    result = subprocess.run(
        [sys.executable, "-I", str(SCRIPT), *argv], capture_output=True, text=True, check=False, cwd="/"
    )
    assert result.returncode == 2
    assert message in result.stderr.splitlines()[-1]


def test_the_script_runs_isolated_as_codebuild_runs_it(
    sagemaker: Any, group: str, moto_endpoint: str, tmp_path: Path
) -> None:
    """`python3 -I`: no PYTHONPATH, no script folder on sys.path; the script finds serving.release."""
    arn = register(sagemaker, group)
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        **{name.upper(): value for name, value in FAKE_CREDENTIALS.items()},
    }
    argv = ["--group", group, "--variants", "champion", "--current", "", "--out", "release.json"]
    result = subprocess.run(
        [sys.executable, "-I", str(SCRIPT), *argv, "--region", "us-east-1"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env=environment,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines()[-1] == f"champion <- {arn} (baselines: yes)"
    assert Release.load(tmp_path / "release.json").version_of("champion").arn == arn
