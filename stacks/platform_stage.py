"""One environment-region of the platform: a Stage, so `cdk deploy 'dev-us-east-1/*'` works."""

from __future__ import annotations

from aws_cdk import App, Aws, CfnResource, CfnWaitConditionHandle, Environment, Stack, Stage, Tags
from aws_cdk import aws_iam as iam
from constructs import Construct

from platform_config.image_uris import published_image, repository_arn
from platform_config.naming import StackKind
from platform_config.schema import PlatformConfig
from platform_constructs.batch_pipeline import BatchPipelineInputs
from platform_constructs.batch_pipeline_construct import BatchTransformPipeline
from platform_constructs.deploy_pipeline import DeployTarget
from platform_constructs.serving_alerts import TIERS, ServingAlerts
from platform_constructs.serving_role import ServingRole, serving_prefix
from serving.release import VERSION_ARN, Release
from stacks.data_stack import DataStack
from stacks.deploy_stack import DeployStack
from stacks.guardrails_stack import GuardrailsStack
from stacks.model_build_stack import ModelBuildStack, TeamBuild
from stacks.network_stack import NetworkStack
from stacks.pipeline_infrastructure import PipelineInfrastructure
from stacks.pipelines_stack import JobSettings, PipelinesStack, TeamPipeline
from stacks.registry_stack import RegistryStack
from stacks.serving_links import export_data, export_network, imported, imported_subnets
from stacks.serving_stack import ServingPlace, ServingStack
from stacks.stage_plan import StagePlan, plan_stages
from stacks.studio_stack import StudioStack
from stacks.user_profiles_stack import UserProfilesStack


