"""Config fuzzing: any mutation of the sample ends in a valid config or the clear error, never a
crash; generated valid configs always synthesize, with the compliance packs attached."""

from __future__ import annotations

import copy
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from platform_config import ConfigError, PlatformConfig, parse_config
from tests.support.fuzz import fuzz_seed, generated_config, generated_data
from tests.support.pool import SynthPool
from tests.support.synth import SAMPLE_CONFIG, sample_data

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


def test_a_generated_valid_config_synthesizes_with_no_finding(synth_pool: SynthPool) -> None:
    """One generated config per session (tests/support/fuzz.py; the seed changes daily), with
    every gate on: no crash, no finding nobody acknowledged."""
    seed = fuzz_seed()
    data = yaml.safe_dump(generated_data(seed))
    assert [f.line() for f in synth_pool.findings("fuzzed")] == [], f"FUZZ_SEED={seed}\n{data}"


def test_generated_configs_are_valid_for_many_seeds() -> None:
    for seed in range(50):
        assert isinstance(generated_config(seed), PlatformConfig)
