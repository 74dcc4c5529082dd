"""Stateful resources keep their logical ids, and are retained or destroyed as configured."""

from __future__ import annotations

import pytest

from stacks.data_stack import LOGICAL_IDS as DATA_IDS
from stacks.data_stack import pipeline_artifacts_logical_id
from stacks.model_build_stack import MIRROR_LOGICAL_IDS as MIRROR_IDS
from stacks.model_build_stack import build_logs_logical_id
from stacks.network_stack import LOGICAL_IDS as NETWORK_IDS
from stacks.registry_stack import experiment_logical_id, group_logical_id
from stacks.studio_stack import LOGICAL_IDS as STUDIO_IDS
from tests.stages import SAMPLE_STACK_KINDS, SAMPLE_STAGES
from tests.support.synth import Synthesized, resources

STAGES = sorted(SAMPLE_STAGES)

# The contract, written out: a change here is a replacement in every deployed environment.
PINNED = {
    "Data": {
        "PlatformKey": "AWS::KMS::Key",
        "AccessLogsBucket": "AWS::S3::Bucket",
        "DatasetsBucket": "AWS::S3::Bucket",
        "ArtifactsBucket": "AWS::S3::Bucket",
        pipeline_artifacts_logical_id("vision"): "AWS::S3::Bucket",
        pipeline_artifacts_logical_id("forecasting"): "AWS::S3::Bucket",
    },
    "ModelBuild": {
        MIRROR_IDS["domain"]: "AWS::CodeArtifact::Domain",
        MIRROR_IDS["repository"]: "AWS::CodeArtifact::Repository",
        build_logs_logical_id("vision"): "AWS::Logs::LogGroup",
        build_logs_logical_id("forecasting"): "AWS::Logs::LogGroup",
    },
    "Network": {"Vpc": "AWS::EC2::VPC", "FlowLogGroup": "AWS::Logs::LogGroup"},
    "Studio": {"StudioDomain": "AWS::SageMaker::Domain", "TeardownLogGroup": "AWS::Logs::LogGroup"},
    "Registry": {
        group_logical_id("defect-detector"): "AWS::SageMaker::ModelPackageGroup",
        group_logical_id("demand-forecast"): "AWS::SageMaker::ModelPackageGroup",
        experiment_logical_id("vision", "defect-baselines"): "AWS::SageMaker::Experiment",
        experiment_logical_id("forecasting", "demand-features"): "AWS::SageMaker::Experiment",
    },
}
STATEFUL_TYPES = {
    "AWS::KMS::Key",
    "AWS::S3::Bucket",
    "AWS::Logs::LogGroup",
    "AWS::EC2::VPC",
    "AWS::SageMaker::Domain",
    "AWS::SageMaker::ModelPackageGroup",
    "AWS::SageMaker::Experiment",
    "AWS::SageMaker::MlflowTrackingServer",
    "AWS::CodeArtifact::Domain",
    "AWS::CodeArtifact::Repository",
}


def test_pinned_ids_are_the_ones_the_stacks_declare() -> None:
    assert set(DATA_IDS.values()) | {pipeline_artifacts_logical_id(t) for t in ("vision", "forecasting")} == set(
        PINNED["Data"]
    )
    assert set(NETWORK_IDS.values()) == set(PINNED["Network"])
    assert set(STUDIO_IDS.values()) == set(PINNED["Studio"])


@pytest.mark.parametrize("stage", STAGES)
def test_user_profile_ids_are_pinned_to_the_user_name(sample: Synthesized, stage: str) -> None:
    from platform_constructs.studio_user_profile import profile_logical_id

    found = {}
    for name, stack in sample.stacks.items():
        if name.startswith(f"{stage}/Users"):
            for logical_id, profile in resources(stack.template, "AWS::SageMaker::UserProfile").items():
                found[profile["Properties"]["UserProfileName"]] = logical_id
    assert found == {user: profile_logical_id(user) for user in sample.config.all_users}


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("stack", sorted(PINNED))
def test_stateful_logical_ids_are_pinned(sample: Synthesized, stage: str, stack: str) -> None:
    template = sample.template(stage, stack)
    for logical_id, resource_type in PINNED[stack].items():
        assert template["Resources"][logical_id]["Type"] == resource_type
    # Every stateful resource in the stack is one of the pinned ones: nothing new slips in unpinned.
    stateful = {lid for lid, r in template["Resources"].items() if r["Type"] in STATEFUL_TYPES}
    assert stateful == set(PINNED[stack])


@pytest.mark.parametrize("stage", STAGES)
def test_retained_environment_keeps_everything_stateful(sample: Synthesized, stage: str) -> None:
    for stack, pinned in PINNED.items():
        template = sample.template(stage, stack)
        for logical_id in pinned:
            resource = template["Resources"][logical_id]
            if resource["Type"] == "AWS::EC2::VPC":
                continue  # a VPC holds no data; its protection is the pinned id and termination protection
            assert resource["DeletionPolicy"] == "Retain", logical_id
            assert resource["UpdateReplacePolicy"] == "Retain", logical_id
        assert resources(template, "Custom::S3AutoDeleteObjects") == {}


@pytest.mark.parametrize("stage", STAGES)
def test_retained_environment_stacks_have_termination_protection(sample: Synthesized, stage: str) -> None:
    stacks = [name for name in sample.stacks if name.startswith(f"{stage}/")]
    assert len(stacks) == len(SAMPLE_STACK_KINDS)
    for stack in stacks:
        assert sample.stacks[stack].termination_protection is True


@pytest.mark.parametrize("stage", STAGES)
def test_disposable_environment_destroys_and_empties(disposable: Synthesized, stage: str) -> None:
    template = disposable.template(stage, "Data")
    for logical_id in PINNED["Data"]:
        assert template["Resources"][logical_id]["DeletionPolicy"] == "Delete", logical_id
    assert template["Resources"]["PlatformKey"]["Properties"]["PendingWindowInDays"] == 7
    emptied = {
        r["Properties"]["BucketName"]["Ref"] for r in resources(template, "Custom::S3AutoDeleteObjects").values()
    }
    assert emptied == {lid for lid, kind in PINNED["Data"].items() if kind == "AWS::S3::Bucket"}
    assert disposable.stacks[f"{stage}/Data"].termination_protection is False
    assert disposable.template(stage, "Network")["Resources"]["FlowLogGroup"]["DeletionPolicy"] == "Delete"


def test_stack_names_come_from_the_naming_function(sample: Synthesized) -> None:
    kinds = SAMPLE_STACK_KINDS
    assert {(name, out.stack_name) for name, out in sample.stacks.items()} == {
        (f"{stage}/{stack_id}", f"mlexp-dev-{kind}") for stage in STAGES for stack_id, kind in kinds.items()
    }
