"""One environment-region of the platform: a Stage, so `cdk deploy 'dev-us-east-1/*'` works."""

from __future__ import annotations

from aws_cdk import App, CfnResource, CfnWaitConditionHandle, Environment, Stack, Stage, Tags
from aws_cdk import aws_iam as iam
from constructs import Construct

from platform_config.endpoint_catalog import endpoints_for_names
from platform_config.naming import Naming, StackKind
from platform_config.placement import place_users
from platform_config.schema import CodeConnectionSource, EnvironmentConfig, PlatformConfig, RegionConfig
from platform_constructs.model_build_pipeline import CodeSource
from platform_constructs.stateful import Retention
from stacks.data_stack import DataStack
from stacks.guardrails_stack import GuardrailsStack
from stacks.model_build_stack import ModelBuildStack, TeamBuild
from stacks.network_stack import NetworkStack
from stacks.pipelines_stack import PipelinesStack
from stacks.registry_stack import RegistryStack
from stacks.studio_stack import StudioStack
from stacks.user_profiles_stack import UserProfilesStack


class PlatformStage(Stage):
    """Composes the stacks of one (environment, region) and wires them; builds nothing itself."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        environment: EnvironmentConfig,
        region: RegionConfig,
    ) -> None:
        super().__init__(scope, construct_id, env=Environment(account=environment.account, region=region.name))
        naming = Naming(config.project, environment.name)
        retention = Retention(retain=environment.retain_stateful)
        where = f"{config.project} {environment.name} {region.name}"

        def stack_props(kind: StackKind, what: str) -> dict[str, object]:
            return {
                "stack_name": naming.stack_name(kind),
                "description": f"{where}: {what}",
                # A retained environment must not be deletable by one mistaken `cdk destroy`.
                "termination_protection": environment.retain_stateful,
            }

        boundary_name = naming.permissions_boundary_name(region.name)
        self.guardrails = GuardrailsStack(
            self,
            "Guardrails",
            boundary_name=boundary_name,
            project=config.project,
            environment=environment.name,
            disposable=not environment.retain_stateful,
            **stack_props(StackKind.GUARDRAILS, "permissions boundary of every platform role"),
        )
        pipeline_teams = _pipeline_teams(config)
        build_teams = pipeline_teams if config.model_build.enabled else ()
        self.data = DataStack(
            self,
            "Data",
            key_alias=naming.kms_alias(),
            retention=retention,
            settings=config.data,
            build_teams=build_teams,
            model_readers=_model_readers(config),
            eventbridge_topics=bool(config.model_groups),
            **stack_props(StackKind.DATA, "platform key, datasets, artifacts and access-log buckets"),
        )
        self.network = NetworkStack(
            self,
            "Network",
            vpc_cidr=region.vpc_cidr,
            az_count=region.az_count,
            endpoint_names=_endpoint_names(config, environment, region, builds=bool(build_teams)),
            flow_log_key=self.data.key,
            flow_log_retention_days=config.network.flow_log_retention_days,
            retention=retention,
            **stack_props(StackKind.NETWORK, "isolated VPC, service endpoints, flow logs, Studio security group"),
        )
        self.registry = RegistryStack(
            self,
            "Registry",
            config=config,
            naming=naming,
            artifacts=self.data.artifacts,
            key=self.data.key,
            retention=retention,
            **stack_props(StackKind.REGISTRY, "model package groups, experiments, MLflow tracking server"),
        )
        self.studio = StudioStack(
            self,
            "Studio",
            config=config,
            naming=naming,
            vpc=self.network.vpc,
            security_group=self.network.studio_security_group,
            datasets=self.data.datasets,
            artifacts=self.data.artifacts,
            key=self.data.key,
            retention=retention,
            mlflow_server_arn=self.registry.mlflow.server_arn if self.registry.mlflow else None,
            **stack_props(StackKind.STUDIO, "Studio domain, team roles, lifecycle configs, teardown"),
        )
        team_of = {user: team.name for team in config.teams for user in team.users}
        self.user_stacks = []
        for index, users in place_users(config.all_users, config.studio.user_profile_stacks).items():
            self.user_stacks.append(
                UserProfilesStack(
                    self,
                    naming.user_stack_id(index),
                    studio=self.studio,
                    members=[(user, team_of[user]) for user in users],
                    security_group_id=self.network.studio_security_group.security_group_id,
                    retain=environment.retain_stateful,
                    stack_name=naming.user_stack_name(index),
                    description=f"{where}: Studio user profiles, share {index} of {config.studio.user_profile_stacks}",
                    termination_protection=environment.retain_stateful,
                )
            )

        self.pipelines = PipelinesStack(
            self,
            "Pipelines",
            config=config,
            environment=environment,
            region=region.name,
            naming=naming,
            studio=self.studio,
            registry=self.registry,
            subnets=self.network.vpc.isolated_subnets,
            security_group=self.network.studio_security_group,
            datasets=self.data.datasets,
            artifacts=self.data.artifacts,
            key=self.data.key,
            **stack_props(StackKind.PIPELINES, "reference SageMaker Pipelines, model approval notifications"),
        )
        self.pipelines.add_stack_dependency(self.registry)
        stacks = [self.data, self.network, self.registry, self.studio, *self.user_stacks, self.pipelines]
        self.model_build: ModelBuildStack | None = None
        if build_teams:
            builds = tuple(
                TeamBuild(
                    team=team.name,
                    sagemaker_pipeline_name=self.pipelines.pipelines[team.name].pipeline_name,
                    team_role_arn=self.studio.team_roles[team.name].role_arn,
                    grant_pass_team_role=self.studio.team_execution_roles[team.name].grant_pass_to_sagemaker,
                    source=_code_source(team.model_build_source),
                )
                for team in config.teams
                if team.name in build_teams
            )
            self.model_build = ModelBuildStack(
                self,
                "ModelBuild",
                builds=builds,
                artifacts=self.data.artifacts,
                pipeline_artifacts=self.data.pipeline_artifacts,
                key=self.data.key,
                vpc=self.network.vpc,
                security_group=self.network.studio_security_group,
                package_domain_name=naming.package_domain_name(),
                timeout_minutes=config.model_build.timeout_minutes,
                retention=retention,
                **stack_props(StackKind.MODEL_BUILD, "model-build CodePipelines that rerun the reference pipelines"),
            )
            stacks.append(self.model_build)

        for stack in [self.guardrails, *stacks]:
            _never_empty(stack)
            # Read by the Guard rule STATEFUL_RETAINED (policy/sagemaker.guard).
            stack.template_options.metadata = {"ExperimentPlatform": {"RetainStateful": environment.retain_stateful}}
        for stack in stacks:
            stack.add_stack_dependency(self.guardrails)
            _apply_boundary(stack, boundary_name)

        # Stable values only: a tag that changes per commit would replace the Studio domain.
        Tags.of(self).add("Project", config.project)
        Tags.of(self).add("Environment", environment.name)
        Tags.of(self).add("Team", "platform")


# What enabled features need to work without internet, whatever the endpoint profile says.
MLFLOW_ENDPOINTS = ("sagemaker-experiments",)
MODEL_BUILD_ENDPOINTS = ("sagemaker-api", "logs", "codeartifact-api", "codeartifact-repositories")


def _endpoint_names(
    config: PlatformConfig, environment: EnvironmentConfig, region: RegionConfig, *, builds: bool
) -> tuple[str, ...]:
    """The region's endpoint selection, plus what enabled features need."""
    names = environment.endpoints_in(region)
    needed = (MLFLOW_ENDPOINTS if config.mlflow.enabled else ()) + (MODEL_BUILD_ENDPOINTS if builds else ())
    return endpoints_for_names((*names, *needed))


