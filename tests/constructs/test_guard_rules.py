"""Each Guard rule of policy/sagemaker.guard fails synthesis on a deliberately broken construct.

One stack per broken construct, plus a compliant probe and the platform's own constructs, all in
the construct tier's one probe app, synthesized once with the packs (`tests/constructs/packs.py`).
Only the findings of the platform's Guard rules count here: the packs and CloudFormation
Validate's default rules see the probes' placeholder ids too, which is not what this is about.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker

from compliance.gate import Finding
from compliance.guard_sidecar import GUARD_RULES
from platform_config.tuning import TuningSettings
from platform_constructs.batch_pipeline import BatchPipelineInputs
from platform_constructs.batch_pipeline_construct import BatchTransformPipeline
from platform_constructs.model_monitor import EndpointMonitor, MonitorPlacement, data_quality
from platform_constructs.model_package_group import ModelPackageGroup
from platform_constructs.platform_key import PlatformKey
from platform_constructs.reference_pipeline import ReferencePipeline
from platform_constructs.serving_endpoint import Capture, ScalingRange, ServedVariant, ServingEndpoint, TrafficShift
from platform_constructs.stateful import Retention
from platform_constructs.studio_domain import StudioDomain
from platform_constructs.studio_user_profile import StudioUserProfile
from stacks.reference_options import tuning_plan
from tests.constructs.packs import register
from tests.support.reference_inputs import reference_inputs

GUARD_PLUGIN = "CloudFormation Validate"
DECLARED = {line.split()[1] for line in GUARD_RULES.read_text().splitlines() if line.startswith("rule ")}
ROLE = "arn:aws:iam::111122223333:role/team"
TEARDOWN_FUNCTION = "arn:aws:lambda:us-east-1:111122223333:function:teardown"
KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
RETAINED = Retention(retain=True)
# The platform's own pipeline in the probe tunes and computes baselines: every rule sees its steps.
TUNING = tuning_plan(
    TuningSettings.model_validate({"ranges": [{"name": "solver", "type": "Categorical", "values": ["lbfgs", "saga"]}]})
)
Build = Callable[[cdk.Stack], Any]


def environment(stack: cdk.Stack, *, retain: bool) -> None:
    """What the platform's stages write on every stack, and the rule STATEFUL_RETAINED reads."""
    stack.template_options.metadata = {"ExperimentPlatform": {"RetainStateful": retain}}


def domain(stack: cdk.Stack, **overrides: Any) -> sagemaker.CfnDomain:
    props: dict[str, Any] = {
        "domain_name": "probe",
        "auth_mode": "IAM",
        "app_network_access_type": "VpcOnly",
        "vpc_id": "vpc-1",
        "subnet_ids": ["subnet-1"],
        "kms_key_id": KEY,
        "default_user_settings": sagemaker.CfnDomain.UserSettingsProperty(
            execution_role=ROLE,
            security_groups=["sg-1"],
            sharing_settings=sagemaker.CfnDomain.SharingSettingsProperty(notebook_output_option="Disabled"),
        ),
        "default_space_settings": sagemaker.CfnDomain.DefaultSpaceSettingsProperty(
            execution_role=ROLE, security_groups=["sg-1"]
        ),
        "domain_settings": sagemaker.CfnDomain.DomainSettingsProperty(
            execution_role_identity_config="USER_PROFILE_NAME"
        ),
    }
    props.update(overrides)
    return sagemaker.CfnDomain(stack, "Domain", **props)


def role(stack: cdk.Stack, **overrides: Any) -> iam.CfnRole:
    """A role with a boundary of its own (the probe app bounds every role of a probe stack too)."""
    props: dict[str, Any] = {
        "assume_role_policy_document": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        },
        "permissions_boundary": "arn:aws:iam::111122223333:policy/boundary",
    }
    props.update(overrides)
    return iam.CfnRole(stack, "Role", **props)


