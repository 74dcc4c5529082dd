"""A bucket for data that must stay: SSE-KMS with the platform key, access logs, old versions moved
to a colder class, native EventBridge notifications, and the resource side of the data perimeter."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from platform_constructs.secure_bucket import SecureBucket
from platform_constructs.stateful import Retention
from tests.constructs.reading import Json, by_sid, resources
from tests.support.stacks import ACCOUNT, new_stack, template

READER = "444455556666"
OTHER_READER = "777788889999"


@pytest.fixture(scope="module")
def synthesized() -> Json:
    stack = new_stack()
    key = kms.Key(stack, "Key")
    logs = s3.Bucket(stack, "Logs")

    def secure(name: str, **props: Any) -> SecureBucket:
        return SecureBucket(
            stack,
            name,
            encryption_key=key,
            access_logs=logs,
            retention=Retention(retain=True),
            noncurrent_transition=Duration.days(30),
            **props,
        )

    secure("Datasets")
    secure(
        "Transient",
        noncurrent_expiration=Duration.days(31),
        expiration=Duration.days(30),
        event_bridge_enabled=True,
    )
    shared = secure("Artifacts")
    shared.grant_read_to_accounts("ModelReadersVision", (READER,), "vision/pipelines/")
    shared.grant_read_to_accounts("ModelReadersForecasting", (READER, OTHER_READER), "forecasting/pipelines/")
    shared.grant_read_to_accounts("NobodyReads", (), "nothing/")
    return dict(template(stack).to_json())


def bucket_id(template_json: Json, name: str) -> str:
    return next(lid for lid in resources(template_json, "AWS::S3::Bucket") if lid.startswith(name))


def bucket(template_json: Json, name: str) -> Json:
    found: Json = template_json["Resources"][bucket_id(template_json, name)]["Properties"]
    return found


def policy(template_json: Json, name: str) -> list[Json]:
    wanted = {"Ref": bucket_id(template_json, name)}
    policies = [
        p for p in resources(template_json, "AWS::S3::BucketPolicy").values() if p["Properties"]["Bucket"] == wanted
    ]
    statements: list[Json] = policies[0]["Properties"]["PolicyDocument"]["Statement"]
    return statements


def arns(template_json: Json, name: str) -> list[Json]:
    arn = {"Fn::GetAtt": [bucket_id(template_json, name), "Arn"]}
    return [arn, {"Fn::Join": ["", [arn, "/*"]]}]


def test_objects_are_encrypted_with_the_given_key_and_a_bucket_key(synthesized: Json) -> None:
    key_id = next(iter(resources(synthesized, "AWS::KMS::Key")))
    assert bucket(synthesized, "Datasets")["BucketEncryption"] == {
        "ServerSideEncryptionConfiguration": [
            {
                "BucketKeyEnabled": True,
                "ServerSideEncryptionByDefault": {
                    "KMSMasterKeyID": {"Fn::GetAtt": [key_id, "Arn"]},
                    "SSEAlgorithm": "aws:kms",
                },
            }
        ]
    }


def test_server_access_logs_go_to_the_logs_bucket_under_the_construct_id(synthesized: Json) -> None:
    assert bucket(synthesized, "Datasets")["LoggingConfiguration"] == {
        "DestinationBucketName": {"Ref": bucket_id(synthesized, "Logs")},
        "LogFilePrefix": "datasets/",
    }


def test_the_baseline_is_applied(synthesized: Json) -> None:
    props = bucket(synthesized, "Datasets")
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}


def test_old_versions_move_to_glacier_instant_retrieval_and_are_kept_by_default(synthesized: Json) -> None:
    """An old dataset version is what a past experiment read: never deleted unless asked."""
    assert bucket(synthesized, "Datasets")["LifecycleConfiguration"] == {
        "Rules": [
            {
                "Id": "NoncurrentVersions",
                "Status": "Enabled",
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                "NoncurrentVersionTransitions": [{"StorageClass": "GLACIER_IR", "TransitionInDays": 30}],
            }
        ]
    }


def test_transient_content_expires_when_asked(synthesized: Json) -> None:
    (rule,) = bucket(synthesized, "Transient")["LifecycleConfiguration"]["Rules"]
    assert (rule["ExpirationInDays"], rule["NoncurrentVersionExpiration"]) == (30, {"NoncurrentDays": 31})


def test_eventbridge_notifications_are_native_with_no_custom_resource(synthesized: Json) -> None:
    assert bucket(synthesized, "Transient")["NotificationConfiguration"] == {
        "EventBridgeConfiguration": {"EventBridgeEnabled": True}
    }
    assert "NotificationConfiguration" not in bucket(synthesized, "Datasets")
    assert resources(synthesized, "Custom::S3BucketNotifications") == {}


def test_principals_of_other_accounts_are_denied_whatever_their_own_policies_say(synthesized: Json) -> None:
    assert by_sid(policy(synthesized, "Datasets"), "OnlyThisAccountAndReaders") == {
        "Sid": "OnlyThisAccountAndReaders",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": arns(synthesized, "Datasets"),
        "Condition": {
            "StringNotEquals": {"aws:PrincipalAccount": [ACCOUNT]},
            "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
        },
    }


def test_grant_read_to_accounts_lets_them_read_objects_under_the_prefix_only(synthesized: Json) -> None:
    arn = arns(synthesized, "Artifacts")[0]
    assert by_sid(policy(synthesized, "Artifacts"), "ModelReadersVision") == {
        "Sid": "ModelReadersVision",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{READER}:root"},
        "Action": ["s3:GetObject", "s3:GetObjectVersion"],
        "Resource": {"Fn::Join": ["", [arn, "/vision/pipelines/*"]]},
    }


def test_grant_read_to_accounts_adds_each_reader_to_the_perimeter_once(synthesized: Json) -> None:
    perimeter = by_sid(policy(synthesized, "Artifacts"), "OnlyThisAccountAndReaders")
    assert perimeter["Condition"]["StringNotEquals"] == {"aws:PrincipalAccount": [ACCOUNT, READER, OTHER_READER]}


def test_the_perimeter_stays_one_statement_however_many_grants(synthesized: Json) -> None:
    denies = [s for s in policy(synthesized, "Artifacts") if s.get("Sid") == "OnlyThisAccountAndReaders"]
    assert len(denies) == 1


def test_grant_read_to_no_accounts_changes_nothing(synthesized: Json) -> None:
    assert "NobodyReads" not in {s.get("Sid") for s in policy(synthesized, "Artifacts")}


def test_a_bucket_without_readers_allows_nobody_by_policy(synthesized: Json) -> None:
    """A retained bucket's policy only denies: access comes from this account's own IAM policies."""
    assert [s for s in policy(synthesized, "Datasets") if s["Effect"] == "Allow"] == []


def test_the_primary_resource_is_the_bucket() -> None:
    """The construct id contract: the bucket is `Resource`, so ids and paths stay stable."""
    stack = new_stack()
    construct = SecureBucket(
        stack,
        "Datasets",
        encryption_key=kms.Key(stack, "Key"),
        access_logs=s3.Bucket(stack, "Logs"),
        retention=Retention(retain=True),
        noncurrent_transition=Duration.days(30),
    )
    assert construct.node.default_child is construct.bucket
    assert isinstance(construct.bucket.node.default_child, cdk.CfnResource)
