"""Compliance packs at synth: zero unacknowledged findings, and every acknowledgment is narrow."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam

from platform_constructs.compliance import (
    MIN_REASON,
    acknowledge,
    attach_compliance_packs,
    flatten_reference,
    reason_for,
    wildcard_findings,
)
from scripts.acknowledgments import Acknowledged
from scripts.synth_app import cli_context
from tests.synth import ROOT, config_variant, synthesize

# Rules whose findings carry a per-item suffix ([Resource::...], [Policy::...]): a bare id would
# acknowledge nothing, and a broad one would hide future findings.
PER_ITEM_RULES = {"AwsSolutions-IAM4", "AwsSolutions-IAM5"}
NAMESPACES = ("AwsSolutions-", "NIST.800.53.R5-", "HIPAA.Security-")


@pytest.fixture(scope="session")
def compliant_sample(sample_config: Any, tmp_path_factory: pytest.TempPathFactory) -> list[Acknowledged]:
    synth = synthesize(sample_config, tmp_path_factory.mktemp("packs"), packs=True)
    return [a for a in synth.acknowledgments if a.rule_id.startswith(NAMESPACES)]


def _everything_on(data: dict[str, Any]) -> None:
    data["environments"][0]["regions"] = data["environments"][0]["regions"][:1]  # delivery doubles every stage
    data["environments"][0]["retain_stateful"] = False
    data["mlflow"]["enabled"] = True
    data["mlflow"]["automatic_model_registration"] = True
    data["teams"][0]["model_build_source"] = {
        "connection_arn": "arn:aws:codeconnections:us-east-1:111122223333:connection/0a1b2c3d-1111-2222-3333",
        "repository": "acme/vision",
        "branch": "main",
    }
    data["delivery"] = {
        "account": "999988887777",
        "region": "us-east-1",
        "source": {
            "connection_arn": "arn:aws:codeconnections:us-east-1:999988887777:connection/0a1b2c3d-1111-2222-3333",
            "repository": "acme/ml-platform",
        },
    }


def test_sample_has_no_unacknowledged_finding(compliant_sample: list[Acknowledged]) -> None:
    """synthesize(packs=True) raises on any unacknowledged error; here it did not."""
    assert len(compliant_sample) > 100


@pytest.mark.cli
def test_every_optional_feature_stays_compliant(tmp_path: Path) -> None:
    """A throwaway environment with MLflow, a CodeConnections source and platform delivery."""
    synth = synthesize(config_variant(_everything_on), tmp_path / "cdk.out", packs=True)
    assert any(a.rule_id.startswith("AwsSolutions-IAM5") for a in synth.acknowledgments)


def test_acknowledgments_are_narrow_and_reasoned(compliant_sample: list[Acknowledged]) -> None:
    for item in compliant_sample:
        assert not item.on_stack_or_stage, f"{item.rule_id} acknowledged stack-wide on {item.path}"
        assert item.rule_id.split("[")[0] not in PER_ITEM_RULES or "[" in item.rule_id, item
        assert len(item.reason) >= MIN_REASON, item


def test_every_acknowledged_rule_is_explained_in_the_readme(compliant_sample: list[Acknowledged]) -> None:
    readme = (ROOT / "README.md").read_text()
    rules = {re.sub(r"^(NIST\.800\.53\.R5|HIPAA\.Security)-", "", a.rule_id.split("[")[0]) for a in compliant_sample}
    missing = sorted(rule for rule in rules if rule not in readme)
    assert missing == [], f"add to README 'Security posture': {missing}"


def test_an_unexplained_wildcard_fails_synthesis(tmp_path: Path) -> None:
    app = cdk.App(context=cli_context(), outdir=str(tmp_path))
    stack = cdk.Stack(app, "Probe", env=cdk.Environment(account="111122223333", region="us-east-1"))
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::somewhere/*"]))
    attach_compliance_packs(app)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    rules = {v["ruleName"] for p in report["pluginReports"] for v in p["violations"]}
    assert "AwsSolutions-IAM5[Resource::arn:aws:s3:::somewhere/*]" in rules


def test_short_reasons_are_refused() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    with pytest.raises(ValueError, match="reason too short"):
        acknowledge(stack, "AwsSolutions-SF2", "because")


@pytest.mark.parametrize(
    ("value", "flat"),
    [
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/*"),
        ({"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket", "Arn"]}, "/team/*"]]}, "<Bucket.Arn>/team/*"),
        ({"Ref": "Thing"}, "<Thing>"),
        ({"Fn::Sub": "arn:${AWS::Partition}:s3:::x"}, "arn:<AWS::Partition>:s3:::x"),
        (
            {"Fn::GetStackOutput": {"StackName": "s", "OutputName": "o"}},
            '{"Fn::GetStackOutput":{"StackName":"s","OutputName":"o"}}',
        ),
    ],
)
def test_flatten_reference_names_resources_like_the_packs(value: Any, flat: str) -> None:
    assert flatten_reference(value) == flat


def test_findings_and_reasons_of_a_statement() -> None:
    statement = {
        "Effect": "Allow",
        "Sid": "SearchAndList",
        "Action": ["sagemaker:List*", "sagemaker:Search"],
        "Resource": "*",
    }
    assert wildcard_findings(statement) == [
        "AwsSolutions-IAM5[Action::sagemaker:List*]",
        "AwsSolutions-IAM5[Resource::*]",
    ]
    assert reason_for(statement) is not None
    assert wildcard_findings({**statement, "Effect": "Deny"}) == []
    assert reason_for({**statement, "Sid": "Unknown"}) is None
    grant = {"Effect": "Allow", "Action": ["s3:GetObject*", "kms:Decrypt"], "Resource": "*"}
    assert "bucket grant" in str(reason_for(grant))
    assert "key grant" in str(reason_for(grant))
    assert reason_for({"Effect": "Allow", "Action": ["s3:GetObject*", "iam:PassRole"], "Resource": "*"}) is None
