"""One served model group in one tier (staging or production) of an environment-region.

Synthesized only for a release (`-c serving_release=<file>`, written by the deploy pipeline's
Release step): the template names the exact versions it serves, so `cdk diff` shows what a deploy
changes, and synthesis needs no AWS call. Staging: one instance per variant, no autoscaling, no
monitor (it exists to be invoked once by the smoke test). Production: autoscaled variants of at
least two instances, Model Monitor from the newest version's registered baselines, violations to
the stage's notification topic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from aws_cdk import aws_sns as sns
from constructs import Construct

from platform_config.serving import ServingSettings
from platform_constructs.model_monitor import EndpointMonitor, MonitorPlacement, data_quality, model_quality
from platform_constructs.pipeline_baselines import PROBLEM_TYPE
from platform_constructs.serving_alerts import TIERS
from platform_constructs.serving_endpoint import Capture, ScalingRange, ServedVariant, ServingEndpoint, TrafficShift
from platform_constructs.serving_role import serving_prefix
from serving.release import Release


@dataclass(frozen=True)
class ServingPlace:
    """Where a served group runs and writes, resolved by the stage (values may be tokens)."""

    team: str
    endpoint_name: str
    artifacts_bucket_name: str
    artifacts_bucket_arn: str
    key_arn: str
    subnet_ids: tuple[str, ...]
    security_group_id: str
    analyzer_image_uri: str
    role_name: str

    def prefix(self, group: str, tier: str, what: str) -> str:
        return f"{serving_prefix(self.team, group)}/{tier}/{what}"

    def uri(self, group: str, tier: str, what: str) -> str:
        return f"s3://{self.artifacts_bucket_name}/{self.prefix(group, tier, what)}"


class ServingStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        group: str,  # physical name
        tier: str,
        release: Release,
        settings: ServingSettings,
        place: ServingPlace,
        topic_name: str,
        **stack_props: Any,
    ) -> None:
        super().__init__(scope, construct_id, **stack_props)
        if tier not in TIERS:
            raise ValueError(f"tier must be one of {', '.join(TIERS)} (got {tier!r})")
        production = tier == "production"
        self.tier = tier
        # Built, not referenced: the topic is the platform's (platform_constructs/serving_alerts.py).
        topic = sns.Topic.from_topic_arn(self, "Alerts", self.format_arn(service="sns", resource=topic_name))
        pinned = {name for name, _ in release.variants}
        missing = [variant.name for variant in settings.variants if variant.name not in pinned]
        if missing or release.group != group:
            raise ValueError(
                f"release of {release.group} pins {', '.join(sorted(pinned))}; {group} serves "
                f"{', '.join(v.name for v in settings.variants)}"
            )
        # The platform's role (platform_constructs/serving_role.py), by its fixed name.
        role_arn = self.format_arn(service="iam", region="", resource="role", resource_name=place.role_name)
        scaling = settings.autoscaling
        self.endpoint = ServingEndpoint(
            self,
            "Endpoint",
            endpoint_name=place.endpoint_name,
            variants=tuple(
                ServedVariant(
                    name=variant.name,
                    version_arn=release.version_of(variant.name).arn,
                    weight=variant.weight,
                    instance_count=scaling.min_instances if production else 1,
                )
                for variant in settings.variants
            ),
            instance_type=settings.instance_type,
            role_arn=role_arn,
            key_arn=place.key_arn,
            subnet_ids=place.subnet_ids,
            security_group_id=place.security_group_id,
            capture=Capture(place.uri(group, tier, "capture"), settings.data_capture_percent),
            shift=TrafficShift(
                settings.deployment.mode,
                settings.deployment.step_percent,
                settings.deployment.wait_minutes,
                settings.deployment.termination_wait_minutes,
            ),
            latency_alarm_ms=settings.latency_alarm_ms,
            scaling_range=ScalingRange(
                scaling.min_instances,
                scaling.max_instances,
                scaling.invocations_per_instance,
                scaling.scale_in_cooldown_seconds,
                scaling.scale_out_cooldown_seconds,
            )
            if production
            else None,
            topic=topic,
        )
        if production:
            self._monitors(group, release, settings, place, topic, role_arn)
        Tags.of(self).add("Team", place.team)
        CfnOutput(self, "EndpointName", value=place.endpoint_name)
        for name, version in release.variants:
            CfnOutput(self, f"Version{name.capitalize()}", value=version.arn, description=f"served by {name}")

    def _monitors(
        self,
        group: str,
        release: Release,
        settings: ServingSettings,
        place: ServingPlace,
        topic: sns.ITopic | None,
        role_arn: str,
    ) -> None:
        newest = release.newest
        if newest.baselines is None:
            raise ValueError(
                f"{newest.arn} has no drift baselines: the team's reference pipeline must compute them "
                "(teams[].pipeline.drift_baselines) before a version can be monitored"
            )
        placement = MonitorPlacement(
            role_arn=role_arn,
            key_arn=place.key_arn,
            subnet_ids=place.subnet_ids,
            security_group_id=place.security_group_id,
            image_uri=place.analyzer_image_uri,
            reports=place.uri(group, "production", "monitoring"),
        )
        endpoint = self.endpoint.endpoint
        self.data_quality = EndpointMonitor(
            self,
            "DataQuality",
            kind="DataQuality",
            definition=data_quality(
                placement,
                endpoint,
                statistics_uri=newest.baselines.data_statistics,
                constraints_uri=newest.baselines.data_constraints,
            ),
            endpoint=endpoint,
            endpoint_name=place.endpoint_name,
            schedule_name=f"{place.endpoint_name}-data",
            schedule=settings.monitoring.schedule,
            topic=topic,
        )
        truth, constraints = settings.monitoring.ground_truth_uri, newest.baselines.model_constraints
        if truth and constraints:
            self.model_quality = EndpointMonitor(
                self,
                "ModelQuality",
                kind="ModelQuality",
                definition=model_quality(
                    placement, endpoint, constraints_uri=constraints, ground_truth_uri=truth, problem_type=PROBLEM_TYPE
                ),
                endpoint=endpoint,
                endpoint_name=place.endpoint_name,
                schedule_name=f"{place.endpoint_name}-model",
                schedule=settings.monitoring.schedule,
                topic=topic,
            )
