"""Rules that span fields: duplicates, overlapping networks, references and derived names.

Each check yields (field path, message, bad value); the loader formats them one per line.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

from platform_config.naming import APP_TYPE_ABBREVIATIONS, DIGEST_LENGTH, MLFLOW_GROUP_PREFIX, NAME_RULES, Naming
from platform_config.placement import MAX_PROFILES_PER_STACK, RESOURCES_PER_PROFILE, place_users
from platform_config.schema import PlatformConfig

Problem = tuple[str, str, Any]
# (field path, NAME_RULES key, derived name, the config value blamed for it)
Derived = tuple[str, str, str, Any]

# A team's Registry managed policy names two ARNs per model group (the group and its versions),
# up to about 290 characters each with the longest names: sixteen stay well under IAM's 6,144
# characters for a managed policy (measured by tests/constructs/test_team_execution_role.py).
MAX_MODEL_GROUPS_PER_TEAM = 16


def _duplicates(items: Iterable[tuple[str, str]], what: str) -> Iterator[Problem]:
    """items are (path, name); report every repeat with the path of its first use."""
    first_seen: dict[str, str] = {}
    for path, name in items:
        if name in first_seen:
            yield path, f"duplicate {what}, already used at {first_seen[name]}", name
        else:
            first_seen[name] = path


def _overlapping_cidrs(config: PlatformConfig) -> Iterator[Problem]:
    for e, env in enumerate(config.environments):
        seen: list[tuple[str, ipaddress.IPv4Network]] = []
        for r, region in enumerate(env.regions):
            path = f"environments[{e}].regions[{r}].vpc_cidr"
            network = ipaddress.IPv4Network(region.vpc_cidr)
            for other_path, other in seen:
                if network.overlaps(other):
                    yield path, f"overlaps {other_path} ({other}) in the same environment", region.vpc_cidr
            seen.append((path, network))


def _mlflow_group_names(config: PlatformConfig) -> Iterator[Problem]:
    for g, group in enumerate(config.model_groups):
        if group.name.startswith(MLFLOW_GROUP_PREFIX):
            yield (
                f"model_groups[{g}].name",
                f"must not start with {MLFLOW_GROUP_PREFIX!r}: "
                "those groups belong to the MLflow server's registrations",
                group.name,
            )


def _unknown_teams(config: PlatformConfig) -> Iterator[Problem]:
    teams = {team.name for team in config.teams}
    for g, group in enumerate(config.model_groups):
        if group.team not in teams:
            yield f"model_groups[{g}].team", f"is not a configured team ({', '.join(sorted(teams))})", group.team


def _groups_per_team(config: PlatformConfig) -> Iterator[Problem]:
    counts: dict[str, int] = {}
    for g, group in enumerate(config.model_groups):
        counts[group.team] = counts.get(group.team, 0) + 1
        if counts[group.team] == MAX_MODEL_GROUPS_PER_TEAM + 1:
            yield (
                f"model_groups[{g}].team",
                f"team has more than {MAX_MODEL_GROUPS_PER_TEAM} model groups: its registry policy would "
                "exceed IAM's 6,144 characters for a managed policy",
                group.team,
            )


# SageMaker endpoint and monitoring schedule names: 63 characters; IAM role names: 64; rule
# and alarm names as the serving stacks derive them (`<endpoint>-model-violations` is the longest).
SERVING_NAME_LIMITS = (
    ("endpoint", 63, ""),
    ("violation rule", 64, "-model-violations"),
    ("monitoring schedule", 63, "-model"),
)
ROLE_NAME_LIMIT = 64


def _serving(config: PlatformConfig) -> Iterator[Problem]:
    """A served group needs what serving stands on: registered baselines to monitor with, the
    model build's package mirror (the smoke test installs through it), names within limits."""
    teams = {team.name: team for team in config.teams}
    for g, group in enumerate(config.model_groups):
        if group.serving is None:
            continue
        where = f"model_groups[{g}].serving"
        team = teams.get(group.team)
        if team is not None and not team.pipeline.drift_baselines:
            yield (
                where,
                (
                    f"team {group.team} computes no drift baselines (teams[].pipeline.drift_baselines): "
                    "Model Monitor compares live traffic with the baselines registered with each version"
                ),
                "set",
            )
        if not (config.model_build.enabled and config.reference_pipeline.enabled):
            yield where, "serving needs model_build and reference_pipeline enabled (the mirror, the versions)", False
        yield from _serving_names(config, g, where)


def _serving_names(config: PlatformConfig, g: int, where: str) -> Iterator[Problem]:
    group = config.model_groups[g]
    for env in config.environments:
        naming = Naming(config.project, env.name)
        endpoint = naming.endpoint_name(group.name, "production")
        for what, limit, suffix in SERVING_NAME_LIMITS:
            if len(endpoint + suffix) > limit:
                yield (
                    f"model_groups[{g}].name",
                    f"derived {what} {endpoint + suffix!r} is over {limit} characters",
                    group.name,
                )
        for region in env.regions:
            role = naming.serving_role_name(region.name, group.name)
            if len(role) > ROLE_NAME_LIMIT:
                yield where, f"derived serving role name {role!r} is over {ROLE_NAME_LIMIT} characters", group.name


