"""The reference pipeline's Tuning step, and the step that makes its training jobs runs.

A tuning job's training jobs run the reference training code in script mode: the image's SageMaker
training toolkit unpacks `sourcedir.tar.gz` from the `code` channel (the only way to run our code
without network access: a tuning job's algorithm takes no entrypoint) and starts `train.py`. The
job names its parents for warm start as configured: pinned, so an execution can be reproduced.

Tuning jobs start their own experiment: their training jobs do not join the pipeline execution's
run group by themselves. `AssociateTuningRuns` associates each (`<job>-aws-training-job`) with the
execution's trial, so `experiment-tools compare <pipeline>` ranks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from platform_constructs.pipeline_steps import JobPlacement, get, join, processing_job, s3_channel, training_definition

TUNE_STEP = "Tune"
ASSOCIATE_STEP = "AssociateTuningRuns"
SOURCE_ARCHIVE = "sourcedir.tar.gz"
CODE_CHANNEL = "code"
SCRIPT_MODE_SOURCE = f"/opt/ml/input/data/{CODE_CHANNEL}/{SOURCE_ARCHIVE}"
RANGE_KEYS = {"Continuous": "ContinuousParameterRanges", "Integer": "IntegerParameterRanges"}


@dataclass(frozen=True)
class SearchRange:
    name: str
    kind: str  # Continuous, Integer or Categorical
    low: float | None = None
    high: float | None = None
    values: tuple[str, ...] = ()
    scaling: str = "Auto"


@dataclass(frozen=True)
class TuningPlan:
    """A tuning job's settings, validated by `platform_config.tuning`."""

    strategy: str
    objective: str
    direction: str  # Maximize or Minimize
    ranges: tuple[SearchRange, ...]
    max_jobs: int | None  # None for Grid: it runs every combination
    max_parallel_jobs: int
    early_stopping: str
    random_seed: int
    static_hyperparameters: tuple[tuple[str, str], ...]
    metric_definitions: tuple[tuple[str, str], ...]
    hyperband: tuple[int, int] | None = None
    warm_start_parents: tuple[str, ...] = ()
    warm_start_type: str = "TransferLearning"


def _number(value: float | None, kind: str) -> str:
    if value is None:
        raise ValueError(f"a {kind} range needs both bounds")
    return str(int(value)) if kind == "Integer" else repr(float(value))


def parameter_ranges(ranges: tuple[SearchRange, ...]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {
        "ContinuousParameterRanges": [],
        "IntegerParameterRanges": [],
        "CategoricalParameterRanges": [],
    }
    for item in ranges:
        if item.kind == "Categorical":
            found["CategoricalParameterRanges"].append({"Name": item.name, "Values": list(item.values)})
            continue
        found[RANGE_KEYS[item.kind]].append(
            {
                "Name": item.name,
                "MinValue": _number(item.low, item.kind),
                "MaxValue": _number(item.high, item.kind),
                "ScalingType": item.scaling,
            }
        )
    return found


def tuning_config(plan: TuningPlan) -> dict[str, Any]:
    """HyperParameterTuningJobConfig: strategy, objective, ranges, limits, early stopping, seed."""
    limits: dict[str, int] = {"MaxParallelTrainingJobs": plan.max_parallel_jobs}
    if plan.max_jobs is not None:
        limits["MaxNumberOfTrainingJobs"] = plan.max_jobs
    config: dict[str, Any] = {
        "Strategy": plan.strategy,
        "ResourceLimits": limits,
        "TrainingJobEarlyStoppingType": plan.early_stopping,
        "RandomSeed": plan.random_seed,
        "HyperParameterTuningJobObjective": {"Type": plan.direction, "MetricName": plan.objective},
        "ParameterRanges": parameter_ranges(plan.ranges),
    }
    if plan.hyperband:
        low, high = plan.hyperband
        config["StrategyConfig"] = {"HyperbandStrategyConfig": {"MinResource": low, "MaxResource": high}}
    return config


def tune_step(
    place: JobPlacement, plan: TuningPlan, *, image_uri: str, code: Any, channels: list[dict[str, Any]]
) -> dict[str, Any]:
    algorithm = {
        "TrainingImage": image_uri,
        "MetricDefinitions": [{"Name": name, "Regex": regex} for name, regex in plan.metric_definitions],
    }
    definition = training_definition(
        place, algorithm=algorithm, channels=[*channels, s3_channel(CODE_CHANNEL, join(code, SOURCE_ARCHIVE))]
    )
    definition["StaticHyperParameters"] = {
        **dict(plan.static_hyperparameters),
        "sagemaker_program": "train.py",
        "sagemaker_submit_directory": SCRIPT_MODE_SOURCE,
    }
    arguments: dict[str, Any] = {
        "HyperParameterTuningJobConfig": tuning_config(plan),
        "TrainingJobDefinition": definition,
        "Tags": place.tags,
    }
    if plan.warm_start_parents:
        arguments["WarmStartConfig"] = {
            "WarmStartType": plan.warm_start_type,
            "ParentHyperParameterTuningJobs": [
                {"HyperParameterTuningJobName": parent} for parent in plan.warm_start_parents
            ],
        }
    return {"Name": TUNE_STEP, "Type": "Tuning", "Arguments": arguments}


def best_model_uri(place: JobPlacement) -> dict[str, Any]:
    """The best training job's model: `<S3OutputPath>/<job>/output/model.tar.gz`."""
    return join(
        place.output_uri("model"), get(f"Steps.{TUNE_STEP}.BestTrainingJob.TrainingJobName"), "output/model.tar.gz"
    )


def associate_step(place: JobPlacement, *, image_uri: str, code: Any, region: str) -> dict[str, Any]:
    """Runs `associate_runs.py`: needs the SageMaker API (through the VPC endpoint), so not isolated."""
    return {
        "Name": ASSOCIATE_STEP,
        "Type": "Processing",
        "Arguments": processing_job(
            place,
            image_uri=image_uri,
            code=code,
            script="associate_runs.py",
            inputs=[],
            outputs=[],
            arguments=[
                "--tuning-job",
                get(f"Steps.{TUNE_STEP}.HyperParameterTuningJobName"),
                "--trial",
                get("Execution.PipelineExecutionId"),
                "--region",
                region,
            ],
        ),
    }
