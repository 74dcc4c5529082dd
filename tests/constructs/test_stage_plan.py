"""What one (environment, region) of the config asks for: plan slices from the sample config and
its variants, pure Python, no synthesis."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

import pytest

from platform_config import PlatformConfig
from platform_config.endpoint_catalog import endpoints_for
from platform_config.loader import ConfigError
from platform_config.naming import Naming, StackKind
from platform_constructs.model_build_pipeline import CodeSource
from platform_constructs.stateful import Retention
from platform_constructs.studio_lifecycle_config import content_digest
from stacks.stage_plan import (
    MLFLOW_ENDPOINTS,
    MODEL_BUILD_ENDPOINTS,
    MlflowPlan,
    ModelGroupPlan,
    StagePlan,
    VersionLifecycle,
    plan_stages,
)
from tests.support.variants import config_variant, variant_config

Data = dict[str, Any]


def one_region(data: Data) -> None:
    data["environments"][0]["regions"] = data["environments"][0]["regions"][:1]


def _with_mlflow(data: Data) -> None:
    one_region(data)
    data["mlflow"]["enabled"] = True
    data["mlflow"]["automatic_model_registration"] = True


def _team_without_groups(data: Data) -> None:
    one_region(data)
    data["teams"].append({"name": "nlp", "users": ["noor"]})


def _not_served(data: Data) -> None:
    """Serving stands on the reference pipeline and the model build (config checks): off with them."""
    for group in data["model_groups"]:
        group.pop("serving", None)


def _no_reference_pipeline(data: Data) -> None:
    one_region(data)
    data["reference_pipeline"]["enabled"] = False
    _not_served(data)


def _no_model_build(data: Data) -> None:
    one_region(data)
    data["model_build"] = {"enabled": False}
    _not_served(data)


CONNECTION = "arn:aws:codeconnections:us-east-1:111122223333:connection/0a1b2c3d-1111-2222-3333"


def _connection_source(data: Data) -> None:
    one_region(data)
    data["teams"][0]["model_build_source"] = {"connection_arn": CONNECTION, "repository": "acme/vision"}


def _neighbour_team(data: Data) -> None:
    """`vision-x` beside `vision`: the name of one starts with the other's and a hyphen."""
    one_region(data)
    data["teams"].append({"name": "vision-x", "users": ["xena"]})
    data["model_groups"].append({"name": "vision-x-detector", "team": "vision-x"})


def plans(config: PlatformConfig) -> dict[str, StagePlan]:
    return {plan.stage_id: plan for plan in plan_stages(config)}


@pytest.fixture(scope="module")
def sample_plans() -> dict[str, StagePlan]:
    return plans(variant_config("sample"))


@pytest.fixture(scope="module")
def east(sample_plans: dict[str, StagePlan]) -> StagePlan:
    return sample_plans["dev-us-east-1"]


def only_plan(config: PlatformConfig) -> StagePlan:
    (plan,) = plan_stages(config)
    return plan


def test_one_plan_per_environment_and_region_in_config_order(sample_plans: dict[str, StagePlan]) -> None:
    assert list(sample_plans) == ["dev-us-east-1", "dev-eu-west-1"]
    assert {plan.account for plan in sample_plans.values()} == {"111122223333"}


def test_a_retained_environment_plans_retention(east: StagePlan) -> None:
    assert east.retention == Retention(retain=True)


def test_a_disposable_environment_plans_no_retention() -> None:
    assert {plan.retention for plan in plan_stages(variant_config("disposable"))} == {Retention(retain=False)}


def test_model_groups_get_physical_names_and_create_only_descriptions(east: StagePlan) -> None:
    served = east.model_groups[0].serving
    assert served is not None
    assert [variant.name for variant in served.variants] == ["champion", "challenger"]
    assert east.model_groups == (
        ModelGroupPlan(
            key="defect-detector",
            name="mlexp-dev-defect-detector",
            team="vision",
            description="Surface defect classifier for line cameras",
            consumer_accounts=(),
            serving=east.model_groups[0].serving,
        ),
        ModelGroupPlan(
            key="demand-forecast",
            name="mlexp-dev-demand-forecast",
            team="forecasting",
            description="Weekly demand forecast per store",
            consumer_accounts=("444455556666",),
        ),
    )


