"""A SageMaker endpoint serving pinned model package versions, updated blue/green with rollback.

Traps of endpoint updates, and how this construct avoids each:
- Endpoint configs are immutable. A fixed config name collides on the next update; a timestamped
  one makes every synth different. Models and configs here carry no name: CloudFormation names
  them, replaces them when their content changes, and points the endpoint at the new config.
  Identical inputs give an identical template.
- Blue/green (and rolling) updates need the same variant names in the old and new configs:
  variant names come from config and never from the version they serve.
- Without RetainAllVariantProperties an update resets the instance counts autoscaling chose:
  they are retained; the weights are not (ExcludeRetainedVariantProperties), so the config's
  A/B weights apply on every deploy.
- KmsKeyId is refused for instance types with local NVMe storage (their volumes are instance
  storage, encrypted by the hardware): left out for those families, and only for those.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_applicationautoscaling as scaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from constructs import Construct

from platform_config.serving import has_local_storage
from platform_constructs.serving_alerts import AlertNames

# ModelLatency is reported in microseconds.
MICROSECONDS_PER_MS = 1000
TRAFFIC = {"canary": "CANARY", "linear": "LINEAR", "all_at_once": "ALL_AT_ONCE"}
DEPLOY_TIMEOUT_SECONDS = 3 * 3600
SCALING_ROLE = (
    "aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
    "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
)


@dataclass(frozen=True)
class ServedVariant:
    name: str
    version_arn: str
    weight: float
    instance_count: int


@dataclass(frozen=True)
class TrafficShift:
    mode: str  # canary, linear, all_at_once
    step_percent: int
    wait_minutes: int
    termination_wait_minutes: int


@dataclass(frozen=True)
class ScalingRange:
    min_instances: int
    max_instances: int
    invocations_per_instance: int
    scale_in_cooldown_seconds: int
    scale_out_cooldown_seconds: int


@dataclass(frozen=True)
class Capture:
    destination: str  # s3:// prefix
    percent: int


class ServingEndpoint(Construct):
    """Models (one per variant, from the package, network-isolated in the platform subnets), an
    endpoint config (platform key, data capture encrypted to the artifacts bucket) and the endpoint
    with canary/linear traffic shifting that rolls back on 5xx errors or p99 latency alarms."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint_name: str,
        variants: tuple[ServedVariant, ...],
        instance_type: str,
        role_arn: str,
        key_arn: str,
        subnet_ids: tuple[str, ...],
        security_group_id: str,
        capture: Capture,
        shift: TrafficShift,
        latency_alarm_ms: int,
        scaling_range: ScalingRange | None,
        topic: sns.ITopic | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if not variants:
            raise ValueError(f"endpoint {endpoint_name}: at least one variant is needed")
        self.endpoint_name = endpoint_name
        self.models = {
            variant.name: sagemaker.CfnModel(
                self,
                f"Model-{variant.name}",
                execution_role_arn=role_arn,
                primary_container=sagemaker.CfnModel.ContainerDefinitionProperty(
                    model_package_name=variant.version_arn
                ),
                vpc_config=sagemaker.CfnModel.VpcConfigProperty(
                    security_group_ids=[security_group_id], subnets=list(subnet_ids)
                ),
                enable_network_isolation=True,
            )
            for variant in variants
        }
        self.config = self._config(variants, instance_type, key_arn, capture)
        self.alarms = [alarm for variant in variants for alarm in self._alarms(variant.name, latency_alarm_ms)]
        self.endpoint = sagemaker.CfnEndpoint(
            self,
            "Resource",
            endpoint_name=endpoint_name,
            endpoint_config_name=self.config.attr_endpoint_config_name,
            retain_all_variant_properties=True,
            exclude_retained_variant_properties=[
                sagemaker.CfnEndpoint.VariantPropertyProperty(variant_property_type="DesiredWeight")
            ],
            deployment_config=self._deployment(shift),
        )
        for alarm in self.alarms:
            self.endpoint.node.add_dependency(alarm)
            if topic is not None:  # a rollback is news for the team, not only for SageMaker
                alarm.add_alarm_action(cloudwatch_actions.SnsAction(topic))
        self.scalable_targets = (
            [self._autoscale(variant.name, scaling_range) for variant in variants] if scaling_range else []
        )

    def _config(
        self, variants: tuple[ServedVariant, ...], instance_type: str, key_arn: str, capture: Capture
    ) -> sagemaker.CfnEndpointConfig:
        # Local NVMe instance storage is encrypted by the hardware; SageMaker refuses a key there.
        volume_key = None if has_local_storage(instance_type) else key_arn
        return sagemaker.CfnEndpointConfig(
            self,
            "Config",
            kms_key_id=volume_key,
            production_variants=[
                sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                    variant_name=variant.name,
                    model_name=self.models[variant.name].attr_model_name,
                    initial_instance_count=variant.instance_count,
                    instance_type=instance_type,
                    initial_variant_weight=variant.weight,
                )
                for variant in variants
            ],
            data_capture_config=sagemaker.CfnEndpointConfig.DataCaptureConfigProperty(
                enable_capture=True,
                initial_sampling_percentage=capture.percent,
                destination_s3_uri=capture.destination,
                kms_key_id=key_arn,
                capture_options=[
                    sagemaker.CfnEndpointConfig.CaptureOptionProperty(capture_mode="Input"),
                    sagemaker.CfnEndpointConfig.CaptureOptionProperty(capture_mode="Output"),
                ],
                capture_content_type_header=sagemaker.CfnEndpointConfig.CaptureContentTypeHeaderProperty(
                    csv_content_types=["text/csv"]
                ),
            ),
        )

    def _alarms(self, variant: str, latency_alarm_ms: int) -> list[cloudwatch.Alarm]:
        dimensions = {"EndpointName": self.endpoint_name, "VariantName": variant}
        errors = cloudwatch.Metric(
            namespace="AWS/SageMaker",
            metric_name="Invocation5XXErrors",
            dimensions_map=dimensions,
            statistic="Sum",
            period=Duration.minutes(1),
        )
        latency = cloudwatch.Metric(
            namespace="AWS/SageMaker",
            metric_name="ModelLatency",
            dimensions_map=dimensions,
            statistic="p99",
            period=Duration.minutes(1),
        )
        return [
            cloudwatch.Alarm(
                self,
                f"Errors-{variant}",
                alarm_name=AlertNames.alarm(self.endpoint_name, variant, "errors"),
                alarm_description=f"{self.endpoint_name}/{variant}: 5xx errors roll a deploy back",
                metric=errors,
                threshold=1,
                evaluation_periods=2,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            ),
            cloudwatch.Alarm(
                self,
                f"Latency-{variant}",
                alarm_name=AlertNames.alarm(self.endpoint_name, variant, "latency"),
                alarm_description=f"{self.endpoint_name}/{variant}: p99 model latency over {latency_alarm_ms} ms",
                metric=latency,
                threshold=latency_alarm_ms * MICROSECONDS_PER_MS,
                evaluation_periods=3,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            ),
        ]

    def _deployment(self, shift: TrafficShift) -> sagemaker.CfnEndpoint.DeploymentConfigProperty:
        size = sagemaker.CfnEndpoint.CapacitySizeProperty(type="CAPACITY_PERCENT", value=shift.step_percent)
        routing = sagemaker.CfnEndpoint.TrafficRoutingConfigProperty(
            type=TRAFFIC[shift.mode],
            wait_interval_in_seconds=shift.wait_minutes * 60 if shift.mode != "all_at_once" else None,
            canary_size=size if shift.mode == "canary" else None,
            linear_step_size=size if shift.mode == "linear" else None,
        )
        return sagemaker.CfnEndpoint.DeploymentConfigProperty(
            blue_green_update_policy=sagemaker.CfnEndpoint.BlueGreenUpdatePolicyProperty(
                traffic_routing_configuration=routing,
                termination_wait_in_seconds=shift.termination_wait_minutes * 60,
                maximum_execution_timeout_in_seconds=DEPLOY_TIMEOUT_SECONDS,
            ),
            auto_rollback_configuration=sagemaker.CfnEndpoint.AutoRollbackConfigProperty(
                alarms=[sagemaker.CfnEndpoint.AlarmProperty(alarm_name=alarm.alarm_name) for alarm in self.alarms]
            ),
        )

    def _autoscale(self, variant: str, scaling_range: ScalingRange) -> scaling.ScalableTarget:
        target = scaling.ScalableTarget(
            self,
            f"Scaling-{variant}",
            # Application Auto Scaling's own service-linked role for SageMaker endpoints: it holds
            # exactly what scaling a variant needs; a role made here would hold nothing.
            role=iam.Role.from_role_arn(
                self,
                f"ScalingRole-{variant}",
                Stack.of(self).format_arn(
                    service="iam",
                    region="",
                    resource="role",
                    resource_name=SCALING_ROLE,
                ),
                mutable=False,
            ),
            service_namespace=scaling.ServiceNamespace.SAGEMAKER,
            resource_id=f"endpoint/{self.endpoint_name}/variant/{variant}",
            scalable_dimension="sagemaker:variant:DesiredInstanceCount",
            min_capacity=scaling_range.min_instances,
            max_capacity=scaling_range.max_instances,
        )
        target.node.add_dependency(self.endpoint)
        target.scale_to_track_metric(
            "Invocations",
            target_value=scaling_range.invocations_per_instance,
            predefined_metric=scaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
            scale_in_cooldown=Duration.seconds(scaling_range.scale_in_cooldown_seconds),
            scale_out_cooldown=Duration.seconds(scaling_range.scale_out_cooldown_seconds),
        )
        return target
