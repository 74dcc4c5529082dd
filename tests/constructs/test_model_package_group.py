"""A model package group: create-only name and description, a resource policy that keeps approval
with the approver, reads for consumer accounts, and a removal policy from the environment."""

from __future__ import annotations

import pytest

from platform_constructs.model_package_group import ModelPackageGroup
from platform_constructs.stateful import Retention
from tests.constructs.reading import Json, by_sid, resources
from tests.constructs.simulation import Decision, Request, decide
from tests.support.stacks import ACCOUNT, new_stack, template

HERE = f"us-east-1:{ACCOUNT}"
APPROVER = f"arn:aws:iam::{ACCOUNT}:role/mlexp-dev-registry-Approver"
CONSUMERS = ("444455556666", "777788889999")
GROUP_ARN = f"arn:aws:sagemaker:{HERE}:model-package-group/mlexp-dev-demand-forecast"
VERSIONS_ARN = f"arn:aws:sagemaker:{HERE}:model-package/mlexp-dev-demand-forecast/*"


def group(name: str, *, consumers: tuple[str, ...], retain: bool) -> tuple[ModelPackageGroup, Json]:
    stack = new_stack()
    construct = ModelPackageGroup(
        stack,
        "Group",
        group_name=name,
        description=f"Versions of model {name}",
        approver_role_arn=APPROVER,
        consumer_accounts=consumers,
        retention=Retention(retain=retain),
    )
    (resource,) = resources(template(stack).to_json(), "AWS::SageMaker::ModelPackageGroup").values()
    return construct, resource


@pytest.fixture(scope="module")
def consumed() -> tuple[ModelPackageGroup, Json]:
    return group("mlexp-dev-demand-forecast", consumers=CONSUMERS, retain=True)


@pytest.fixture(scope="module")
def private() -> tuple[ModelPackageGroup, Json]:
    return group("mlexp-dev-defect-detector", consumers=(), retain=False)


def statements(resource: Json) -> list[Json]:
    found: list[Json] = resource["Properties"]["ModelPackageGroupPolicy"]["Statement"]
    return found


def test_name_and_description_are_as_given(consumed: tuple[ModelPackageGroup, Json]) -> None:
    props = consumed[1]["Properties"]
    assert (props["ModelPackageGroupName"], props["ModelPackageGroupDescription"]) == (
        "mlexp-dev-demand-forecast",
        "Versions of model mlexp-dev-demand-forecast",
    )


def test_only_the_approver_changes_an_approval_status(consumed: tuple[ModelPackageGroup, Json]) -> None:
    assert by_sid(statements(consumed[1]), "OnlyApproversChangeApprovalStatus") == {
        "Sid": "OnlyApproversChangeApprovalStatus",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "sagemaker:UpdateModelPackage",
        "Resource": VERSIONS_ARN,
        "Condition": {
            "Null": {"sagemaker:ModelApprovalStatus": "false"},
            "ArnNotLike": {"aws:PrincipalArn": APPROVER},
        },
    }


def test_no_one_but_the_approver_registers_a_version_with_another_status_than_pending(
    consumed: tuple[ModelPackageGroup, Json],
) -> None:
    """Whoever may call CreateModelPackage on the group (a team, the MLflow server's role) could
    otherwise skip the approver by registering a version as Approved."""
    assert by_sid(statements(consumed[1]), "OnlyApproversRegisterOtherThanPending") == {
        "Sid": "OnlyApproversRegisterOtherThanPending",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "sagemaker:CreateModelPackage",
        "Resource": VERSIONS_ARN,
        "Condition": {
            "StringNotEqualsIfExists": {"sagemaker:ModelApprovalStatus": "PendingManualApproval"},
            "ArnNotLike": {"aws:PrincipalArn": APPROVER},
        },
    }


