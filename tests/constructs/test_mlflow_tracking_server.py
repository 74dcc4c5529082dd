"""A managed MLflow tracking server running as its own role: its artifact prefix of the artifacts
bucket, the key, and (with automatic registration) model package groups under the registry prefix."""

from __future__ import annotations

import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from platform_constructs.mlflow_tracking_server import MlflowTrackingServer
from platform_constructs.stateful import Retention
from tests.constructs.reading import Json, as_list, by_sid, only, resources, role_statements, sids
from tests.support.stacks import ACCOUNT, new_stack, template

HERE = f"us-east-1:{ACCOUNT}"


def build(*, registration: bool, retain: bool, version: str | None) -> Json:
    stack = new_stack()
    MlflowTrackingServer(
        stack,
        "Mlflow",
        server_name="mlexp-dev-mlflow",
        size="Small",
        weekly_maintenance_window="Sun:03:00",
        automatic_model_registration=registration,
        version=version,
        artifacts=s3.Bucket.from_bucket_name(stack, "Artifacts", "artifacts"),
        key=kms.Key(stack, "Key"),
        registry_prefix="mlexp-dev-mlflow-",
        retention=Retention(retain=retain),
    )
    return dict(template(stack).to_json())


@pytest.fixture(scope="module")
def registering() -> Json:
    return build(registration=True, retain=True, version="2.16")


@pytest.fixture(scope="module")
def plain() -> Json:
    return build(registration=False, retain=False, version=None)


def server(template_json: Json) -> Json:
    return only(template_json, "AWS::SageMaker::MlflowTrackingServer")[1]


def statements(template_json: Json) -> list[Json]:
    return role_statements(template_json, only(template_json, "AWS::IAM::Role")[0])


def test_the_server_runs_as_its_own_role_with_artifacts_under_the_mlflow_prefix(registering: Json) -> None:
    assert server(registering)["Properties"] == {
        "TrackingServerName": "mlexp-dev-mlflow",
        "ArtifactStoreUri": "s3://artifacts/mlflow",
        "RoleArn": {"Fn::GetAtt": [only(registering, "AWS::IAM::Role")[0], "Arn"]},
        "TrackingServerSize": "Small",
        "WeeklyMaintenanceWindowStart": "Sun:03:00",
        "AutomaticModelRegistration": True,
        "MlflowVersion": "2.16",
    }


def test_the_role_is_assumed_by_sagemaker(registering: Json) -> None:
    trust = only(registering, "AWS::IAM::Role")[1]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}}
    ]


def test_the_role_reads_and_writes_only_the_mlflow_prefix(plain: Json) -> None:
    assert by_sid(statements(plain), "ReadWriteMlflowArtifacts")["Resource"] == "arn:aws:s3:::artifacts/mlflow/*"


def test_the_role_lists_only_the_mlflow_prefix(plain: Json) -> None:
    assert by_sid(statements(plain), "ListMlflowArtifacts") == {
        "Sid": "ListMlflowArtifacts",
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": "arn:aws:s3:::artifacts",
        "Condition": {"StringLike": {"s3:prefix": ["mlflow/", "mlflow/*"]}},
    }


def test_the_prefix_condition_holds_only_actions_that_send_a_prefix(plain: Json) -> None:
    """GetBucketLocation sends no s3:prefix: under the condition it would never be allowed."""
    prefixed = [s for s in statements(plain) if "s3:prefix" in s.get("Condition", {}).get("StringLike", {})]
    assert [s["Sid"] for s in prefixed] == ["ListMlflowArtifacts"]
    assert set(as_list(prefixed[0]["Action"])) <= {"s3:ListBucket", "s3:ListBucketVersions"}


def test_the_role_locates_the_artifact_store_without_a_prefix_condition(plain: Json) -> None:
    assert by_sid(statements(plain), "LocateTheArtifactStore") == {
        "Sid": "LocateTheArtifactStore",
        "Effect": "Allow",
        "Action": "s3:GetBucketLocation",
        "Resource": "arn:aws:s3:::artifacts",
    }


def test_the_role_uses_the_key(plain: Json) -> None:
    assert by_sid(statements(plain), "UseThePlatformKey")["Resource"] == {
        "Fn::GetAtt": [only(plain, "AWS::KMS::Key")[0], "Arn"]
    }


def test_registration_creates_groups_and_versions_only_under_the_registry_prefix(registering: Json) -> None:
    statement = by_sid(statements(registering), "RegisterMlflowModels")
    assert statement["Resource"] == [
        f"arn:aws:sagemaker:{HERE}:model-package-group/mlexp-dev-mlflow-*",
        f"arn:aws:sagemaker:{HERE}:model-package/mlexp-dev-mlflow-*/*",
    ]
    assert "sagemaker:UpdateModelPackage" not in statement["Action"]


def test_without_registration_the_role_touches_no_registry(plain: Json) -> None:
    assert sids(statements(plain)) == [
        "ReadWriteMlflowArtifacts",
        "ListMlflowArtifacts",
        "LocateTheArtifactStore",
        "UseThePlatformKey",
    ]
    assert server(plain)["Properties"]["AutomaticModelRegistration"] is False


@pytest.mark.parametrize("fixture", ["registering", "plain"])
def test_the_server_is_created_after_its_roles_policy(request: pytest.FixtureRequest, fixture: str) -> None:
    """The server uses its role's permissions as soon as it starts: the reference to the role
    alone would let CloudFormation create it before the role's policy is attached."""
    template_json = request.getfixturevalue(fixture)
    role_id = only(template_json, "AWS::IAM::Role")[0]
    (policy_id,) = [
        lid
        for lid, policy in resources(template_json, "AWS::IAM::Policy").items()
        if policy["Properties"]["Roles"] == [{"Ref": role_id}]
    ]
    assert server(template_json)["DependsOn"] == [policy_id]


def test_no_version_leaves_the_choice_to_sagemaker(plain: Json) -> None:
    assert "MlflowVersion" not in server(plain)["Properties"]


@pytest.mark.parametrize(("fixture", "policy"), [("registering", "Retain"), ("plain", "Delete")])
def test_the_server_is_kept_or_destroyed_with_the_environment(
    request: pytest.FixtureRequest, fixture: str, policy: str
) -> None:
    resource = server(request.getfixturevalue(fixture))
    assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == (policy, policy)
