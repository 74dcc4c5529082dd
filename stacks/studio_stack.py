"""Studio of one environment-region: the domain, team roles and defaults, lifecycle configs, teardown."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from platform_constructs.stateful import Retention, pin_logical_id
from platform_constructs.studio_domain import StudioDomain
from platform_constructs.studio_lifecycle_config import StudioLifecycleConfig
from platform_constructs.studio_teardown import StudioTeardown, StudioTeardownProvider
from platform_constructs.team_execution_role import TeamExecutionRole, TeamGuardrails
from platform_constructs.team_studio_defaults import TeamStudioDefaults
from stacks.stage_plan import LifecyclePlan, TeamPlan

LOGICAL_IDS = {"domain": "StudioDomain", "teardown_logs": "TeardownLogGroup"}


class StudioStack(Stack):
    """The domain is stateful (home file system, create-only network and key): its logical id is
    pinned and it is retained in retained environments. User profiles live in their own stacks.

    `team_defaults_name(team, app_type, digest)`: the name of a team's SDK-defaults config.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain_name: str,
        teams: tuple[TeamPlan, ...],
        lifecycle_configs: tuple[LifecyclePlan, ...],
        idle_timeout_minutes: int,
        max_idle_timeout_minutes: int,
        team_defaults_name: Callable[[str, str, str], str],
        vpc: ec2.IVpc,
        security_group: ec2.ISecurityGroup,
        datasets: s3.IBucket,
        artifacts: s3.IBucket,
        key: kms.IKey,
        retention: Retention,
        mlflow_server_arn: str | None = None,
        **stack_props: Any,
    ) -> None:
        super().__init__(scope, construct_id, **stack_props)
        subnets = vpc.isolated_subnets
        self.default_role = iam.Role(
            self,
            "DefaultExecutionRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description="Studio domain default: no data access; every user profile runs as its team's role",
        )
        self.optional_configs = [
            StudioLifecycleConfig(
                self, f"Lifecycle-{spec.key}", name=spec.name, app_type=spec.app_type, script=spec.script
            )
            for spec in lifecycle_configs
        ]
        self.domain = StudioDomain(
            self,
            "Domain",
            domain_name=domain_name,
            vpc=vpc,
            subnets=subnets,
            security_group=security_group,
            key=key,
            default_role=self.default_role,
            idle_timeout_minutes=idle_timeout_minutes,
            max_idle_timeout_minutes=max_idle_timeout_minutes,
            lifecycle_configs=self.optional_configs,
            retention=retention,
        )
        pin_logical_id(self.domain.resource, LOGICAL_IDS["domain"])

        teardown = StudioTeardownProvider(
            self, "Teardown", domain_id=self.domain.domain_id, key=key, retention=retention
        )
        self.teardown_token = teardown.service_token
        pin_logical_id(teardown.log_group, LOGICAL_IDS["teardown_logs"])
        domain_teardown = StudioTeardown(
            self,
            "DomainTeardown",
            service_token=self.teardown_token,
            domain_id=self.domain.domain_id,
            user_profile_name=None,
            retain=retention.retain,
        )
        domain_teardown.node.add_dependency(self.domain.resource)

        guardrails = TeamGuardrails(self, "TeamGuardrails", key=key, subnets=subnets, security_group=security_group)
        self.team_roles: dict[str, TeamExecutionRole] = {}
        self.team_defaults: dict[str, dict[str, str]] = {}
        for team in teams:
            role = TeamExecutionRole(
                self,
                f"Team-{team.name}",
                team=team.name,
                datasets=datasets,
                artifacts=artifacts,
                key=key,
                subnets=subnets,
                security_group=security_group,
                domain_id=self.domain.domain_id,
                guardrails=guardrails.policy,
                model_package_group_names=team.model_package_groups,
                pipeline_prefix=team.pipeline_prefix,
                mlflow_server_arn=mlflow_server_arn,
                published_repositories=team.published_repositories,
            )
            defaults = TeamStudioDefaults(
                self,
                f"TeamDefaults-{team.name}",
                team=team.name,
                artifacts=artifacts,
                key=key,
                subnets=subnets,
                security_group=security_group,
                name_for=partial(team_defaults_name, team.name),
            )
            Tags.of(defaults).add("Team", team.name)
            self.team_roles[team.name] = role
            self.team_defaults[team.name] = {app: config_.arn for app, config_ in defaults.configs.items()}
            CfnOutput(
                self,
                f"ExecutionRoleArn-{team.name}",
                value=role.role.role_arn,
                description=f"Execution role of team {team.name}",
            )

        CfnOutput(self, "DomainId", value=self.domain.domain_id)
        CfnOutput(self, "DomainArn", value=self.domain.domain_arn)

    def optional_config_arns(self) -> dict[str, list[str]]:
        arns: dict[str, list[str]] = {}
        for config_ in self.optional_configs:
            arns.setdefault(config_.app_type, []).append(config_.arn)
        return arns
