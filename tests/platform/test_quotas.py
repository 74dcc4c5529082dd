"""No template comes near a CloudFormation quota: the sample, and 5 regions with 600 users."""

from __future__ import annotations

import json

import pytest
import yaml

from platform_config import parse_config
from scripts.synth_benchmark import BENCH_REGIONS, bench_config
from tests.support.synth import SAMPLE_CONFIG, Synthesized, synthesize

HEADROOM = 0.8
QUOTAS = {"Resources": 500, "Outputs": 200, "Parameters": 200, "Mappings": 200}
TEMPLATE_BYTES = 1_000_000  # a template uploaded through S3, as cdk deploy does


def assert_headroom(synth: Synthesized) -> dict[str, int]:
    largest = dict.fromkeys(QUOTAS, 0)
    for name, stack in synth.stacks.items():
        for section, quota in QUOTAS.items():
            count = len(stack.template.get(section, {}))
            largest[section] = max(largest[section], count)
            assert count <= quota * HEADROOM, f"{name}: {count} {section}, over {HEADROOM:.0%} of {quota}"
        size = len(json.dumps(stack.template, indent=1).encode())
        assert size <= TEMPLATE_BYTES * HEADROOM, f"{name}: {size} bytes"
        assert len(stack.stack_name) <= 128
    return largest


def test_sample_has_headroom(sample: Synthesized) -> None:
    largest = assert_headroom(sample)
    assert largest["Resources"] > 10


@pytest.mark.cli
def test_five_regions_and_600_users_have_headroom(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The benchmark's 5-region, 600-user config (`make bench` goes on to 10 regions)."""
    config = parse_config(yaml.safe_dump(bench_config(5, 600)), "large.yaml", SAMPLE_CONFIG.parent)
    assert len(config.all_users) == 600
    synth = synthesize(config, tmp_path_factory.mktemp("large"))
    assert {name.split("/")[0] for name in synth.stacks} == {f"dev-{region}" for region in BENCH_REGIONS[:5]}
    largest = assert_headroom(synth)
    assert largest["Resources"] > 200  # the user stacks really are full
