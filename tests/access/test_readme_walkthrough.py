"""The README's walkthrough promises only what a journey proves: every step names its journeys,
and every journey it names exists (their decisions are tested with the catalogue)."""

from __future__ import annotations

import re

from access.journeys import load_catalogue
from tests.support.synth import ROOT

SECTION = "### From a run to an approved model (a walkthrough for data scientists)"


def _walkthrough() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index(SECTION)
    return readme[start : readme.index("\n#", start + len(SECTION))]


def test_every_step_names_the_journeys_that_prove_it() -> None:
    steps = re.split(r"\n\d\. ", _walkthrough())[1:]
    assert len(steps) == 6
    for step in steps:
        assert re.search(r"\[`[a-z0-9-]+`", step), step[:80]


def test_every_journey_the_walkthrough_names_exists() -> None:
    named = set(re.findall(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`", " ".join(re.findall(r"\[[^\]]*\]", _walkthrough()))))
    known = {journey.id for journey in load_catalogue()}
    assert named
    assert sorted(named - known) == []
