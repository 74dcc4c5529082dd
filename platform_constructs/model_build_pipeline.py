"""A team's model-build CodePipeline: when training code changes, rerun its SageMaker Pipeline."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from platform_config.schema import CodeConnectionSource
from platform_constructs.compliance import PACKS, acknowledge
from platform_constructs.stateful import Retention

BUILD_SCRIPT_DIR = Path(__file__).resolve().parents[1] / "model_build"
BYTECODE = ["__pycache__", "*.pyc"]
# The boto3 the build installs; tests/test_model_build.py keeps it equal to requirements.txt.
BOTO3_VERSION = "1.44.5"


class ModelBuildPipeline(Construct):
    """CodePipeline V2: Source -> Build. The build (model_build/run_pipeline.py, a CodeBuild
    asset) publishes the code under its commit, upserts the SageMaker Pipeline when the source
    carries a `pipeline.json`, starts it with the commit as a parameter, waits, and fails when the
    execution fails.

    Source: a versioned, KMS-encrypted object `<team>/model-build/source.zip` in the artifacts
    bucket (an upload starts the pipeline through EventBridge; the object's version id is the
    "commit"), or a CodeConnections repository and branch. CodeBuild: no privileged mode, the
    platform key, logs with retention, a role limited to this SageMaker Pipeline, the team's
    code prefix and passing the team's role to SageMaker.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        team: str,
        sagemaker_pipeline_name: str,
        team_role: iam.IRole,
        artifacts: s3.IBucket,
        pipeline_artifacts: s3.IBucket,
        key: kms.IKey,
        source: CodeConnectionSource | None,
        timeout_minutes: int,
        retention: Retention,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        source_output = codepipeline.Artifact("Source")
        self.source_key = f"{team}/model-build/source.zip"
        if source is None:
            source_action: codepipeline.IAction = actions.S3SourceAction(
                action_name="Source",
                bucket=artifacts,
                bucket_key=self.source_key,
                output=source_output,
                trigger=actions.S3Trigger.NONE,  # an EventBridge rule below starts the pipeline
            )
            repository = f"s3://{artifacts.bucket_name}/{self.source_key}"
        else:
            owner, name = source.repository.split("/", 1)
            source_action = actions.CodeStarConnectionsSourceAction(
                action_name="Source",
                connection_arn=source.connection_arn,
                owner=owner,
                repo=name,
                branch=source.branch,
                output=source_output,
                trigger_on_push=True,
            )
            repository = f"{source.repository}@{source.branch}"

        code_prefix = f"{team}/pipelines/reference/code"
        self.log_group = logs.LogGroup(
            self,
            "BuildLogs",
            encryption_key=key,
            retention=logs.RetentionDays.ONE_YEAR,
            removal_policy=retention.removal_policy,
        )
        script = s3_assets.Asset(self, "BuildScript", path=str(BUILD_SCRIPT_DIR), exclude=BYTECODE)
        self.project = codebuild.PipelineProject(
            self,
            "Build",
            description=f"Runs the SageMaker Pipeline {sagemaker_pipeline_name} for a change of {team}'s code",
            environment=codebuild.BuildEnvironment(
                build_image=codebuild.LinuxBuildImage.STANDARD_7_0,
                compute_type=codebuild.ComputeType.SMALL,
                privileged=False,
            ),
            encryption_key=key,
            timeout=Duration.minutes(timeout_minutes + 10),
            logging=codebuild.LoggingOptions(cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=self.log_group)),
            environment_variables={
                name: codebuild.BuildEnvironmentVariable(value=value)
                for name, value in {
                    "PIPELINE_NAME": sagemaker_pipeline_name,
                    "PIPELINE_ROLE_ARN": team_role.role_arn,
                    "CODE_URI_PREFIX": f"s3://{artifacts.bucket_name}/{code_prefix}",
                    "SOURCE_REPOSITORY": repository,
                    "TIMEOUT_MINUTES": str(timeout_minutes),
                    "BUILD_SCRIPT_URI": script.s3_object_url,
                }.items()
            },
            build_spec=codebuild.BuildSpec.from_object(
                {
                    "version": "0.2",
                    "env": {"shell": "bash"},
                    "phases": {
                        "install": {
                            "commands": [
                                f"python3 -m pip install --quiet --disable-pip-version-check boto3=={BOTO3_VERSION}",
                            ]
                        },
                        "pre_build": {
                            "commands": [
                                'aws s3 cp "$BUILD_SCRIPT_URI" /tmp/build-script.zip',
                                "python3 -m zipfile -e /tmp/build-script.zip /tmp/build-script",
                            ]
                        },
                        "build": {
                            "commands": [
                                "definition=(); if [ -f pipeline.json ]; then definition=(--definition pipeline.json "
                                '--role-arn "$PIPELINE_ROLE_ARN"); fi',
                                'python3 /tmp/build-script/run_pipeline.py --pipeline-name "$PIPELINE_NAME" '
                                '--code-dir code --code-uri-prefix "$CODE_URI_PREFIX" '
                                '--commit "$CODEBUILD_RESOLVED_SOURCE_VERSION" --repository "$SOURCE_REPOSITORY" '
                                '--timeout-minutes "$TIMEOUT_MINUTES" "${definition[@]}"',
                            ]
                        },
                    },
                }
            ),
        )
        for pack in PACKS:
            acknowledge(
                self.project,
                f"{pack}-CodeBuildProjectSourceRepoUrl",
                "the source is CodePipeline's artifact: the project holds no repository URL or credentials",
            )
        script.grant_read(self.project)
        artifacts.grant_put(self.project, f"{code_prefix}/*")
        pipeline_arn = stack.format_arn(service="sagemaker", resource="pipeline", resource_name=sagemaker_pipeline_name)
        self.project.add_to_role_policy(
            iam.PolicyStatement(
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
                resources=[pipeline_arn, f"{pipeline_arn}/execution/*"],
            )
        )
        self.project.add_to_role_policy(
            iam.PolicyStatement(
                sid="PassTheTeamRoleToSageMaker",
                actions=["iam:PassRole"],
                resources=[team_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            )
        )

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
                            action_name="RunSageMakerPipeline",
                            project=self.project,
                            input=source_output,
                        )
                    ],
                ),
            ],
        )
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
