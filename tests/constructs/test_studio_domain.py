"""A VPC-only Studio domain: IAM auth, home volumes on the platform key, secure defaults for every
user and space, and nothing that changes often among its create-only properties."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from platform_config.schema import MIN_IDLE_MINUTES
from platform_constructs.stateful import Retention
from platform_constructs.studio_domain import STUDIO_HOME, StudioDomain
from platform_constructs.studio_lifecycle_config import StudioLifecycleConfig
from tests.constructs.reading import Json, only, resources
from tests.support.stacks import ACCOUNT, new_stack, template

KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/studio-default"


def build(*, retain: bool, with_configs: bool) -> tuple[cdk.Stack, StudioDomain, Json]:
    stack = new_stack()
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-1",
        availability_zones=["us-east-1a", "us-east-1b"],
        isolated_subnet_ids=["subnet-a", "subnet-b"],
    )
    configs = (
        [
            StudioLifecycleConfig(
                stack, "Lab", name="mlexp-dev-lab-extensions-0123abcd", app_type="JupyterLab", script="echo lab"
            ),
            StudioLifecycleConfig(
                stack, "Editor", name="mlexp-dev-editor-0123abcd", app_type="CodeEditor", script="echo ce"
            ),
        ]
        if with_configs
        else []
    )
    domain = StudioDomain(
        stack,
        "Domain",
        domain_name="mlexp-dev",
        vpc=vpc,
        subnets=vpc.isolated_subnets,
        security_group=ec2.SecurityGroup.from_security_group_id(stack, "Studio", "sg-1", mutable=False),
        key=kms.Key.from_key_arn(stack, "Key", KEY),
        default_role=iam.Role.from_role_arn(stack, "Default", ROLE, mutable=False),
        idle_timeout_minutes=60,
        max_idle_timeout_minutes=240,
        lifecycle_configs=configs,
        retention=Retention(retain=retain),
    )
    return stack, domain, dict(template(stack).to_json())


@pytest.fixture(scope="module")
def full() -> tuple[cdk.Stack, StudioDomain, Json]:
    return build(retain=True, with_configs=True)


@pytest.fixture(scope="module")
def bare() -> tuple[cdk.Stack, StudioDomain, Json]:
    return build(retain=False, with_configs=False)


def domain_of(built: tuple[cdk.Stack, StudioDomain, Json]) -> Json:
    return only(built[2], "AWS::SageMaker::Domain")[1]


def props(built: tuple[cdk.Stack, StudioDomain, Json]) -> Json:
    found: Json = domain_of(built)["Properties"]
    return found


def config_arn(template_json: Json, name: str) -> Json:
    (lid,) = [k for k in resources(template_json, "AWS::SageMaker::StudioLifecycleConfig") if k.startswith(name)]
    return {"Fn::GetAtt": [lid, "StudioLifecycleConfigArn"]}


IDLE = {
    "IdleSettings": {
        "LifecycleManagement": "ENABLED",
        "IdleTimeoutInMinutes": 60,
        "MinIdleTimeoutInMinutes": MIN_IDLE_MINUTES,
        "MaxIdleTimeoutInMinutes": 240,
    }
}


def test_the_domain_is_vpc_only_with_iam_auth_in_the_given_subnets(full: tuple[cdk.Stack, StudioDomain, Json]) -> None:
    found = props(full)
    assert {k: found[k] for k in ("DomainName", "AuthMode", "AppNetworkAccessType", "VpcId", "SubnetIds")} == {
        "DomainName": "mlexp-dev",
        "AuthMode": "IAM",
        "AppNetworkAccessType": "VpcOnly",
        "VpcId": "vpc-1",
        "SubnetIds": ["subnet-a", "subnet-b"],
    }


def test_home_volumes_are_encrypted_with_the_platform_key(full: tuple[cdk.Stack, StudioDomain, Json]) -> None:
    assert props(full)["KmsKeyId"] == KEY


def test_sessions_record_the_user_profile_as_source_identity_and_docker_is_off(
    full: tuple[cdk.Stack, StudioDomain, Json],
) -> None:
    assert props(full)["DomainSettings"] == {
        "ExecutionRoleIdentityConfig": "USER_PROFILE_NAME",
        "DockerSettings": {"EnableDockerAccess": "DISABLED"},
    }


def test_users_default_to_the_role_the_group_new_studio_and_no_sharing(
    full: tuple[cdk.Stack, StudioDomain, Json],
) -> None:
    settings = props(full)["DefaultUserSettings"]
    assert {
        k: settings[k]
        for k in ("ExecutionRole", "SecurityGroups", "DefaultLandingUri", "StudioWebPortal", "SharingSettings")
    } == {
        "ExecutionRole": ROLE,
        "SecurityGroups": ["sg-1"],
        "DefaultLandingUri": STUDIO_HOME,
        "StudioWebPortal": "ENABLED",
        "SharingSettings": {"NotebookOutputOption": "Disabled"},
    }


def test_spaces_default_to_the_role_and_the_group_too(full: tuple[cdk.Stack, StudioDomain, Json]) -> None:
    """Without both in the space defaults, lifecycle configs and spaces hang in VPC-only mode."""
    settings = props(full)["DefaultSpaceSettings"]
    assert (settings["ExecutionRole"], settings["SecurityGroups"]) == (ROLE, ["sg-1"])


def test_idle_ides_shut_down_for_users_and_spaces(full: tuple[cdk.Stack, StudioDomain, Json]) -> None:
    users, spaces = props(full)["DefaultUserSettings"], props(full)["DefaultSpaceSettings"]
    assert users["JupyterLabAppSettings"]["AppLifecycleManagement"] == IDLE
    assert users["CodeEditorAppSettings"]["AppLifecycleManagement"] == IDLE
    assert spaces["JupyterLabAppSettings"]["AppLifecycleManagement"] == IDLE


def test_each_ide_is_offered_the_lifecycle_configs_of_its_app_type(full: tuple[cdk.Stack, StudioDomain, Json]) -> None:
    users, template_json = props(full)["DefaultUserSettings"], full[2]
    assert users["JupyterLabAppSettings"]["LifecycleConfigArns"] == [config_arn(template_json, "Lab")]
    assert users["CodeEditorAppSettings"]["LifecycleConfigArns"] == [config_arn(template_json, "Editor")]


def test_without_lifecycle_configs_none_are_named(bare: tuple[cdk.Stack, StudioDomain, Json]) -> None:
    assert "LifecycleConfigArns" not in str(props(bare))


def test_the_domain_carries_no_tags(full: tuple[cdk.Stack, StudioDomain, Json]) -> None:
    """A tag change replaces a domain: the construct never tags it."""
    assert "Tags" not in props(full)


def test_no_studio_classic_apps_are_created(full: tuple[cdk.Stack, StudioDomain, Json]) -> None:
    assert resources(full[2], "AWS::SageMaker::App") == {}


@pytest.mark.parametrize(("fixture", "policy"), [("full", "Retain"), ("bare", "Delete")])
def test_the_domain_is_kept_or_destroyed_with_the_environment(
    request: pytest.FixtureRequest, fixture: str, policy: str
) -> None:
    domain = domain_of(request.getfixturevalue(fixture))
    assert (domain["DeletionPolicy"], domain["UpdateReplacePolicy"]) == (policy, policy)


def test_the_domain_id_and_arn_are_exposed(full: tuple[cdk.Stack, StudioDomain, Json]) -> None:
    stack, domain, template_json = full
    lid = only(template_json, "AWS::SageMaker::Domain")[0]
    assert stack.resolve(domain.domain_id) == {"Fn::GetAtt": [lid, "DomainId"]}
    assert stack.resolve(domain.domain_arn) == {"Fn::GetAtt": [lid, "DomainArn"]}
