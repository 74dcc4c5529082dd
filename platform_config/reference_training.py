"""What the reference training code reads and prints: its contract with the pipeline and the config.

`pipelines/reference/code/train.py` reads these hyperparameters and prints these metrics once,
as `<name>=<value>;` lines, after fitting. A tuning job's objective and every training job's
metrics are read from the job's log with the regular expressions below (`MetricDefinitions`);
`tests/steps/test_reference_pipeline.py` runs the code and parses its output with them, so a
change to either side that breaks the other fails a test. Pure data: config validation needs it
without CDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RangeKind = Literal["Continuous", "Integer", "Categorical"]
Direction = Literal["Maximize", "Minimize"]


@dataclass(frozen=True)
class Hyperparameter:
    kind: RangeKind
    default: str
    why: str


HYPERPARAMETERS: dict[str, Hyperparameter] = {
    "regularization": Hyperparameter("Continuous", "1.0", "inverse of scikit-learn's C: larger is simpler"),
    "max-iterations": Hyperparameter("Integer", "200", "solver iterations"),
    "solver": Hyperparameter("Categorical", "lbfgs", "scikit-learn's LogisticRegression solver"),
}
SOLVERS = ("lbfgs", "liblinear", "newton-cg", "saga")


@dataclass(frozen=True)
class Metric:
    direction: Direction
    regex: str


# Held-out part of the train set (the test set stays for the evaluation step).
METRICS: dict[str, Metric] = {
    "validation:accuracy": Metric("Maximize", r"validation:accuracy=([0-9.]+);"),
    "validation:log_loss": Metric("Minimize", r"validation:log_loss=([0-9.]+);"),
    "train:accuracy": Metric("Maximize", r"train:accuracy=([0-9.]+);"),
}
OBJECTIVES = ("validation:accuracy", "validation:log_loss")


def metric_definitions() -> list[dict[str, str]]:
    return [{"Name": name, "Regex": metric.regex} for name, metric in METRICS.items()]


def static_hyperparameters(tuned: set[str]) -> dict[str, str]:
    """The hyperparameters a tuning job does not search: their defaults, so every job is explicit."""
    return {name: spec.default for name, spec in HYPERPARAMETERS.items() if name not in tuned}
