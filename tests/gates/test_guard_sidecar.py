"""The Guard rules in a sidecar Node process (compliance/guard_sidecar.py) report what the
in-process plugin reports, and when the sidecar fails the rules still run, in process, with one
warning line. The probe breaks a platform rule (STATEFUL_RETAINED: a bucket without Retain in a
retained environment) and a default rule (a bucket name CloudFormation refuses)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import Validations
from aws_cdk import aws_s3 as s3

from compliance.guard import SidecarGuardPlugin, guard_plugin
from compliance.guard_sidecar import GuardSidecar
from platform_constructs.explained import forget
from stacks.platform_app import new_platform_app, project_context
from tests.support.stacks import ENV

pytestmark = pytest.mark.cli


def _synth_probe(outdir: Path, plugin: Any, *, builtin_validation: bool) -> dict[str, Any]:
    """The probe app with `plugin` only; the plugin's section of validation-report.json."""
    app = new_platform_app(outdir=str(outdir), context=project_context(), builtin_validation=builtin_validation)
    stack = cdk.Stack(app, "Probe", env=ENV)
    stack.template_options.metadata = {"ExperimentPlatform": {"RetainStateful": True}}
    s3.CfnBucket(stack, "Throwaway")
    s3.CfnBucket(stack, "BadName", bucket_name="Not_A_Bucket_Name")
    Validations.of(app).add_plugins(plugin)
    app.synth()
    forget(app)
    report = json.loads((outdir / "validation-report.json").read_text())
    (section,) = [r for r in report["pluginReports"] if r["pluginName"] == "CloudFormation Validate"]
    return dict(section)


def _rules(section: dict[str, Any]) -> list[str]:
    return sorted(v["ruleName"] for v in section["violations"])


@pytest.fixture(scope="module")
def in_process(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _synth_probe(tmp_path_factory.mktemp("in-process"), guard_plugin(), builtin_validation=True)


def test_the_sidecar_reports_exactly_what_the_in_process_plugin_reports(
    in_process: dict[str, Any], tmp_path: Path
) -> None:
    sidecar = GuardSidecar.start()
    assert sidecar is not None, "no sidecar: jsii's package cache holds no aws-cdk-lib (run any synth first)"
    try:
        remote = _synth_probe(tmp_path, SidecarGuardPlugin(sidecar), builtin_validation=False)
    finally:
        sidecar.close()
    assert "STATEFUL_RETAINED" in _rules(in_process)
    assert in_process["conclusion"] == "failure"
    assert remote == in_process


def test_a_sidecar_that_fails_leaves_the_rules_to_the_in_process_plugin(
    in_process: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("compliance.guard_sidecar.GUARD_RULES", tmp_path / "no-such-rules.guard")
    sidecar = GuardSidecar.start()
    assert sidecar is not None
    try:
        fallen_back = _synth_probe(tmp_path / "out", SidecarGuardPlugin(sidecar), builtin_validation=False)
    finally:
        sidecar.close()
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: the Guard sidecar failed: cannot build the validation engine: ENOENT: no such file or directory, "
        f"open '{tmp_path / 'no-such-rules.guard'}'; the Guard rules run in this process instead"
    ]
    assert fallen_back == in_process
