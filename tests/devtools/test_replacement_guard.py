"""The replacement guard: template pairs that do and do not replace or delete stateful resources."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from devtools.replacement_guard import main
from tests.support.synth import ROOT, Synthesized

GUARD = ROOT / "scripts" / "replacement_guard.py"

BASE: dict[str, dict[str, Any]] = {
    "dev-us-east-1/Data": {
        "Resources": {
            "DatasetsBucket": {
                "Type": "AWS::S3::Bucket",
                "Properties": {"VersioningConfiguration": {"Status": "Enabled"}},
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Metadata": {"aws:cdk:path": "dev-us-east-1/Data/Datasets/Resource"},
            },
            "PlatformKey": {
                "Type": "AWS::KMS::Key",
                "Properties": {"EnableKeyRotation": True},
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
            },
            "Handler": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.13"}},
        }
    },
    "dev-us-east-1/Studio": {
        "Resources": {
            "StudioDomain": {
                "Type": "AWS::SageMaker::Domain",
                "Properties": {
                    "DomainName": "mlexp-dev",
                    "AuthMode": "IAM",
                    "KmsKeyId": "k",
                    "VpcId": "v",
                    "SubnetIds": ["a", "b"],
                    "AppNetworkAccessType": "VpcOnly",
                    "Tags": [{"Key": "Project", "Value": "mlexp"}],
                    "DefaultUserSettings": {"ExecutionRole": "r"},
                },
            },
            "ProfilealiceABCDEF12": {
                "Type": "AWS::SageMaker::UserProfile",
                "Properties": {"DomainId": "d", "UserProfileName": "alice"},
            },
            "ModelGroupX": {
                "Type": "AWS::SageMaker::ModelPackageGroup",
                "Properties": {
                    "ModelPackageGroupName": "mlexp-dev-x",
                    "ModelPackageGroupDescription": "Versions of model x",
                },
            },
        }
    },
}


def write_assembly(root: Path, templates: dict[str, dict[str, Any]]) -> Path:
    root.mkdir(parents=True)
    artifacts = {}
    for index, (display, template) in enumerate(sorted(templates.items())):
        (root / f"stack{index}.template.json").write_text(json.dumps(template))
        artifacts[f"stack{index}"] = {
            "type": "aws:cloudformation:stack",
            "displayName": display,
            "properties": {"templateFile": f"stack{index}.template.json"},
        }
    (root / "manifest.json").write_text(json.dumps({"version": "55.0.0", "artifacts": artifacts}))
    return root


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


def run_guard(argv: list[str]) -> Result:
    """The guard's `main` in this process, its output captured (the script is a thin wrapper;
    `test_the_script_runs_as_ci_calls_it` runs it as a process once)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return Result(code, out.getvalue(), err.getvalue())


def guard(tmp: Path, change: Callable[[dict[str, Any]], None], *allow: str) -> Result:
    head = copy.deepcopy(BASE)
    change(head)
    base_dir = write_assembly(tmp / "base", BASE)
    head_dir = write_assembly(tmp / "head", head)
    extra = [arg for item in allow for arg in ("--allow", item)]
    return run_guard([str(base_dir), str(head_dir), *extra])


def _data(t: dict[str, Any]) -> dict[str, Any]:
    resources: dict[str, Any] = t["dev-us-east-1/Data"]["Resources"]
    return resources


def _studio(t: dict[str, Any]) -> dict[str, Any]:
    resources: dict[str, Any] = t["dev-us-east-1/Studio"]["Resources"]
    return resources


def _rename_bucket_id(t: dict[str, Any]) -> None:
    _data(t)["DatasetsBucketV2"] = _data(t).pop("DatasetsBucket")


def _name_bucket(t: dict[str, Any]) -> None:
    _data(t)["DatasetsBucket"]["Properties"]["BucketName"] = "fixed-name"


def _drop_key(t: dict[str, Any]) -> None:
    del _data(t)["PlatformKey"]


def _drop_stack(t: dict[str, Any]) -> None:
    del t["dev-us-east-1/Data"]


def _unretain(t: dict[str, Any]) -> None:
    _data(t)["PlatformKey"]["DeletionPolicy"] = "Delete"


def _domain_tags(t: dict[str, Any]) -> None:
    _studio(t)["StudioDomain"]["Properties"]["Tags"].append({"Key": "Commit", "Value": "abc123"})


def _domain_subnets(t: dict[str, Any]) -> None:
    _studio(t)["StudioDomain"]["Properties"]["SubnetIds"] = ["a", "b", "c"]


def _group_description(t: dict[str, Any]) -> None:
    _studio(t)["ModelGroupX"]["Properties"]["ModelPackageGroupDescription"] = "Better words"


def _profile_removed(t: dict[str, Any]) -> None:
    del _studio(t)["ProfilealiceABCDEF12"]


