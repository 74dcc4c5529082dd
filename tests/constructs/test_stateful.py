"""How stateful resources are kept or destroyed, and how their logical ids are pinned."""

from __future__ import annotations

import re

import pytest
from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from platform_constructs.stateful import Retention, named_logical_id, pin_logical_id
from tests.constructs.reading import resources
from tests.support.stacks import new_stack, template


def test_a_retained_environment_retains_and_never_empties() -> None:
    kept = Retention(retain=True)
    assert (kept.removal_policy, kept.auto_delete_objects) == (RemovalPolicy.RETAIN, False)


def test_a_disposable_environment_destroys_and_empties() -> None:
    thrown = Retention(retain=False)
    assert (thrown.removal_policy, thrown.auto_delete_objects) == (RemovalPolicy.DESTROY, True)


@pytest.mark.parametrize(("retain", "days"), [(True, 30), (False, 7)])
def test_keys_wait_longest_before_deletion_when_they_hold_retained_data(retain: bool, days: int) -> None:
    assert Retention(retain=retain).key_pending_window.to_days() == Duration.days(days).to_days()


def test_pinning_fixes_the_logical_id_of_a_constructs_primary_resource() -> None:
    stack = new_stack()
    pin_logical_id(s3.Bucket(stack, "Datasets"), "DatasetsBucket")
    assert list(resources(template(stack).to_json(), "AWS::S3::Bucket")) == ["DatasetsBucket"]


def test_pinning_accepts_the_cloudformation_resource_itself() -> None:
    stack = new_stack()
    pin_logical_id(s3.CfnBucket(stack, "Datasets"), "DatasetsBucket")
    assert list(resources(template(stack).to_json(), "AWS::S3::Bucket")) == ["DatasetsBucket"]


def test_fails_if_the_construct_has_no_cloudformation_resource() -> None:
    stack = new_stack()
    with pytest.raises(TypeError, match=r"^Probe/Empty has no CloudFormation resource to pin$"):
        pin_logical_id(Construct(stack, "Empty"), "Nothing")


def test_named_logical_ids_are_readable_and_end_with_a_digest_of_the_name() -> None:
    assert re.fullmatch(
        r"ProfileAliceSmith[0-9A-F]{8}", named_logical_id("Profile", "alice-smith".title().replace("-", ""))
    )
    assert named_logical_id("Profile", "alice") == named_logical_id("Profile", "alice")


def test_named_logical_ids_differ_for_names_that_differ_only_in_punctuation() -> None:
    assert named_logical_id("Group", "a-b") != named_logical_id("Group", "ab")
    assert named_logical_id("Group", "a-b").startswith("Groupab")
