"""A CodeArtifact mirror of PyPI, so builds in the isolated VPC install packages without internet."""

from __future__ import annotations

from aws_cdk import aws_codeartifact as codeartifact
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from platform_constructs.explained import add_to_role, explained
from platform_constructs.stateful import Retention

REPOSITORY = "pypi-mirror"
PUBLIC_PYPI = "public:pypi"


class PackageMirror(Construct):
    """A CodeArtifact domain (encrypted with the platform key) holding one repository with an
    external connection to public PyPI. CodeArtifact fetches from PyPI on its side; builds reach
    it through the `codeartifact-api` and `codeartifact-repositories` endpoints, and package
    assets through the S3 gateway endpoint. Cached packages are kept with the environment's state.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, domain_name: str, key: kms.IKey, retention: Retention
    ) -> None:
        super().__init__(scope, construct_id)
        self.domain = codeartifact.CfnDomain(self, "Domain", domain_name=domain_name, encryption_key=key.key_arn)
        self.repository = codeartifact.CfnRepository(
            self,
            "Repository",
            domain_name=self.domain.attr_name,
            domain_owner=self.domain.attr_owner,
            repository_name=REPOSITORY,
            description="Mirror of public PyPI for builds in the isolated VPC",
            external_connections=[PUBLIC_PYPI],
        )
        for resource in (self.domain, self.repository):
            resource.apply_removal_policy(retention.removal_policy)
        self.domain_name = domain_name
        self.domain_owner = self.domain.attr_owner
        self.repository_name = REPOSITORY

    def grant_install(self, role: iam.IRole) -> None:
        """Log in to the domain and read packages from the mirror (pip install), nothing else."""
        add_to_role(
            role,
            explained(
                sid="LogInToThePackageMirror",
                actions=["codeartifact:GetAuthorizationToken"],
                resources=[self.domain.attr_arn],
            ),
            explained(
                sid="InstallFromThePackageMirror",
                actions=["codeartifact:GetRepositoryEndpoint", "codeartifact:ReadFromRepository"],
                resources=[self.repository.attr_arn],
            ),
            explained(
                sid="BearerTokenForCodeArtifact",
                actions=["sts:GetServiceBearerToken"],
                resources=["*"],
                conditions={"StringEquals": {"sts:AWSServiceName": "codeartifact.amazonaws.com"}},
                why={"*": "IAM offers no resource-level permissions for GetServiceBearerToken; CodeArtifact only"},
            ),
        )
