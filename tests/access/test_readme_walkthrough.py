"""The README's walkthroughs promise only what a journey or a test proves: every step names its
proof, and every journey a step names exists (their decisions are tested with the catalogue)."""

from __future__ import annotations

import re

import pytest

from access.journeys import load_catalogue
from tests.support.synth import ROOT

# Section title -> number of steps.
SECTIONS = {
    "### From a run to an approved model (a walkthrough for data scientists)": 6,
    "## Serving (`model_groups[].serving`)": 8,
}


def _walkthrough(section: str) -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index(section)
    return readme[start : readme.index("\n#", start + len(section))]


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_every_step_names_what_proves_it(section: str) -> None:
    steps = re.split(r"\n\d\. ", _walkthrough(section))[1:]
    assert len(steps) == SECTIONS[section]
    for step in steps:
        assert re.search(r"\[`[a-z0-9-]+`", step) or re.search(r"`tests/[a-z_/]+\.py`", step), step[:80]


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_every_journey_a_walkthrough_names_exists(section: str) -> None:
    brackets = " ".join(re.findall(r"\[[^\]]*\]", _walkthrough(section)))
    named = {name for name in re.findall(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`", brackets) if "/" not in name}
    known = {journey.id for journey in load_catalogue()}
    assert named
    assert sorted(named - known) == []
