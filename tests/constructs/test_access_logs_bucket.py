"""The bucket that receives S3 server access logs: the baseline with SSE-S3 (log delivery cannot
use SSE-KMS), expiring logs, and delivery granted by bucket policy for the logged buckets only."""

from __future__ import annotations

import pytest
from aws_cdk import Duration
from aws_cdk import aws_kms as kms

from compliance.acknowledgments import collect
from platform_constructs.access_logs_bucket import AccessLogsBucket
from platform_constructs.secure_bucket import SecureBucket
from platform_constructs.stateful import Retention
from tests.constructs.reading import Json, resources
from tests.support.stacks import ACCOUNT, new_stack, template


@pytest.fixture(scope="module")
def built() -> tuple[Json, dict[tuple[str, str], str]]:
    """The template (access logs for one secure bucket) and the acknowledgments by (path, rule)."""
    stack = new_stack()
    logs = AccessLogsBucket(stack, "AccessLogs", retention=Retention(retain=True), expiration=Duration.days(365))
    SecureBucket(
        stack,
        "Datasets",
        encryption_key=kms.Key(stack, "Key"),
        access_logs=logs.bucket,
        retention=Retention(retain=True),
        noncurrent_transition=Duration.days(30),
    )
    acknowledged = {(a.path, a.rule_id): a.reason for a in collect(stack.node.root)}
    return dict(template(stack).to_json()), acknowledged


def logical_id(template_json: Json, name: str) -> str:
    return next(lid for lid in resources(template_json, "AWS::S3::Bucket") if lid.startswith(name))


@pytest.fixture(scope="module")
def logs_bucket(built: tuple[Json, dict[tuple[str, str], str]]) -> Json:
    template_json = built[0]
    found: Json = template_json["Resources"][logical_id(template_json, "AccessLogs")]
    return found


def test_logs_are_encrypted_with_s3_managed_keys(logs_bucket: Json) -> None:
    assert logs_bucket["Properties"]["BucketEncryption"] == {
        "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
    }


@pytest.mark.parametrize("pack", ["NIST.800.53.R5", "HIPAA.Security"])
def test_sse_s3_is_acknowledged_on_the_bucket_with_the_reason(
    built: tuple[Json, dict[tuple[str, str], str]], pack: str
) -> None:
    reason = built[1][("Probe/AccessLogs/Resource", f"{pack}-S3DefaultEncryptionKMS")]
    assert "does not support SSE-KMS" in reason


def test_logs_and_their_old_versions_expire(logs_bucket: Json) -> None:
    assert logs_bucket["Properties"]["LifecycleConfiguration"] == {
        "Rules": [
            {
                "Id": "ExpireLogs",
                "Status": "Enabled",
                "ExpirationInDays": 365,
                "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
            }
        ]
    }


def test_the_baseline_is_applied(logs_bucket: Json) -> None:
    props = logs_bucket["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert (logs_bucket["DeletionPolicy"], logs_bucket["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_log_delivery_is_granted_by_policy_for_the_logged_bucket_and_its_prefix_only(
    built: tuple[Json, dict[tuple[str, str], str]],
) -> None:
    template_json = built[0]
    logs_id, source_id = logical_id(template_json, "AccessLogs"), logical_id(template_json, "Datasets")
    (policy,) = [
        p
        for p in resources(template_json, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": logs_id}
    ]
    allows = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allows == [
        {
            "Action": "s3:PutObject",
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": [logs_id, "Arn"]}, "/datasets/*"]]},
            "Condition": {
                "ArnLike": {"aws:SourceArn": {"Fn::GetAtt": [source_id, "Arn"]}},
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
            },
        }
    ]


def test_a_disposable_logs_bucket_is_destroyed_and_emptied() -> None:
    stack = new_stack()
    AccessLogsBucket(stack, "AccessLogs", retention=Retention(retain=False), expiration=Duration.days(30))
    template_json = template(stack).to_json()
    (logs,) = resources(template_json, "AWS::S3::Bucket").values()
    assert (logs["DeletionPolicy"], len(resources(template_json, "Custom::S3AutoDeleteObjects"))) == ("Delete", 1)