OTHER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/mlexp-dev-registry-MlflowRole"
VERSION = f"arn:aws:sagemaker:{HERE}:model-package/mlexp-dev-defect-detector/3"  # of `private`
APPROVED = {"sagemaker:ModelApprovalStatus": "Approved"}
PENDING = {"sagemaker:ModelApprovalStatus": "PendingManualApproval"}
# Requests of a role allowed everything by its own policies, under the group's resource policy.
REQUESTS = {
    "another role registers as approved": Request("sagemaker:CreateModelPackage", VERSION, APPROVED),
    "another role registers as pending": Request("sagemaker:CreateModelPackage", VERSION, PENDING),
    # IfExists in a Deny: a request without the key matches, so the status must be named.
    "another role registers without a status": Request("sagemaker:CreateModelPackage", VERSION),
    "another role approves": Request("sagemaker:UpdateModelPackage", VERSION, APPROVED),
    "another role describes a version": Request("sagemaker:DescribeModelPackage", VERSION),
    "the approver registers as approved": Request("sagemaker:CreateModelPackage", VERSION, APPROVED, APPROVER),
    "the approver approves": Request("sagemaker:UpdateModelPackage", VERSION, APPROVED, APPROVER),
}


@pytest.fixture(scope="module")
def decisions(private: tuple[ModelPackageGroup, Json]) -> dict[str, Decision]:
    allow_all = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    policy = private[1]["Properties"]["ModelPackageGroupPolicy"]
    return decide(OTHER_ROLE, {"everything": allow_all}, REQUESTS, resource_policy=policy)


@pytest.mark.parametrize(
    ("request_name", "denied_by"),
    [
        ("another role registers as approved", "OnlyApproversRegisterOtherThanPending"),
        ("another role registers as pending", None),
        ("another role registers without a status", "OnlyApproversRegisterOtherThanPending"),
        ("another role approves", "OnlyApproversChangeApprovalStatus"),
        ("another role describes a version", None),
        ("the approver registers as approved", None),
        ("the approver approves", None),
    ],
)
def test_the_group_policy_keeps_approval_with_the_approver(
    decisions: dict[str, Decision], request_name: str, denied_by: str | None
) -> None:
    decision = decisions[request_name]
    expected = ("ExplicitlyDenied", (denied_by,)) if denied_by else ("Allowed", ())
    assert (decision.result, decision.denied_by, decision.ignored_keys) == (*expected, ())


def test_consumer_accounts_read_the_group_and_its_versions(consumed: tuple[ModelPackageGroup, Json]) -> None:
    assert by_sid(statements(consumed[1]), "ConsumerAccountsRead") == {
        "Sid": "ConsumerAccountsRead",
        "Effect": "Allow",
        "Principal": {"AWS": [f"arn:aws:iam::{account}:root" for account in CONSUMERS]},
        "Action": [
            "sagemaker:DescribeModelPackageGroup",
            "sagemaker:DescribeModelPackage",
            "sagemaker:ListModelPackages",
        ],
        "Resource": [GROUP_ARN, VERSIONS_ARN],
    }


def test_a_group_without_consumers_admits_no_other_account(private: tuple[ModelPackageGroup, Json]) -> None:
    assert [s["Sid"] for s in statements(private[1])] == [
        "OnlyApproversChangeApprovalStatus",
        "OnlyApproversRegisterOtherThanPending",
    ]


def test_a_retained_group_survives_deletion_and_replacement(consumed: tuple[ModelPackageGroup, Json]) -> None:
    assert (consumed[1]["DeletionPolicy"], consumed[1]["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_a_disposable_group_is_deleted_with_its_stack(private: tuple[ModelPackageGroup, Json]) -> None:
    assert (private[1]["DeletionPolicy"], private[1]["UpdateReplacePolicy"]) == ("Delete", "Delete")


def test_the_groups_name_and_arn_are_exposed(consumed: tuple[ModelPackageGroup, Json]) -> None:
    construct = consumed[0]
    assert (construct.group_name, construct.group_arn) == ("mlexp-dev-demand-forecast", GROUP_ARN)
