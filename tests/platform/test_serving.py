"""Serving in the sample: a deploy pipeline per served group in both regions, and the serving
stacks of a release (tests/support/releases/) synthesized with every gate on."""

from __future__ import annotations

import json
from typing import Any

import pytest

from platform_config.image_uris import published_image
from serving.release import Release
from tests.support.assembly import Synthesized, only, resources
from tests.support.pool import SynthPool
from tests.support.variants import RELEASES

STAGES = ("dev-us-east-1", "dev-eu-west-1")
RELEASE = Release.load(RELEASES["served"])
STAGING, PRODUCTION = "Serving-defect-detector-staging", "Serving-defect-detector-production"


def _stages(template: dict[str, Any]) -> list[str]:
    _, pipeline = only(template, "AWS::CodePipeline::Pipeline")
    return [stage["Name"] for stage in pipeline["Properties"]["Stages"]]


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_has_a_deploy_pipeline_per_served_group(sample: Synthesized, stage: str) -> None:
    template = sample.template(stage, "Deploy")
    assert _stages(template) == ["Source", "Release", "Staging", "Smoke", "Approve", "Production"]
    (rule,) = [r for r in resources(template, "AWS::Events::Rule").values() if "ModelApprovalStatus" in json.dumps(r)]
    assert rule["Properties"]["EventPattern"]["detail"] == {
        "ModelPackageGroupName": ["mlexp-dev-defect-detector"],
        "ModelApprovalStatus": ["Approved"],
    }


def test_a_disposable_environment_deploys_production_without_approval(disposable: Synthesized) -> None:
    assert "Approve" not in _stages(disposable.template("dev-us-east-1", "Deploy"))


def test_the_release_passes_every_gate(synth_pool: SynthPool, served: Synthesized) -> None:
    assert synth_pool.findings("served") == []
    names = {output.stack_name for output in served.stacks.values()}
    assert {"mlexp-dev-defect-detector-serving-staging", "mlexp-dev-defect-detector-serving-production"} <= names


def test_a_release_serves_only_its_own_stage(served: Synthesized) -> None:
    assert f"dev-us-east-1/{PRODUCTION}" in served.stacks
    assert not [name for name in served.stacks if name.startswith("dev-eu-west-1/Serving")]


def test_a_release_never_changes_a_platform_template(sample: Synthesized, served: Synthesized) -> None:
    """The deploy pipeline deploys only the serving stacks: anything else it synthesized must be
    exactly what the platform already deployed (stacks/serving_links.py)."""
    platform = {name for name in served.stacks if "/Serving-" not in name}
    assert platform == set(sample.stacks)
    changed = [name for name in platform if served.stacks[name].template != sample.stacks[name].template]
    assert changed == []


def test_the_templates_name_the_exact_versions(served: Synthesized) -> None:
    template = served.template("dev-us-east-1", PRODUCTION)
    packages = sorted(
        model["Properties"]["PrimaryContainer"]["ModelPackageName"]
        for model in resources(template, "AWS::SageMaker::Model").values()
    )
    assert packages == sorted(version.arn for _, version in RELEASE.variants)
    outputs = template["Outputs"]
    assert outputs["VersionChampion"]["Value"] == RELEASE.version_of("champion").arn
    assert outputs["VersionChallenger"]["Value"] == RELEASE.version_of("challenger").arn


def test_production_runs_two_instances_per_variant_and_scales(served: Synthesized) -> None:
    template = served.template("dev-us-east-1", PRODUCTION)
    _, config = only(template, "AWS::SageMaker::EndpointConfig")
    variants = config["Properties"]["ProductionVariants"]
    assert [(v["VariantName"], v["InitialInstanceCount"], v["InitialVariantWeight"]) for v in variants] == [
        ("champion", 2, 90),
        ("challenger", 2, 10),
    ]
    targets = resources(template, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert sorted(t["Properties"]["ResourceId"] for t in targets.values()) == [
        "endpoint/mlexp-dev-defect-detector-production/variant/challenger",
        "endpoint/mlexp-dev-defect-detector-production/variant/champion",
    ]
    assert {t["Properties"]["MinCapacity"] for t in targets.values()} == {2}


def test_staging_is_one_instance_unscaled_and_unmonitored(served: Synthesized) -> None:
    template = served.template("dev-us-east-1", STAGING)
    _, config = only(template, "AWS::SageMaker::EndpointConfig")
    assert {v["InitialInstanceCount"] for v in config["Properties"]["ProductionVariants"]} == {1}
    assert resources(template, "AWS::ApplicationAutoScaling::ScalableTarget") == {}
    assert resources(template, "AWS::SageMaker::MonitoringSchedule") == {}


def test_the_monitor_compares_with_the_newest_versions_registered_baselines(served: Synthesized) -> None:
    template = served.template("dev-us-east-1", PRODUCTION)
    _, definition = only(template, "AWS::SageMaker::DataQualityJobDefinition")
    baselines = RELEASE.newest.baselines
    assert baselines is not None
    assert RELEASE.newest.number == 4
    config = definition["Properties"]["DataQualityBaselineConfig"]
    assert config["StatisticsResource"]["S3Uri"] == baselines.data_statistics
    assert config["ConstraintsResource"]["S3Uri"] == baselines.data_constraints
    assert (
        definition["Properties"]["DataQualityAppSpecification"]["ImageUri"]
        == published_image("model-monitor", "us-east-1").uri
    )
    assert definition["Properties"]["NetworkConfig"]["EnableNetworkIsolation"] is True
    # No ground truth configured in the sample: no model-quality monitor.
    assert resources(template, "AWS::SageMaker::ModelQualityJobDefinition") == {}


def test_serving_stacks_wait_for_the_platform(served: Synthesized) -> None:
    for tier in (STAGING, PRODUCTION):
        assert "dev-us-east-1/Pipelines" in served.stacks[f"dev-us-east-1/{tier}"].dependencies


def test_production_serving_is_termination_protected_in_a_retained_environment(served: Synthesized) -> None:
    assert served.stacks[f"dev-us-east-1/{PRODUCTION}"].termination_protection
    assert not served.stacks[f"dev-us-east-1/{STAGING}"].termination_protection
