"""The Studio domain: VPC-only, encrypted, audited, idle apps stopped; create-only values stable."""

from __future__ import annotations

from typing import Any

import pytest

from tests.stages import SAMPLE_STAGES
from tests.support.synth import Synthesized, Template, only, resources

STAGES = sorted(SAMPLE_STAGES)
# What CloudFormation or SageMaker cannot change in place (docs/aws.md, and the resource schema).
CREATE_ONLY = ("DomainName", "AuthMode", "KmsKeyId", "VpcId", "SubnetIds", "AppNetworkAccessType")


def studio(synth: Synthesized, stage: str) -> Template:
    return synth.template(stage, "Studio")


def domain_props(synth: Synthesized, stage: str) -> dict[str, Any]:
    props: dict[str, Any] = studio(synth, stage)["Resources"]["StudioDomain"]["Properties"]
    return props


def _stack_output(value: Any) -> dict[str, Any]:
    reference: dict[str, Any] = value["Fn::GetStackOutput"]
    return reference


@pytest.mark.parametrize("stage", STAGES)
def test_domain_is_vpc_only_with_iam_auth_and_the_platform_key(sample: Synthesized, stage: str) -> None:
    props = domain_props(sample, stage)
    assert props["DomainName"] == "mlexp-dev"
    assert props["AuthMode"] == "IAM"
    assert props["AppNetworkAccessType"] == "VpcOnly"
    key = _stack_output(props["KmsKeyId"])
    assert key["StackName"] == "mlexp-dev-data"
    assert "PlatformKey" in key["OutputName"]
    assert _stack_output(props["VpcId"])["StackName"] == "mlexp-dev-network"
    subnets = props["SubnetIds"]
    _, region = SAMPLE_STAGES[stage]
    assert len(subnets) == region.az_count
    assert all("IsolatedSubnet" in _stack_output(s)["OutputName"] for s in subnets)


@pytest.mark.parametrize("stage", STAGES)
def test_studio_security_group_in_user_and_space_defaults(sample: Synthesized, stage: str) -> None:
    props = domain_props(sample, stage)
    for settings in ("DefaultUserSettings", "DefaultSpaceSettings"):
        groups = props[settings]["SecurityGroups"]
        assert len(groups) == 1
        assert "StudioSecurityGroup" in _stack_output(groups[0])["OutputName"]


@pytest.mark.parametrize("stage", STAGES)
def test_audit_sharing_and_docker_settings(sample: Synthesized, stage: str) -> None:
    props = domain_props(sample, stage)
    assert props["DomainSettings"] == {
        "DockerSettings": {"EnableDockerAccess": "DISABLED"},
        "ExecutionRoleIdentityConfig": "USER_PROFILE_NAME",
    }
    user = props["DefaultUserSettings"]
    assert user["SharingSettings"] == {"NotebookOutputOption": "Disabled"}
    assert user["DefaultLandingUri"] == "studio::"
    assert user["StudioWebPortal"] == "ENABLED"


@pytest.mark.parametrize("stage", STAGES)
def test_idle_apps_shut_down(sample: Synthesized, stage: str) -> None:
    props = domain_props(sample, stage)
    idle = {
        "IdleSettings": {
            "IdleTimeoutInMinutes": 60,
            "LifecycleManagement": "ENABLED",
            "MaxIdleTimeoutInMinutes": 240,
            "MinIdleTimeoutInMinutes": 60,
        }
    }
    user = props["DefaultUserSettings"]
    assert user["JupyterLabAppSettings"]["AppLifecycleManagement"] == idle
    assert user["CodeEditorAppSettings"]["AppLifecycleManagement"] == idle
    assert props["DefaultSpaceSettings"]["JupyterLabAppSettings"]["AppLifecycleManagement"] == idle


@pytest.mark.parametrize("stage", STAGES)
def test_default_role_has_no_permissions(sample: Synthesized, stage: str) -> None:
    template = studio(sample, stage)
    role_ref = domain_props(sample, stage)["DefaultUserSettings"]["ExecutionRole"]
    assert domain_props(sample, stage)["DefaultSpaceSettings"]["ExecutionRole"] == role_ref
    role_id = role_ref["Fn::GetAtt"][0]
    role = template["Resources"][role_id]["Properties"]
    assert "ManagedPolicyArns" not in role
    assert "Policies" not in role
    attached = [
        p for p in resources(template, "AWS::IAM::Policy").values() if {"Ref": role_id} in p["Properties"]["Roles"]
    ]
    assert attached == []


@pytest.mark.parametrize("stage", STAGES)
def test_optional_lifecycle_configs_are_offered_domain_wide(sample: Synthesized, stage: str) -> None:
    user = domain_props(sample, stage)["DefaultUserSettings"]
    arns = user["JupyterLabAppSettings"]["LifecycleConfigArns"]
    assert len(arns) == 1
    assert "Lifecycle" in arns[0]["Fn::GetAtt"][0]
    assert "LifecycleConfigArns" not in user["CodeEditorAppSettings"]


def test_no_studio_classic_apps_anywhere(sample: Synthesized) -> None:
    for stack in sample.stacks.values():
        assert resources(stack.template, "AWS::SageMaker::App") == {}


def test_domain_is_retained_in_retained_and_deleted_in_disposable(sample: Synthesized, disposable: Synthesized) -> None:
    for stage in STAGES:
        assert studio(sample, stage)["Resources"]["StudioDomain"]["DeletionPolicy"] == "Retain"
        assert studio(sample, stage)["Resources"]["StudioDomain"]["UpdateReplacePolicy"] == "Retain"
        assert studio(disposable, stage)["Resources"]["StudioDomain"]["DeletionPolicy"] == "Delete"


def test_domain_teardown_refuses_in_retained_environments(sample: Synthesized, disposable: Synthesized) -> None:
    for synth, retain in ((sample, "true"), (disposable, "false")):
        _, teardown = only(studio(synth, "dev-us-east-1"), "Custom::StudioTeardown")
        assert teardown["Properties"]["Retain"] == retain
        assert "UserProfileName" not in teardown["Properties"]
        assert teardown["Properties"]["DomainId"] == {"Fn::GetAtt": ["StudioDomain", "DomainId"]}
        assert "StudioDomain" in teardown["DependsOn"]


def test_mutable_changes_leave_create_only_values_and_tags_alone(sample: Synthesized, mutated: Synthesized) -> None:
    changed = mutated
    for stage in STAGES:
        before, after = studio(sample, stage)["Resources"], studio(changed, stage)["Resources"]
        domains = [lid for lid, r in after.items() if r["Type"] == "AWS::SageMaker::Domain"]
        assert domains == ["StudioDomain"]
        for prop in (*CREATE_ONLY, "Tags"):
            assert after["StudioDomain"]["Properties"][prop] == before["StudioDomain"]["Properties"][prop], prop
        # The change is real: mutable settings did move.
        assert (
            after["StudioDomain"]["Properties"]["DefaultUserSettings"]
            != before["StudioDomain"]["Properties"]["DefaultUserSettings"]
        )
