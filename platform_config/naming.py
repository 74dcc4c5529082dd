"""The one naming function: every physical name and construct path the platform derives.

Generated names are preferred; a name is derived here only where AWS requires one (SageMaker
domain, user profiles, model package groups) or where people and tooling must find it (stack
names, the key alias). Config validation calls `NAME_RULES` on every derived name so that a too
long or malformed name fails at synth, not at deploy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

SAGEMAKER_NAME_PATTERN = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"
# Team and environment names: lower-case words joined by single hyphens. IAM scopes a team's
# pipelines by the prefix `<project>-<env>-<team>--`; without a double hyphen in any name, no
# team's prefix can be a prefix of another team's (or another environment's) names.
TEAM_NAME_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
TEAM_SEPARATOR = "--"
MLFLOW_GROUP_PREFIX = "mlflow-"


class StackKind(StrEnum):
    """The stacks of one environment-region. The value is part of the stack name: never rename."""

    GUARDRAILS = "guardrails"
    NETWORK = "network"
    DATA = "data"
    REGISTRY = "registry"
    STUDIO = "studio"
    PIPELINES = "pipelines"
    MODEL_BUILD = "model-build"
    DEPLOY = "deploy"


@dataclass(frozen=True)
class NameRule:
    max_length: int
    pattern: str
    what: str

    def problem(self, name: str) -> str | None:
        if len(name) > self.max_length:
            return f"derived {self.what} {name!r} is {len(name)} characters, over the limit of {self.max_length}"
        if not re.fullmatch(self.pattern, name):
            return f"derived {self.what} {name!r} does not match {self.pattern}"
        return None


NAME_RULES: dict[str, NameRule] = {
    "stack": NameRule(128, r"^[A-Za-z][A-Za-z0-9-]*$", "stack name"),
    "kms_alias": NameRule(256, r"^alias/(?!aws/)[a-zA-Z0-9/_-]+$", "KMS alias"),
    "domain": NameRule(63, SAGEMAKER_NAME_PATTERN, "SageMaker domain name"),
    "user_profile": NameRule(63, SAGEMAKER_NAME_PATTERN, "SageMaker user profile name"),
    "model_package_group": NameRule(63, SAGEMAKER_NAME_PATTERN, "model package group name"),
    "lifecycle_config": NameRule(63, SAGEMAKER_NAME_PATTERN, "Studio lifecycle config name"),
    "experiment": NameRule(120, r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,119}$", "experiment name"),
    "pipeline": NameRule(256, r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$", "pipeline name"),
    "managed_policy": NameRule(128, r"^[\w+=,.@-]+$", "IAM managed policy name"),
}
# Lifecycle config content is create-only: a short content digest in the name lets a changed
# script become a new resource instead of a failed replacement under the same name.
DIGEST_LENGTH = 8
APP_TYPE_ABBREVIATIONS = {"JupyterLab": "jl", "CodeEditor": "ce"}


@dataclass(frozen=True)
class Naming:
    """Names for one (project, environment). Regions share names: they are regional resources."""

    project: str
    environment: str

    def stage_id(self, region: str) -> str:
        return f"{self.environment}-{region}"

    def stack_name(self, kind: StackKind) -> str:
        return f"{self.project}-{self.environment}-{kind.value}"

    def user_stack_id(self, index: int) -> str:
        return f"Users{index}"

    def user_stack_name(self, index: int) -> str:
        return f"{self.project}-{self.environment}-users-{index}"

    def permissions_boundary_name(self, region: str) -> str:
        """IAM is global: the region keeps each environment-region's boundary apart."""
        return f"{self.project}-{self.environment}-{region}-boundary"

    def lifecycle_config_name(self, name: str, digest: str) -> str:
        return f"{self.project}-{self.environment}-{name}-{digest[:DIGEST_LENGTH]}"

    def team_defaults_config_name(self, team: str, app_type: str, digest: str) -> str:
        abbreviation = APP_TYPE_ABBREVIATIONS[app_type]
        return f"{self.project}-{self.environment}-{team}-{abbreviation}-{digest[:DIGEST_LENGTH]}"

    def kms_alias(self) -> str:
        return f"alias/{self.project}-{self.environment}-data"

    def domain_name(self) -> str:
        return f"{self.project}-{self.environment}"

    def user_profile_name(self, user: str) -> str:
        return user

    def model_package_group_name(self, group: str) -> str:
        return f"{self.project}-{self.environment}-{group}"

    def experiment_name(self, team: str, experiment: str) -> str:
        return f"{self.project}-{self.environment}-{team}-{experiment}"

    def serving_stack_name(self, group: str, tier: str) -> str:
        return f"{self.project}-{self.environment}-{group}-serving-{tier}"

    def endpoint_name(self, group: str, tier: str) -> str:
        """Fixed: autoscaling targets, alarms and callers name the endpoint; updates keep it."""
        return f"{self.project}-{self.environment}-{group}-{tier}"

    def serving_role_name(self, region: str, group: str) -> str:
        """IAM names are global to the account: the region is part of it."""
        return f"{self.project}-{self.environment}-{region}-{group}-serving"

    def batch_pipeline_name(self, team: str, group: str) -> str:
        """Under the team's prefix: the team role starts it (a batch run of an approved version)."""
        return f"{self.team_pipeline_prefix(team)}batch-{group}"

    def serving_topic_name(self, group: str) -> str:
        """Fixed: serving stacks build its ARN instead of referencing the platform's topic."""
        return f"{self.project}-{self.environment}-{group}-serving-alerts"

    def deploy_pipeline_name(self, group: str) -> str:
        return f"{self.project}-{self.environment}-{group}-deploy"

    def reference_pipeline_name(self, team: str) -> str:
        return f"{self.team_pipeline_prefix(team)}reference"

    def team_pipeline_prefix(self, team: str) -> str:
        """Every pipeline a team may create, update or start begins with this. The double hyphen
        ends the team's name: team names never hold one (`TEAM_NAME_PATTERN`), so `vision--`
        never matches a name of team `vision-x`, whose names begin `vision-x--`."""
        return f"{self.project}-{self.environment}-{team}{TEAM_SEPARATOR}"

    def package_domain_name(self) -> str:
        """The CodeArtifact domain of the environment (per account and region)."""
        return f"{self.project}-{self.environment}"

    def mlflow_registry_prefix(self) -> str:
        """Model package groups the MLflow server registers into (automatic registration names a
        group after the MLflow model): never a configured group (`MLFLOW_GROUP_PREFIX` is
        refused in model group names), so the server, which every team uses, cannot register
        into a team's group."""
        return self.model_package_group_name(MLFLOW_GROUP_PREFIX)

    def mlflow_server_name(self) -> str:
        return f"{self.project}-{self.environment}-mlflow"

    def environment_names(self) -> list[tuple[str, str]]:
        """(rule key, name) for every name that depends on the environment alone."""
        stacks = [("stack", self.stack_name(kind)) for kind in StackKind]
        return [*stacks, ("kms_alias", self.kms_alias()), ("domain", self.domain_name())]
