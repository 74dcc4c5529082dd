"""The journey catalogue over the synthesized sample and its extra-team variant, through the IAM simulator.

Errors (a journey that does not resolve, a context key an action ignores, a simulation the
simulator refuses) fail, and so does every decision other than the one a journey expects.
"""

from __future__ import annotations

import pytest

from access.evaluate import JourneyResult, evaluate
from access.journeys import load_catalogue
from access.report import markdown, with_readme_section
from platform_config import PlatformConfig
from tests.support.synth import ROOT, Synthesized

pytestmark = pytest.mark.cli  # the simulator runs in Node


@pytest.fixture(scope="module")
def sample_results(sample: Synthesized, sample_config: PlatformConfig) -> list[JourneyResult]:
    return evaluate(sample.outdir, sample_config)


@pytest.fixture(scope="module")
def extra_team_results(extra_team: Synthesized) -> list[JourneyResult]:
    return evaluate(extra_team.outdir, extra_team.config, variant="extra-team")


@pytest.fixture(scope="module")
def everything_on_results(everything_on: Synthesized) -> list[JourneyResult]:
    """The journeys written for the optional features (MLflow, delivery), in every stage of the
    variant that has them all; the others assume the sample's S3 model-build source."""
    only_there = [j for j in load_catalogue() if j.variants and "everything-on" in j.variants]
    # The environment-regions themselves, not their copies inside the delivery pipeline's stage.
    stages = [f"{env.name}-{region.name}" for env in everything_on.config.environments for region in env.regions]
    return evaluate(
        everything_on.outdir, everything_on.config, variant="everything-on", stages=stages, catalogue=only_there
    )


def _lines(results: list[JourneyResult], status: str) -> str:
    return "\n".join(
        f"{r.journey.id} [{r.stage}]: {r.detail or f'{r.decision} by ' + '; '.join(r.deciding)}"
        for r in results
        if r.status == status
    )


def test_every_journey_of_the_sample_evaluates_without_error(sample_results: list[JourneyResult]) -> None:
    assert _lines(sample_results, "ERROR") == ""


def test_every_journey_of_the_extra_team_variant_evaluates_without_error(
    extra_team_results: list[JourneyResult],
) -> None:
    assert _lines(extra_team_results, "ERROR") == ""


def test_every_journey_runs_somewhere_and_sample_journeys_in_every_stage(
    sample_results: list[JourneyResult],
    extra_team_results: list[JourneyResult],
    everything_on_results: list[JourneyResult],
) -> None:
    evaluated = {(r.journey.id, r.stage) for r in [*sample_results, *extra_team_results, *everything_on_results]}
    stages = {r.stage for r in sample_results}
    missing = [
        f"{journey.id} [{stage}]"
        for journey in load_catalogue()
        for stage in (stages if journey.variants is None and journey.stages is None else ())
        if (journey.id, stage) not in evaluated
    ]
    never = [journey.id for journey in load_catalogue() if not any(key[0] == journey.id for key in evaluated)]
    assert (missing, never) == ([], [])


def test_every_journey_decides_as_expected(
    sample_results: list[JourneyResult],
    extra_team_results: list[JourneyResult],
    everything_on_results: list[JourneyResult],
) -> None:
    results = [*sample_results, *extra_team_results, *everything_on_results]
    assert len(everything_on_results) >= 2
    assert _lines(results, "FAIL") == ""
    assert _lines(results, "ERROR") == ""


def test_the_readme_says_who_can_do_what_as_the_journeys_decide(sample_results: list[JourneyResult]) -> None:
    readme = (ROOT / "README.md").read_text()
    assert with_readme_section(readme, markdown(sample_results)) == readme, (
        "README.md's 'Who can do what' is stale: make synth && python -m access --readme README.md"
    )
