"""Data stack of every environment-region: the platform key and the three buckets."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.data_stack import pipeline_artifacts_logical_id
from tests.stages import SAMPLE_STAGES
from tests.support.synth import Synthesized, Template, only, resources

STAGES = sorted(SAMPLE_STAGES)
PIPELINE_ARTIFACTS = tuple(pipeline_artifacts_logical_id(team) for team in ("vision", "forecasting"))
KMS_BUCKETS = ("DatasetsBucket", "ArtifactsBucket", *PIPELINE_ARTIFACTS)
LINEAGE_BUCKETS = ("DatasetsBucket", "ArtifactsBucket")
ALL_BUCKETS = (*KMS_BUCKETS, "AccessLogsBucket")


def data(synth: Synthesized, stage: str) -> Template:
    return synth.template(stage, "Data")


def bucket_policy(template: Template, bucket: str) -> list[dict[str, Any]]:
    policy = next(
        r for r in resources(template, "AWS::S3::BucketPolicy").values() if r["Properties"]["Bucket"] == {"Ref": bucket}
    )
    statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


@pytest.mark.parametrize("stage", STAGES)
def test_key_rotates_and_has_the_named_alias(sample: Synthesized, stage: str) -> None:
    template = data(sample, stage)
    key = template["Resources"]["PlatformKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    assert key["PendingWindowInDays"] == 30
    _, alias = only(template, "AWS::KMS::Alias")
    assert alias["Properties"] == {
        "AliasName": "alias/mlexp-dev-data",
        "TargetKeyId": {"Fn::GetAtt": ["PlatformKey", "Arn"]},
    }


@pytest.mark.parametrize("stage", STAGES)
def test_key_lets_only_this_account_regions_log_groups_use_it(sample: Synthesized, stage: str) -> None:
    region = SAMPLE_STAGES[stage][1].name
    statements = data(sample, stage)["Resources"]["PlatformKey"]["Properties"]["KeyPolicy"]["Statement"]
    logs = next(s for s in statements if s.get("Sid") == "AllowCloudWatchLogsOfThisAccountRegion")
    assert logs["Principal"] == {"Service": f"logs.{region}.amazonaws.com"}
    assert logs["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:111122223333:log-group:*"}
    }
    assert "kms:*" not in logs["Action"]
    # The others: CDK's default (the account administers the key through IAM), EventBridge rules of
    # this account-region delivering to the encrypted approval topic (test_registry.py), and the
    # consumer account decrypting through S3 only (its bucket policy decides which objects).
    by_sid = {s.get("Sid"): s for s in statements}
    assert by_sid[None] == {
        "Action": "kms:*",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Resource": "*",
    }
    assert by_sid["ModelReadersForecasting"] == {
        "Sid": "ModelReadersForecasting",
        "Action": "kms:Decrypt",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
    }
    assert set(by_sid) == {
        None,
        logs["Sid"],
        "AllowEventBridgeRulesOfThisAccountRegion",
        "AllowCloudWatchAlarmsOfThisAccountRegion",  # served endpoints' rollback alarms notify
        "ModelReadersForecasting",
    }
    alarms = by_sid["AllowCloudWatchAlarmsOfThisAccountRegion"]
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert alarms["Condition"]["StringEquals"] == {"aws:SourceAccount": "111122223333"}


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("bucket", ALL_BUCKETS)
def test_buckets_are_versioned_private_and_owner_enforced(sample: Synthesized, stage: str, bucket: str) -> None:
    props = data(sample, stage)["Resources"][bucket]["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert "BucketName" not in props  # generated names: no collisions across accounts or re-creations


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("bucket", KMS_BUCKETS)
def test_data_buckets_use_the_platform_key_with_a_bucket_key(sample: Synthesized, stage: str, bucket: str) -> None:
    props = data(sample, stage)["Resources"][bucket]["Properties"]
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {
            "BucketKeyEnabled": True,
            "ServerSideEncryptionByDefault": {
                "KMSMasterKeyID": {"Fn::GetAtt": ["PlatformKey", "Arn"]},
                "SSEAlgorithm": "aws:kms",
            },
        }
    ]


@pytest.mark.parametrize("stage", STAGES)
def test_access_logs_bucket_uses_sse_s3_because_log_delivery_requires_it(sample: Synthesized, stage: str) -> None:
    props = data(sample, stage)["Resources"]["AccessLogsBucket"]["Properties"]
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ]
    assert "LoggingConfiguration" not in props  # a log bucket logging to itself would loop
    delivery = next(
        s
        for s in bucket_policy(data(sample, stage), "AccessLogsBucket")
        if s.get("Principal") == {"Service": "logging.s3.amazonaws.com"}
    )
    assert delivery["Action"] == "s3:PutObject"
    assert delivery["Condition"]["StringEquals"] == {"aws:SourceAccount": "111122223333"}


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize(
    ("bucket", "prefix"),
    [
        ("DatasetsBucket", "datasets/"),
        ("ArtifactsBucket", "artifacts/"),
        (pipeline_artifacts_logical_id("vision"), "pipelineartifacts-vision/"),
        (pipeline_artifacts_logical_id("forecasting"), "pipelineartifacts-forecasting/"),
    ],
)
def test_data_buckets_log_access_to_the_log_bucket(sample: Synthesized, stage: str, bucket: str, prefix: str) -> None:
    props = data(sample, stage)["Resources"][bucket]["Properties"]
    assert props["LoggingConfiguration"] == {
        "DestinationBucketName": {"Ref": "AccessLogsBucket"},
        "LogFilePrefix": prefix,
    }


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("bucket", ALL_BUCKETS)
def test_buckets_refuse_plain_http_and_old_tls(sample: Synthesized, stage: str, bucket: str) -> None:
    denies = [s for s in bucket_policy(data(sample, stage), bucket) if s["Effect"] == "Deny"]
    conditions = [s["Condition"] for s in denies]
    assert {"Bool": {"aws:SecureTransport": "false"}} in conditions
    assert {"NumericLessThan": {"s3:TlsVersion": 1.2}} in conditions
    for statement in denies:
        assert statement["Principal"] == {"AWS": "*"}
        assert statement["Action"] == "s3:*"


@pytest.mark.parametrize("stage", STAGES)
def test_noncurrent_versions_move_to_glacier_ir_and_are_kept(sample: Synthesized, stage: str) -> None:
    """Lineage points at dataset object versions: the sample never expires them."""
    for bucket in LINEAGE_BUCKETS:
        rules = data(sample, stage)["Resources"][bucket]["Properties"]["LifecycleConfiguration"]["Rules"]
        assert rules == [
            {
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                "Id": "NoncurrentVersions",
                "NoncurrentVersionTransitions": [{"StorageClass": "GLACIER_IR", "TransitionInDays": 30}],
                "Status": "Enabled",
            }
        ]


def test_noncurrent_expiration_is_applied_when_configured(mutated: Synthesized) -> None:
    rules = mutated.template("dev-us-east-1", "Data")["Resources"]["ArtifactsBucket"]["Properties"][
        "LifecycleConfiguration"
    ]["Rules"]
    assert rules[0]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 400}


@pytest.mark.parametrize("stage", STAGES)
def test_pipeline_artifacts_are_transient_and_one_bucket_per_team(sample: Synthesized, stage: str) -> None:
    for team in ("vision", "forecasting"):
        bucket = data(sample, stage)["Resources"][pipeline_artifacts_logical_id(team)]
        rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
        assert rules[0]["ExpirationInDays"] == 30
        assert rules[0]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 31}


@pytest.mark.parametrize("stage", STAGES)
def test_access_logs_expire(sample: Synthesized, stage: str) -> None:
    rules = data(sample, stage)["Resources"]["AccessLogsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rules[0]["ExpirationInDays"] == 365
    assert rules[0]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}


@pytest.mark.parametrize("stage", STAGES)
def test_data_outputs_for_tooling(sample: Synthesized, stage: str) -> None:
    assert set(data(sample, stage)["Outputs"]) >= {
        "KeyArn",
        "DatasetsBucketName",
        "ArtifactsBucketName",
        "AccessLogsBucketName",
    }