def _type_changed(t: dict[str, Any]) -> None:
    _data(t)["PlatformKey"]["Type"] = "AWS::KMS::ReplicaKey"


REPLACES = {
    "logical id changed": (
        _rename_bucket_id,
        "dev-us-east-1/Data/DatasetsBucket (AWS::S3::Bucket): logical id "
        "changed to DatasetsBucketV2: replaced (retained: it would be orphaned",
    ),
    "create-only name": (_name_bucket, 'create-only property BucketName changed: null -> "fixed-name"'),
    "removed": (_drop_key, "dev-us-east-1/Data/PlatformKey (AWS::KMS::Key): removed (retained"),
    "stack removed": (_drop_stack, "dev-us-east-1/Data/DatasetsBucket (AWS::S3::Bucket): its stack is removed"),
    "retain dropped": (_unretain, "PlatformKey (AWS::KMS::Key): DeletionPolicy Retain dropped (now Delete)"),
    "domain tags": (_domain_tags, "StudioDomain (AWS::SageMaker::Domain): create-only property Tags changed"),
    "domain subnets": (_domain_subnets, 'create-only property SubnetIds changed: ["a", "b"] -> ["a", "b", "c"]'),
    "group description": (_group_description, "create-only property ModelPackageGroupDescription changed"),
    "profile removed": (_profile_removed, "ProfilealiceABCDEF12 (AWS::SageMaker::UserProfile): removed"),
    "type changed": (_type_changed, "type changed to AWS::KMS::ReplicaKey: replaced"),
}


@pytest.mark.parametrize("case", sorted(REPLACES))
def test_replacing_changes_fail_and_say_why(tmp_path: Path, case: str) -> None:
    change, message = REPLACES[case]
    result = guard(tmp_path, change)
    assert result.returncode == 1, result.stdout + result.stderr
    assert any(line.startswith("BLOCKED  ") and message in line for line in result.stdout.splitlines()), result.stdout


def _mutable_bucket(t: dict[str, Any]) -> None:
    _data(t)["DatasetsBucket"]["Properties"]["VersioningConfiguration"] = {"Status": "Suspended"}


def _lambda_replaced(t: dict[str, Any]) -> None:
    _data(t)["HandlerV2"] = _data(t).pop("Handler")


def _domain_settings(t: dict[str, Any]) -> None:
    _studio(t)["StudioDomain"]["Properties"]["DefaultUserSettings"] = {"ExecutionRole": "other"}


def _new_stateful(t: dict[str, Any]) -> None:
    _data(t)["NewBucket"] = {"Type": "AWS::S3::Bucket", "Properties": {}}


SAFE = {
    "nothing": lambda t: None,
    "mutable property": _mutable_bucket,
    "stateless replaced": _lambda_replaced,
    "domain settings": _domain_settings,
    "new stateful resource": _new_stateful,
}


@pytest.mark.parametrize("case", sorted(SAFE))
def test_safe_changes_pass(tmp_path: Path, case: str) -> None:
    result = guard(tmp_path, SAFE[case])
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1] == "0 stateful resource(s) at risk, 0 allowed, of 5 in 2 base stack(s)"


def test_a_reviewed_finding_can_be_allowed_and_is_still_printed(tmp_path: Path) -> None:
    result = guard(tmp_path, _drop_key, "dev-us-east-1/Data/PlatformKey")
    assert result.returncode == 0
    assert result.stdout.startswith("ALLOWED  dev-us-east-1/Data/PlatformKey (AWS::KMS::Key): removed")


def test_unusable_input_is_exit_2(tmp_path: Path) -> None:
    result = run_guard([str(tmp_path / "nope"), str(tmp_path)])
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {tmp_path / 'nope'} is not a cloud assembly (no manifest.json)"


@pytest.mark.cli
def test_the_script_runs_as_ci_calls_it(tmp_path: Path) -> None:
    head = copy.deepcopy(BASE)
    _drop_key(head)
    base, changed = write_assembly(tmp_path / "base", BASE), write_assembly(tmp_path / "head", head)
    result = subprocess.run(
        [sys.executable, str(GUARD), str(base), str(changed)], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 1
    assert result.stdout.startswith("BLOCKED  dev-us-east-1/Data/PlatformKey (AWS::KMS::Key): removed")


def _run_on_assemblies(base: Path, head: Path) -> Result:
    return run_guard([str(base), str(head)])


def test_real_synths(sample: Synthesized, mutated: Synthesized) -> None:
    """The sample against itself is safe; the everyday edits of `mutated` include one that
    replaces a stateful resource (a model group's description is create-only), and the guard says so."""
    assert _run_on_assemblies(sample.outdir, sample.outdir).returncode == 0
    result = _run_on_assemblies(sample.outdir, mutated.outdir)
    assert result.returncode == 1
    assert (
        "(AWS::SageMaker::ModelPackageGroup): create-only property ModelPackageGroupDescription changed"
        in result.stdout
    )