def profile(stack: cdk.Stack, **settings: Any) -> sagemaker.CfnUserProfile:
    return sagemaker.CfnUserProfile(
        stack,
        "Profile",
        domain_id="d-1",
        user_profile_name="u",
        user_settings=sagemaker.CfnUserProfile.UserSettingsProperty(**settings),
    )


def pipeline(stack: cdk.Stack, body: str) -> None:
    sagemaker.CfnPipeline(
        stack, "Pipeline", pipeline_name="p", role_arn=ROLE, pipeline_definition={"PipelineDefinitionBody": body}
    )


JOB = {
    "VpcConfig": {"Subnets": ["subnet-1"], "SecurityGroupIds": ["sg-1"]},
    "OutputDataConfig": {"KmsKeyId": KEY},
    "ResourceConfig": {"VolumeKmsKeyId": KEY},
}


def body(**arguments: Any) -> str:
    return json.dumps({"Steps": [{"Name": "Train", "Type": "Training", "Arguments": arguments}]})


def step_body(step_type: str, **fields: Any) -> str:
    """A definition with one step of `step_type` (a job in the VPC with KMS, as every rule wants)."""
    return json.dumps({"Steps": [{"Name": "Step", "Type": step_type, "Arguments": JOB, **fields}]})


def _tuning_without_seed(stack: cdk.Stack) -> None:
    arguments = {"HyperParameterTuningJobConfig": {"Strategy": "Bayesian"}, "EnableNetworkIsolation": True, **JOB}
    pipeline(stack, json.dumps({"Steps": [{"Name": "Tune", "Type": "Tuning", "Arguments": arguments}]}))


def _tuning_not_isolated_with_tokens(stack: cdk.Stack) -> None:
    bucket = s3.Bucket(stack, "Bucket", removal_policy=cdk.RemovalPolicy.RETAIN)
    config = {"RandomSeed": 7, "S3": f"s3://{bucket.bucket_name}/"}
    steps = [{"Name": "Tune", "Type": "Tuning", "Arguments": {"HyperParameterTuningJobConfig": config, **JOB}}]
    pipeline(stack, stack.to_json_string({"Steps": steps}))


CHECKED = {"SkipCheck": True, "FailOnViolation": True, "RegisterNewBaseline": True}


def serving_body(stack: cdk.Stack, model: dict[str, Any], output_key: str | None) -> str:
    """A training job (in the VPC with KMS, isolated: what the other rules want), a Model step with
    `model` as its arguments and a Transform step writing to a bucket with `output_key` (first, as
    the platform writes it) if any. The bucket's name is a CloudFormation value: the body is a Fn::Join."""
    bucket = s3.Bucket(stack, "Bucket", removal_policy=cdk.RemovalPolicy.RETAIN)
    output = {"KmsKeyId": output_key} if output_key is not None else {}
    output |= {"S3OutputPath": f"s3://{bucket.bucket_name}/batch", "AssembleWith": "Line"}
    steps = [
        {"Name": "Train", "Type": "Training", "Arguments": {**JOB, "EnableNetworkIsolation": True}},
        {"Name": "Model", "Type": "Model", "Arguments": model},
        {"Name": "Transform", "Type": "Transform", "Arguments": {"TransformOutput": output}},
    ]
    return stack.to_json_string({"Steps": steps})


def _transform_output_key_elsewhere_with_tokens(stack: cdk.Stack) -> None:
    """The key names the training job's output, not the transform job's."""
    pipeline(stack, serving_body(stack, {"EnableNetworkIsolation": True}, output_key=None))


def _transform_output_with_an_empty_key(stack: cdk.Stack) -> None:
    transform = {"Name": "Transform", "Type": "Transform", "Arguments": {"TransformOutput": {"KmsKeyId": ""}}}
    pipeline(stack, json.dumps({"Steps": [{"Name": "Train", "Type": "Training", "Arguments": JOB}, transform]}))


def _model_with_the_network_with_tokens(stack: cdk.Stack) -> None:
    """Isolated training does not make the model isolated."""
    pipeline(stack, serving_body(stack, {"EnableNetworkIsolation": False, "VpcConfig": JOB["VpcConfig"]}, KEY))


