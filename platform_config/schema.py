"""Typed, frozen configuration of one platform. Field-level rules live here; rules that span
fields (duplicates, overlaps, references, derived names) live in `config.checks`."""

from __future__ import annotations

import ipaddress
import re
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, PrivateAttr, field_validator

from platform_config.endpoint_catalog import ENDPOINT_CATALOG, Profile, endpoints_for
from platform_config.naming import SAGEMAKER_NAME_PATTERN, TEAM_NAME_PATTERN
from platform_config.regions import region_problem
from platform_config.schema_base import Frozen, Str
from platform_config.serving import ServingSettings
from platform_config.tuning import TeamPipelineSettings

# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
PRIVATE_RANGES = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
MIN_VPC_PREFIX, MAX_VPC_PREFIX = 16, 22


def _sagemaker_name(value: str) -> str:
    if not re.fullmatch(SAGEMAKER_NAME_PATTERN, value):
        raise ValueError(f"must match the SageMaker name pattern {SAGEMAKER_NAME_PATTERN}")
    return value


def _scope_name(value: str) -> str:
    if not re.fullmatch(TEAM_NAME_PATTERN, value):
        raise ValueError(
            f"must be lower-case letters and digits in words joined by single hyphens ({TEAM_NAME_PATTERN}): "
            "IAM scopes by name prefix and a '--' or an upper-case letter could make one name a prefix of another"
        )
    return value


def _region(value: str) -> str:
    problem = region_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _account(value: str) -> str:
    if not re.fullmatch(r"\d{12}", value):
        raise ValueError("must be exactly 12 digits")
    return value


def _vpc_cidr(value: str) -> str:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as error:
        raise ValueError(f"is not a valid IPv4 network ({error})") from None
    if network.version != 4 or not any(network.subnet_of(r) for r in PRIVATE_RANGES):  # type: ignore[arg-type]
        raise ValueError("must be inside a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)")
    if not MIN_VPC_PREFIX <= network.prefixlen <= MAX_VPC_PREFIX:
        raise ValueError(f"must be a /{MIN_VPC_PREFIX} to /{MAX_VPC_PREFIX} network")
    return value


def _endpoint_name(value: str) -> str:
    if value not in ENDPOINT_CATALOG:
        raise ValueError(f"is not in the endpoint catalog ({', '.join(ENDPOINT_CATALOG)})")
    return value


SageMakerName = Annotated[Str, AfterValidator(_sagemaker_name)]
ScopeName = Annotated[Str, AfterValidator(_scope_name)]
EndpointName = Annotated[Str, AfterValidator(_endpoint_name)]


class EndpointSettings(Frozen):
    """Which interface endpoints a region gets: a profile, plus per-service overrides."""

    profile: Profile = "standard"
    include: tuple[EndpointName, ...] = ()
    exclude: tuple[EndpointName, ...] = ()

    @property
    def selected(self) -> tuple[str, ...]:
        return endpoints_for(self.profile, self.include, self.exclude)


class RegionConfig(Frozen):
    name: Annotated[Str, AfterValidator(_region)]
    vpc_cidr: Annotated[Str, AfterValidator(_vpc_cidr)]
    az_count: int = Field(default=2, ge=2, le=3, strict=True)
    endpoints: EndpointSettings | None = Field(default=None, description="overrides the environment's")


class EnvironmentConfig(Frozen):
    name: Annotated[ScopeName, Field(max_length=16)]
    account: Annotated[Str, AfterValidator(_account)]
    retain_stateful: bool = Field(default=True, strict=True)
    endpoints: EndpointSettings = EndpointSettings()
    regions: tuple[RegionConfig, ...] = Field(min_length=1)

    def endpoints_in(self, region: RegionConfig) -> tuple[str, ...]:
        return (region.endpoints or self.endpoints).selected


class ExperimentConfig(Frozen):
    """A long-lived experiment of a team; runs (trials) are created by the people who experiment."""

    name: Annotated[SageMakerName, Field(max_length=60)]
    description: Annotated[Str, Field(max_length=3072)] = ""


