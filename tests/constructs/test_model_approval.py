"""Who approves models, with the evidence to decide, and who hears about it: the approver role, and
an EventBridge rule that publishes to a key-encrypted topic admitting that one rule only."""

from __future__ import annotations

import pytest
from aws_cdk import aws_kms as kms

from platform_constructs.model_approval import STATE_CHANGE, ModelApprovalNotifications, ModelApproverRole
from tests.constructs.reading import Json, all_statements, as_list, by_sid, only, role_statements
from tests.support.stacks import ACCOUNT, new_stack, template

HERE = f"us-east-1:{ACCOUNT}"
APPROVERS = (f"arn:aws:iam::{ACCOUNT}:role/ml-model-approvers", f"arn:aws:iam::{ACCOUNT}:user/lead")
GROUPS = ("mlexp-dev-defect-detector", "mlexp-dev-demand-forecast")
KEY = f"arn:aws:kms:{HERE}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
EMAILS = ("ml-platform@example.com", "leads@example.com")


@pytest.fixture(scope="module")
def synthesized() -> Json:
    stack = new_stack()
    ModelApproverRole(
        stack,
        "Approver",
        approvers=APPROVERS,
        group_names=GROUPS,
        artifacts_bucket_arn="arn:aws:s3:::artifacts",
        key_arn=KEY,
        teams=("forecasting", "vision"),
    )
    ModelApprovalNotifications(stack, "Notifications", group_names=GROUPS, key=kms.Key(stack, "Key"), emails=EMAILS)
    return dict(template(stack).to_json())


@pytest.fixture(scope="module")
def approver(synthesized: Json) -> list[Json]:
    return role_statements(synthesized, only(synthesized, "AWS::IAM::Role")[0])


def test_the_approver_role_is_assumed_by_the_configured_approvers_only(synthesized: Json) -> None:
    trust = only(synthesized, "AWS::IAM::Role")[1]["Properties"]["AssumeRolePolicyDocument"]
    assert trust["Statement"] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"AWS": list(APPROVERS)}}
    ]


def test_the_approver_reviews_and_decides_on_the_platforms_groups_only(approver: list[Json]) -> None:
    assert by_sid(approver, "ReviewAndDecide") == {
        "Sid": "ReviewAndDecide",
        "Effect": "Allow",
        "Action": [
            "sagemaker:DescribeModelPackage",
            "sagemaker:DescribeModelPackageGroup",
            "sagemaker:ListTags",
            "sagemaker:UpdateModelPackage",
        ],
        "Resource": [
            *(f"arn:aws:sagemaker:{HERE}:model-package-group/{g}" for g in GROUPS),
            *(f"arn:aws:sagemaker:{HERE}:model-package/{g}/*" for g in GROUPS),
        ],
    }


def test_the_approver_lists_versions_on_every_resource_as_iam_requires(approver: list[Json]) -> None:
    statement = by_sid(approver, "ListVersions")
    assert (statement["Action"], statement["Resource"]) == (
        ["sagemaker:ListModelPackageGroups", "sagemaker:ListModelPackages"],
        "*",
    )


def test_the_approver_reads_the_evidence_each_teams_pipelines_wrote(approver: list[Json]) -> None:
    assert by_sid(approver, "ReadTheEvidence") == {
        "Sid": "ReadTheEvidence",
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:GetObjectVersion"],
        "Resource": ["arn:aws:s3:::artifacts/forecasting/pipelines/*", "arn:aws:s3:::artifacts/vision/pipelines/*"],
    }


def test_the_approver_decrypts_the_evidence_only_through_s3(approver: list[Json]) -> None:
    assert by_sid(approver, "DecryptTheEvidence") == {
        "Sid": "DecryptTheEvidence",
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": KEY,
        "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
    }


def test_the_approver_writes_nothing_to_s3(approver: list[Json]) -> None:
    actions = {a for s in approver for a in as_list(s["Action"]) if a.startswith("s3:")}
    assert actions == {"s3:GetObject", "s3:GetObjectVersion"}


def test_the_rule_matches_state_changes_of_the_platforms_groups(synthesized: Json) -> None:
    rule = only(synthesized, "AWS::Events::Rule")[1]["Properties"]
    assert rule["EventPattern"] == {
        "source": ["aws.sagemaker"],
        "detail-type": [STATE_CHANGE],
        "detail": {"ModelPackageGroupName": list(GROUPS)},
    }
    assert rule["Targets"] == [{"Arn": {"Ref": only(synthesized, "AWS::SNS::Topic")[0]}, "Id": "Target0"}]


def test_the_topic_is_encrypted_with_the_key(synthesized: Json) -> None:
    topic = only(synthesized, "AWS::SNS::Topic")[1]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [only(synthesized, "AWS::KMS::Key")[0], "Arn"]}


def test_the_topic_refuses_publishing_without_tls(synthesized: Json) -> None:
    statements = only(synthesized, "AWS::SNS::TopicPolicy")[1]["Properties"]["PolicyDocument"]["Statement"]
    assert by_sid(statements, "AllowPublishThroughSSLOnly")["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_topic_admits_eventbridge_only_for_this_rule_of_this_account(synthesized: Json) -> None:
    statements = only(synthesized, "AWS::SNS::TopicPolicy")[1]["Properties"]["PolicyDocument"]["Statement"]
    assert by_sid(statements, "PublishFromTheApprovalRule") == {
        "Sid": "PublishFromTheApprovalRule",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": {"Ref": only(synthesized, "AWS::SNS::Topic")[0]},
        "Condition": {
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
            "ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [only(synthesized, "AWS::Events::Rule")[0], "Arn"]}},
        },
    }


def test_no_statement_anywhere_admits_eventbridge_without_source_account_and_arn(synthesized: Json) -> None:
    """CDK's own SNS target would add one with no condition: the construct binds its own target."""
    events = [s for s in all_statements(synthesized) if "events.amazonaws.com" in str(s.get("Principal"))]
    assert events
    for statement in events:
        keys = {key for block in statement.get("Condition", {}).values() for key in block}
        assert {"aws:SourceAccount", "aws:SourceArn"} <= keys


def test_each_configured_address_is_subscribed_by_email(synthesized: Json) -> None:
    subscriptions = [
        s["Properties"] for s in synthesized["Resources"].values() if s["Type"] == "AWS::SNS::Subscription"
    ]
    assert sorted((s["Protocol"], s["Endpoint"]) for s in subscriptions) == sorted(("email", e) for e in EMAILS)


def test_fails_if_nobody_may_approve() -> None:
    """CDK refuses a role that no principal can assume (the config requires an approver too)."""
    stack = new_stack()
    with pytest.raises(RuntimeError, match=r"CompositePrincipals must be constructed with at least 1 Principal"):
        ModelApproverRole(
            stack,
            "Approver",
            approvers=(),
            group_names=GROUPS,
            artifacts_bucket_arn="arn:aws:s3:::artifacts",
            key_arn=KEY,
            teams=("vision",),
        )
