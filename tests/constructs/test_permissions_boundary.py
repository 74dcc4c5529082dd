"""The permissions boundary: an allow-list per service family, scoped to this account and region,
and the denies that hold even if a role's own policy is widened by mistake."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest

from compliance.gate import Finding
from platform_constructs.permissions_boundary import DENIED, KMS_USE, S3_DATA_ACTIONS, PermissionsBoundary
from tests.constructs.packs import register
from tests.constructs.reading import Json, as_list, by_sid, resources
from tests.support.stacks import ACCOUNT, new_stack, template

HERE = f"us-east-1:{ACCOUNT}"
ROLE_TAGS = {"aws:ResourceTag/Project": "mlexp", "aws:ResourceTag/Environment": "dev"}
# The allow statements whose resource is "*", each for a documented reason (IAM offers no
# resource-level permission, or a condition holds the statement to this account).
WILDCARD_RESOURCE_SIDS = {
    "SageMakerListAndSearch",
    "ObjectsOfThisAccountsBuckets",
    "WildcardOnlyCalls",
    "DisposableBucketTeardown",
    "ServingScaling",  # Application Auto Scaling names scalable targets, not ARNs
}


def _boundary(stack: cdk.Stack, name: str, *, disposable: bool) -> PermissionsBoundary:
    return PermissionsBoundary(
        stack, name, policy_name=f"mlexp-dev-{name.lower()}", project="mlexp", environment="dev", disposable=disposable
    )


@pytest.fixture(scope="module")
def policies() -> dict[str, Json]:
    """Policy name -> the synthesized managed policy, for a retained and a disposable environment."""
    stack = new_stack()
    _boundary(stack, "Retained", disposable=False)
    _boundary(stack, "Disposable", disposable=True)
    found = resources(template(stack).to_json(), "AWS::IAM::ManagedPolicy").values()
    return {policy["Properties"]["ManagedPolicyName"]: policy for policy in found}


@pytest.fixture(scope="module")
def retained(policies: dict[str, Json]) -> list[Json]:
    statements: list[Json] = policies["mlexp-dev-retained"]["Properties"]["PolicyDocument"]["Statement"]
    return statements


@pytest.fixture(scope="module")
def throwaway(policies: dict[str, Json]) -> list[Json]:
    statements: list[Json] = policies["mlexp-dev-disposable"]["Properties"]["PolicyDocument"]["Statement"]
    return statements


def allows(statements: list[Json]) -> list[Json]:
    return [s for s in statements if s["Effect"] == "Allow"]


def test_is_a_named_managed_policy_so_later_stacks_can_reference_it(policies: dict[str, Json]) -> None:
    assert policies["mlexp-dev-retained"]["Properties"]["Description"] == (
        "Permissions boundary of every role the experiment platform creates"
    )


def test_sagemaker_is_capped_to_this_account_and_region(retained: list[Json]) -> None:
    assert by_sid(retained, "SageMakerInThisAccountRegion") == {
        "Sid": "SageMakerInThisAccountRegion",
        "Effect": "Allow",
        "Action": ["sagemaker-mlflow:*", "sagemaker:*"],
        "Resource": f"arn:aws:sagemaker:{HERE}:*",
    }


def test_sagemaker_list_and_search_are_the_only_sagemaker_calls_on_every_resource(retained: list[Json]) -> None:
    assert by_sid(retained, "SageMakerListAndSearch") == {
        "Sid": "SageMakerListAndSearch",
        "Effect": "Allow",
        "Action": ["sagemaker:GetSearchSuggestions", "sagemaker:List*", "sagemaker:Search"],
        "Resource": "*",
    }


def test_s3_allows_object_and_listing_calls_only_on_buckets_of_this_account(retained: list[Json]) -> None:
    statement = by_sid(retained, "ObjectsOfThisAccountsBuckets")
    assert sorted(statement["Action"]) == sorted(S3_DATA_ACTIONS)
    assert statement["Condition"] == {"StringEquals": {"aws:ResourceAccount": ACCOUNT}}


def test_no_s3_statement_allows_every_s3_action(retained: list[Json], throwaway: list[Json]) -> None:
    actions = {a for s in allows(retained + throwaway) for a in as_list(s["Action"]) if a.startswith("s3:")}
    assert "s3:*" not in actions
    assert not {a for a in actions if a.startswith(("s3:PutBucket", "s3:DeleteBucket"))} - {"s3:PutBucketPolicy"}


def test_keys_are_used_only_in_this_account_and_region(retained: list[Json]) -> None:
    statement = by_sid(retained, "KeysOfThisAccountRegion")
    assert sorted(statement["Action"]) == sorted(KMS_USE)
    assert statement["Resource"] == f"arn:aws:kms:{HERE}:key/*"


def test_grants_on_keys_only_for_aws_resources(retained: list[Json]) -> None:
    assert by_sid(retained, "GrantsForAwsResources") == {
        "Sid": "GrantsForAwsResources",
        "Effect": "Allow",
        "Action": "kms:CreateGrant",
        "Resource": f"arn:aws:kms:{HERE}:key/*",
        "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
    }


def test_pass_role_only_for_platform_roles_and_only_to_sagemaker(retained: list[Json]) -> None:
    assert by_sid(retained, "PassPlatformRolesToSageMaker") == {
        "Sid": "PassPlatformRolesToSageMaker",
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": f"arn:aws:iam::{ACCOUNT}:role/*",
        "Condition": {"StringEquals": {**ROLE_TAGS, "iam:PassedToService": "sagemaker.amazonaws.com"}},
    }


def test_assume_role_only_for_roles_tagged_with_this_project_and_environment(retained: list[Json]) -> None:
    assert by_sid(retained, "AssumePlatformRoles") == {
        "Sid": "AssumePlatformRoles",
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": f"arn:aws:iam::{ACCOUNT}:role/*",
        "Condition": {"StringEquals": ROLE_TAGS},
    }


def test_no_iam_action_is_allowed_but_pass_role(retained: list[Json], throwaway: list[Json]) -> None:
    actions = {a for s in allows(retained + throwaway) for a in as_list(s["Action"]) if a.startswith("iam:")}
    assert actions == {"iam:PassRole"}


def test_logs_of_this_account_and_region(retained: list[Json]) -> None:
    assert by_sid(retained, "LogsOfThisAccountRegion")["Resource"] == f"arn:aws:logs:{HERE}:log-group:*"


def test_image_pulls_are_limited_to_repositories_of_this_region(retained: list[Json]) -> None:
    statement = by_sid(retained, "PullImages")
    assert statement["Action"] == ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    assert statement["Resource"] == "arn:aws:ecr:us-east-1:*:repository/*"


def test_network_interfaces_and_groups_of_this_account_and_region(retained: list[Json]) -> None:
    assert by_sid(retained, "NetworkInterfacesAndGroupsOfThisAccountRegion")["Resource"] == f"arn:aws:ec2:{HERE}:*"


def test_model_builds_start_builds_and_pipelines_of_this_account_and_region(retained: list[Json]) -> None:
    statement = by_sid(retained, "ModelBuilds")
    assert {"codebuild:StartBuild", "codebuild:BatchGetBuilds", "codepipeline:StartPipelineExecution"} <= set(
        statement["Action"]
    )
    assert statement["Resource"] == [f"arn:aws:codebuild:{HERE}:*", f"arn:aws:codepipeline:{HERE}:*"]


def test_source_connections_of_this_account_under_both_service_prefixes(retained: list[Json]) -> None:
    assert by_sid(retained, "SourceConnections")["Resource"] == [
        f"arn:aws:codeconnections:*:{ACCOUNT}:connection/*",
        f"arn:aws:codestar-connections:*:{ACCOUNT}:connection/*",
    ]


def test_packages_come_from_codeartifact_of_this_account_and_region(retained: list[Json]) -> None:
    statement = by_sid(retained, "PackagesThroughCodeArtifact")
    assert statement["Action"] == [
        "codeartifact:GetAuthorizationToken",
        "codeartifact:GetRepositoryEndpoint",
        "codeartifact:ReadFromRepository",
    ]
    assert statement["Resource"] == f"arn:aws:codeartifact:{HERE}:*"


def test_cdk_providers_invoke_functions_and_state_machines_of_this_account_and_region(retained: list[Json]) -> None:
    assert by_sid(retained, "CustomResourceProviders")["Resource"] == [
        f"arn:aws:lambda:{HERE}:function:*",
        f"arn:aws:states:{HERE}:stateMachine:*",
    ]


def test_only_the_documented_statements_allow_every_resource(retained: list[Json], throwaway: list[Json]) -> None:
    wildcard = {s["Sid"] for s in allows(retained + throwaway) if "*" in as_list(s["Resource"])}
    assert wildcard == WILDCARD_RESOURCE_SIDS


def _arn_scope(resource: str) -> tuple[str, str]:
    _, _, _, region, account, *_ = resource.split(":")
    return region, account


def test_every_scoped_arn_names_this_account_or_region(retained: list[Json], throwaway: list[Json]) -> None:
    """An ARN with a wildcard account must pin the region (ECR images), and one with a wildcard
    region must pin the account (connections); IAM ARNs have no region and pin the account."""
    scoped = [r for s in allows(retained + throwaway) for r in as_list(s["Resource"]) if r != "*"]
    for resource in scoped:
        region, account = _arn_scope(resource)
        assert account == ACCOUNT or region == "us-east-1", resource
        assert account in {ACCOUNT, "*"}, resource
        assert region in {"us-east-1", "*", ""}, resource


@pytest.mark.parametrize("sid", sorted(DENIED))
def test_each_protection_is_an_explicit_deny_on_every_resource(retained: list[Json], sid: str) -> None:
    statement = by_sid(retained, sid)
    assert (statement["Effect"], statement["Resource"], "Condition" in statement) == ("Deny", "*", False)
    assert set(DENIED[sid]) <= set(as_list(statement["Action"]))


def test_changing_a_bucket_policy_is_denied_when_the_environment_is_retained(retained: list[Json]) -> None:
    assert "s3:PutBucketPolicy" in by_sid(retained, "NoBucketProtectionChanges")["Action"]


def test_changing_a_bucket_policy_is_not_denied_when_the_environment_is_disposable(throwaway: list[Json]) -> None:
    """CDK's auto-delete of a disposable bucket's objects first puts a bucket policy."""
    assert "s3:PutBucketPolicy" not in by_sid(throwaway, "NoBucketProtectionChanges")["Action"]


def test_a_disposable_environment_may_put_bucket_policies_of_this_account_only(throwaway: list[Json]) -> None:
    assert by_sid(throwaway, "DisposableBucketTeardown") == {
        "Sid": "DisposableBucketTeardown",
        "Effect": "Allow",
        "Action": "s3:PutBucketPolicy",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceAccount": ACCOUNT}},
    }


def test_a_retained_environment_never_allows_putting_a_bucket_policy(retained: list[Json]) -> None:
    actions = {a for s in allows(retained) for a in as_list(s["Action"])}
    assert "DisposableBucketTeardown" not in {s.get("Sid") for s in retained}
    assert "s3:PutBucketPolicy" not in actions


def test_the_protection_list_is_not_changed_by_building_a_retained_boundary(retained: list[Json]) -> None:
    """The module-level DENIED is shared by every boundary: the retained one must copy, not append."""
    assert "s3:PutBucketPolicy" in by_sid(retained, "NoBucketProtectionChanges")["Action"]
    assert "s3:PutBucketPolicy" not in DENIED["NoBucketProtectionChanges"]


def _probe(stack: cdk.Stack, *, disposable: bool) -> Any:
    return _boundary(stack, "PlatformBoundary", disposable=disposable)


PROBES = register(
    {
        "RetainedBoundary": lambda s: _probe(s, disposable=False),
        "DisposableBoundary": lambda s: _probe(s, disposable=True),
    }
)


@pytest.mark.parametrize("probe", PROBES)
def test_the_explained_wildcards_pass_the_packs(pack_findings: dict[str, list[Finding]], probe: str) -> None:
    assert [f.line() for f in pack_findings[probe]] == []