def test_a_group_without_a_description_gets_one_that_depends_only_on_its_name() -> None:
    def change(data: Data) -> None:
        one_region(data)
        del data["model_groups"][0]["description"]

    assert only_plan(config_variant(change)).model_groups[0].description == "Versions of model defect-detector"


def test_each_team_gets_its_groups_pipeline_prefix_and_reference_pipeline(east: StagePlan) -> None:
    vision = next(team for team in east.teams if team.name == "vision")
    assert (vision.users, vision.model_package_groups) == (("alice", "bruno"), ("mlexp-dev-defect-detector",))
    assert (vision.pipeline_prefix, vision.reference_pipeline) == ("mlexp-dev-vision--", "mlexp-dev-vision--reference")
    assert (vision.build_source, vision.builds) == (None, True)


def test_teams_with_a_reference_pipeline_get_a_model_build(east: StagePlan) -> None:
    assert east.build_teams == ("vision", "forecasting")


def test_a_team_without_a_model_group_gets_no_reference_pipeline_and_no_build() -> None:
    nlp = next(team for team in only_plan(config_variant(_team_without_groups)).teams if team.name == "nlp")
    assert (nlp.model_package_groups, nlp.reference_pipeline, nlp.builds) == ((), None, False)


def test_no_reference_pipelines_means_no_builds() -> None:
    plan = only_plan(config_variant(_no_reference_pipeline))
    assert {team.reference_pipeline for team in plan.teams} == {None}
    assert plan.build_teams == ()


def test_model_build_can_be_switched_off_keeping_the_reference_pipelines() -> None:
    plan = only_plan(config_variant(_no_model_build))
    assert plan.build_teams == ()
    assert None not in {team.reference_pipeline for team in plan.teams}


def test_a_connection_source_is_planned_for_the_team_on_main_by_default() -> None:
    vision = next(team for team in only_plan(config_variant(_connection_source)).teams if team.name == "vision")
    assert vision.build_source == CodeSource(connection_arn=CONNECTION, repository="acme/vision", branch="main")
    assert vision.builds


def test_no_teams_pipeline_prefix_matches_a_neighbour_teams_names() -> None:
    teams = {team.name: team for team in only_plan(config_variant(_neighbour_team)).teams}
    assert fnmatchcase(teams["vision"].reference_pipeline or "", f"{teams['vision'].pipeline_prefix}*")
    assert not fnmatchcase(teams["vision-x"].reference_pipeline or "", f"{teams['vision'].pipeline_prefix}*")


def test_experiments_are_named_per_team(east: StagePlan) -> None:
    assert [(x.team, x.key, x.name) for x in east.experiments] == [
        ("vision", "defect-baselines", "mlexp-dev-vision-defect-baselines"),
        ("forecasting", "demand-features", "mlexp-dev-forecasting-demand-features"),
    ]


def test_model_readers_are_the_consumer_accounts_of_each_teams_groups(east: StagePlan) -> None:
    assert east.model_readers == {"forecasting": ("444455556666",)}


def test_there_is_no_mlflow_server_unless_enabled(east: StagePlan) -> None:
    assert east.mlflow is None


def test_an_enabled_mlflow_server_is_named_for_the_environment() -> None:
    assert only_plan(config_variant(_with_mlflow)).mlflow == MlflowPlan(
        server_name="mlexp-dev-mlflow",
        size="Small",
        weekly_maintenance_window="Sun:03:00",
        automatic_model_registration=True,
        version=None,
        registry_prefix="mlexp-dev-mlflow-",
    )