class CodeConnectionSource(Frozen):
    """A repository reached through AWS CodeConnections (GitHub, GitLab, Bitbucket)."""

    connection_arn: Annotated[
        Str,
        Field(
            pattern=r"^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection/[0-9a-f-]+$"
        ),
    ]
    repository: Annotated[Str, Field(pattern=r"^[\w.-]+/[\w.-]+$", description="owner/name")]
    branch: Annotated[Str, Field(min_length=1, max_length=255)] = "main"


class TeamConfig(Frozen):
    name: Annotated[ScopeName, Field(max_length=32)]
    users: tuple[SageMakerName, ...] = ()
    experiments: tuple[ExperimentConfig, ...] = ()
    model_build_source: CodeConnectionSource | None = Field(
        default=None, description="training code repository; default: a versioned S3 source object"
    )
    pipeline: TeamPipelineSettings = TeamPipelineSettings()


Account = Annotated[Str, AfterValidator(_account)]


class ModelGroupConfig(Frozen):
    name: SageMakerName
    team: Str
    description: Annotated[Str, Field(max_length=1024)] = Field(default="", description="create-only")
    consumer_accounts: tuple[Account, ...] = Field(default=(), description="accounts that may read it")
    serving: ServingSettings | None = Field(
        default=None, description="serve approved versions: a deploy pipeline, endpoints, autoscaling, Model Monitor"
    )


def _principal_arn(value: str) -> str:
    if not re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]+", value):
        raise ValueError("must be an IAM role or user ARN (arn:aws:iam::<12 digits>:role/<name>)")
    return value


def _email(value: str) -> str:
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", value):
        raise ValueError("must be an e-mail address")
    return value


class RegistrySettings(Frozen):
    """Who approves models (nobody who builds them), and who hears about approvals."""

    approvers: tuple[Annotated[Str, AfterValidator(_principal_arn)], ...] = ()
    notification_emails: tuple[Annotated[Str, AfterValidator(_email)], ...] = ()


class MlflowSettings(Frozen):
    """An optional managed MLflow tracking server per environment-region."""

    enabled: bool = Field(default=False, strict=True)
    size: Literal["Small", "Medium", "Large"] = "Small"
    weekly_maintenance_window: Annotated[
        Str, Field(pattern=r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun):([01]\d|2[0-3]):([0-5]\d)$")
    ] = "Sun:03:00"
    automatic_model_registration: bool = Field(default=False, strict=True)
    version: Annotated[Str, Field(pattern=r"^\d+(\.\d+)+$")] | None = None


def _image_template(value: str) -> str:
    probe = value.replace("{account}", "111122223333").replace("{region}", "us-east-1")
    if "{" in probe or "}" in probe:
        raise ValueError("may use only the placeholders {account} and {region}")
    if not re.fullmatch(
        r"\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[a-z0-9._/-]+(:[\w.-]+|@sha256:[0-9a-f]{64})", probe
    ):
        raise ValueError("must be an ECR image URI (<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag> or @sha256:)")
    return value


InstanceType = Annotated[Str, Field(pattern=r"^ml\.[a-z0-9]+\.[a-z0-9]+$")]


class ReferencePipelineSettings(Frozen):
    """The reference SageMaker Pipeline every team gets: preprocess, train, evaluate, register."""

    enabled: bool = Field(default=True, strict=True)
    image: Annotated[Str, AfterValidator(_image_template)] | None = Field(
        default=None,
        description="the team's own processing and training image; default: SageMaker's scikit-learn image "
        "of the region, from the generated table (platform_config/image_uris.json)",
    )
    processing_instance_type: InstanceType = "ml.m5.xlarge"
    training_instance_type: InstanceType = "ml.m5.xlarge"
    accuracy_threshold: float = Field(default=0.8, ge=0.0, le=1.0)


