"""Each Guard rule of policy/sagemaker.guard fails synthesis on a deliberately broken construct."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker

from platform_constructs.compliance import GUARD_RULES, guard_plugin
from scripts.synth_app import cli_context

ROLE = "arn:aws:iam::111122223333:role/team"
BOUNDARY = "arn:aws:iam::111122223333:policy/boundary"


def domain(stack: cdk.Stack, **overrides: Any) -> sagemaker.CfnDomain:
    props: dict[str, Any] = {
        "domain_name": "probe",
        "auth_mode": "IAM",
        "app_network_access_type": "VpcOnly",
        "vpc_id": "vpc-1",
        "subnet_ids": ["subnet-1"],
        "kms_key_id": "arn:aws:kms:us-east-1:111122223333:key/k",
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
    props: dict[str, Any] = {
        "assume_role_policy_document": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        },
        "permissions_boundary": BOUNDARY,
    }
    props.update(overrides)
    return iam.CfnRole(stack, "Role", **props)


def pipeline(stack: cdk.Stack, body: str) -> None:
    sagemaker.CfnPipeline(
        stack, "Pipeline", pipeline_name="p", role_arn=ROLE, pipeline_definition={"PipelineDefinitionBody": body}
    )


def retained_stack(stack: cdk.Stack) -> None:
    stack.template_options.metadata = {"ExperimentPlatform": {"RetainStateful": True}}


DECLARED = {line.split()[1] for line in GUARD_RULES.read_text().splitlines() if line.startswith("rule ")}


def failed_rules(tmp_path: Path, build: Callable[[cdk.Stack], None]) -> set[str]:
    """The platform's Guard rules that failed (CloudFormation's default rules run too; the probes'
    placeholder ids would trip some of those, which is not what these tests are about)."""
    app = cdk.App(context=cli_context(), outdir=str(tmp_path))
    stack = cdk.Stack(app, "Probe", env=cdk.Environment(account="111122223333", region="us-east-1"))
    build(stack)
    cdk.Validations.of(app).add_plugins(guard_plugin())
    failure = ""
    try:
        app.synth()
    except RuntimeError as error:
        failure = str(error)
    assert failure == "" or "ValidationFailed" in failure
    report = json.loads((tmp_path / "validation-report.json").read_text())
    return {v["ruleName"] for p in report["pluginReports"] for v in p["violations"]} & DECLARED


GOOD_BODY = json.dumps(
    {
        "Steps": [
            {
                "Arguments": {
                    "VpcConfig": {},
                    "OutputDataConfig": {"KmsKeyId": "k"},
                    "ResourceConfig": {"VolumeKmsKeyId": "k"},
                }
            }
        ]
    }
)


def _everything_good(stack: cdk.Stack) -> None:
    retained_stack(stack)
    domain(stack)
    role(stack)
    pipeline(stack, GOOD_BODY)
    sagemaker.CfnUserProfile(
        stack,
        "Profile",
        domain_id="d-1",
        user_profile_name="u",
        user_settings=sagemaker.CfnUserProfile.UserSettingsProperty(execution_role=ROLE, security_groups=["sg-1"]),
    )
    sagemaker.CfnSpace(
        stack,
        "Space",
        domain_id="d-1",
        space_name="s",
        ownership_settings=sagemaker.CfnSpace.OwnershipSettingsProperty(owner_user_profile_name="u"),
    )
    s3.Bucket(stack, "Bucket", removal_policy=cdk.RemovalPolicy.RETAIN)


def test_a_compliant_probe_passes(tmp_path: Path) -> None:
    assert failed_rules(tmp_path, _everything_good) == set()


def _profile_without_role(stack: cdk.Stack) -> None:
    sagemaker.CfnUserProfile(
        stack,
        "Profile",
        domain_id="d-1",
        user_profile_name="u",
        user_settings=sagemaker.CfnUserProfile.UserSettingsProperty(security_groups=["sg-1"]),
    )


def _unowned_space(stack: cdk.Stack) -> None:
    sagemaker.CfnSpace(stack, "Space", domain_id="d-1", space_name="s")


def _destroyed_bucket(stack: cdk.Stack) -> None:
    retained_stack(stack)
    s3.Bucket(stack, "Bucket", removal_policy=cdk.RemovalPolicy.DESTROY)


def _full_access_role(stack: cdk.Stack) -> None:
    cdk_role = iam.Role(
        stack,
        "Team",
        assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("AmazonSageMakerFullAccess")],
    )
    iam.PermissionsBoundary.of(cdk_role).apply(iam.ManagedPolicy.from_managed_policy_arn(stack, "B", BOUNDARY))


BROKEN: dict[str, Callable[[cdk.Stack], Any]] = {
    "SAGEMAKER_DOMAIN_VPC_ONLY": lambda s: domain(s, app_network_access_type="PublicInternetOnly"),
    "SAGEMAKER_DOMAIN_KMS": lambda s: domain(s, kms_key_id=None),
    "SAGEMAKER_DOMAIN_SOURCE_IDENTITY": lambda s: domain(
        s, domain_settings=sagemaker.CfnDomain.DomainSettingsProperty(execution_role_identity_config="DISABLED")
    ),
    "SAGEMAKER_DOMAIN_NO_SHARING": lambda s: domain(
        s,
        default_user_settings=sagemaker.CfnDomain.UserSettingsProperty(
            execution_role=ROLE,
            sharing_settings=sagemaker.CfnDomain.SharingSettingsProperty(notebook_output_option="Allowed"),
        ),
    ),
    "SAGEMAKER_DOMAIN_SPACE_DEFAULTS": lambda s: domain(
        s, default_space_settings=sagemaker.CfnDomain.DefaultSpaceSettingsProperty(execution_role=ROLE)
    ),
    "SAGEMAKER_PROFILE_ROLE_AND_NETWORK": _profile_without_role,
    "SAGEMAKER_SPACE_OWNED": _unowned_space,
    "STATEFUL_RETAINED": _destroyed_bucket,
    "IAM_NO_FULL_ACCESS_POLICIES": _full_access_role,
    "IAM_PERMISSIONS_BOUNDARY": lambda s: role(s, permissions_boundary=None),
    "SAGEMAKER_PIPELINE_VPC_AND_KMS": lambda s: pipeline(s, json.dumps({"Steps": [{"Arguments": {}}]})),
}


def test_every_rule_in_the_file_has_a_breaking_test() -> None:
    assert set(BROKEN) == DECLARED


@pytest.mark.parametrize("rule", sorted(BROKEN))
def test_rule_fails_synth_on_a_broken_construct(tmp_path: Path, rule: str) -> None:
    assert rule in failed_rules(tmp_path, BROKEN[rule])


def test_stateful_retention_is_not_required_in_disposable_environments(tmp_path: Path) -> None:
    def disposable(stack: cdk.Stack) -> None:
        stack.template_options.metadata = {"ExperimentPlatform": {"RetainStateful": False}}
        s3.Bucket(stack, "Bucket", removal_policy=cdk.RemovalPolicy.DESTROY)

    assert failed_rules(tmp_path, disposable) == set()
