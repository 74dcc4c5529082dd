"""ServingEndpoint and the monitors, built in process: each trap of endpoint updates is avoided."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from aws_cdk import aws_sns as sns

from platform_config.serving import LOCAL_STORAGE_FAMILIES, has_local_storage
from platform_constructs.model_monitor import EndpointMonitor, MonitorPlacement, data_quality, model_quality
from platform_constructs.serving_endpoint import Capture, ScalingRange, ServedVariant, ServingEndpoint, TrafficShift
from tests.support.stacks import new_stack, template

KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
VERSION = "arn:aws:sagemaker:us-east-1:111122223333:model-package/grp/{}"
BASE: dict[str, Any] = {
    "endpoint_name": "mlexp-dev-grp-production",
    "variants": (
        ServedVariant("champion", VERSION.format(3), 90, 2),
        ServedVariant("challenger", VERSION.format(4), 10, 2),
    ),
    "instance_type": "ml.m5.large",
    "role_arn": "arn:aws:iam::111122223333:role/serving",
    "key_arn": KEY,
    "subnet_ids": ("subnet-a", "subnet-b"),
    "security_group_id": "sg-1",
    "capture": Capture("s3://artifacts/vision/serving/grp/production/capture", 20),
    "shift": TrafficShift("canary", 10, 10, 10),
    "latency_alarm_ms": 500,
    "scaling_range": ScalingRange(2, 4, 100, 300, 60),
}


def build(**changes: Any) -> dict[str, Any]:
    stack = new_stack()
    topic = sns.Topic.from_topic_arn(stack, "Topic", "arn:aws:sns:us-east-1:111122223333:alerts")
    ServingEndpoint(stack, "Endpoint", **{**BASE, **changes}, topic=topic)
    return dict(template(stack).to_json())


def of_type(document: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in document["Resources"].values() if r["Type"] == kind]


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    return build()


def test_models_and_configs_carry_no_name_and_identical_inputs_give_identical_templates(built: dict[str, Any]) -> None:
    """Fixed names collide on update; timestamped names change every synth. CloudFormation names them."""
    assert all("ModelName" not in m["Properties"] for m in of_type(built, "AWS::SageMaker::Model"))
    (config,) = of_type(built, "AWS::SageMaker::EndpointConfig")
    assert "EndpointConfigName" not in config["Properties"]
    assert json.dumps(build(), sort_keys=True) == json.dumps(built, sort_keys=True)


def test_a_new_version_changes_the_models_not_the_variant_names(built: dict[str, Any]) -> None:
    """Blue/green needs the same variant names in the old and new configs."""
    newer = (ServedVariant("champion", VERSION.format(4), 90, 2), ServedVariant("challenger", VERSION.format(5), 10, 2))
    updated = build(variants=newer)
    names = [
        [
            v["VariantName"]
            for v in of_type(doc, "AWS::SageMaker::EndpointConfig")[0]["Properties"]["ProductionVariants"]
        ]
        for doc in (built, updated)
    ]
    assert names[0] == names[1] == ["champion", "challenger"]
    packages = [
        sorted(m["Properties"]["PrimaryContainer"]["ModelPackageName"] for m in of_type(doc, "AWS::SageMaker::Model"))
        for doc in (built, updated)
    ]
    assert packages[0] != packages[1]


def test_updates_keep_autoscaled_capacity_but_apply_the_configured_weights(built: dict[str, Any]) -> None:
    (endpoint,) = of_type(built, "AWS::SageMaker::Endpoint")
    assert endpoint["Properties"]["RetainAllVariantProperties"] is True
    assert endpoint["Properties"]["ExcludeRetainedVariantProperties"] == [{"VariantPropertyType": "DesiredWeight"}]
    assert endpoint["Properties"]["EndpointName"] == "mlexp-dev-grp-production"


@pytest.mark.parametrize("instance_type", ["ml.g5.xlarge", "ml.m5d.large", "ml.p4d.24xlarge"])
def test_no_volume_key_for_instance_types_with_local_nvme(instance_type: str) -> None:
    (config,) = of_type(build(instance_type=instance_type), "AWS::SageMaker::EndpointConfig")
    assert "KmsKeyId" not in config["Properties"]
    assert config["Properties"]["DataCaptureConfig"]["KmsKeyId"] == KEY  # captures are S3 objects: always keyed


def test_the_platform_key_on_volumes_of_other_types(built: dict[str, Any]) -> None:
    (config,) = of_type(built, "AWS::SageMaker::EndpointConfig")
    assert config["Properties"]["KmsKeyId"] == KEY
    capture = config["Properties"]["DataCaptureConfig"]
    assert capture["DestinationS3Uri"] == BASE["capture"].destination
    assert capture["InitialSamplingPercentage"] == 20
    assert [o["CaptureMode"] for o in capture["CaptureOptions"]] == ["Input", "Output"]


def test_local_storage_families_are_the_nvme_ones() -> None:
    assert all("d" in family or family.startswith(("g", "p")) for family in LOCAL_STORAGE_FAMILIES)
    assert not has_local_storage("ml.m5.large")
    assert has_local_storage("ml.c5d.xlarge")


def test_models_are_isolated_in_the_platform_subnets(built: dict[str, Any]) -> None:
    for model in of_type(built, "AWS::SageMaker::Model"):
        assert model["Properties"]["EnableNetworkIsolation"] is True
        assert model["Properties"]["VpcConfig"] == {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-a", "subnet-b"]}


@pytest.mark.parametrize(
    ("mode", "routing"),
    [
        (
            "canary",
            {"Type": "CANARY", "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 10}, "WaitIntervalInSeconds": 600},
        ),
        (
            "linear",
            {
                "Type": "LINEAR",
                "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 10},
                "WaitIntervalInSeconds": 600,
            },
        ),
        ("all_at_once", {"Type": "ALL_AT_ONCE"}),
    ],
)
def test_traffic_shifts_as_configured_and_rolls_back_on_every_alarm(mode: str, routing: dict[str, Any]) -> None:
    document = build(shift=TrafficShift(mode, 10, 10, 10))
    (endpoint,) = of_type(document, "AWS::SageMaker::Endpoint")
    policy = endpoint["Properties"]["DeploymentConfig"]
    assert policy["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"] == routing
    alarms = {lid for lid, r in document["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert {a["AlarmName"]["Ref"] for a in policy["AutoRollbackConfiguration"]["Alarms"]} == alarms
    assert len(alarms) == 4  # 5xx errors and p99 latency, per variant


def test_rollback_alarms_watch_each_variant_and_notify(built: dict[str, Any]) -> None:
    alarms = {a["Properties"]["AlarmName"]: a["Properties"] for a in of_type(built, "AWS::CloudWatch::Alarm")}
    latency = alarms["mlexp-dev-grp-production-champion-latency"]
    assert latency["MetricName"] == "ModelLatency"
    assert latency["Threshold"] == 500_000  # microseconds
    assert {"Name": "VariantName", "Value": "champion"} in latency["Dimensions"]
    assert alarms["mlexp-dev-grp-production-challenger-errors"]["MetricName"] == "Invocation5XXErrors"
    assert all(a["AlarmActions"] == ["arn:aws:sns:us-east-1:111122223333:alerts"] for a in alarms.values())


def test_each_variant_scales_on_invocations_with_the_service_linked_role(built: dict[str, Any]) -> None:
    targets = of_type(built, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert sorted(t["Properties"]["ResourceId"] for t in targets) == [
        "endpoint/mlexp-dev-grp-production/variant/challenger",
        "endpoint/mlexp-dev-grp-production/variant/champion",
    ]
    assert all("AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint" in json.dumps(t) for t in targets)
    assert of_type(built, "AWS::IAM::Role") == []
    policies = of_type(built, "AWS::ApplicationAutoScaling::ScalingPolicy")
    metric = policies[0]["Properties"]["TargetTrackingScalingPolicyConfiguration"]
    assert metric["PredefinedMetricSpecification"]["PredefinedMetricType"] == "SageMakerVariantInvocationsPerInstance"
    assert metric["TargetValue"] == 100


def test_what_blocks_deleting_the_endpoint_is_deleted_before_it(built: dict[str, Any]) -> None:
    """A registered scalable target (and its policy) would keep the endpoint from being deleted:
    they depend on it, so CloudFormation removes them first."""
    endpoint = next(lid for lid, r in built["Resources"].items() if r["Type"] == "AWS::SageMaker::Endpoint")
    for lid, resource in built["Resources"].items():
        if resource["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget":
            assert endpoint in resource["DependsOn"], lid


def test_no_scaling_without_a_range() -> None:
    assert of_type(build(scaling_range=None), "AWS::ApplicationAutoScaling::ScalableTarget") == []


def test_an_endpoint_needs_a_variant() -> None:
    with pytest.raises(ValueError, match=r"endpoint mlexp-dev-grp-production: at least one variant"):
        build(variants=())


# -- monitors -----------------------------------------------------------------------------------

PLACEMENT = MonitorPlacement(
    role_arn="arn:aws:iam::111122223333:role/serving",
    key_arn=KEY,
    subnet_ids=("subnet-a",),
    security_group_id="sg-1",
    image_uri="156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer",
    reports="s3://artifacts/vision/serving/grp/production/monitoring",
)


def monitors() -> dict[str, Any]:
    stack = new_stack()
    endpoint = ServingEndpoint(stack, "Endpoint", **BASE).endpoint
    topic = sns.Topic.from_topic_arn(stack, "Topic", "arn:aws:sns:us-east-1:111122223333:alerts")
    common = {"endpoint": endpoint, "endpoint_name": BASE["endpoint_name"], "schedule": "hourly", "topic": topic}
    data = data_quality(PLACEMENT, endpoint, statistics_uri="s3://b/stats.json", constraints_uri="s3://b/cons.json")
    EndpointMonitor(stack, "Data", kind="DataQuality", definition=data, schedule_name="grp-data", **common)
    model = model_quality(
        PLACEMENT,
        endpoint,
        constraints_uri="s3://b/mq.json",
        ground_truth_uri="s3://b/truth/",
        problem_type="MulticlassClassification",
    )
    EndpointMonitor(stack, "Model", kind="ModelQuality", definition=model, schedule_name="grp-model", **common)
    return dict(template(stack).to_json())


def test_monitoring_jobs_run_isolated_in_the_vpc_with_the_key() -> None:
    document = monitors()
    for kind, prefix in (("DataQuality", "DataQuality"), ("ModelQuality", "ModelQuality")):
        (definition,) = of_type(document, f"AWS::SageMaker::{kind}JobDefinition")
        properties = definition["Properties"]
        assert properties["NetworkConfig"]["EnableNetworkIsolation"] is True
        assert properties["NetworkConfig"]["VpcConfig"]["Subnets"] == ["subnet-a"]
        assert properties["JobResources"]["ClusterConfig"]["VolumeKmsKeyId"] == KEY
        assert properties[f"{prefix}JobOutputConfig"]["KmsKeyId"] == KEY
        assert properties[f"{prefix}AppSpecification"]["ImageUri"] == PLACEMENT.image_uri


def test_schedules_wait_for_the_endpoint_and_name_their_definition() -> None:
    document = monitors()
    endpoint = next(lid for lid, r in document["Resources"].items() if r["Type"] == "AWS::SageMaker::Endpoint")
    schedules = of_type(document, "AWS::SageMaker::MonitoringSchedule")
    assert {s["Properties"]["MonitoringScheduleName"] for s in schedules} == {"grp-data", "grp-model"}
    for schedule in schedules:
        assert endpoint in schedule["DependsOn"]
        name = schedule["Properties"]["MonitoringScheduleConfig"]["MonitoringJobDefinitionName"]
        assert name["Fn::Select"][0] == 1  # the name is the last part of the definition's ARN
        assert (
            schedule["Properties"]["MonitoringScheduleConfig"]["ScheduleConfig"]["ScheduleExpression"]
            == "cron(0 * ? * * *)"
        )


def test_violations_notify_the_topic_by_fixed_rule_names() -> None:
    rules = {r["Properties"]["Name"]: r["Properties"] for r in of_type(monitors(), "AWS::Events::Rule")}
    assert set(rules) == {"mlexp-dev-grp-production-data-violations", "mlexp-dev-grp-production-model-violations"}
    pattern = rules["mlexp-dev-grp-production-data-violations"]["EventPattern"]
    assert pattern["detail"]["ExitMessage"] == [{"prefix": "CompletedWithViolations"}]
    assert pattern["detail-type"] == ["SageMaker Processing Job State Change"]


def test_model_quality_reads_the_prediction_column_and_the_ground_truth() -> None:
    (definition,) = of_type(monitors(), "AWS::SageMaker::ModelQualityJobDefinition")
    job_input = definition["Properties"]["ModelQualityJobInput"]
    assert job_input["EndpointInput"]["InferenceAttribute"] == "0"
    assert job_input["GroundTruthS3Input"] == {"S3Uri": "s3://b/truth/"}


def test_dataclasses_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        BASE["capture"].percent = 1
