"""The platform's own delivery pipeline (CDK Pipelines, self-mutating), in a tooling account."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack, pipelines
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from constructs import Construct

from platform_config.schema import PlatformConfig
from platform_constructs.acknowledge import PACKS, acknowledge
from platform_constructs.explained import explained, record
from platform_constructs.permissions_boundary import DENIED
from stacks.platform_stage import PlatformStage
from stacks.stage_plan import plan_stages

PIPELINE_EXCEPTIONS = {
    "CodeBuildProjectSourceRepoUrl": "CDK Pipelines projects take their source from the pipeline: no repository URL",
    "S3BucketLoggingEnabled": "CDK Pipelines' artifact bucket holds transient build outputs; CloudTrail records access",
    "S3BucketReplicationEnabled": "transient pipeline artifacts, recreated by every run: nothing to replicate",
    "S3BucketVersioningEnabled": "CDK Pipelines writes each run's artifacts under new keys; nothing is overwritten",
}

CDK_CLI_VERSION = "2.1148.1"  # the package.json pin: never let the pipeline take npm's `latest`


class DeliveryStack(Stack):
    """Source (CodeConnections) -> synth with the README's command -> self-mutate -> one wave per
    environment in config order, its regions deployed side by side, a manual approval first when
    the environment retains its state. Cross-account: target accounts are bootstrapped with
    `--trust <delivery account>` (README, "Platform delivery")."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: PlatformConfig, config_path: str, **stack_props: Any
    ) -> None:
        super().__init__(scope, construct_id, **stack_props)
        delivery = config.delivery
        if delivery is None:
            raise ValueError("DeliveryStack needs the config's delivery section")
        source = pipelines.CodePipelineSource.connection(
            delivery.source.repository, delivery.source.branch, connection_arn=delivery.source.connection_arn
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name=f"{config.project}-platform-delivery",
            synth=pipelines.ShellStep(
                "Synth", input=source, commands=[f"make synth CONFIG={config_path}"], primary_output_directory="cdk.out"
            ),
            cross_account_keys=True,  # stages deploy into other accounts
            enable_key_rotation=True,
            self_mutation=True,
            cli_version=CDK_CLI_VERSION,
            code_build_defaults=pipelines.CodeBuildOptions(
                build_environment=codebuild.BuildEnvironment(
                    build_image=codebuild.LinuxBuildImage.STANDARD_7_0, privileged=False
                )
            ),
        )
        self._guard_roles(config, delivery.account)
        self.waves: dict[str, pipelines.Wave] = {}
        for environment in config.environments:
            pre: list[pipelines.Step] = []
            if environment.retain_stateful:
                pre.append(
                    pipelines.ManualApprovalStep(
                        f"Approve-{environment.name}",
                        comment=f"{environment.name} retains its data: review the change set and the replacement guard",
                    )
                )
            wave = self.pipeline.add_wave(environment.name, pre=pre)
            for plan in plan_stages(config):
                if plan.environment is environment:
                    wave.add_stage(PlatformStage(self, plan.stage_id, plan=plan))
            self.waves[environment.name] = wave
        self._acknowledge_replication_buckets()

    def _acknowledge_replication_buckets(self) -> None:
        """A wave into another region makes CodePipeline add a support stack there, with a bucket
        that carries artifacts across; it exists only once the pipeline is built."""
        self.pipeline.build_pipeline()
        for support in self.pipeline.pipeline.cross_region_support.values():
            for pack in PACKS:
                for rule in ("S3BucketLoggingEnabled", "S3BucketReplicationEnabled", "S3BucketVersioningEnabled"):
                    acknowledge(support.replication_bucket, f"{pack}-{rule}", PIPELINE_EXCEPTIONS[rule])
            acknowledge(support.replication_bucket, "AwsSolutions-S1", PIPELINE_EXCEPTIONS["S3BucketLoggingEnabled"])

    def _guard_roles(self, config: PlatformConfig, account: str) -> None:
        """The tooling account has no platform boundary: the delivery roles get their own. CDK
        Pipelines decides what its roles need (asset publishing, self-mutation, deploy roles in
        target accounts), so it allows broadly and denies the escalation paths."""
        services = explained(
            sid="DeliveryPipelineServices",
            actions=["*"],
            resources=["*"],
            why={
                "*": "the delivery boundary caps CDK Pipelines roles, whose needs CDK decides; it grants nothing "
                "itself and denies the escalation paths below"
            },
        )
        boundary = iam.ManagedPolicy(
            self,
            "DeliveryBoundary",
            description="Permissions boundary of the platform delivery pipeline's roles",
            statements=[
                services,
                *[
                    iam.PolicyStatement(sid=sid, effect=iam.Effect.DENY, actions=actions, resources=["*"])
                    for sid, actions in DENIED.items()
                    if sid != "NoStatefulSageMakerDeletes"
                ],
            ],
        )
        record(boundary, services)
        iam.PermissionsBoundary.of(self).apply(boundary)
        reason = "the delivery boundary caps CDK Pipelines roles, whose needs CDK decides; it grants nothing itself"
        for pack in PACKS:
            acknowledge(boundary, f"{pack}-IAMPolicyNoStatementsWithAdminAccess", reason)
            acknowledge(boundary, f"{pack}-IAMPolicyNoStatementsWithFullAccess", reason)
            for rule, why in PIPELINE_EXCEPTIONS.items():
                acknowledge(self.pipeline, f"{pack}-{rule}", why)
        acknowledge(self.pipeline, "AwsSolutions-S1", PIPELINE_EXCEPTIONS["S3BucketLoggingEnabled"])
