"""The fixed-cost report: what it counts from templates, and the prices file it reads."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from devtools.cost_report import (
    PRICES,
    RATE_KEYS,
    PriceError,
    Stage,
    load_prices,
    monthly_total,
    profile_variant,
    stage_lines,
    stages,
    summary_line,
)
from tests.support.synth import SAMPLE_CONFIG, Synthesized


@pytest.fixture(scope="module")
def sample_stages(sample: Synthesized) -> dict[str, Stage]:
    return {stage.name: stage for stage in stages(sample.outdir)}


def test_each_stage_is_priced_in_its_own_region(sample_stages: dict[str, Stage]) -> None:
    prices = load_prices()
    assert {name: stage.region for name, stage in sample_stages.items()} == {
        "dev-us-east-1": "us-east-1",
        "dev-eu-west-1": "eu-west-1",
    }
    east = {line.item: line for line in stage_lines(sample_stages["dev-us-east-1"], prices)}
    endpoints = east["interface endpoints (14 x 3 AZs)"]  # the standard profile and model-build's two
    assert (endpoints.quantity, endpoints.unit_price) == (14 * 3 * 730, 0.01)
    mirror = east["CodeArtifact mirror storage (1 domain)"]
    assert (mirror.quantity, mirror.unit, mirror.unit_price) == (1.0, "GB-months", 0.05)
    assert east["KMS keys (1)"].monthly == 1.0
    west = {line.item: line for line in stage_lines(sample_stages["dev-eu-west-1"], prices)}
    assert west["interface endpoints (8 x 2 AZs)"].unit_price == 0.011  # eu-west-1 differs from the default
    assert not any("NAT" in item or "MLflow" in item for item in (*east, *west))


def test_flow_log_storage_follows_the_log_groups_retention(sample_stages: dict[str, Stage]) -> None:
    lines = {line.item: line for line in stage_lines(sample_stages["dev-us-east-1"], load_prices())}
    stored = lines["flow logs stored (12 months kept)"]
    assert stored.quantity == pytest.approx(0.5 * 365 / 30.4)


def test_nat_mlflow_and_v1_pipelines_are_priced_from_the_template() -> None:
    template = {
        "Resources": {
            "Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {}},
            "Mlflow": {"Type": "AWS::SageMaker::MlflowTrackingServer", "Properties": {"TrackingServerSize": "Medium"}},
            "Old": {"Type": "AWS::CodePipeline::Pipeline", "Properties": {}},
            "New": {"Type": "AWS::CodePipeline::Pipeline", "Properties": {"PipelineType": "V2"}},
        }
    }
    lines = stage_lines(Stage("dev-eu-central-1", "eu-central-1", (template,)), load_prices())
    assert [(line.item, round(line.monthly, 2)) for line in lines] == [
        ("NAT gateways (1)", round(730 * 0.052, 2)),
        ("MLflow tracking server (Medium)", round(730 * 1.40, 2)),
        ("CodePipeline V1 (1)", 1.0),
    ]


def test_summary_line_names_every_stage(sample: Synthesized) -> None:
    line = summary_line(sample.outdir)
    total = monthly_total(stage_lines(next(stages(sample.outdir)), load_prices()))
    assert line.startswith(f"fixed cost while idle, per month: dev-eu-west-1 ${total:,.2f}, dev-us-east-1 $")


def test_profile_variant_puts_every_region_on_one_profile() -> None:
    variant = yaml.safe_load(profile_variant(SAMPLE_CONFIG.read_text(), "minimal"))
    for environment in variant["environments"]:
        assert environment["endpoints"] == {"profile": "minimal"}
        assert all("endpoints" not in region for region in environment["regions"])


def test_every_price_has_a_source_and_a_date() -> None:
    data = yaml.safe_load(PRICES.read_text())
    assert set(data["sources"]) == set(RATE_KEYS)
    assert all(str(url).startswith("https://aws.amazon.com/") for url in data["sources"].values())
    assert data["checked"]


def test_a_broken_prices_file_names_each_problem(tmp_path: Path) -> None:
    data = yaml.safe_load(PRICES.read_text())
    del data["default"]["nat_gateway_hour"]
    data["regions"]["eu-west-1"]["nat_gateway_hourly"] = 0.05
    broken = tmp_path / "prices.yaml"
    broken.write_text(yaml.safe_dump(data))
    with pytest.raises(PriceError) as error:
        load_prices(broken)
    assert str(error.value).splitlines() == [
        f"{broken}: default.nat_gateway_hour: missing",
        f"{broken}: regions.eu-west-1.nat_gateway_hourly: not a known price",
    ]


def test_served_endpoints_and_monitors_are_priced_from_the_release_templates(served: Synthesized) -> None:
    (stage,) = [stage for stage in stages(served.outdir) if stage.name == "dev-us-east-1"]
    lines = {line.item: line for line in stage_lines(stage, load_prices())}
    production = lines["endpoint variant champion (2 x ml.m5.large)"]
    assert production.quantity == 2 * 730
    assert production.unit_price == 0.115
    assert lines["endpoint variant challenger (1 x ml.m5.large)"].quantity == 730  # staging
    monitor = lines["monitoring DataQuality (730 runs of 10 min)"]
    assert round(monitor.monthly, 2) == round(730 * 10 / 60 * 0.23, 2)


def test_an_instance_type_without_a_price_is_named() -> None:
    template = {
        "Resources": {
            "Config": {
                "Type": "AWS::SageMaker::EndpointConfig",
                "Properties": {
                    "ProductionVariants": [
                        {"VariantName": "a", "InstanceType": "ml.r7i.large", "InitialInstanceCount": 2}
                    ]
                },
            }
        }
    }
    with pytest.raises(PriceError, match=r"sagemaker_hosting_hour has no price for ml\.r7i\.large"):
        stage_lines(Stage("dev-us-east-1", "us-east-1", (template,)), load_prices())