def test_the_mlflow_registry_prefix_is_the_environments_mlflow_group_prefix() -> None:
    plan = only_plan(config_variant(_with_mlflow))
    assert plan.mlflow is not None
    assert plan.mlflow.registry_prefix == Naming("mlexp", "dev").mlflow_registry_prefix() == "mlexp-dev-mlflow-"


def test_the_mlflow_registry_prefix_matches_no_teams_model_group() -> None:
    """The server's role registers into `<prefix>*`, whoever uses the server: never a team's group."""
    plan = only_plan(config_variant(_with_mlflow))
    assert plan.mlflow is not None
    pattern = f"{plan.mlflow.registry_prefix}*"
    assert [group.name for group in plan.model_groups if fnmatchcase(group.name, pattern)] == []
    assert plan.model_groups


def test_a_model_group_named_like_the_mlflow_registrations_is_refused() -> None:
    """The only way a configured group could fall under the registry prefix."""

    def change(data: Data) -> None:
        _with_mlflow(data)
        data["model_groups"][0]["name"] = "mlflow-defect-detector"

    with pytest.raises(ConfigError) as refused:
        config_variant(change)
    assert refused.value.problems == (
        "model_groups[0].name: must not start with 'mlflow-': those groups belong to the MLflow server's "
        "registrations (got 'mlflow-defect-detector')",
    )


def test_endpoints_follow_the_regions_profile_plus_what_model_builds_need(
    sample_plans: dict[str, StagePlan],
) -> None:
    east, west = sample_plans["dev-us-east-1"], sample_plans["dev-eu-west-1"]
    assert set(east.endpoint_names) == set(endpoints_for("standard")) | set(MODEL_BUILD_ENDPOINTS)
    assert set(west.endpoint_names) == set(endpoints_for("minimal", ("sagemaker-metrics",))) | set(
        MODEL_BUILD_ENDPOINTS
    )


def test_endpoints_are_in_catalog_order(east: StagePlan) -> None:
    assert east.endpoint_names == endpoints_for("standard", MODEL_BUILD_ENDPOINTS)


def test_mlflow_adds_its_endpoint() -> None:
    assert set(MLFLOW_ENDPOINTS) <= set(only_plan(config_variant(_with_mlflow)).endpoint_names)


def test_without_builds_the_codeartifact_endpoints_follow_the_profile_only() -> None:
    names = only_plan(config_variant(_no_model_build)).endpoint_names
    assert not {"codeartifact-api", "codeartifact-repositories"} & set(names)


def test_lifecycle_configs_are_named_with_a_digest_of_their_content(east: StagePlan) -> None:
    (config,) = east.lifecycle_configs
    assert (config.key, config.app_type) == ("lab-extensions", "JupyterLab")
    assert config.name == f"mlexp-dev-lab-extensions-{content_digest(config.script)[:8]}"


def test_every_user_is_placed_once_with_their_team(east: StagePlan) -> None:
    shares = east.user_shares()
    placed = [pair for members in shares.values() for pair in members]
    assert sorted(shares) == [0, 1, 2, 3]
    assert sorted(placed) == sorted(
        [
            ("alice", "vision"),
            ("bruno", "vision"),
            ("chen", "forecasting"),
            ("dara", "forecasting"),
            ("emeka", "forecasting"),
        ]
    )


def test_data_buckets_keep_old_versions_as_configured(east: StagePlan) -> None:
    assert east.data_lifecycle("datasets") == VersionLifecycle(transition_days=30, expiration_days=None)
    assert east.data_lifecycle("artifacts") == VersionLifecycle(transition_days=30, expiration_days=None)


@pytest.mark.parametrize(("retain", "variant"), [(True, "sample"), (False, "disposable")])
def test_stacks_are_named_described_and_protected_when_retained(retain: bool, variant: str) -> None:
    plan = plan_stages(variant_config(variant))[0]
    assert plan.stack_props(StackKind.DATA, "platform key and buckets") == {
        "stack_name": "mlexp-dev-data",
        "description": "mlexp dev us-east-1: platform key and buckets",
        "termination_protection": retain,
    }
