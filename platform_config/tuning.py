"""A team's reference-pipeline options: automatic model tuning, drift baselines, Debugger rules.

Each rule below is one AWS refuses at run time (CreateHyperParameterTuningJob,
HyperParameterTuningJobConfig, ParameterRanges, HyperParameterTrainingJobDefinition): refused here
instead, one line per problem, before anything is synthesized.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from platform_config.reference_training import HYPERPARAMETERS, SOLVERS
from platform_config.schema_base import Frozen, Str

Strategy = Literal["Bayesian", "Random", "Hyperband", "Grid"]
Scaling = Literal["Auto", "Linear", "Logarithmic", "ReverseLogarithmic"]
Objective = Literal["validation:accuracy", "validation:log_loss"]
DEFAULT_MAX_JOBS = 8
# Debugger's built-in rules (sagemaker.debugger.rule_configs; a test checks each name exists there).
DebuggerRule = Literal[
    "LossNotDecreasing",
    "Overfit",
    "Overtraining",
    "VanishingGradient",
    "ExplodingTensor",
    "PoorWeightInitialization",
    "SaturatedActivation",
    "DeadRelu",
    "ClassImbalance",
    "TensorVariance",
]
# Tuning job names: 1-32 characters (CreateHyperParameterTuningJob).
TUNING_JOB_NAME = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$"


class ParameterRange(Frozen):
    """One hyperparameter the tuning job searches; `name` is one the training code reads."""

    name: Str
    type: Literal["Continuous", "Integer", "Categorical"]
    min: float | None = None
    max: float | None = None
    values: tuple[Str, ...] = ()
    scaling: Scaling = "Auto"

    @field_validator("name")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in HYPERPARAMETERS:
            raise ValueError(f"the training code reads only {', '.join(HYPERPARAMETERS)}")
        return value

    @field_validator("type")
    @classmethod
    def _kind_of_name(cls, value: str, info: Any) -> str:
        name = info.data.get("name")
        if name in HYPERPARAMETERS and HYPERPARAMETERS[name].kind != value:
            raise ValueError(f"{name} is a {HYPERPARAMETERS[name].kind} hyperparameter")
        return value

    @field_validator("max")
    @classmethod
    def _bounds(cls, value: float | None, info: Any) -> float | None:
        kind, low = info.data.get("type"), info.data.get("min")
        if kind == "Categorical":
            if value is not None or low is not None:
                raise ValueError("a Categorical range takes values, not min and max")
            return value
        if value is None or low is None:
            raise ValueError(f"a {kind} range needs min and max")
        if not (math.isfinite(low) and math.isfinite(value)) or low >= value:
            raise ValueError(f"must be a finite number above min ({low})")
        if kind == "Integer" and not (float(low).is_integer() and float(value).is_integer()):
            raise ValueError(f"an Integer range needs whole numbers (min {low})")
        return value

    @field_validator("values")
    @classmethod
    def _categories(cls, value: tuple[str, ...], info: Any) -> tuple[str, ...]:
        if info.data.get("type") != "Categorical":
            if value:
                raise ValueError("only a Categorical range takes values")
            return value
        if not 1 <= len(value) <= 30 or len(set(value)) != len(value):
            raise ValueError("a Categorical range takes 1 to 30 distinct values")
        unknown = [item for item in value if info.data.get("name") == "solver" and item not in SOLVERS]
        if unknown:
            raise ValueError(f"{', '.join(unknown)}: the training code's solvers are {', '.join(SOLVERS)}")
        return value

    @field_validator("scaling")
    @classmethod
    def _scaling(cls, value: str, info: Any) -> str:
        kind, low, high = info.data.get("type"), info.data.get("min"), info.data.get("max")
        if value == "Auto":
            return value
        if kind == "Categorical":
            raise ValueError("a Categorical range has no scaling")
        if value == "Logarithmic" and low is not None and low <= 0:
            raise ValueError(f"Logarithmic scaling needs min above 0 (min {low})")
        if value == "ReverseLogarithmic":
            if kind != "Continuous":
                raise ValueError("ReverseLogarithmic scaling is for Continuous ranges only")
            if low is not None and high is not None and not 0 <= low < high < 1:
                raise ValueError(f"ReverseLogarithmic scaling needs 0 <= min < max < 1 (min {low}, max {high})")
        return value


class WarmStart(Frozen):
    """Parents of a warm-started tuning job, pinned in config (and so in the pipeline definition):
    an execution's result depends on its parents, so they are part of what reproduces it.
    Find a parent with `aws sagemaker list-hyper-parameter-tuning-jobs --sort-by CreationTime
    --sort-order Descending --status-equals Completed` (docs/tuning.md)."""

    parents: Annotated[tuple[Annotated[Str, Field(pattern=TUNING_JOB_NAME)], ...], Field(min_length=1, max_length=5)]
    type: Literal["IdenticalDataAndAlgorithm", "TransferLearning"] = "TransferLearning"


class Hyperband(Frozen):
    """Resources (here: solver iterations) Hyperband gives a job before and at most."""

    min_resource: int = Field(ge=1, strict=True)
    max_resource: int = Field(le=20_000, strict=True)

    @field_validator("max_resource")
    @classmethod
    def _above_min(cls, value: int, info: Any) -> int:
        low = info.data.get("min_resource")
        if low is not None and value <= low:
            raise ValueError(f"must be above min_resource ({low})")
        return value


class TuningSettings(Frozen):
    """The reference pipeline tunes instead of training once."""

    strategy: Strategy = "Bayesian"
    objective: Objective = "validation:accuracy"
    ranges: Annotated[tuple[ParameterRange, ...], Field(min_length=1, max_length=30)]
    max_jobs: int | None = Field(default=None, ge=1, le=500, strict=True)
    max_parallel_jobs: int = Field(default=2, ge=1, le=100, strict=True)
    early_stopping: Literal["Off", "Auto"] = "Off"
    random_seed: int = Field(default=20240601, ge=0, strict=True)
    hyperband: Hyperband | None = Field(default=None, validate_default=True)
    warm_start: WarmStart | None = None

    @field_validator("ranges")
    @classmethod
    def _ranges(cls, value: tuple[ParameterRange, ...], info: Any) -> tuple[ParameterRange, ...]:
        names = [item.name for item in value]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"{', '.join(twice)} listed more than once")
        if info.data.get("strategy") == "Grid" and any(item.type != "Categorical" for item in value):
            raise ValueError("Grid search takes Categorical ranges only")
        return value

    @field_validator("max_jobs")
    @classmethod
    def _max_jobs(cls, value: int | None, info: Any) -> int | None:
        if info.data.get("strategy") == "Grid" and value is not None:
            raise ValueError("Grid search runs every combination: leave max_jobs out")
        return value

    @field_validator("max_parallel_jobs")
    @classmethod
    def _parallel(cls, value: int, info: Any) -> int:
        limit = info.data.get("max_jobs")
        if limit is not None and value > limit:
            raise ValueError(f"must not exceed max_jobs ({limit})")
        return value

    @field_validator("early_stopping")
    @classmethod
    def _early_stopping(cls, value: str, info: Any) -> str:
        if info.data.get("strategy") == "Hyperband" and value != "Off":
            raise ValueError("Hyperband stops jobs early by itself: early_stopping must be Off")
        return value

    @field_validator("hyperband")
    @classmethod
    def _hyperband(cls, value: Hyperband | None, info: Any) -> Hyperband | None:
        strategy = info.data.get("strategy")
        if strategy == "Hyperband" and value is None:
            raise ValueError("the Hyperband strategy needs min_resource and max_resource")
        if strategy != "Hyperband" and value is not None:
            raise ValueError(f"only the Hyperband strategy takes these (strategy is {strategy})")
        return value

    @property
    def job_limit(self) -> int | None:
        """MaxNumberOfTrainingJobs: none for Grid (it runs every combination)."""
        return None if self.strategy == "Grid" else self.max_jobs or DEFAULT_MAX_JOBS


class TeamPipelineSettings(Frozen):
    """What a team adds to its reference pipeline; all off by default (the pipeline's old shape)."""

    tuning: TuningSettings | None = None
    drift_baselines: bool = Field(default=False, strict=True)
    debugger_rules: tuple[DebuggerRule, ...] = Field(
        default=(),
        description="opt-in: SageMaker Debugger is closed to new customers since 2026-07-30",
    )

    @field_validator("debugger_rules")
    @classmethod
    def _rules(cls, value: tuple[str, ...], info: Any) -> tuple[str, ...]:
        twice = sorted({rule for rule in value if value.count(rule) > 1})
        if twice:
            raise ValueError(f"{', '.join(twice)} listed more than once")
        if value and info.data.get("tuning") is not None:
            raise ValueError(
                "Debugger rules run on a training step; a tuning job's training jobs cannot carry them "
                "(HyperParameterTrainingJobDefinition has no DebugRuleConfigurations)"
            )
        return value
