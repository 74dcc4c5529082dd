"""The platform delivery pipeline (optional): self-mutating, a wave per environment, approvals."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stacks.delivery_stack import CDK_CLI_VERSION
from tests.support.synth import ROOT, Synthesized, only

CONNECTION = "arn:aws:codeconnections:us-east-1:999988887777:connection/0a1b2c3d-1111-2222-3333"


@pytest.fixture(scope="module")
def delivered(everything_on: Synthesized) -> Synthesized:
    return everything_on


def stages(synth: Synthesized) -> list[dict[str, Any]]:
    _, pipeline = only(synth.stacks["Delivery"].template, "AWS::CodePipeline::Pipeline")
    found: list[dict[str, Any]] = pipeline["Properties"]["Stages"]
    return found


def test_no_delivery_stack_without_the_section(sample: Synthesized) -> None:
    assert "Delivery" not in sample.stacks


def test_source_synth_self_mutate_then_a_wave_per_environment(delivered: Synthesized) -> None:
    names = [stage["Name"] for stage in stages(delivered)]
    assert names[:3] == ["Source", "Build", "UpdatePipeline"]
    # A wave of one stage is named after its stage.
    assert names[-2:] == ["dev-us-east-1", "prod"]
    source = stages(delivered)[0]["Actions"][0]["Configuration"]
    assert source["ConnectionArn"] == CONNECTION
    assert source["FullRepositoryId"] == "acme/ml-platform"
    assert source["BranchName"] == "main"


def test_synth_runs_the_readme_command(delivered: Synthesized) -> None:
    template = delivered.stacks["Delivery"].template
    specs = [
        r["Properties"]["Source"]["BuildSpec"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CodeBuild::Project"
    ]
    synth = [s for s in specs if "make synth" in s]
    assert len(synth) == 1
    assert "make synth CONFIG=config/sample.yaml" in synth[0]
    assert any(f"aws-cdk@{CDK_CLI_VERSION}" in s for s in specs)  # self-mutation uses the pinned CLI


def test_regions_of_an_environment_deploy_in_one_wave_after_approval(delivered: Synthesized) -> None:
    by_name = {stage["Name"]: stage for stage in stages(delivered)}
    dev_actions = by_name["dev-us-east-1"]["Actions"]
    prod_actions = by_name["prod"]["Actions"]
    assert not any(a["ActionTypeId"]["Category"] == "Approval" for a in dev_actions)
    approvals = [a for a in prod_actions if a["ActionTypeId"]["Category"] == "Approval"]
    assert [a["Name"] for a in approvals] == ["Approve-prod"]
    first_deploy = min(a["RunOrder"] for a in prod_actions if a["ActionTypeId"]["Category"] == "Deploy")
    assert approvals[0]["RunOrder"] < first_deploy
    assert all(a["Name"].startswith("mlexp-dev-") for a in dev_actions)  # one stage: actions need no prefix
    for region in ("us-east-1", "eu-west-1"):
        assert any(a["Name"].startswith(f"prod-{region}.") for a in prod_actions)


def test_cross_account_deploys_use_a_pipeline_key(delivered: Synthesized) -> None:
    template = delivered.stacks["Delivery"].template
    _, key = only(template, "AWS::KMS::Key")
    assert key["Properties"]["EnableKeyRotation"] is True
    _, pipeline = only(template, "AWS::CodePipeline::Pipeline")
    assert "EncryptionKey" in json.dumps(
        pipeline["Properties"].get("ArtifactStores", pipeline["Properties"].get("ArtifactStore"))
    )


def test_bootstrap_instructions_are_documented() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "--trust <delivery account>" in readme