class PlatformStage(Stage):
    """Composes the stacks of one (environment, region) and wires them; builds nothing itself.
    Every value a stack needs comes from the stage's plan or from another stack's resources."""

    def __init__(
        self, scope: Construct, construct_id: str, *, plan: StagePlan, releases: tuple[Release, ...] = ()
    ) -> None:
        super().__init__(scope, construct_id, env=Environment(account=plan.account, region=plan.region.name))
        config, naming, retention = plan.config, plan.naming, plan.retention
        boundary_name = naming.permissions_boundary_name(plan.region.name)
        self.guardrails = GuardrailsStack(
            self,
            "Guardrails",
            boundary_name=boundary_name,
            project=config.project,
            environment=plan.environment.name,
            disposable=not retention.retain,
            **plan.stack_props(StackKind.GUARDRAILS, "permissions boundary of every platform role"),
        )
        self.data = DataStack(
            self,
            "Data",
            key_alias=naming.kms_alias(),
            retention=retention,
            datasets=plan.data_lifecycle("datasets"),
            artifacts=plan.data_lifecycle("artifacts"),
            access_logs_expiration_days=config.data.access_logs_expiration_days,
            build_teams=plan.pipeline_teams,
            model_readers=plan.model_readers,
            eventbridge_topics=bool(plan.model_groups),
            **plan.stack_props(StackKind.DATA, "platform key, datasets, artifacts and access-log buckets"),
        )
        self.network = NetworkStack(
            self,
            "Network",
            vpc_cidr=plan.region.vpc_cidr,
            az_count=plan.region.az_count,
            endpoint_names=plan.endpoint_names,
            flow_log_key=self.data.key,
            flow_log_retention_days=config.network.flow_log_retention_days,
            retention=retention,
            **plan.stack_props(StackKind.NETWORK, "isolated VPC, service endpoints, flow logs, Studio security group"),
        )
        self.registry = RegistryStack(
            self,
            "Registry",
            groups=plan.model_groups,
            experiments=plan.experiments,
            approvers=config.registry.approvers,
            mlflow=plan.mlflow,
            artifacts=self.data.artifacts,
            key=self.data.key,
            retention=retention,
            **plan.stack_props(StackKind.REGISTRY, "model package groups, experiments, MLflow tracking server"),
        )
        self.studio = StudioStack(
            self,
            "Studio",
            domain_name=naming.domain_name(),
            teams=plan.teams,
            lifecycle_configs=plan.lifecycle_configs,
            idle_timeout_minutes=config.studio.idle_timeout_minutes,
            max_idle_timeout_minutes=config.studio.max_idle_timeout_minutes,
            team_defaults_name=naming.team_defaults_config_name,
            vpc=self.network.vpc,
            security_group=self.network.studio_security_group,
            datasets=self.data.datasets,
            artifacts=self.data.artifacts,
            key=self.data.key,
            retention=retention,
            mlflow_server_arn=self.registry.mlflow.server_arn if self.registry.mlflow else None,
            **plan.stack_props(StackKind.STUDIO, "Studio domain, team roles, lifecycle configs, teardown"),
        )
        self.user_stacks = self._user_stacks(plan)
        self.pipelines = self._pipelines(plan)
        stacks: list[Stack] = [self.data, self.network, self.registry, self.studio, *self.user_stacks, self.pipelines]
        self.model_build = self._model_build(plan)
        if self.model_build:
            stacks.append(self.model_build)
        self.serving_alerts = self._serving_base(plan)
        self.deploy = self._deploy(plan)
        if self.deploy:
            stacks.append(self.deploy)
        self.serving = self._serving(plan, releases)
        stacks += self.serving

        for stack in [self.guardrails, *stacks]:
            _never_empty(stack)
            # Read by the Guard rule STATEFUL_RETAINED (policy/sagemaker.guard).
            metadata: dict[str, object] = {"RetainStateful": retention.retain}
            if isinstance(stack, ServingStack):  # read by SAGEMAKER_PRODUCTION_INSTANCES
                metadata["ServingTier"] = stack.tier
            stack.template_options.metadata = {"ExperimentPlatform": metadata}
        for stack in stacks:
            stack.add_stack_dependency(self.guardrails)
            _apply_boundary(stack, boundary_name)

        # Stable values only: a tag that changes per commit would replace the Studio domain.
        Tags.of(self).add("Project", config.project)
        Tags.of(self).add("Environment", plan.environment.name)
        Tags.of(self).add("Team", "platform")

    def _user_stacks(self, plan: StagePlan) -> list[UserProfilesStack]:
        count = plan.config.studio.user_profile_stacks
        return [
            UserProfilesStack(
                self,
                plan.naming.user_stack_id(index),
                members=members,
                domain_id=self.studio.domain.domain_id,
                role_arns={team: role.role.role_arn for team, role in self.studio.team_roles.items()},
                team_defaults=self.studio.team_defaults,
                optional_configs=self.studio.optional_config_arns(),
                teardown_token=self.studio.teardown_token,
                security_group_id=self.network.studio_security_group.security_group_id,
                retain=plan.retention.retain,
                stack_name=plan.naming.user_stack_name(index),
                description=f"{plan.config.project} {plan.environment.name} {plan.region.name}: "
                f"Studio user profiles, share {index} of {count}",
                termination_protection=plan.retention.retain,
            )
            for index, members in plan.user_shares().items()
        ]

    def _pipelines(self, plan: StagePlan) -> PipelinesStack:
        settings = plan.config.reference_pipeline
        stack = PipelinesStack(
            self,
            "Pipelines",
            pipelines=tuple(
                TeamPipeline(
                    team=team.name,
                    name=team.reference_pipeline,
                    role_arn=self.studio.team_roles[team.name].role.role_arn,
                    model_package_group=team.model_package_groups[0],
                    options=team.reference,
                )
                for team in plan.teams
                if team.reference_pipeline and team.reference
            ),
            jobs=JobSettings(
                processing_instance_type=settings.processing_instance_type,
                training_instance_type=settings.training_instance_type,
                accuracy_threshold=settings.accuracy_threshold,
            ),
            notify_groups=tuple(group.name for group in plan.model_groups),
            notification_emails=plan.config.registry.notification_emails,
            subnets=self.network.vpc.isolated_subnets,
            security_group=self.network.studio_security_group,
            datasets=self.data.datasets,
            artifacts=self.data.artifacts,
            key=self.data.key,
            **plan.stack_props(StackKind.PIPELINES, "reference SageMaker Pipelines, model approval notifications"),
        )
        stack.add_stack_dependency(self.registry)
        return stack

    def _pipeline_infrastructure(self, plan: StagePlan) -> PipelineInfrastructure:
        return PipelineInfrastructure(
            artifacts=self.data.artifacts,
            pipeline_artifacts=self.data.pipeline_artifacts,
            key=self.data.key,
            vpc=self.network.vpc,
            security_group=self.network.studio_security_group,
            retention=plan.retention,
        )

    def _model_build(self, plan: StagePlan) -> ModelBuildStack | None:
        builds = tuple(
            TeamBuild(
                team=team.name,
                sagemaker_pipeline_name=self.pipelines.pipelines[team.name].pipeline_name,
                team_role_arn=self.studio.team_roles[team.name].role.role_arn,
                grant_pass_team_role=self.studio.team_roles[team.name].grant_pass_to_sagemaker,
                source=team.build_source,
            )
            for team in plan.teams
            if team.builds
        )
        if not builds:
            return None
        return ModelBuildStack(
            self,
            "ModelBuild",
            builds=builds,
            infrastructure=self._pipeline_infrastructure(plan),
            package_domain_name=plan.naming.package_domain_name(),
            timeout_minutes=plan.config.model_build.timeout_minutes,
            **plan.stack_props(StackKind.MODEL_BUILD, "model-build CodePipelines that rerun the reference pipelines"),
        )

    def _serving_base(self, plan: StagePlan) -> dict[str, ServingAlerts]:
        """What serving needs from the platform, present whenever a group is served (release or
        not), so that synthesizing a release never changes a platform template (stacks/serving_links.py)."""
        served = [group for group in plan.model_groups if group.serving is not None]
        if not served:
            return {}
        self.data.platform_key.allow_cloudwatch_alarms()
        export_data(self.data, plan.stage_id, self.data.artifacts, self.data.key)
        export_network(
            self.network, plan.stage_id, self.network.vpc.isolated_subnets, self.network.studio_security_group
        )
        for group in served:
            BatchTransformPipeline(
                self.pipelines,
                f"Batch-{group.key}",
                pipeline_name=plan.naming.batch_pipeline_name(group.team, group.key),
                inputs=BatchPipelineInputs(
                    team=group.team,
                    role_arn=self.studio.team_roles[group.team].role.role_arn,
                    key_arn=self.data.key.key_arn,
                    subnet_ids=[subnet.subnet_id for subnet in self.network.vpc.isolated_subnets],
                    security_group_id=self.network.studio_security_group.security_group_id,
                    artifacts_bucket=self.data.artifacts.bucket_name,
                    datasets_bucket=self.data.datasets.bucket_name,
                    model_package_group=group.name,
                    instance_type=group.serving.instance_type if group.serving else "ml.m5.large",
                    region=plan.region.name,
                    account=plan.account,
                ),
            )
            ServingRole(
                self.pipelines,
                f"ServingRole-{group.key}",
                role_name=plan.naming.serving_role_name(plan.region.name, group.key),
                team=group.team,
                artifacts_bucket_arn=self.data.artifacts.bucket_arn,
                serving_prefix=serving_prefix(group.team, group.name),
                key_arn=self.data.key.key_arn,
                published_repositories=(repository_arn(published_image("sklearn", plan.region.name), Aws.PARTITION),),
                subnet_ids=tuple(subnet.subnet_id for subnet in self.network.vpc.isolated_subnets),
                security_group_id=self.network.studio_security_group.security_group_id,
            )
        return {
            group.key: ServingAlerts(
                self.pipelines,
                f"ServingAlerts-{group.key}",
                topic_name=plan.naming.serving_topic_name(group.key),
                names=plan.alert_names(group),
                key=self.data.key,
                emails=plan.config.registry.notification_emails,
            )
            for group in served
            if group.serving is not None
        }

    def _deploy(self, plan: StagePlan) -> DeployStack | None:
        served = [group for group in plan.model_groups if group.serving is not None]
        if not served or self.model_build is None:
            return None
        naming = plan.naming
        targets = tuple(
            DeployTarget(
                group=group.name,
                group_key=group.key,
                team=group.team,
                variants=tuple(variant.name for variant in group.serving.variants),
                stage_id=plan.stage_id,
                config_path=plan.config_path,
                staging_stack=naming.serving_stack_name(group.key, "staging"),
                production_stack=naming.serving_stack_name(group.key, "production"),
                staging_endpoint=naming.endpoint_name(group.key, "staging"),
                production_endpoint=naming.endpoint_name(group.key, "production"),
                serving_role_arn=self.pipelines.format_arn(
                    service="iam",
                    region="",
                    resource="role",
                    resource_name=naming.serving_role_name(plan.region.name, group.key),
                ),
                smoke_payload=group.serving.smoke_payload,
                approve=plan.retention.retain,
            )
            for group in served
            if group.serving is not None
        )
        return DeployStack(
            self,
            "Deploy",
            targets=targets,
            infrastructure=self._pipeline_infrastructure(plan),
            mirror=self.model_build.mirror,
            **plan.stack_props(StackKind.DEPLOY, "deploy pipelines of the served model groups"),
        )

    def _serving(self, plan: StagePlan, releases: tuple[Release, ...]) -> list[Stack]:
        """A staging and a production serving stack per served group this stage has a release for."""
        built: list[Stack] = []
        for group in plan.model_groups:
            release = next((r for r in releases if r.group == group.name and _in_stage(r, plan)), None)
            if group.serving is None or release is None:
                continue
            for tier in TIERS:
                stack = ServingStack(
                    self,
                    f"Serving-{group.key}-{tier}",
                    group=group.name,
                    tier=tier,
                    release=release,
                    settings=group.serving,
                    place=self._serving_place(plan, group.team, group.key, plan.naming.endpoint_name(group.key, tier)),
                    topic_name=plan.naming.serving_topic_name(group.key),
                    stack_name=plan.naming.serving_stack_name(group.key, tier),
                    description=f"{plan.config.project} {plan.environment.name} {plan.region.name}: "
                    f"{group.key} served ({tier})",
                    termination_protection=plan.retention.retain and tier == "production",
                )
                stack.add_stack_dependency(self.pipelines)
                built.append(stack)
        return built

    def _serving_place(self, plan: StagePlan, team: str, group_key: str, endpoint_name: str) -> ServingPlace:
        bucket = imported(plan.stage_id, "artifacts-bucket")
        return ServingPlace(
            team=team,
            endpoint_name=endpoint_name,
            artifacts_bucket_name=bucket,
            artifacts_bucket_arn=f"arn:{Aws.PARTITION}:s3:::{bucket}",
            key_arn=imported(plan.stage_id, "key-arn"),
            subnet_ids=imported_subnets(plan.stage_id, plan.region.az_count),
            security_group_id=imported(plan.stage_id, "security-group-id"),
            analyzer_image_uri=published_image("model-monitor", plan.region.name).uri,
            role_name=plan.naming.serving_role_name(plan.region.name, group_key),
        )


def _in_stage(release: Release, plan: StagePlan) -> bool:
    """Versions are registered per region and account: a release serves only its own stage."""
    found = [VERSION_ARN.fullmatch(version.arn) for _, version in release.variants]
    return all(m is not None and (m["account"], m["region"]) == (plan.account, plan.region.name) for m in found)


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


def add_platform_stages(
    app: App, config: PlatformConfig, releases: tuple[Release, ...] = (), config_path: str = "config/sample.yaml"
) -> list[PlatformStage]:
    """One Stage per (environment, region): adding a region is a config change only. A release
    (the deploy pipeline's) adds the serving stacks of its group to the stage it was pinned in."""
    return [
        PlatformStage(app, plan.stage_id, plan=plan, releases=releases) for plan in plan_stages(config, config_path)
    ]