class NetworkSettings(Frozen):
    flow_log_retention_days: int = Field(default=365, strict=True)

    @field_validator("flow_log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(f"must be one of the CloudWatch Logs periods {LOG_RETENTION_DAYS}")
        return value


class NoncurrentVersions(Frozen):
    """What happens to old object versions. Expiring dataset versions breaks lineage: a model's
    record points at an object version id, so the default keeps them, in a colder class."""

    transition_days: int = Field(default=30, ge=1, strict=True)
    expiration_days: int | None = Field(default=None, ge=1, strict=True)

    @field_validator("expiration_days")
    @classmethod
    def _after_transition(cls, value: int | None, info: Any) -> int | None:
        transition = info.data.get("transition_days")
        if value is not None and transition is not None and value <= transition:
            raise ValueError(f"must be greater than transition_days ({transition})")
        return value


class DataSettings(Frozen):
    datasets: NoncurrentVersions = NoncurrentVersions()
    artifacts: NoncurrentVersions = NoncurrentVersions()
    access_logs_expiration_days: int = Field(default=365, ge=1, strict=True)


# SageMaker accepts idle timeouts from 60 minutes to a year.
MIN_IDLE_MINUTES, MAX_IDLE_MINUTES = 60, 525_600
# The base64 of a lifecycle script must fit StudioLifecycleConfigContent (16,384 characters).
MAX_SCRIPT_BYTES = 12_288
AppType = Literal["JupyterLab", "CodeEditor"]


def _relative_script(value: str) -> str:
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts or not value.endswith(".sh"):
        raise ValueError("must be a relative path to a .sh file inside the repository (no '..')")
    return value


class LifecycleConfigSpec(Frozen):
    """An optional Studio lifecycle configuration, offered to every user of the app type."""

    name: Annotated[SageMakerName, Field(max_length=24)]
    app_type: AppType
    script: Annotated[Str, AfterValidator(_relative_script)] = Field(description="relative to the config file")
    _content: str | None = PrivateAttr(default=None)

    @property
    def content(self) -> str:
        if self._content is None:
            raise RuntimeError(f"lifecycle config {self.name!r} was not loaded through config.load_config")
        return self._content


class StudioSettings(Frozen):
    idle_timeout_minutes: int = Field(default=60, ge=MIN_IDLE_MINUTES, le=MAX_IDLE_MINUTES, strict=True)
    max_idle_timeout_minutes: int = Field(default=240, ge=MIN_IDLE_MINUTES, le=MAX_IDLE_MINUTES, strict=True)
    user_profile_stacks: int = Field(default=4, ge=1, le=20, strict=True)
    lifecycle_configs: tuple[LifecycleConfigSpec, ...] = ()

    @field_validator("max_idle_timeout_minutes")
    @classmethod
    def _not_below_default(cls, value: int, info: Any) -> int:
        idle = info.data.get("idle_timeout_minutes")
        if idle is not None and value < idle:
            raise ValueError(f"must not be below idle_timeout_minutes ({idle})")
        return value


class ModelBuildSettings(Frozen):
    """A CodePipeline per team that reruns its reference pipeline when training code changes."""

    enabled: bool = Field(default=True, strict=True)
    timeout_minutes: int = Field(default=120, ge=5, le=480, strict=True)


class DeliverySettings(Frozen):
    """The platform's own delivery pipeline (CDK Pipelines), in a tooling account."""

    account: Account
    region: Annotated[Str, AfterValidator(_region)]
    source: CodeConnectionSource


class PlatformConfig(Frozen):
    project: Annotated[Str, Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", max_length=20)]
    environments: tuple[EnvironmentConfig, ...] = Field(min_length=1)
    teams: tuple[TeamConfig, ...] = Field(min_length=1)
    model_groups: tuple[ModelGroupConfig, ...] = ()
    network: NetworkSettings = NetworkSettings()
    data: DataSettings = DataSettings()
    studio: StudioSettings = StudioSettings()
    registry: RegistrySettings = RegistrySettings()
    mlflow: MlflowSettings = MlflowSettings()
    reference_pipeline: ReferencePipelineSettings = ReferencePipelineSettings()
    model_build: ModelBuildSettings = ModelBuildSettings()
    delivery: DeliverySettings | None = None

    @property
    def all_users(self) -> tuple[str, ...]:
        return tuple(user for team in self.teams for user in team.users)

    def groups_of(self, team: str) -> tuple[ModelGroupConfig, ...]:
        return tuple(group for group in self.model_groups if group.team == team)

    @property
    def all_regions(self) -> tuple[str, ...]:
        return tuple(sorted({region.name for env in self.environments for region in env.regions}))
