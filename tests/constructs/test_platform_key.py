"""The platform key: rotating, aliased, usable by CloudWatch Logs of this account-region, by
EventBridge rules of this account-region, and by reader accounts only through S3."""

from __future__ import annotations

import pytest

from platform_constructs.platform_key import PlatformKey
from platform_constructs.stateful import Retention
from tests.constructs.reading import Json, by_sid, only
from tests.support.stacks import ACCOUNT, new_stack, template

READERS = ("444455556666", "777788889999")


def build(*, retain: bool, eventbridge: bool, readers: tuple[str, ...]) -> Json:
    stack = new_stack()
    key = PlatformKey(stack, "Key", alias="alias/mlexp-dev-data", retention=Retention(retain=retain))
    if eventbridge:
        key.allow_eventbridge_rules()
    key.grant_decrypt_through_s3("ModelReaders", readers)
    return dict(template(stack).to_json())


@pytest.fixture(scope="module")
def full() -> Json:
    """A retained key with every optional statement."""
    return build(retain=True, eventbridge=True, readers=READERS)


@pytest.fixture(scope="module")
def bare() -> Json:
    """A disposable key with none."""
    return build(retain=False, eventbridge=False, readers=())


def key(template_json: Json) -> Json:
    return only(template_json, "AWS::KMS::Key")[1]


def statements(template_json: Json) -> list[Json]:
    found: list[Json] = key(template_json)["Properties"]["KeyPolicy"]["Statement"]
    return found


def test_the_key_rotates(full: Json) -> None:
    assert key(full)["Properties"]["EnableKeyRotation"] is True


def test_the_key_has_its_alias(full: Json) -> None:
    alias = only(full, "AWS::KMS::Alias")[1]["Properties"]
    assert alias == {
        "AliasName": "alias/mlexp-dev-data",
        "TargetKeyId": {"Fn::GetAtt": [only(full, "AWS::KMS::Key")[0], "Arn"]},
    }


def test_a_retained_key_is_retained_with_the_longest_deletion_window(full: Json) -> None:
    resource = key(full)
    assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert resource["Properties"]["PendingWindowInDays"] == 30


def test_a_disposable_key_is_deleted_after_a_week(bare: Json) -> None:
    resource = key(bare)
    assert (resource["DeletionPolicy"], resource["Properties"]["PendingWindowInDays"]) == ("Delete", 7)


def test_the_account_administers_the_key_through_iam(bare: Json) -> None:
    assert statements(bare)[0] == {
        "Action": "kms:*",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Resource": "*",
    }


def test_cloudwatch_logs_use_the_key_only_for_log_groups_of_this_account_and_region(bare: Json) -> None:
    assert by_sid(statements(bare), "AllowCloudWatchLogsOfThisAccountRegion") == {
        "Sid": "AllowCloudWatchLogsOfThisAccountRegion",
        "Effect": "Allow",
        "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
        "Action": ["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
        "Resource": "*",
        "Condition": {
            "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:*"}
        },
    }


def test_eventbridge_rules_of_this_account_and_region_may_use_the_key(full: Json) -> None:
    assert by_sid(statements(full), "AllowEventBridgeRulesOfThisAccountRegion") == {
        "Sid": "AllowEventBridgeRulesOfThisAccountRegion",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": "*",
        "Condition": {
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
            "ArnLike": {"aws:SourceArn": f"arn:aws:events:us-east-1:{ACCOUNT}:rule/*"},
        },
    }


def test_eventbridge_is_admitted_only_when_asked(bare: Json) -> None:
    assert "events.amazonaws.com" not in str(statements(bare))


def test_reader_accounts_decrypt_only_through_s3_in_this_region(full: Json) -> None:
    assert by_sid(statements(full), "ModelReaders") == {
        "Sid": "ModelReaders",
        "Effect": "Allow",
        "Principal": {"AWS": [f"arn:aws:iam::{account}:root" for account in READERS]},
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
    }


def test_no_readers_add_no_statement(bare: Json) -> None:
    assert "ModelReaders" not in {s.get("Sid") for s in statements(bare)}


def test_every_service_principal_is_held_by_a_condition(full: Json) -> None:
    services = [s for s in statements(full) if "Service" in s.get("Principal", {})]
    assert len(services) == 2
    assert all(s.get("Condition") for s in services)
