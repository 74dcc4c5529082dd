"""The shape every refused config has, checked once for the config tests' error tables. Apart from
tests/support/variants.py, which the synth workers import: they need no pytest."""

from __future__ import annotations

import re

import pytest

from platform_config import ConfigError
from tests.support.variants import Change, config_variant


def refusal(change: Change) -> list[str]:
    """The lines the sample with `change` is refused with, after checking the shape every refusal
    has: one line per problem, each naming the file and then the field."""
    with pytest.raises(ConfigError) as caught:
        config_variant(change)
    lines = str(caught.value).splitlines()
    assert len(lines) == len(caught.value.problems), lines
    assert all(re.match(r"variant\.yaml: \S", line) for line in lines), lines
    return lines