def _pipeline_teams(config: PlatformConfig) -> tuple[str, ...]:
    """Teams with a reference pipeline: it needs a model group to register into."""
    if not config.reference_pipeline.enabled:
        return ()
    return tuple(team.name for team in config.teams if config.groups_of(team.name))


def _model_readers(config: PlatformConfig) -> dict[str, tuple[str, ...]]:
    """Per team, the consumer accounts of its model groups (they read its model artifacts)."""
    readers: dict[str, set[str]] = {}
    for group in config.model_groups:
        readers.setdefault(group.team, set()).update(group.consumer_accounts)
    return {team: tuple(sorted(accounts)) for team, accounts in readers.items() if accounts}


def _code_source(source: CodeConnectionSource | None) -> CodeSource | None:
    if source is None:
        return None
    return CodeSource(connection_arn=source.connection_arn, repository=source.repository, branch=source.branch)


def _never_empty(stack: Stack) -> None:
    """CloudFormation refuses a template without resources. A stack with nothing to hold yet (a
    user share no user hashes to, a registry with no groups) keeps a no-op placeholder, so the
    set of stacks, and where things are placed, stays the same as config grows."""
    if not any(isinstance(node, CfnResource) for node in stack.node.find_all()):
        CfnWaitConditionHandle(stack, "EmptyStack")


def _apply_boundary(stack: Stack, boundary_name: str) -> None:
    """Every role in the stack, CDK's own provider roles included, gets the platform boundary."""
    boundary = iam.ManagedPolicy.from_managed_policy_name(stack, "PermissionsBoundary", boundary_name)
    iam.PermissionsBoundary.of(stack).apply(boundary)


def add_platform_stages(app: App, config: PlatformConfig) -> list[PlatformStage]:
    """One Stage per (environment, region): adding a region is a config change only."""
    return [
        PlatformStage(
            app, Naming(config.project, env.name).stage_id(region.name), config=config, environment=env, region=region
        )
        for env in config.environments
        for region in env.regions
    ]