def _derived_names(config: PlatformConfig) -> Iterator[Problem]:
    """Every derived name, blamed on the config value that made it too long or malformed."""
    for e, env in enumerate(config.environments):
        naming = Naming(config.project, env.name)
        derived = chain(
            ((f"environments[{e}].name", rule_key, name, env.name) for rule_key, name in naming.environment_names()),
            _profile_group_and_experiment_names(config, naming),
            _lifecycle_config_names(config, naming),
            _stack_and_boundary_names(config, e, naming),
        )
        for path, rule_key, name, value in derived:
            if message := NAME_RULES[rule_key].problem(name):
                yield path, message, value


def _profile_group_and_experiment_names(config: PlatformConfig, naming: Naming) -> Iterator[Derived]:
    for t, team in enumerate(config.teams):
        for u, user in enumerate(team.users):
            yield f"teams[{t}].users[{u}]", "user_profile", naming.user_profile_name(user), user
    for g, group in enumerate(config.model_groups):
        yield f"model_groups[{g}].name", "model_package_group", naming.model_package_group_name(group.name), group.name
    for t, team in enumerate(config.teams):
        for x, experiment in enumerate(team.experiments):
            name = naming.experiment_name(team.name, experiment.name)
            yield f"teams[{t}].experiments[{x}].name", "experiment", name, experiment.name


def _lifecycle_config_names(config: PlatformConfig, naming: Naming) -> Iterator[Derived]:
    digest = "0" * DIGEST_LENGTH  # names are checked for length and shape; the digest has a fixed length
    for t, team in enumerate(config.teams):
        for app_type in APP_TYPE_ABBREVIATIONS:
            name = naming.team_defaults_config_name(team.name, app_type, digest)
            yield f"teams[{t}].name", "lifecycle_config", name, team.name
    for c, spec in enumerate(config.studio.lifecycle_configs):
        name = naming.lifecycle_config_name(spec.name, digest)
        yield f"studio.lifecycle_configs[{c}].name", "lifecycle_config", name, spec.name


def _stack_and_boundary_names(config: PlatformConfig, e: int, naming: Naming) -> Iterator[Derived]:
    env = config.environments[e]
    last_stack = naming.user_stack_name(config.studio.user_profile_stacks - 1)
    for rule_key, name in [("stack", last_stack)] + [
        ("managed_policy", naming.permissions_boundary_name(region.name)) for region in env.regions
    ]:
        yield f"environments[{e}].name", rule_key, name, env.name


def _user_stack_capacity(config: PlatformConfig) -> Iterator[Problem]:
    stacks = config.studio.user_profile_stacks
    for index, users in place_users(config.all_users, stacks).items():
        if len(users) > MAX_PROFILES_PER_STACK:
            yield (
                "studio.user_profile_stacks",
                f"user stack {index} would hold {len(users)} profiles ({RESOURCES_PER_PROFILE} resources each), "
                f"over {MAX_PROFILES_PER_STACK}, 80% of the 500-resource quota; raise it (this moves profiles: "
                "see README)",
                stacks,
            )


def cross_field_problems(config: PlatformConfig) -> list[Problem]:
    envs = config.environments
    problems: list[Problem] = []
    problems += _duplicates(((f"environments[{e}].name", env.name) for e, env in enumerate(envs)), "environment name")
    for e, env in enumerate(envs):
        regions = ((f"environments[{e}].regions[{r}].name", region.name) for r, region in enumerate(env.regions))
        problems += _duplicates(regions, "region in this environment")
    problems += _overlapping_cidrs(config)
    problems += _duplicates(((f"teams[{t}].name", team.name) for t, team in enumerate(config.teams)), "team name")
    users = (
        (f"teams[{t}].users[{u}]", user) for t, team in enumerate(config.teams) for u, user in enumerate(team.users)
    )
    problems += _duplicates(users, "user name (user names are unique across the domain)")
    groups = ((f"model_groups[{g}].name", group.name) for g, group in enumerate(config.model_groups))
    problems += _duplicates(groups, "model group name")
    problems += _unknown_teams(config)
    problems += _mlflow_group_names(config)
    problems += _groups_per_team(config)
    problems += _serving(config)
    lifecycle_names = (
        (f"studio.lifecycle_configs[{c}].name", spec.name) for c, spec in enumerate(config.studio.lifecycle_configs)
    )
    problems += _duplicates(lifecycle_names, "lifecycle config name")
    for t, team in enumerate(config.teams):
        experiments = ((f"teams[{t}].experiments[{x}].name", e.name) for x, e in enumerate(team.experiments))
        problems += _duplicates(experiments, "experiment name in this team")
    if config.model_groups and not config.registry.approvers:
        problems.append(
            (
                "registry.approvers",
                "at least one approver is required when model_groups exist: nobody could approve a model otherwise",
                [],
            )
        )
    problems += _derived_names(config)
    problems += _user_stack_capacity(config)
    return problems
