"""A team's tuning, baseline and Debugger options: what AWS would refuse at run time is refused in
config, one line per problem naming the field and the bad value."""

from __future__ import annotations

import re
import typing
from collections.abc import Callable
from typing import Any

import pytest

from platform_config import ConfigError
from platform_config.reference_training import HYPERPARAMETERS, OBJECTIVES
from platform_config.tuning import DebuggerRule, Objective, TuningSettings
from tests.support.synth import config_variant

TUNING = "teams.0.pipeline.tuning"
Change = Callable[[dict[str, Any]], None]


def _tuning(**changes: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        data["teams"][0]["pipeline"]["tuning"].update(changes)

    return change


def _range(index: int, **changes: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        data["teams"][0]["pipeline"]["tuning"]["ranges"][index].update(changes)

    return change


def _pipeline(**changes: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        data["teams"][0]["pipeline"].update(changes)

    return change


GRID = [{"name": "solver", "type": "Categorical", "values": ["lbfgs", "saga"]}]
INVALID: dict[str, tuple[Change, str]] = {
    "an unknown hyperparameter": (
        _range(0, name="learning-rate"),
        f"{TUNING}.ranges.0.name: Value error, the training code reads only regularization, max-iterations, solver "
        "(got 'learning-rate')",
    ),
    "a range of the wrong kind": (
        _range(1, type="Continuous"),
        f"{TUNING}.ranges.1.type: Value error, max-iterations is a Integer hyperparameter (got 'Continuous')",
    ),
    "min not below max": (
        _range(0, min=5, max=5),
        f"{TUNING}.ranges.0.max: Value error, must be a finite number above min (5.0) (got 5)",
    ),
    "a fractional integer bound": (
        _range(1, min=1.5),
        f"{TUNING}.ranges.1.max: Value error, an Integer range needs whole numbers (min 1.5) (got 400)",
    ),
    "logarithmic scaling from zero": (
        _range(0, min=0),
        f"{TUNING}.ranges.0.scaling: Value error, Logarithmic scaling needs min above 0 (min 0.0) (got 'Logarithmic')",
    ),
    "reverse logarithmic outside [0, 1)": (
        _range(0, scaling="ReverseLogarithmic"),
        f"{TUNING}.ranges.0.scaling: Value error, ReverseLogarithmic scaling needs 0 <= min < max < 1 "
        "(min 0.01, max 10.0) (got 'ReverseLogarithmic')",
    ),
    "a solver the code does not know": (
        _range(2, values=["lbfgs", "adam"]),
        f"{TUNING}.ranges.2.values: Value error, adam: the training code's solvers are lbfgs, liblinear, newton-cg, "
        "saga (got ['lbfgs', 'adam'])",
    ),
    "a hyperparameter searched twice": (
        _tuning(ranges=[{"name": "solver", "type": "Categorical", "values": ["lbfgs"]}] * 2),
        f"{TUNING}.ranges: Value error, solver listed more than once",
    ),
    "grid over a continuous range": (
        _tuning(strategy="Grid", max_jobs=None),
        f"{TUNING}.ranges: Value error, Grid search takes Categorical ranges only",
    ),
    "grid with a job limit": (
        _tuning(strategy="Grid", ranges=GRID, max_jobs=4),
        f"{TUNING}.max_jobs: Value error, Grid search runs every combination: leave max_jobs out (got 4)",
    ),
    "more parallel jobs than jobs": (
        _tuning(max_jobs=2, max_parallel_jobs=3),
        f"{TUNING}.max_parallel_jobs: Value error, must not exceed max_jobs (2) (got 3)",
    ),
    "hyperband with early stopping": (
        _tuning(strategy="Hyperband", hyperband={"min_resource": 1, "max_resource": 50}),
        f"{TUNING}.early_stopping: Value error, Hyperband stops jobs early by itself: early_stopping must be Off "
        "(got 'Auto')",
    ),
    "hyperband without resources": (
        _tuning(strategy="Hyperband", early_stopping="Off"),
        f"{TUNING}.hyperband: Value error, the Hyperband strategy needs min_resource and max_resource (got None)",
    ),
    "resources without hyperband": (
        _tuning(hyperband={"min_resource": 1, "max_resource": 50}),
        f"{TUNING}.hyperband: Value error, only the Hyperband strategy takes these (strategy is Bayesian)",
    ),
    "an unknown objective": (_tuning(objective="train:accuracy"), f"{TUNING}.objective: Input should be"),
    "a negative seed": (_tuning(random_seed=-1), f"{TUNING}.random_seed: Input should be greater than or equal to 0"),
    "six warm-start parents": (
        _tuning(warm_start={"parents": [f"tune-{i}" for i in range(6)]}),
        f"{TUNING}.warm_start.parents: Tuple should have at most 5 items",
    ),
    "a parent name too long": (
        _tuning(warm_start={"parents": ["t" * 33]}),
        f"{TUNING}.warm_start.parents.0: String should match pattern",
    ),
    "debugger rules on a tuning job": (
        _pipeline(debugger_rules=["LossNotDecreasing"]),
        "teams.0.pipeline.debugger_rules: Value error, Debugger rules run on a training step; a tuning job's "
        "training jobs cannot carry them",
    ),
    "an unknown debugger rule": (
        _pipeline(tuning=None, debugger_rules=["LossGoesDown"]),
        "teams.0.pipeline.debugger_rules.0: Input should be",
    ),
    "a debugger rule twice": (
        _pipeline(tuning=None, debugger_rules=["Overfit", "Overfit"]),
        "teams.0.pipeline.debugger_rules: Value error, Overfit listed more than once",
    ),
    "drift baselines as a word": (
        _pipeline(drift_baselines="yes"),
        "teams.0.pipeline.drift_baselines: Input should be a valid boolean",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_tuning_options_are_refused_in_one_line(case: str) -> None:
    change, expected = INVALID[case]
    with pytest.raises(ConfigError) as caught:
        config_variant(change)
    lines = str(caught.value).splitlines()
    assert len(lines) == 1, "\n".join(lines)
    # Written as pydantic names the fields; shown as the config reads: teams[0], no "Value error".
    shown = re.sub(r"\.(\d+)(?=[.:])", r"[\1]", expected).replace("Value error, ", "")
    assert lines[0].startswith(f"variant.yaml: {shown}"), lines[0]


def test_the_sample_tunes_for_one_team_and_not_the_other(sample_config: Any) -> None:
    vision, forecasting = (next(t for t in sample_config.teams if t.name == name) for name in ("vision", "forecasting"))
    assert vision.pipeline.tuning is not None
    assert vision.pipeline.drift_baselines
    assert forecasting.pipeline.tuning is None
    assert not forecasting.pipeline.drift_baselines
    assert vision.pipeline.debugger_rules == forecasting.pipeline.debugger_rules == ()  # off by default


def test_grid_runs_without_a_job_limit_and_others_default_to_eight() -> None:
    grid = TuningSettings.model_validate({"strategy": "Grid", "ranges": GRID})
    assert grid.job_limit is None
    bayesian = TuningSettings.model_validate({"ranges": GRID})
    assert bayesian.job_limit == 8
    assert bayesian.early_stopping == "Off"  # AWS's default; the sample turns it on


def test_the_objectives_are_the_metrics_the_code_prints() -> None:
    assert typing.get_args(Objective) == OBJECTIVES
    assert {"regularization", "max-iterations", "solver"} == set(HYPERPARAMETERS)


def test_every_debugger_rule_is_one_of_the_sdks_built_in_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    from sagemaker.debugger import rule_configs

    for rule in typing.get_args(DebuggerRule):
        snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in rule).lstrip("_")
        assert callable(getattr(rule_configs, snake, None)), rule


def test_warm_start_parents_are_pinned_with_their_type() -> None:
    settings = TuningSettings.model_validate({"ranges": GRID, "warm_start": {"parents": ["tune-20261101"]}})
    assert settings.warm_start is not None
    assert (settings.warm_start.parents, settings.warm_start.type) == (("tune-20261101",), "TransferLearning")