def _compliant(stack: cdk.Stack) -> None:
    environment(stack, retain=True)
    domain(stack)
    role(stack)
    profile(stack, execution_role=ROLE, security_groups=["sg-1"])
    sagemaker.CfnSpace(
        stack,
        "Space",
        domain_id="d-1",
        space_name="s",
        ownership_settings=sagemaker.CfnSpace.OwnershipSettingsProperty(owner_user_profile_name="u"),
    )
    pipeline(stack, body(**JOB))
    s3.Bucket(stack, "Bucket", removal_policy=cdk.RemovalPolicy.RETAIN)


def _platform_constructs(stack: cdk.Stack) -> None:
    """The platform's own domain, profile, pipelines (reference and batch), group and key, in a
    retained environment."""
    environment(stack, retain=True)
    key = PlatformKey(stack, "Key", alias="alias/probe", retention=RETAINED).key
    vpc = ec2.Vpc.from_vpc_attributes(
        stack, "Vpc", vpc_id="vpc-1", availability_zones=["us-east-1a"], isolated_subnet_ids=["subnet-1"]
    )
    group = ec2.SecurityGroup.from_security_group_id(stack, "StudioGroup", "sg-1", mutable=False)
    studio = StudioDomain(
        stack,
        "Domain",
        domain_name="probe",
        vpc=vpc,
        subnets=vpc.isolated_subnets,
        security_group=group,
        key=key,
        default_role=iam.Role.from_role_arn(stack, "Default", ROLE, mutable=False),
        idle_timeout_minutes=60,
        max_idle_timeout_minutes=240,
        lifecycle_configs=[],
        retention=RETAINED,
    )
    StudioUserProfile(
        stack,
        "Profile",
        domain_id=studio.domain_id,
        user="alice",
        team="vision",
        execution_role_arn=ROLE,
        security_group_id="sg-1",
        team_defaults={"JupyterLab": "arn:lcc-jl", "CodeEditor": "arn:lcc-ce"},
        optional_configs={},
        teardown_token=TEARDOWN_FUNCTION,
        retain=True,
    )
    ReferencePipeline(
        stack,
        "Pipeline",
        pipeline_name="mlexp-dev-vision--reference",
        inputs=reference_inputs(
            role_arn=ROLE,
            key_arn=key.key_arn,
            subnet_ids=["subnet-1"],
            region="us-east-1",
            tuning=TUNING,
            analyzer_image_uri="156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer",
        ),
    )
    BatchTransformPipeline(
        stack,
        "Batch",
        pipeline_name="mlexp-dev-vision--batch-defect-detector",
        inputs=BatchPipelineInputs(
            team="vision",
            role_arn=ROLE,
            key_arn=key.key_arn,
            subnet_ids=["subnet-1"],
            security_group_id="sg-1",
            artifacts_bucket="artifacts",
            datasets_bucket="datasets",
            model_package_group="mlexp-dev-defect-detector",
            instance_type="ml.m5.xlarge",
            region=stack.region,
            account=stack.account,
            partition=stack.partition,
        ),
    )
    ModelPackageGroup(
        stack,
        "Group",
        group_name="mlexp-dev-defect-detector",
        description="probe",
        approver_role_arn=ROLE,
        consumer_accounts=(),
        retention=RETAINED,
    )


def production_tier(stack: cdk.Stack) -> None:
    stack.template_options.metadata = {"ExperimentPlatform": {"RetainStateful": True, "ServingTier": "production"}}


SERVED: dict[str, Any] = {
    "endpoint_name": "mlexp-dev-grp-production",
    "variants": (ServedVariant("champion", "arn:aws:sagemaker:us-east-1:111122223333:model-package/grp/3", 1, 2),),
    "instance_type": "ml.m5.large",
    "role_arn": ROLE,
    "key_arn": KEY,
    "subnet_ids": ("subnet-1",),
    "security_group_id": "sg-1",
    "capture": Capture("s3://artifacts/vision/serving/grp/production/capture", 20),
    "shift": TrafficShift("canary", 10, 10, 10),
    "latency_alarm_ms": 500,
    "scaling_range": ScalingRange(2, 4, 100, 300, 60),
}


