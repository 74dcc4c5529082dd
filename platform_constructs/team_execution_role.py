"""The execution role of one team: what its Studio apps, jobs and pipelines may do."""

from __future__ import annotations

from aws_cdk import Stack, Tags
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from platform_constructs import team_access
from platform_constructs.explained import add_to_role, managed_policy
from platform_constructs.team_access import SAGEMAKER_SERVICE, TEAM_TAG, TeamScope


class TeamGuardrails(Construct):
    """One managed policy of denies (`team_access.guardrails`) every team role of a stage carries:
    the network, the key and the approval rules are the same for every team, and keeping them
    out of the roles' inline policies keeps those within IAM's 10,240-character limit."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        key: kms.IKey,
        subnets: list[ec2.ISubnet],
        security_group: ec2.ISecurityGroup,
    ) -> None:
        super().__init__(scope, construct_id)
        self.policy = iam.ManagedPolicy(
            self,
            "Resource",
            description="What no team role may do: jobs outside the platform network or key, approving models",
            statements=team_access.guardrails(
                key.key_arn, tuple(subnet.subnet_id for subnet in subnets), security_group.security_group_id
            ),
        )


class TeamExecutionRole(Construct):
    """Assumed by SageMaker for the team's Studio sessions, jobs and pipelines. The statements
    and their reasons are in `team_access`; the permissions boundary is applied by the Stage.

    The role trusts SageMaker for `sts:AssumeRole` and `sts:SetSourceIdentity`: the domain records
    the user profile as the source identity of every Studio session, and SageMaker refuses to
    start a session (and the jobs started from it) with a role that does not trust setting it.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        team: str,
        datasets: s3.IBucket,
        artifacts: s3.IBucket,
        key: kms.IKey,
        subnets: list[ec2.ISubnet],
        security_group: ec2.ISecurityGroup,
        domain_id: str,
        guardrails: iam.IManagedPolicy,
        model_package_group_names: tuple[str, ...],
        pipeline_prefix: str,
        mlflow_server_arn: str | None = None,
        published_repositories: tuple[str, ...] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.team = team
        self.role = iam.Role(
            self,
            "Resource",
            assumed_by=iam.ServicePrincipal(SAGEMAKER_SERVICE),
            description=f"SageMaker execution role of team {team}",
        )
        self.role.assume_role_policy.add_statements(  # type: ignore[union-attr]
            iam.PolicyStatement(actions=["sts:SetSourceIdentity"], principals=[iam.ServicePrincipal(SAGEMAKER_SERVICE)])
        )
        Tags.of(self.role).add(TEAM_TAG, team)
        self.role.add_managed_policy(guardrails)
        self.scope = TeamScope(
            team=team,
            role_arn=self.role.role_arn,
            datasets_bucket_arn=datasets.bucket_arn,
            artifacts_bucket_arn=artifacts.bucket_arn,
            key_arn=key.key_arn,
            subnet_ids=tuple(subnet.subnet_id for subnet in subnets),
            security_group_id=security_group.security_group_id,
            domain_id=domain_id,
            model_package_groups=model_package_group_names,
            pipeline_prefix=pipeline_prefix,
            mlflow_server_arn=mlflow_server_arn,
            published_repositories=published_repositories,
        )
        stack = Stack.of(self)
        # Managed policies by concern, each under IAM's 6,144-character limit for a managed policy;
        # together they would not fit a role's 10,240 characters of inline policy. The registry
        # grows by two ARNs a model group, so it stands alone and the config bounds a team's groups
        # (MAX_MODEL_GROUPS_PER_TEAM) to what fits.
        policies = {
            "Data": (
                "the team's data and the platform key",
                [*team_access.data(self.scope), *team_access.platform_key(self.scope)],
            ),
            "Work": (
                "the team's jobs, runs and pipelines",
                [
                    *team_access.jobs(stack, self.scope),
                    *team_access.tagging(stack, self.scope),
                    *team_access.runs(stack, self.scope),
                ],
            ),
            "Studio": (
                "the team's pipelines, Studio spaces, logs, images and network",
                [
                    *team_access.pipelines(stack, self.scope),
                    *team_access.studio(stack, self.scope),
                    *team_access.operations(stack, self.scope),
                    *team_access.mlflow(self.scope),
                ],
            ),
        }
        if registry := team_access.registry(stack, self.scope):
            policies["Registry"] = ("the team's model package groups", registry)
        if endpoints := team_access.endpoints(stack, self.scope):
            policies["Endpoints"] = ("the endpoints serving the team's model groups", endpoints)
        for name, (what, statements) in policies.items():
            self.role.add_managed_policy(managed_policy(self, name, f"Team {team}: {what}", statements))
        # Naming the role itself from a managed policy attached to it would be a circular reference.
        add_to_role(self.role, team_access.pass_itself(self.scope))

    def grant_pass_to_sagemaker(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let `grantee` (a model-build project, a deploy role) pass this role to SageMaker only."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["iam:PassRole"],
            resource_arns=[self.role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": SAGEMAKER_SERVICE}},
        )
