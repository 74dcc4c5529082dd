"""Config fuzzing: any mutation of the sample ends in a valid config or the clear error, never a
crash; generated valid configs always synthesize, with the compliance packs attached."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from platform_config import ConfigError, PlatformConfig, parse_config
from tests.support.synth import SAMPLE_CONFIG, sample_data, synthesize

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


SAMPLE = sample_data()
PATHS = _paths(SAMPLE)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), JUNK), min_size=1, max_size=3))
def test_mutated_configs_never_crash(mutations: list[tuple[tuple[Any, ...], Any]]) -> None:
    data = copy.deepcopy(SAMPLE)
    for path, value in mutations:
        node: Any = data
        try:
            for part in path[:-1]:
                node = node[part]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation replaced a parent
    rejected: ConfigError | None = None
    try:
        config = parse_config(yaml.safe_dump(data), "fuzz.yaml", SAMPLE_CONFIG.parent)
    except ConfigError as error:  # the only exception a bad config may raise
        rejected = error
    if rejected is None:
        assert isinstance(config, PlatformConfig)
        return
    lines = str(rejected).splitlines()
    assert lines
    assert len(lines) == len(rejected.problems)  # one line per problem, whatever the keys hold
    assert all(line.startswith("fuzz.yaml: ") and len(line) > len("fuzz.yaml: ") for line in lines)


NAME = st.from_regex(r"[a-z][a-z0-9]{2,8}", fullmatch=True)
REGION = st.sampled_from(["us-east-1", "eu-west-1"])


@st.composite
def valid_configs(draw: st.DrawFn) -> PlatformConfig:
    teams = draw(st.lists(NAME, min_size=1, max_size=2, unique=True))
    users = draw(st.lists(NAME, min_size=len(teams), max_size=5, unique=True))
    data: dict[str, Any] = {
        "project": draw(NAME),
        "environments": [
            {
                "name": draw(NAME),
                "account": "111122223333",
                "retain_stateful": draw(st.booleans()),
                "endpoints": {"profile": draw(st.sampled_from(["minimal", "standard", "full"]))},
                "regions": [
                    {
                        "name": draw(REGION),
                        "vpc_cidr": f"10.{draw(st.integers(0, 255))}.0.0/16",
                        "az_count": draw(st.sampled_from([2, 3])),
                    }
                ],
            }
        ],
        "teams": [{"name": team, "users": users[i :: len(teams)]} for i, team in enumerate(teams)],
        "model_groups": [{"name": f"{team}-model", "team": team} for team in teams[: draw(st.integers(0, 2))]],
        "registry": {"approvers": ["arn:aws:iam::111122223333:role/approvers"]},
        "mlflow": {"enabled": draw(st.booleans())},
    }
    return parse_config(yaml.safe_dump(data), "generated.yaml", SAMPLE_CONFIG.parent)


# Each example is a full synthesis: no shrinking (the failing example is printed as drawn).
@pytest.mark.cli
@settings(max_examples=4, deadline=None, phases=[Phase.generate], suppress_health_check=[HealthCheck.too_slow])
@given(valid_configs())
def test_generated_valid_configs_synthesize_compliantly(config: PlatformConfig) -> None:
    with tempfile.TemporaryDirectory() as outdir:
        synthesize(config, Path(outdir) / "cdk.out", packs=True)