def _production_serving(stack: cdk.Stack, **changes: Any) -> ServingEndpoint:
    """The platform's own endpoint and monitor, as a production serving stack holds them."""
    production_tier(stack)
    served = ServingEndpoint(stack, "Endpoint", **{**SERVED, **changes})
    placement = MonitorPlacement(ROLE, KEY, ("subnet-1",), "sg-1", "image:1", "s3://artifacts/vision/monitoring")
    definition = data_quality(
        placement, served.endpoint, statistics_uri="s3://b/s.json", constraints_uri="s3://b/c.json"
    )
    EndpointMonitor(
        stack,
        "Monitor",
        kind="DataQuality",
        definition=definition,
        endpoint=served.endpoint,
        endpoint_name=SERVED["endpoint_name"],
        schedule_name="grp-data",
        schedule="hourly",
        topic=None,
    )
    return served


def _model_with_network(stack: cdk.Stack) -> None:
    sagemaker.CfnModel(
        stack,
        "Model",
        execution_role_arn=ROLE,
        primary_container=sagemaker.CfnModel.ContainerDefinitionProperty(
            model_package_name=SERVED["variants"][0].version_arn
        ),
        vpc_config=sagemaker.CfnModel.VpcConfigProperty(security_group_ids=["sg-1"], subnets=["subnet-1"]),
    )


def _endpoint_config(stack: cdk.Stack, instance_type: str, **overrides: Any) -> None:
    sagemaker.CfnEndpointConfig(
        stack,
        "Config",
        production_variants=[
            sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                variant_name="champion", model_name="m", initial_instance_count=2, instance_type=instance_type
            )
        ],
        **overrides,
    )


def _capture_without_key(stack: cdk.Stack) -> None:
    capture = sagemaker.CfnEndpointConfig.DataCaptureConfigProperty(
        initial_sampling_percentage=10,
        destination_s3_uri="s3://artifacts/capture",
        capture_options=[sagemaker.CfnEndpointConfig.CaptureOptionProperty(capture_mode="Input")],
    )
    _endpoint_config(stack, "ml.m5.large", kms_key_id=KEY, data_capture_config=capture)


def _monitor_with_network(stack: cdk.Stack) -> None:
    served = _production_serving(stack)
    definition = stack.node.find_child("Monitor").node.find_child("JobDefinition")
    assert isinstance(definition, cdk.CfnResource)
    definition.add_property_override("NetworkConfig.EnableNetworkIsolation", False)
    del served


def _destroyed_bucket(stack: cdk.Stack, *, retain: bool) -> None:
    environment(stack, retain=retain)
    s3.Bucket(stack, "Bucket", removal_policy=cdk.RemovalPolicy.DESTROY)


def _destroyed_key(stack: cdk.Stack) -> None:
    environment(stack, retain=True)
    kms.Key(stack, "Key", removal_policy=cdk.RemovalPolicy.DESTROY)


def _full_access_managed_policy(stack: cdk.Stack) -> None:
    """An AWS-managed policy the way CDK writes it (Fn::Join with the partition)."""
    iam.Role(
        stack,
        "Team",
        assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("AmazonSageMakerFullAccess")],
    )


def _unbounded_role(stack: cdk.Stack) -> None:
    iam.PermissionsBoundary.of(role(stack, permissions_boundary=None)).clear()


def _pipeline_body_with_tokens_and_no_kms(stack: cdk.Stack) -> None:
    """A definition holding CloudFormation values is a Fn::Join in the template."""
    bucket = s3.Bucket(stack, "Bucket", removal_policy=cdk.RemovalPolicy.RETAIN)
    arguments = {"VpcConfig": JOB["VpcConfig"], "OutputDataConfig": {"S3OutputPath": f"s3://{bucket.bucket_name}/"}}
    pipeline(stack, stack.to_json_string(json.loads(body(**arguments))))


