"""The deploy pipeline of a served group, built in process: stages, buildspecs, the deploy role."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from platform_constructs.deploy_pipeline import DeployPipeline, DeployTarget, release_buildspec, smoke_buildspec
from platform_constructs.package_mirror import PackageMirror
from platform_constructs.stateful import Retention
from tests.support.stacks import new_stack, template

TARGET = DeployTarget(
    group="mlexp-dev-defect-detector",
    group_key="defect-detector",
    team="vision",
    variants=("champion", "challenger"),
    stage_id="dev-us-east-1",
    config_path="config/sample.yaml",
    staging_stack="mlexp-dev-defect-detector-serving-staging",
    production_stack="mlexp-dev-defect-detector-serving-production",
    staging_endpoint="mlexp-dev-defect-detector-staging",
    production_endpoint="mlexp-dev-defect-detector-production",
    serving_role_arn="arn:aws:iam::111122223333:role/mlexp-dev-us-east-1-defect-detector-serving",
    smoke_payload="0.12,-0.40",
    approve=True,
)


def build(target: DeployTarget = TARGET) -> dict[str, Any]:
    stack = new_stack()
    key = kms.Key(stack, "Key")
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        subnet_configuration=[ec2.SubnetConfiguration(name="i", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )
    DeployPipeline(
        stack,
        "Deploy",
        target=target,
        artifacts=s3.Bucket(stack, "Artifacts"),
        pipeline_artifacts=s3.Bucket(stack, "PipelineArtifacts"),
        key=key,
        vpc=vpc,
        security_group=ec2.SecurityGroup(stack, "Group", vpc=vpc),
        mirror=PackageMirror(stack, "Mirror", domain_name="probe", key=key, retention=Retention(retain=False)),
        retention=Retention(retain=False),
    )
    return dict(template(stack).to_json())


def of_type(document: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in document["Resources"].values() if r["Type"] == kind]


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    return build()


def test_stages_run_release_staging_smoke_approval_production(built: dict[str, Any]) -> None:
    (pipeline,) = of_type(built, "AWS::CodePipeline::Pipeline")
    stages = pipeline["Properties"]["Stages"]
    assert [s["Name"] for s in stages] == ["Source", "Release", "Staging", "Smoke", "Approve", "Production"]
    deploys = {s["Name"]: s["Actions"][0]["Configuration"] for s in stages if s["Name"] in ("Staging", "Production")}
    assert deploys["Staging"]["StackName"] == TARGET.staging_stack
    assert deploys["Production"]["TemplatePath"] == f"Release::templates/{TARGET.production_stack}.template.json"
    assert pipeline["Properties"]["PipelineType"] == "V2"


def test_without_approval_production_follows_the_smoke_test() -> None:
    (pipeline,) = of_type(build(dataclasses.replace(TARGET, approve=False)), "AWS::CodePipeline::Pipeline")
    assert [s["Name"] for s in pipeline["Properties"]["Stages"]][-2:] == ["Smoke", "Production"]


def test_only_an_approval_of_this_group_starts_it(built: dict[str, Any]) -> None:
    (rule,) = of_type(built, "AWS::Events::Rule")
    assert rule["Properties"]["EventPattern"]["detail"] == {
        "ModelPackageGroupName": [TARGET.group],
        "ModelApprovalStatus": ["Approved"],
    }
    (pipeline,) = of_type(built, "AWS::CodePipeline::Pipeline")
    source = pipeline["Properties"]["Stages"][0]["Actions"][0]["Configuration"]
    assert source["PollForSourceChanges"] is False  # a new platform source deploys nothing by itself


def test_the_release_step_pins_then_synthesizes_offline() -> None:
    commands = release_buildspec(TARGET)["phases"]["build"]["commands"]
    assert "serving.current_release" in commands[0]
    assert "serving.pin_version" in commands[1]
    assert commands[1].endswith("$PIN_ARGS")  # --promote or --version-arn, given when started by hand
    assert commands[2] == '.venv/bin/python app.py "config/sample.yaml" --release release.json'
    assert TARGET.staging_stack in commands[3]
    assert TARGET.production_stack in commands[3]


def test_the_smoke_test_runs_in_the_vpc_on_staging_only(built: dict[str, Any]) -> None:
    command = smoke_buildspec(TARGET)["phases"]["build"]["commands"][1]
    assert f'--endpoint "{TARGET.staging_endpoint}"' in command
    assert TARGET.production_endpoint not in command
    smoke = [p for p in of_type(built, "AWS::CodeBuild::Project") if "VpcConfig" in p["Properties"]]
    assert len(smoke) == 1
    assert "Invokes every variant" in smoke[0]["Properties"]["Description"]


def test_the_deploy_role_is_scoped_to_the_group_and_creates_no_iam(built: dict[str, Any]) -> None:
    roles = [r for r in of_type(built, "AWS::IAM::Role") if "cloudformation.amazonaws.com" in json.dumps(r)]
    assert len(roles) == 1
    text = json.dumps(
        [p for p in of_type(built, "AWS::IAM::Policy") if "ManageTheGroupsEndpointsAndMonitors" in json.dumps(p)]
    )
    assert "iam:CreateRole" not in text
    assert "iam:PutRolePolicy" not in text
    assert f"endpoint/{TARGET.production_endpoint}" in text
    assert f"model-package/{TARGET.group}/*" in text
    assert TARGET.serving_role_arn in text
