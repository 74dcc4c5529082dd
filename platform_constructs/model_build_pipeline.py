"""A team's model-build CodePipeline: when training code changes, rerun its SageMaker Pipeline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from platform_constructs.acknowledge import acknowledge_in_packs
from platform_constructs.explained import add_to_role, explained
from platform_constructs.package_mirror import PackageMirror
from platform_constructs.stateful import Retention

BUILD_SCRIPT_DIR = Path(__file__).resolve().parents[1] / "model_build"
BYTECODE = ["__pycache__", "*.pyc"]
# The boto3 the build installs; tests keep it equal to requirements.txt.
BOTO3_VERSION = "1.44.5"
# Where the build runs the platform's own code: never the team's source folder, and always with
# `python3 -I`, so that nothing in the team's bundle (a `pip/` folder, a `boto3/` folder, a
# sitecustomize.py) can run with the build role's credentials.
WORK_DIR = "/tmp/platform-build"  # noqa: S108 - inside the build container, which holds one build


@dataclass(frozen=True)
class CodeSource:
    """A repository reached through AWS CodeConnections; None means the S3 source object."""

    connection_arn: str
    repository: str  # owner/name
    branch: str


def buildspec() -> dict[str, Any]:
    """The platform's buildspec. The team's bundle is data: only `code/` is uploaded and
    `pipeline.json` is read; no command runs from the bundle or with it on a Python path."""
    login = (
        'aws codeartifact login --tool pip --domain "$PACKAGE_DOMAIN" --domain-owner "$PACKAGE_DOMAIN_OWNER" '
        '--repository "$PACKAGE_REPOSITORY"'
    )
    run = (
        f'cd {WORK_DIR} && python3 -I {WORK_DIR}/script/run_pipeline.py --pipeline-name "$PIPELINE_NAME" '
        '--code-dir "$CODEBUILD_SRC_DIR/code" --code-uri-prefix "$CODE_URI_PREFIX" '
        '--commit "$CODEBUILD_RESOLVED_SOURCE_VERSION" --repository "$SOURCE_REPOSITORY" '
        '--timeout-minutes "$TIMEOUT_MINUTES" "${definition[@]}"'
    )
    return {
        "version": "0.2",
        "env": {"shell": "bash"},
        "phases": {
            "install": {
                "commands": [
                    f"mkdir -p {WORK_DIR}",
                    login,
                    f"cd {WORK_DIR} && python3 -I -m pip install --quiet --disable-pip-version-check "
                    f"boto3=={BOTO3_VERSION}",
                ]
            },
            "pre_build": {
                "commands": [
                    f'aws s3 cp "$BUILD_SCRIPT_URI" {WORK_DIR}/script.zip',
                    f"cd {WORK_DIR} && python3 -I -m zipfile -e script.zip script",
                ]
            },
            "build": {
                "commands": [
                    'definition=(); if [ -f "$CODEBUILD_SRC_DIR/pipeline.json" ]; then '
                    'definition=(--definition "$CODEBUILD_SRC_DIR/pipeline.json" --role-arn "$PIPELINE_ROLE_ARN"); fi',
                    run,
                ]
            },
        },
    }


class ModelBuildPipeline(Construct):
    """CodePipeline V2: Source -> Build. The build (model_build/run_pipeline.py, a CodeBuild
    asset) publishes the code under its commit, upserts the SageMaker Pipeline when the source
    carries a `pipeline.json`, starts it with the commit as a parameter, waits, and fails when the
    execution fails.

    Source: a versioned, KMS-encrypted object `<team>/model-build/source.zip` in the artifacts
    bucket (an upload starts the pipeline through EventBridge; the object's version id is the
    "commit"), or a CodeConnections repository and branch. CodeBuild runs in the isolated subnets
    (no internet; packages come from the CodeArtifact mirror), with no privileged mode, the
    platform key and logs with retention. Its role may start and watch only this SageMaker
    Pipeline, write only the team's code prefix, read only the team's own pipeline-artifact
    bucket, and pass only the team's role, only to SageMaker.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        team: str,
        sagemaker_pipeline_name: str,
        grant_pass_team_role: Callable[[iam.IGrantable], iam.Grant],
        team_role_arn: str,
        artifacts: s3.IBucket,
        pipeline_artifacts: s3.IBucket,
        key: kms.IKey,
        vpc: ec2.IVpc,
        security_group: ec2.ISecurityGroup,
        mirror: PackageMirror,
        source: CodeSource | None,
        timeout_minutes: int,
        retention: Retention,
    ) -> None:
        super().__init__(scope, construct_id)
        source_output = codepipeline.Artifact("Source")
        self.source_key = f"{team}/model-build/source.zip"
        source_action, repository = self._source(artifacts, source, source_output)
        code_prefix = f"{team}/pipelines/reference/code"
        self.log_group = logs.LogGroup(
            self,
            "BuildLogs",
            encryption_key=key,
            retention=logs.RetentionDays.ONE_YEAR,
            removal_policy=retention.removal_policy,
        )
        script = s3_assets.Asset(self, "BuildScript", path=str(BUILD_SCRIPT_DIR), exclude=BYTECODE)
        variables = {
            "PIPELINE_NAME": sagemaker_pipeline_name,
            "PIPELINE_ROLE_ARN": team_role_arn,
            "CODE_URI_PREFIX": f"s3://{artifacts.bucket_name}/{code_prefix}",
            "SOURCE_REPOSITORY": repository,
            "TIMEOUT_MINUTES": str(timeout_minutes),
            "BUILD_SCRIPT_URI": script.s3_object_url,
            "PACKAGE_DOMAIN": mirror.domain_name,
            "PACKAGE_DOMAIN_OWNER": mirror.domain_owner,
            "PACKAGE_REPOSITORY": mirror.repository_name,
        }
        self.project = codebuild.PipelineProject(
            self,
            "Build",
            description=f"Runs the SageMaker Pipeline {sagemaker_pipeline_name} for a change of {team}'s code",
            environment=codebuild.BuildEnvironment(
                build_image=codebuild.LinuxBuildImage.STANDARD_7_0,
                compute_type=codebuild.ComputeType.SMALL,
                privileged=False,
            ),
            vpc=vpc,
            subnet_selection=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            security_groups=[security_group],
            encryption_key=key,
            timeout=Duration.minutes(timeout_minutes + 10),
            logging=codebuild.LoggingOptions(cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=self.log_group)),
            environment_variables={name: codebuild.BuildEnvironmentVariable(value=v) for name, v in variables.items()},
            build_spec=codebuild.BuildSpec.from_object(buildspec()),
        )
        acknowledge_in_packs(
            self.project,
            "CodeBuildProjectSourceRepoUrl",
            "the source is CodePipeline's artifact: the project holds no repository URL or credentials",
        )
        role = self.project.role
        assert role is not None
        self._grant_build(role, script, artifacts, key, code_prefix, sagemaker_pipeline_name, mirror)
        grant_pass_team_role(role)

        self.pipeline = codepipeline.Pipeline(
            self,
            "Pipeline",
            pipeline_type=codepipeline.PipelineType.V2,
            artifact_bucket=pipeline_artifacts,
            restart_execution_on_update=False,
            stages=[
                codepipeline.StageProps(stage_name="Source", actions=[source_action]),
                codepipeline.StageProps(
                    stage_name="Build",
                    actions=[
                        actions.CodeBuildAction(
                            action_name="RunSageMakerPipeline", project=self.project, input=source_output
                        )
                    ],
                ),
            ],
        )
        if source is not None:
            self._grant_connection(source)
        if source is None:
            events.Rule(
                self,
                "SourceUploaded",
                description=f"A new version of {team}'s training code source object",
                event_pattern=events.EventPattern(
                    source=["aws.s3"],
                    detail_type=["Object Created"],
                    detail={"bucket": {"name": [artifacts.bucket_name]}, "object": {"key": [self.source_key]}},
                ),
                targets=[targets.CodePipeline(self.pipeline)],
            )

    def _grant_connection(self, source: CodeSource) -> None:
        """CDK grants the source action the connection under its former prefix
        (codestar-connections:UseConnection); connections created as `codeconnections` ARNs are
        authorized as codeconnections:UseConnection, so the action role gets both."""
        role = (
            self.pipeline.node.find_child("Source").node.find_child("Source").node.find_child("CodePipelineActionRole")
        )
        assert isinstance(role, iam.Role)
        add_to_role(
            role,
            explained(
                sid="UseTheTeamsConnection",
                actions=["codeconnections:UseConnection"],
                resources=[source.connection_arn],
            ),
        )

    def _source(
        self, artifacts: s3.IBucket, source: CodeSource | None, output: codepipeline.Artifact
    ) -> tuple[codepipeline.IAction, str]:
        if source is None:
            action: codepipeline.IAction = actions.S3SourceAction(
                action_name="Source",
                bucket=artifacts,
                bucket_key=self.source_key,
                output=output,
                trigger=actions.S3Trigger.NONE,  # an EventBridge rule starts the pipeline
            )
            return action, f"s3://{artifacts.bucket_name}/{self.source_key}"
        owner, name = source.repository.split("/", 1)
        action = actions.CodeStarConnectionsSourceAction(
            action_name="Source",
            connection_arn=source.connection_arn,
            owner=owner,
            repo=name,
            branch=source.branch,
            output=output,
            trigger_on_push=True,
        )
        return action, f"{source.repository}@{source.branch}"

    def _grant_build(
        self,
        role: iam.IRole,
        script: s3_assets.Asset,
        artifacts: s3.IBucket,
        key: kms.IKey,
        code_prefix: str,
        pipeline_name: str,
        mirror: PackageMirror,
    ) -> None:
        add_to_role(
            role,
            explained(
                sid="ReadTheBuildScript",
                actions=["s3:GetObject"],
                resources=[script.bucket.arn_for_objects(script.s3_object_key)],
            ),
        )
        code = artifacts.arn_for_objects(f"{code_prefix}/*")
        add_to_role(
            role,
            explained(
                sid="PublishTheTeamCode",
                actions=["s3:PutObject", "s3:AbortMultipartUpload"],
                resources=[code],
                why={code: "the team's published code, one folder per commit (named at build time)"},
            ),
            explained(
                sid="EncryptThePublishedCode",
                actions=["kms:GenerateDataKey", "kms:Encrypt"],
                resources=[key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{Stack.of(self).region}.amazonaws.com"}},
            ),
        )
        pipeline_arn = Stack.of(self).format_arn(service="sagemaker", resource="pipeline", resource_name=pipeline_name)
        executions = f"{pipeline_arn}/execution/*"
        add_to_role(
            role,
            explained(
                sid="UpsertStartAndWatchTheTeamPipeline",
                actions=[
                    "sagemaker:DescribePipeline",
                    "sagemaker:CreatePipeline",
                    "sagemaker:UpdatePipeline",
                    "sagemaker:StartPipelineExecution",
                    "sagemaker:StopPipelineExecution",
                    "sagemaker:DescribePipelineExecution",
                    "sagemaker:ListPipelineExecutionSteps",
                    "sagemaker:AddTags",
                ],
                resources=[pipeline_arn, executions],
                why={executions: "execution ids are generated at start; limited to this pipeline's executions"},
            ),
        )
        mirror.grant_install(role)
