"""How an approved model version is served and watched (`model_groups[].serving`).

Each rule is one AWS refuses at deploy time, or a trap of endpoint updates, refused here instead:
one line per problem, before anything is synthesized.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from platform_config.schema_base import Frozen, Str

VARIANT_NAME = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"
# Instance families with local NVMe storage: SageMaker refuses an endpoint config KmsKeyId for
# them (their volumes are instance storage, encrypted by the hardware). The serving construct
# leaves KmsKeyId out for these and says so; a test checks every family here has a "d" or NVMe.
LOCAL_STORAGE_FAMILIES = ("c5d", "c6id", "m5d", "m6id", "r5d", "r6id", "g4dn", "g5", "g6", "p3dn", "p4d", "p4de", "p5")
INSTANCE_TYPE = r"^ml\.[a-z0-9]+\.[a-z0-9]+$"


def instance_family(instance_type: str) -> str:
    return instance_type.split(".")[1]


def has_local_storage(instance_type: str) -> bool:
    return instance_family(instance_type) in LOCAL_STORAGE_FAMILIES


class Variant(Frozen):
    """A production variant. Names are stable: blue/green updates need the same names in the old
    and new endpoint configs, so a variant is never renamed by a deploy."""

    name: Annotated[Str, Field(pattern=VARIANT_NAME)]
    weight: float = Field(gt=0, le=1000)


class Autoscaling(Frozen):
    """Target tracking on SageMakerVariantInvocationsPerInstance, per variant."""

    min_instances: int = Field(
        default=2, ge=2, le=100, strict=True, description="two or more: a production variant spans AZs"
    )
    max_instances: int = Field(default=4, ge=1, le=100, strict=True)
    invocations_per_instance: int = Field(default=100, ge=1, strict=True, description="per minute")
    scale_in_cooldown_seconds: int = Field(default=300, ge=0, strict=True)
    scale_out_cooldown_seconds: int = Field(default=60, ge=0, strict=True)

    @field_validator("max_instances")
    @classmethod
    def _above_min(cls, value: int, info: Any) -> int:
        low = info.data.get("min_instances")
        if low is not None and value < low:
            raise ValueError(f"must not be below min_instances ({low})")
        return value


class Deployment(Frozen):
    """Blue/green traffic shifting of endpoint updates, rolled back automatically on alarms."""

    mode: Literal["canary", "linear", "all_at_once"] = "canary"
    step_percent: int = Field(default=10, ge=1, le=50, strict=True, description="canary size or linear step")
    wait_minutes: int = Field(default=10, ge=1, le=60, strict=True, description="between steps (baking)")
    termination_wait_minutes: int = Field(default=10, ge=0, le=60, strict=True)


class Monitoring(Frozen):
    """Model Monitor on production endpoints, from the served version's registered baselines."""

    schedule: Literal["hourly", "daily"] = "hourly"
    ground_truth_uri: Annotated[Str, Field(pattern=r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/\S*$")] | None = Field(
        default=None, description="labels joined to captured requests; enables the model-quality monitor"
    )


class ServingSettings(Frozen):
    instance_type: Annotated[Str, Field(pattern=INSTANCE_TYPE)] = "ml.m5.large"
    variants: Annotated[tuple[Variant, ...], Field(min_length=1, max_length=2)] = (Variant(name="champion", weight=1),)
    autoscaling: Autoscaling = Autoscaling()
    deployment: Deployment = Deployment()
    data_capture_percent: int = Field(default=20, ge=1, le=100, strict=True)
    latency_alarm_ms: int = Field(default=1000, ge=1, strict=True, description="p99 model latency that rolls back")
    monitoring: Monitoring = Monitoring()
    smoke_payload: Annotated[Str, Field(min_length=1, max_length=4096)] = Field(
        description="one CSV row of features: the deploy's smoke test sends it to every staging variant"
    )

    @field_validator("instance_type")
    @classmethod
    def _serving_instance(cls, value: str) -> str:
        if re.match(r"^ml\.inf1\.", value):
            # Deployment guardrails exclude Inf1: the endpoint would fall back to all-at-once
            # with no baking period, silently dropping the configured rollback protection.
            raise ValueError("Inf1 endpoints cannot use blue/green traffic shifting with rollback; pick another type")
        return value

    @field_validator("variants")
    @classmethod
    def _variants(cls, value: tuple[Variant, ...]) -> tuple[Variant, ...]:
        names = [variant.name for variant in value]
        if len(set(names)) != len(names):
            raise ValueError(f"variant names must differ (got {', '.join(names)})")
        return value
