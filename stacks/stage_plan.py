"""What one (environment, region) of the config asks for, resolved to names and primitives.

The config is read once (`platform_config`); this is the one place that interprets it for a
stage: every physical name comes from `Naming`, every feature switch is decided here, and each
stack receives the slice it uses (frozen dataclasses of strings and numbers), never the config
or a sibling stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from aws_cdk import Aws

from platform_config.endpoint_catalog import endpoints_for_names
from platform_config.naming import Naming, StackKind
from platform_config.placement import place_users
from platform_config.schema import EnvironmentConfig, NoncurrentVersions, PlatformConfig, RegionConfig
from platform_config.serving import ServingSettings
from platform_constructs.model_build_pipeline import CodeSource
from platform_constructs.serving_alerts import TIERS, AlertNames
from platform_constructs.stateful import Retention
from platform_constructs.studio_lifecycle_config import content_digest
from stacks.reference_options import ReferenceOptions, reference_options

# What enabled features need to work without internet, whatever the endpoint profile says.
MLFLOW_ENDPOINTS = ("sagemaker-experiments",)
MODEL_BUILD_ENDPOINTS = ("sagemaker-api", "logs", "codeartifact-api", "codeartifact-repositories")


@dataclass(frozen=True)
class VersionLifecycle:
    transition_days: int
    expiration_days: int | None

    @classmethod
    def of(cls, settings: NoncurrentVersions) -> VersionLifecycle:
        return cls(settings.transition_days, settings.expiration_days)


@dataclass(frozen=True)
class ModelGroupPlan:
    key: str  # the config's name, used in construct ids and logical ids
    name: str  # the physical name
    team: str
    description: str
    consumer_accounts: tuple[str, ...]
    serving: ServingSettings | None = None  # served: a deploy pipeline, endpoints, monitors


@dataclass(frozen=True)
class ExperimentPlan:
    team: str
    key: str
    name: str
    description: str


@dataclass(frozen=True)
class LifecyclePlan:
    key: str
    name: str
    app_type: str
    script: str


@dataclass(frozen=True)
class TeamPlan:
    name: str
    users: tuple[str, ...]
    model_package_groups: tuple[str, ...]  # physical names
    pipeline_prefix: str
    reference_pipeline: str | None  # its name, when the team has one
    build_source: CodeSource | None
    builds: bool  # a model-build pipeline reruns the reference pipeline
    reference: ReferenceOptions | None = None  # images, tuning, baselines and rules of its pipeline

    @property
    def published_repositories(self) -> tuple[str, ...]:
        return self.reference.repositories if self.reference else ()


@dataclass(frozen=True)
class MlflowPlan:
    server_name: str
    size: str
    weekly_maintenance_window: str
    automatic_model_registration: bool
    version: str | None
    registry_prefix: str


@dataclass(frozen=True)
class StagePlan:
    config: PlatformConfig
    environment: EnvironmentConfig
    region: RegionConfig
    config_path: str = "config/sample.yaml"  # what a deploy pipeline synthesizes again

    @cached_property
    def naming(self) -> Naming:
        return Naming(self.config.project, self.environment.name)

    @property
    def stage_id(self) -> str:
        return self.naming.stage_id(self.region.name)

    @property
    def account(self) -> str:
        return self.environment.account

    @property
    def retention(self) -> Retention:
        return Retention(retain=self.environment.retain_stateful)

    def data_lifecycle(self, bucket: str) -> VersionLifecycle:
        """Noncurrent-version lifecycle of the datasets or artifacts bucket."""
        settings = {"datasets": self.config.data.datasets, "artifacts": self.config.data.artifacts}[bucket]
        return VersionLifecycle.of(settings)

    @cached_property
    def model_groups(self) -> tuple[ModelGroupPlan, ...]:
        return tuple(
            ModelGroupPlan(
                key=group.name,
                name=self.naming.model_package_group_name(group.name),
                team=group.team,
                # create-only: the config's words, or a default that depends only on the name
                description=group.description or f"Versions of model {group.name}",
                consumer_accounts=group.consumer_accounts,
                serving=group.serving,
            )
            for group in self.config.model_groups
        )

    @cached_property
    def teams(self) -> tuple[TeamPlan, ...]:
        reference = self.config.reference_pipeline.enabled
        plans = []
        for team in self.config.teams:
            groups = tuple(g.name for g in self.model_groups if g.team == team.name)
            has_pipeline = reference and bool(groups)  # a reference pipeline registers into a group
            source = team.model_build_source
            plans.append(
                TeamPlan(
                    name=team.name,
                    users=team.users,
                    model_package_groups=groups,
                    pipeline_prefix=self.naming.team_pipeline_prefix(team.name),
                    reference_pipeline=self.naming.reference_pipeline_name(team.name) if has_pipeline else None,
                    build_source=CodeSource(source.connection_arn, source.repository, source.branch)
                    if source
                    else None,
                    builds=has_pipeline and self.config.model_build.enabled,
                    reference=reference_options(
                        self.config.reference_pipeline,
                        team.pipeline,
                        account=self.account,
                        region=self.region.name,
                        partition=Aws.PARTITION,
                    )
                    if has_pipeline
                    else None,
                )
            )
        return tuple(plans)

    @property
    def build_teams(self) -> tuple[str, ...]:
        return tuple(team.name for team in self.teams if team.builds)

    @property
    def pipeline_teams(self) -> tuple[str, ...]:
        """Teams with a CodePipeline (a model build, a deploy): each has its own artifact bucket."""
        serving = {group.team for group in self.model_groups if group.serving is not None}
        return tuple(team.name for team in self.teams if team.builds or team.name in serving)

    @property
    def experiments(self) -> tuple[ExperimentPlan, ...]:
        return tuple(
            ExperimentPlan(team.name, x.name, self.naming.experiment_name(team.name, x.name), x.description)
            for team in self.config.teams
            for x in team.experiments
        )

    @property
    def model_readers(self) -> dict[str, tuple[str, ...]]:
        """Per team, the consumer accounts of its model groups (they read its model artifacts)."""
        readers: dict[str, set[str]] = {}
        for group in self.model_groups:
            readers.setdefault(group.team, set()).update(group.consumer_accounts)
        return {team: tuple(sorted(accounts)) for team, accounts in readers.items() if accounts}

    @property
    def mlflow(self) -> MlflowPlan | None:
        settings = self.config.mlflow
        if not settings.enabled:
            return None
        return MlflowPlan(
            server_name=self.naming.mlflow_server_name(),
            size=settings.size,
            weekly_maintenance_window=settings.weekly_maintenance_window,
            automatic_model_registration=settings.automatic_model_registration,
            version=settings.version,
            registry_prefix=self.naming.mlflow_registry_prefix(),
        )

    @property
    def endpoint_names(self) -> tuple[str, ...]:
        """The region's endpoint selection, plus what enabled features need."""
        names = self.environment.endpoints_in(self.region)
        needed = (MLFLOW_ENDPOINTS if self.config.mlflow.enabled else ()) + (
            MODEL_BUILD_ENDPOINTS if self.build_teams else ()
        )
        return endpoints_for_names((*names, *needed))

    @property
    def lifecycle_configs(self) -> tuple[LifecyclePlan, ...]:
        return tuple(
            LifecyclePlan(
                spec.name,
                self.naming.lifecycle_config_name(spec.name, content_digest(spec.content)),
                spec.app_type,
                spec.content,
            )
            for spec in self.config.studio.lifecycle_configs
        )

    def user_shares(self) -> dict[int, tuple[tuple[str, str], ...]]:
        """Stack index -> the (user, team) pairs it holds (config.placement decides)."""
        team_of = {user: team.name for team in self.config.teams for user in team.users}
        placed = place_users(self.config.all_users, self.config.studio.user_profile_stacks)
        return {index: tuple((user, team_of[user]) for user in users) for index, users in placed.items()}

    def alert_names(self, group: ModelGroupPlan) -> AlertNames:
        variants = tuple(variant.name for variant in group.serving.variants) if group.serving else ()
        return AlertNames(tuple(self.naming.endpoint_name(group.key, tier) for tier in TIERS), variants)

    def stack_props(self, kind: StackKind, what: str) -> dict[str, object]:
        return {
            "stack_name": self.naming.stack_name(kind),
            "description": f"{self.config.project} {self.environment.name} {self.region.name}: {what}",
            # A retained environment must not be deletable by one mistaken `cdk destroy`.
            "termination_protection": self.environment.retain_stateful,
        }


def plan_stages(config: PlatformConfig, config_path: str = "config/sample.yaml") -> list[StagePlan]:
    """One plan per (environment, region), in config order."""
    return [
        StagePlan(config, environment, region, config_path)
        for environment in config.environments
        for region in environment.regions
    ]
