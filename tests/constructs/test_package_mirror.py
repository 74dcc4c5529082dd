"""A CodeArtifact mirror of PyPI, so builds in the isolated VPC install packages without internet."""

from __future__ import annotations

import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from platform_constructs.package_mirror import PUBLIC_PYPI, REPOSITORY, PackageMirror
from platform_constructs.stateful import Retention
from tests.constructs.reading import Json, only, role_statements
from tests.support.stacks import new_stack, template


def build(*, retain: bool) -> tuple[PackageMirror, Json]:
    stack = new_stack()
    mirror = PackageMirror(
        stack, "Mirror", domain_name="mlexp-dev", key=kms.Key(stack, "Key"), retention=Retention(retain=retain)
    )
    mirror.grant_install(iam.Role(stack, "Build", assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com")))
    return mirror, dict(template(stack).to_json())


@pytest.fixture(scope="module")
def kept() -> tuple[PackageMirror, Json]:
    return build(retain=True)


@pytest.fixture(scope="module")
def thrown() -> tuple[PackageMirror, Json]:
    return build(retain=False)


def test_the_domain_is_encrypted_with_the_key(kept: tuple[PackageMirror, Json]) -> None:
    template_json = kept[1]
    assert only(template_json, "AWS::CodeArtifact::Domain")[1]["Properties"] == {
        "DomainName": "mlexp-dev",
        "EncryptionKey": {"Fn::GetAtt": [only(template_json, "AWS::KMS::Key")[0], "Arn"]},
    }


def test_the_repository_mirrors_public_pypi_in_the_domain(kept: tuple[PackageMirror, Json]) -> None:
    template_json = kept[1]
    domain = only(template_json, "AWS::CodeArtifact::Domain")[0]
    props = only(template_json, "AWS::CodeArtifact::Repository")[1]["Properties"]
    assert props["ExternalConnections"] == [PUBLIC_PYPI] == ["public:pypi"]
    assert (props["RepositoryName"], props["DomainName"], props["DomainOwner"]) == (
        REPOSITORY,
        {"Fn::GetAtt": [domain, "Name"]},
        {"Fn::GetAtt": [domain, "Owner"]},
    )


@pytest.mark.parametrize(("fixture", "policy"), [("kept", "Retain"), ("thrown", "Delete")])
def test_cached_packages_are_kept_or_destroyed_with_the_environment(
    request: pytest.FixtureRequest, fixture: str, policy: str
) -> None:
    template_json = request.getfixturevalue(fixture)[1]
    for resource_type in ("AWS::CodeArtifact::Domain", "AWS::CodeArtifact::Repository"):
        resource = only(template_json, resource_type)[1]
        assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == (policy, policy)


def test_grant_install_lets_a_role_log_in_and_read_packages_nothing_else(kept: tuple[PackageMirror, Json]) -> None:
    template_json = kept[1]
    domain = only(template_json, "AWS::CodeArtifact::Domain")[0]
    repository = only(template_json, "AWS::CodeArtifact::Repository")[0]
    assert role_statements(template_json, only(template_json, "AWS::IAM::Role")[0]) == [
        {
            "Sid": "LogInToThePackageMirror",
            "Effect": "Allow",
            "Action": "codeartifact:GetAuthorizationToken",
            "Resource": {"Fn::GetAtt": [domain, "Arn"]},
        },
        {
            "Sid": "InstallFromThePackageMirror",
            "Effect": "Allow",
            "Action": ["codeartifact:GetRepositoryEndpoint", "codeartifact:ReadFromRepository"],
            "Resource": {"Fn::GetAtt": [repository, "Arn"]},
        },
        {
            "Sid": "BearerTokenForCodeArtifact",
            "Effect": "Allow",
            "Action": "sts:GetServiceBearerToken",
            "Resource": "*",
            "Condition": {"StringEquals": {"sts:AWSServiceName": "codeartifact.amazonaws.com"}},
        },
    ]


def test_the_names_builds_log_in_with_are_exposed(kept: tuple[PackageMirror, Json]) -> None:
    mirror = kept[0]
    assert (mirror.domain_name, mirror.repository_name) == ("mlexp-dev", "pypi-mirror")