BROKEN: dict[str, Build] = {
    "SAGEMAKER_MODEL_ISOLATED_IN_VPC": _model_with_network,
    "SAGEMAKER_ENDPOINT_CONFIG_KEY": lambda s: _endpoint_config(s, "ml.m5.large"),
    "SAGEMAKER_PRODUCTION_INSTANCES": lambda s: _production_serving(
        s, variants=(dataclasses.replace(SERVED["variants"][0], instance_count=1),)
    ),
    "SAGEMAKER_MONITORING_ISOLATED": _monitor_with_network,
    "SAGEMAKER_DOMAIN_VPC_ONLY": lambda s: domain(s, app_network_access_type="PublicInternetOnly"),
    "SAGEMAKER_DOMAIN_KMS": lambda s: domain(s, kms_key_id=None),
    "SAGEMAKER_DOMAIN_SOURCE_IDENTITY": lambda s: domain(
        s, domain_settings=sagemaker.CfnDomain.DomainSettingsProperty(execution_role_identity_config="DISABLED")
    ),
    "SAGEMAKER_DOMAIN_NO_SHARING": lambda s: domain(
        s,
        default_user_settings=sagemaker.CfnDomain.UserSettingsProperty(
            execution_role=ROLE,
            security_groups=["sg-1"],
            sharing_settings=sagemaker.CfnDomain.SharingSettingsProperty(notebook_output_option="Allowed"),
        ),
    ),
    "SAGEMAKER_DOMAIN_SPACE_DEFAULTS": lambda s: domain(
        s, default_space_settings=sagemaker.CfnDomain.DefaultSpaceSettingsProperty(execution_role=ROLE)
    ),
    "SAGEMAKER_PROFILE_ROLE_AND_NETWORK": lambda s: profile(s, security_groups=["sg-1"]),
    "SAGEMAKER_SPACE_OWNED": lambda s: sagemaker.CfnSpace(s, "Space", domain_id="d-1", space_name="s"),
    "STATEFUL_RETAINED": lambda s: _destroyed_bucket(s, retain=True),
    "IAM_NO_FULL_ACCESS_POLICIES": _full_access_managed_policy,
    "IAM_PERMISSIONS_BOUNDARY": _unbounded_role,
    "SAGEMAKER_PIPELINE_VPC_AND_KMS": lambda s: pipeline(s, body(VpcConfig=JOB["VpcConfig"])),
    "SAGEMAKER_PIPELINE_TUNING_SEEDED_AND_ISOLATED": _tuning_without_seed,
    "SAGEMAKER_PIPELINE_QUALITY_CHECK_ISOLATED": lambda s: pipeline(s, step_body("QualityCheck", **CHECKED)),
    "SAGEMAKER_PIPELINE_TRANSFORM_OUTPUT_KMS": lambda s: pipeline(s, step_body("Transform")),
    "SAGEMAKER_PIPELINE_MODEL_ISOLATED": lambda s: pipeline(s, step_body("Model")),
}
# More ways to break a rule (the other branches of a rule), and ways that must not break one.
MORE_BROKEN: dict[str, tuple[str, Build]] = {
    "CaptureWithoutKey": ("SAGEMAKER_ENDPOINT_CONFIG_KEY", _capture_without_key),
    "FullAccessAsLiteralArn": (
        "IAM_NO_FULL_ACCESS_POLICIES",
        lambda s: role(s, managed_policy_arns=["arn:aws:iam::aws:policy/AdministratorAccess"]),
    ),
    "PipelineBodyWithTokens": ("SAGEMAKER_PIPELINE_VPC_AND_KMS", _pipeline_body_with_tokens_and_no_kms),
    "DomainWithoutSpaceSettings": ("SAGEMAKER_DOMAIN_SPACE_DEFAULTS", lambda s: domain(s, default_space_settings=None)),
    "RetainedEnvironmentDestroyedKey": ("STATEFUL_RETAINED", _destroyed_key),
    "TuningNotIsolatedWithTokens": ("SAGEMAKER_PIPELINE_TUNING_SEEDED_AND_ISOLATED", _tuning_not_isolated_with_tokens),
    "QualityCheckWithoutItsBaseline": (
        "SAGEMAKER_PIPELINE_QUALITY_CHECK_ISOLATED",
        lambda s: pipeline(s, step_body("QualityCheck", EnableNetworkIsolation=True, SkipCheck=False)),
    ),
    "TransformOutputKeyElsewhereWithTokens": (
        "SAGEMAKER_PIPELINE_TRANSFORM_OUTPUT_KMS",
        _transform_output_key_elsewhere_with_tokens,
    ),
    "TransformOutputWithAnEmptyKey": (
        "SAGEMAKER_PIPELINE_TRANSFORM_OUTPUT_KMS",
        _transform_output_with_an_empty_key,
    ),
    "ModelWithTheNetworkWithTokens": ("SAGEMAKER_PIPELINE_MODEL_ISOLATED", _model_with_the_network_with_tokens),
}
FINE: dict[str, Build] = {
    "ProductionServing": _production_serving,
    "NvmeEndpointWithoutVolumeKey": lambda s: _endpoint_config(s, "ml.g5.xlarge"),
    "StagingOneInstance": lambda s: ServingEndpoint(
        s, "Endpoint", **{**SERVED, "variants": (dataclasses.replace(SERVED["variants"][0], instance_count=1),)}
    ),
    "Compliant": _compliant,
    "PlatformConstructs": _platform_constructs,
    "DisposableDestroyedBucket": lambda s: _destroyed_bucket(s, retain=False),
}


