"""Serving options: what AWS or an endpoint update would refuse is refused in config, one line each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.config_refusal import refusal

SERVING = "model_groups[0].serving"
Change = Callable[[dict[str, Any]], None]


def _serving(**changes: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        data["model_groups"][0]["serving"].update(changes)

    return change


def _no_baselines(data: dict[str, Any]) -> None:
    data["teams"][0]["pipeline"]["drift_baselines"] = False


def _no_model_build(data: dict[str, Any]) -> None:
    data["model_build"] = {"enabled": False}


def _long_group(data: dict[str, Any]) -> None:
    data["model_groups"][0]["name"] = "surface-defect-detector-for-line-cameras-v2"


INVALID: dict[str, tuple[Change, str]] = {
    "the same variant twice": (
        _serving(variants=[{"name": "a", "weight": 1}, {"name": "a", "weight": 1}]),
        f"{SERVING}.variants: variant names must differ (got a, a)",
    ),
    "three variants": (
        _serving(variants=[{"name": n, "weight": 1} for n in "abc"]),
        f"{SERVING}.variants: Tuple should have at most 2 items",
    ),
    "a variant name with a space": (
        _serving(variants=[{"name": "the champion", "weight": 1}]),
        f"{SERVING}.variants[0].name: String should match pattern",
    ),
    "a zero weight": (
        _serving(variants=[{"name": "a", "weight": 0}]),
        f"{SERVING}.variants[0].weight: Input should be greater than 0",
    ),
    "one instance in production": (
        _serving(autoscaling={"min_instances": 1, "max_instances": 4}),
        f"{SERVING}.autoscaling.min_instances: Input should be greater than or equal to 2",
    ),
    "max below min": (
        _serving(autoscaling={"min_instances": 3, "max_instances": 2}),
        f"{SERVING}.autoscaling.max_instances: must not be below min_instances (3) (got 2)",
    ),
    "an Inf1 instance": (
        _serving(instance_type="ml.inf1.xlarge"),
        f"{SERVING}.instance_type: Inf1 endpoints cannot use blue/green traffic shifting with rollback",
    ),
    "a canary of 60 percent": (
        _serving(deployment={"mode": "canary", "step_percent": 60}),
        f"{SERVING}.deployment.step_percent: Input should be less than or equal to 50",
    ),
    "no data captured": (
        _serving(data_capture_percent=0),
        f"{SERVING}.data_capture_percent: Input should be greater than or equal to 1",
    ),
    "ground truth that is not S3": (
        _serving(monitoring={"ground_truth_uri": "https://example.com/labels"}),
        f"{SERVING}.monitoring.ground_truth_uri: String should match pattern",
    ),
    "no smoke payload": (
        lambda data: data["model_groups"][0]["serving"].pop("smoke_payload"),
        f"{SERVING}.smoke_payload: is required",
    ),
    "a served team without baselines": (
        _no_baselines,
        f"{SERVING}: team vision computes no drift baselines (teams[].pipeline.drift_baselines)",
    ),
    "serving without the model build": (
        _no_model_build,
        f"{SERVING}: serving needs model_build and reference_pipeline enabled",
    ),
    "a group name too long for its endpoint": (
        _long_group,
        "model_groups[0].name: derived endpoint "
        "'mlexp-dev-surface-defect-detector-for-line-cameras-v2-production' is over 63",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_serving_options_are_refused_in_one_line_each(case: str) -> None:
    change, expected = INVALID[case]
    lines = refusal(change)
    assert any(line.startswith(f"variant.yaml: {expected}") for line in lines), "\n".join(lines)


def test_the_sample_serves_defect_detector_as_champion_and_challenger(sample_config: Any) -> None:
    (served,) = [group for group in sample_config.model_groups if group.serving]
    assert served.name == "defect-detector"
    assert [(v.name, v.weight) for v in served.serving.variants] == [("champion", 90), ("challenger", 10)]
    assert served.serving.autoscaling.min_instances >= 2
