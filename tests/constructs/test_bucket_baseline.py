"""What every platform bucket is, written once: versioned, private, TLS-only, owner-enforced, and
kept or destroyed with the environment."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3

from compliance.acknowledgments import collect
from platform_constructs.bucket_baseline import NO_REPLICATION, acknowledge_baseline, baseline_props
from platform_constructs.stateful import Retention
from tests.constructs.reading import Json, resources
from tests.support.stacks import new_stack, template


@pytest.fixture(scope="module")
def built() -> tuple[cdk.Stack, Json]:
    """A plain bucket on the baseline in a retained and in a disposable environment."""
    stack = new_stack()
    for name, retain in (("Kept", True), ("Thrown", False)):
        acknowledge_baseline(s3.Bucket(stack, name, **baseline_props(Retention(retain=retain))))
    return stack, dict(template(stack).to_json())


@pytest.fixture(scope="module")
def buckets(built: tuple[cdk.Stack, Json]) -> dict[str, Json]:
    """Construct id -> bucket resource."""
    found = resources(built[1], "AWS::S3::Bucket")
    return {lid.removesuffix(lid[-8:]): bucket for lid, bucket in found.items()}


def policy_of(template_json: Json, bucket_id: str) -> list[Json]:
    for policy in resources(template_json, "AWS::S3::BucketPolicy").values():
        if policy["Properties"]["Bucket"] == {"Ref": bucket_id}:
            statements: list[Json] = policy["Properties"]["PolicyDocument"]["Statement"]
            return statements
    raise AssertionError(f"no bucket policy for {bucket_id}")


def logical_id(template_json: Json, name: str) -> str:
    return next(lid for lid in resources(template_json, "AWS::S3::Bucket") if lid.startswith(name))


@pytest.mark.parametrize("retain", [True, False])
def test_props_are_the_same_whatever_the_retention_but_for_removal(retain: bool) -> None:
    """Block public access is a jsii object (no equality): its template is checked below."""
    props = baseline_props(Retention(retain=retain))
    assert isinstance(props.pop("block_public_access"), s3.BlockPublicAccess)
    assert {k: v for k, v in props.items() if k not in {"removal_policy", "auto_delete_objects"}} == {
        "versioned": True,
        "object_ownership": s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        "enforce_ssl": True,
        "minimum_tls_version": 1.2,
    }


def test_a_retained_environment_retains_and_never_empties_its_buckets() -> None:
    props = baseline_props(Retention(retain=True))
    assert (props["removal_policy"], props["auto_delete_objects"]) == (cdk.RemovalPolicy.RETAIN, False)


def test_a_disposable_environment_destroys_and_empties_its_buckets() -> None:
    props = baseline_props(Retention(retain=False))
    assert (props["removal_policy"], props["auto_delete_objects"]) == (cdk.RemovalPolicy.DESTROY, True)


@pytest.mark.parametrize("name", ["Kept", "Thrown"])
def test_buckets_are_versioned_private_and_owner_enforced(buckets: dict[str, Json], name: str) -> None:
    props = buckets[name]["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}


@pytest.mark.parametrize("name", ["Kept", "Thrown"])
def test_requests_without_tls_or_below_tls_1_2_are_denied(built: tuple[cdk.Stack, Json], name: str) -> None:
    template_json = built[1]
    denies = [
        s["Condition"] for s in policy_of(template_json, logical_id(template_json, name)) if s["Effect"] == "Deny"
    ]
    assert {"Bool": {"aws:SecureTransport": "false"}} in denies
    assert {"NumericLessThan": {"s3:TlsVersion": 1.2}} in denies


def test_a_retained_bucket_survives_deletion_and_replacement(buckets: dict[str, Json]) -> None:
    assert (buckets["Kept"]["DeletionPolicy"], buckets["Kept"]["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_a_disposable_bucket_is_deleted_with_its_stack(buckets: dict[str, Json]) -> None:
    assert (buckets["Thrown"]["DeletionPolicy"], buckets["Thrown"]["UpdateReplacePolicy"]) == ("Delete", "Delete")


def test_only_the_disposable_bucket_empties_itself(built: tuple[cdk.Stack, Json]) -> None:
    template_json = built[1]
    emptied = [r["Properties"]["BucketName"] for r in resources(template_json, "Custom::S3AutoDeleteObjects").values()]
    assert emptied == [{"Ref": logical_id(template_json, "Thrown")}]


@pytest.mark.parametrize("pack", ["NIST.800.53.R5", "HIPAA.Security"])
def test_replication_is_acknowledged_on_the_bucket_with_the_reason(built: tuple[cdk.Stack, Json], pack: str) -> None:
    acknowledged = {(a.path, a.rule_id): a.reason for a in collect(built[0].node.root)}
    assert acknowledged[("Probe/Kept", f"{pack}-S3BucketReplicationEnabled")] == NO_REPLICATION
