"""A team's reference-pipeline options, resolved for one region: images, tuning, baselines, rules.

Images come from the generated per-region table (`platform_config/image_uris.json`) unless the
config names the team's own processing and training image. The team's execution role may pull
exactly the published repositories its pipeline uses (`repositories`).
"""

from __future__ import annotations

from dataclasses import dataclass

from platform_config.image_uris import published_image, repository_arn
from platform_config.reference_training import METRICS, metric_definitions, static_hyperparameters
from platform_config.schema import ReferencePipelineSettings
from platform_config.tuning import TeamPipelineSettings, TuningSettings
from platform_constructs.pipeline_tuning import SearchRange, TuningPlan


@dataclass(frozen=True)
class ReferenceOptions:
    image_uri: str
    analyzer_image_uri: str | None
    debugger_image_uri: str
    debugger_rules: tuple[str, ...]
    tuning: TuningPlan | None
    metric_definitions: tuple[tuple[str, str], ...]
    hyperparameters: tuple[tuple[str, str], ...]
    repositories: tuple[str, ...]  # ECR repository ARNs of the published images used


def tuning_plan(settings: TuningSettings) -> TuningPlan:
    tuned = {item.name for item in settings.ranges}
    return TuningPlan(
        strategy=settings.strategy,
        objective=settings.objective,
        direction=METRICS[settings.objective].direction,
        ranges=tuple(
            SearchRange(item.name, item.type, item.min, item.max, item.values, item.scaling) for item in settings.ranges
        ),
        max_jobs=settings.job_limit,
        max_parallel_jobs=settings.max_parallel_jobs,
        early_stopping=settings.early_stopping,
        random_seed=settings.random_seed,
        static_hyperparameters=tuple(sorted(static_hyperparameters(tuned).items())),
        metric_definitions=tuple((item["Name"], item["Regex"]) for item in metric_definitions()),
        hyperband=(settings.hyperband.min_resource, settings.hyperband.max_resource) if settings.hyperband else None,
        warm_start_parents=settings.warm_start.parents if settings.warm_start else (),
        warm_start_type=settings.warm_start.type if settings.warm_start else "TransferLearning",
    )


def reference_options(
    settings: ReferencePipelineSettings, team: TeamPipelineSettings, *, account: str, region: str, partition: str
) -> ReferenceOptions:
    used = []
    if settings.image is None:
        used.append(published_image("sklearn", region))
        image_uri = used[-1].uri
    else:
        image_uri = settings.image.format(account=account, region=region)
    analyzer = published_image("model-monitor", region) if team.drift_baselines else None
    debugger = published_image("debugger", region)
    used += [analyzer] if analyzer else []
    used += [debugger] if team.debugger_rules else []
    return ReferenceOptions(
        image_uri=image_uri,
        analyzer_image_uri=analyzer.uri if analyzer else None,
        debugger_image_uri=debugger.uri,
        debugger_rules=team.debugger_rules,
        tuning=tuning_plan(team.tuning) if team.tuning else None,
        metric_definitions=tuple((item["Name"], item["Regex"]) for item in metric_definitions()),
        hyperparameters=tuple(sorted(static_hyperparameters(set()).items())),
        repositories=tuple(sorted({repository_arn(image, partition) for image in used})),
    )