def probe_name(rule: str) -> str:
    return "".join(part.capitalize() for part in rule.split("_"))


PROBES = register(
    {
        **FINE,
        **{probe_name(rule): build for rule, build in BROKEN.items()},
        **{name: build for name, (_, build) in MORE_BROKEN.items()},
    }
)


@pytest.fixture(scope="module")
def guard_findings(pack_findings: dict[str, list[Finding]]) -> dict[str, set[str]]:
    """Probe name -> the platform's Guard rules it failed."""
    return {
        name: {f.rule for f in pack_findings[name] if f.plugin == GUARD_PLUGIN and f.rule in DECLARED}
        for name in PROBES
    }


def test_every_rule_in_the_file_has_a_breaking_probe() -> None:
    assert set(BROKEN) == DECLARED


@pytest.mark.parametrize("rule", sorted(BROKEN))
def test_rule_fails_synth_on_a_construct_that_breaks_it_and_only_it(
    guard_findings: dict[str, set[str]], rule: str
) -> None:
    assert guard_findings[probe_name(rule)] == {rule}


@pytest.mark.parametrize("probe", sorted(MORE_BROKEN))
def test_rule_fails_on_another_way_of_breaking_it(guard_findings: dict[str, set[str]], probe: str) -> None:
    assert guard_findings[probe] == {MORE_BROKEN[probe][0]}


def test_a_compliant_probe_passes_every_rule(guard_findings: dict[str, set[str]]) -> None:
    assert guard_findings["Compliant"] == set()


def test_the_platforms_own_constructs_pass_every_rule_in_a_retained_environment(
    guard_findings: dict[str, set[str]],
) -> None:
    assert guard_findings["PlatformConstructs"] == set()


def test_stateful_retention_is_not_required_in_disposable_environments(guard_findings: dict[str, set[str]]) -> None:
    assert guard_findings["DisposableDestroyedBucket"] == set()


@pytest.mark.parametrize("probe", ["ProductionServing", "NvmeEndpointWithoutVolumeKey", "StagingOneInstance"])
def test_the_platforms_serving_passes_every_rule(guard_findings: dict[str, set[str]], probe: str) -> None:
    """Production serving with two instances, a local-NVMe type without a volume key, and a staging
    endpoint of one instance (no production tier) are all fine."""
    assert guard_findings[probe] == set()
