"""Model Monitor on an endpoint, from the served version's registered baselines.

The baselines are the ones the reference pipeline computed and registered with the version
(`DriftCheckBaselines`): nothing is computed after deploy, so a baseline problem surfaces in the
pipeline that made the model, not hours after a deploy. The analyzer image is Model Monitor's of
the region from the generated table. Jobs run network-isolated in the platform subnets with the
platform key on volumes and reports.

Violations: each monitoring execution is a processing job; when it finds violations its
ExitMessage starts with "CompletedWithViolations". An EventBridge rule on those job state changes
of this schedule notifies the team's topic. (Model Monitor's own CloudWatch metrics are one per
feature, named after columns only the baseline file knows: nothing to alarm on at synth.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import CfnResource, Fn
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from constructs import Construct

from platform_constructs.serving_alerts import AlertNames

SCHEDULES = {"hourly": "cron(0 * ? * * *)", "daily": "cron(0 0 ? * * *)"}
INPUT = "/opt/ml/processing/input/endpoint"
OUTPUT = "/opt/ml/processing/output"
MAX_RUNTIME_SECONDS = 3600
INSTANCE_TYPE = "ml.m5.xlarge"
VOLUME_GB = 20


@dataclass(frozen=True)
class MonitorPlacement:
    role_arn: str
    key_arn: str
    subnet_ids: tuple[str, ...]
    security_group_id: str
    image_uri: str
    reports: str  # s3:// prefix of the monitoring reports


def _endpoint_input(endpoint: sagemaker.CfnEndpoint, **extra: str) -> dict[str, Any]:
    return {
        "EndpointName": endpoint.attr_endpoint_name,
        "LocalPath": INPUT,
        "S3InputMode": "File",
        "S3DataDistributionType": "FullyReplicated",
        **extra,
    }


def _job(placement: MonitorPlacement) -> dict[str, Any]:
    """What every monitoring job definition shares: role, resources, reports, network, time limit."""
    return {
        "RoleArn": placement.role_arn,
        "JobResources": {
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": INSTANCE_TYPE,
                "VolumeSizeInGB": VOLUME_GB,
                "VolumeKmsKeyId": placement.key_arn,
            }
        },
        "NetworkConfig": {
            "EnableNetworkIsolation": True,
            "EnableInterContainerTrafficEncryption": True,
            "VpcConfig": {"SecurityGroupIds": [placement.security_group_id], "Subnets": list(placement.subnet_ids)},
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": MAX_RUNTIME_SECONDS},
    }


def _outputs(placement: MonitorPlacement) -> dict[str, Any]:
    return {
        "KmsKeyId": placement.key_arn,
        "MonitoringOutputs": [
            {"S3Output": {"LocalPath": OUTPUT, "S3Uri": placement.reports, "S3UploadMode": "EndOfJob"}}
        ],
    }


class EndpointMonitor(Construct):
    """A monitoring job definition (named by CloudFormation: definitions are immutable, a changed
    baseline replaces it) and the schedule that runs it on the endpoint."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kind: str,  # DataQuality or ModelQuality
        definition: dict[str, Any],
        endpoint: sagemaker.CfnEndpoint,
        endpoint_name: str,
        schedule_name: str,
        schedule: str,
        topic: sns.ITopic | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.job_definition = CfnResource(
            self, "JobDefinition", type=f"AWS::SageMaker::{kind}JobDefinition", properties=definition
        )
        # The definition's ARN ends in /<name>; CloudFormation returns no name attribute.
        name = Fn.select(1, Fn.split("/", self.job_definition.get_att("JobDefinitionArn").to_string()))
        # Creating a schedule checks that the endpoint exists: it is created after the endpoint.
        self.schedule = sagemaker.CfnMonitoringSchedule(
            self,
            "Schedule",
            monitoring_schedule_name=schedule_name,
            endpoint_name=endpoint.attr_endpoint_name,
            monitoring_schedule_config=sagemaker.CfnMonitoringSchedule.MonitoringScheduleConfigProperty(
                monitoring_job_definition_name=name,
                monitoring_type=kind,
                schedule_config=sagemaker.CfnMonitoringSchedule.ScheduleConfigProperty(
                    schedule_expression=SCHEDULES[schedule]
                ),
            ),
        )
        self.schedule.node.add_dependency(endpoint)
        if topic is not None:
            monitor = "data" if kind == "DataQuality" else "model"
            self.violations = violation_rule(self, self.schedule, topic, endpoint_name=endpoint_name, monitor=monitor)


def data_quality(
    placement: MonitorPlacement, endpoint: sagemaker.CfnEndpoint, *, statistics_uri: str, constraints_uri: str
) -> dict[str, Any]:
    """An AWS::SageMaker::DataQualityJobDefinition: captured requests against the data baseline."""
    return {
        **_job(placement),
        "DataQualityAppSpecification": {"ImageUri": placement.image_uri},
        "DataQualityBaselineConfig": {
            "ConstraintsResource": {"S3Uri": constraints_uri},
            "StatisticsResource": {"S3Uri": statistics_uri},
        },
        "DataQualityJobInput": {"EndpointInput": _endpoint_input(endpoint)},
        "DataQualityJobOutputConfig": _outputs(placement),
    }


def model_quality(
    placement: MonitorPlacement,
    endpoint: sagemaker.CfnEndpoint,
    *,
    constraints_uri: str,
    ground_truth_uri: str,
    problem_type: str,
) -> dict[str, Any]:
    """An AWS::SageMaker::ModelQualityJobDefinition: captured predictions joined with the ground
    truth the team writes under `ground_truth_uri`, against the model-quality baseline."""
    return {
        **_job(placement),
        "ModelQualityAppSpecification": {"ImageUri": placement.image_uri, "ProblemType": problem_type},
        "ModelQualityBaselineConfig": {"ConstraintsResource": {"S3Uri": constraints_uri}},
        "ModelQualityJobInput": {
            # The reference model answers one CSV column: the prediction is column 0.
            "EndpointInput": _endpoint_input(endpoint, InferenceAttribute="0"),
            "GroundTruthS3Input": {"S3Uri": ground_truth_uri},
        },
        "ModelQualityJobOutputConfig": _outputs(placement),
    }


def violation_rule(
    scope: Construct, schedule: sagemaker.CfnMonitoringSchedule, topic: sns.ITopic, *, endpoint_name: str, monitor: str
) -> events.Rule:
    return events.Rule(
        scope,
        "Violations",
        rule_name=AlertNames.rule(endpoint_name, monitor),
        description=f"Model Monitor found violations ({schedule.monitoring_schedule_name})",
        event_pattern=events.EventPattern(
            source=["aws.sagemaker"],
            detail_type=["SageMaker Processing Job State Change"],
            detail={
                "MonitoringScheduleArn": [schedule.attr_monitoring_schedule_arn],
                "ExitMessage": [{"prefix": "CompletedWithViolations"}],
            },
        ),
        targets=[targets.SnsTopic(topic)],
    )
