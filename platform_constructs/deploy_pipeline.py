"""A served group's deploy pipeline: an approved version to a tested staging endpoint to production.

CodePipeline V2, started by the group's approval event:
  Source     the platform repository (`platform/source.zip` in the artifacts bucket, versioned)
  Release    CodeBuild: pin the newest approved version again (Approved, this group, not older
             than what is served: serving/pin_version.py), then synthesize the serving stacks
             offline for that release (`python app.py --release release.json`): the templates
             name the exact versions, so the change is reviewable as a `cdk diff`
  Staging    CloudFormation deploys the staging stack with the deploy role
  Smoke      CodeBuild in the isolated subnets invokes every staging variant through the VPC's
             runtime endpoint (serving/smoke_endpoint.py)
  Approve    a manual approval, in environments that retain their state (as the platform's
             delivery does)
  Production CloudFormation deploys the production stack: blue/green, rolled back on alarms

The deploy role (assumed by CloudFormation) may manage only this group's endpoints, models,
configs, monitors, alarms and rules, and pass only the platform's serving role; it creates no IAM.
Rolling back is deploying a previous version: README, "Serving".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import ArnFormat, Duration, Stack
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
from constructs import Construct

from platform_constructs.acknowledge import acknowledge_in_packs
from platform_constructs.explained import add_to_role, explained
from platform_constructs.model_build_pipeline import BOTO3_VERSION
from platform_constructs.package_mirror import PackageMirror
from platform_constructs.stateful import Retention

SOURCE_KEY = "platform/source.zip"
WORK = "/tmp/serving"  # noqa: S108 - inside the build container, which holds one build
SERVING_DIR = Path(__file__).resolve().parents[1] / "serving"


@dataclass(frozen=True)
class DeployTarget:
    """One served group of one stage, resolved by the stage."""

    group: str  # physical model package group name
    group_key: str  # the config's name
    team: str
    variants: tuple[str, ...]
    stage_id: str
    config_path: str
    staging_stack: str
    production_stack: str
    staging_endpoint: str
    production_endpoint: str
    serving_role_arn: str
    smoke_payload: str
    approve: bool  # a manual approval before production


def release_buildspec(target: DeployTarget) -> dict[str, Any]:
    current = (
        # No production stack yet: a first deploy (an empty current release); else what it serves.
        f'if ! aws cloudformation describe-stacks --stack-name "{target.production_stack}" >/dev/null 2>&1; '
        f"then : > {WORK}/current.json; else "
        f'.venv/bin/python -m serving.current_release --stack-name "{target.production_stack}" '
        f'--group "{target.group}" --variants "{",".join(target.variants)}" --region "$AWS_REGION" '
        f"--out {WORK}/current.json; fi"
    )
    pin = (
        f'.venv/bin/python -m serving.pin_version --group "{target.group}" --variants "{",".join(target.variants)}" '
        f'--current {WORK}/current.json --out release.json --region "$AWS_REGION" $PIN_ARGS'
    )
    collect = (
        ".venv/bin/python -m serving.collect_templates --assembly cdk.out --out templates "
        f'--stacks "{target.staging_stack},{target.production_stack}"'
    )
    return {
        "version": "0.2",
        "env": {"shell": "bash"},
        "phases": {
            "install": {
                "commands": [
                    f"mkdir -p {WORK}",
                    "python3 -m venv .venv && .venv/bin/python -m pip install --quiet -r requirements.txt",
                ]
            },
            "build": {
                "commands": [
                    current,
                    pin,
                    f'.venv/bin/python app.py "{target.config_path}" --release release.json',
                    collect,
                ]
            },
        },
        "artifacts": {"files": ["release.json", "templates/*"]},
    }


def smoke_buildspec(target: DeployTarget) -> dict[str, Any]:
    login = (
        'aws codeartifact login --tool pip --domain "$PACKAGE_DOMAIN" --domain-owner "$PACKAGE_DOMAIN_OWNER" '
        '--repository "$PACKAGE_REPOSITORY"'
    )
    return {
        "version": "0.2",
        "env": {"shell": "bash"},
        "phases": {
            "install": {
                "commands": [
                    f"mkdir -p {WORK}",
                    login,
                    f"python3 -I -m pip install --quiet --disable-pip-version-check boto3=={BOTO3_VERSION}",
                ]
            },
            "build": {
                "commands": [
                    f'printf "%s\\n" "$SMOKE_PAYLOAD" > {WORK}/payload.csv',
                    # From the platform's source root: its own code, the platform's, not a team's.
                    f'python3 -m serving.smoke_endpoint --endpoint "{target.staging_endpoint}" '
                    f'--variants "{",".join(target.variants)}" --payload-file {WORK}/payload.csv '
                    '--region "$AWS_REGION"',
                ]
            },
        },
    }


class DeployPipeline(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        target: DeployTarget,
        artifacts: s3.IBucket,
        pipeline_artifacts: s3.IBucket,
        key: kms.IKey,
        vpc: ec2.IVpc,
        security_group: ec2.ISecurityGroup,
        mirror: PackageMirror,
        retention: Retention,
    ) -> None:
        super().__init__(scope, construct_id)
        self.target = target
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            encryption_key=key,
            retention=logs.RetentionDays.ONE_YEAR,
            removal_policy=retention.removal_policy,
        )
        self.release = self._project(
            "Release",
            f"Pins the approved version of {target.group} and synthesizes its serving stacks",
            release_buildspec(target),
            key,
        )
        self.smoke = self._project(
            "Smoke",
            f"Invokes every variant of {target.staging_endpoint} through the VPC",
            smoke_buildspec(target),
            key,
            network=(vpc, security_group),
            variables={
                "SMOKE_PAYLOAD": target.smoke_payload,
                "PACKAGE_DOMAIN": mirror.domain_name,
                "PACKAGE_DOMAIN_OWNER": mirror.domain_owner,
                "PACKAGE_REPOSITORY": mirror.repository_name,
            },
        )
        self.deploy_role = self._deploy_role(target, key)
        self._grant_release(target)
        self._grant_smoke(target, mirror)
        self.pipeline = self._pipeline(target, artifacts, pipeline_artifacts)
        events.Rule(
            self,
            "Approved",
            description=f"A version of {target.group} was approved",
            event_pattern=events.EventPattern(
                source=["aws.sagemaker"],
                detail_type=["SageMaker Model Package State Change"],
                detail={"ModelPackageGroupName": [target.group], "ModelApprovalStatus": ["Approved"]},
            ),
            targets=[targets.CodePipeline(self.pipeline)],
        )

    def _project(
        self,
        name: str,
        description: str,
        spec: dict[str, Any],
        key: kms.IKey,
        *,
        network: tuple[ec2.IVpc, ec2.ISecurityGroup] | None = None,
        variables: dict[str, str] | None = None,
    ) -> codebuild.PipelineProject:
        placement: dict[str, Any] = {}
        if network is not None:
            vpc, group = network
            placement = {
                "vpc": vpc,
                "subnet_selection": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
                "security_groups": [group],
            }
        project = codebuild.PipelineProject(
            self,
            name,
            description=description,
            environment=codebuild.BuildEnvironment(
                build_image=codebuild.LinuxBuildImage.STANDARD_7_0,
                compute_type=codebuild.ComputeType.SMALL,
                privileged=False,
            ),
            encryption_key=key,
            timeout=Duration.minutes(30),
            logging=codebuild.LoggingOptions(cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=self.log_group)),
            environment_variables={
                k: codebuild.BuildEnvironmentVariable(value=v) for k, v in (variables or {}).items()
            },
            build_spec=codebuild.BuildSpec.from_object(spec),
            **placement,
        )
        acknowledge_in_packs(
            project,
            "CodeBuildProjectSourceRepoUrl",
            "the source is CodePipeline's artifact: the project holds no repository URL or credentials",
        )
        return project

    def _pipeline(
        self, target: DeployTarget, artifacts: s3.IBucket, pipeline_artifacts: s3.IBucket
    ) -> codepipeline.Pipeline:
        source, release = codepipeline.Artifact("Source"), codepipeline.Artifact("Release")
        # Set when starting by hand: `--promote` ends an A/B test in favour of the challenger,
        # `--version-arn <arn>` rolls back to (or pins) an older approved version. The approval
        # event starts it empty: the newest approved version.
        pin_args = codepipeline.Variable(
            variable_name="PinArgs",
            default_value=" ",
            description="extra arguments of serving/pin_version.py: --promote, or --version-arn <approved version>",
        )

        def deploy(name: str, stack: str) -> actions.CloudFormationCreateUpdateStackAction:
            return actions.CloudFormationCreateUpdateStackAction(
                action_name=name,
                stack_name=stack,
                template_path=release.at_path(f"templates/{stack}.template.json"),
                admin_permissions=False,
                deployment_role=self.deploy_role,
                replace_on_failure=False,
            )

        stages = [
            codepipeline.StageProps(
                stage_name="Source",
                actions=[
                    actions.S3SourceAction(
                        action_name="Platform",
                        bucket=artifacts,
                        bucket_key=SOURCE_KEY,
                        output=source,
                        trigger=actions.S3Trigger.NONE,  # only an approval starts a deploy
                    )
                ],
            ),
            codepipeline.StageProps(
                stage_name="Release",
                actions=[
                    actions.CodeBuildAction(
                        action_name="Pin",
                        project=self.release,
                        input=source,
                        outputs=[release],
                        environment_variables={
                            "PIN_ARGS": codebuild.BuildEnvironmentVariable(value=pin_args.reference())
                        },
                    )
                ],
            ),
            codepipeline.StageProps(stage_name="Staging", actions=[deploy("Deploy", target.staging_stack)]),
            codepipeline.StageProps(
                stage_name="Smoke",
                actions=[actions.CodeBuildAction(action_name="Invoke", project=self.smoke, input=source)],
            ),
        ]
        if target.approve:
            stages.append(
                codepipeline.StageProps(
                    stage_name="Approve",
                    actions=[
                        actions.ManualApprovalAction(
                            action_name="Production",
                            additional_information=f"Staging {target.staging_endpoint} passed the smoke test",
                        )
                    ],
                )
            )
        stages.append(
            codepipeline.StageProps(stage_name="Production", actions=[deploy("Deploy", target.production_stack)])
        )
        return codepipeline.Pipeline(
            self,
            "Pipeline",
            pipeline_type=codepipeline.PipelineType.V2,
            artifact_bucket=pipeline_artifacts,
            restart_execution_on_update=False,
            stages=stages,
            variables=[pin_args],
        )

    def _grant_release(self, target: DeployTarget) -> None:
        stack = Stack.of(self)
        role = self.release.role
        assert role is not None
        versions = stack.format_arn(service="sagemaker", resource="model-package", resource_name=f"{target.group}/*")
        production = stack.format_arn(
            service="cloudformation", resource="stack", resource_name=f"{target.production_stack}/*"
        )
        add_to_role(
            role,
            describe_group_versions("CheckTheApprovedVersion", versions),
            explained(
                sid="ListTheGroupsVersions",
                actions=["sagemaker:ListModelPackages"],
                resources=["*"],
                why={"*": "IAM offers no resource-level permission for ListModelPackages"},
            ),
            explained(
                sid="ReadWhatIsServed",
                actions=["cloudformation:DescribeStacks"],
                resources=[production],
                why={production: "the production serving stack, any of its stack ids"},
            ),
        )

    def _grant_smoke(self, target: DeployTarget, mirror: PackageMirror) -> None:
        stack = Stack.of(self)
        role = self.smoke.role
        assert role is not None
        endpoint = stack.format_arn(service="sagemaker", resource="endpoint", resource_name=target.staging_endpoint)
        add_to_role(
            role,
            explained(
                sid="InvokeTheStagingEndpoint",
                actions=["sagemaker:DescribeEndpoint", "sagemaker:InvokeEndpoint"],
                resources=[endpoint],
            ),
        )
        mirror.grant_install(role)

    def _deploy_role(self, target: DeployTarget, key: kms.IKey) -> iam.Role:
        role = iam.Role(
            self,
            "DeployRole",
            assumed_by=iam.ServicePrincipal("cloudformation.amazonaws.com"),
            description=f"CloudFormation deploys the serving stacks of {target.group}",
        )
        for statement in deploy_statements(Stack.of(self), target, key.key_arn):
            add_to_role(role, statement)
        return role


def describe_group_versions(sid: str, versions: str) -> iam.PolicyStatement:
    """Read the versions of one group (`<group>/*`): the Release step checks one, CloudFormation
    makes a model of one."""
    return explained(
        sid=sid,
        actions=["sagemaker:DescribeModelPackage"],
        resources=[versions],
        why={versions: "versions are numbered at registration; only this group's"},
    )


def deploy_statements(stack: Stack, target: DeployTarget, key_arn: str) -> list[iam.PolicyStatement]:
    """What CloudFormation needs to create, update and delete one group's serving stacks."""

    def arn(service: str, resource: str, name: str, fmt: ArnFormat = ArnFormat.SLASH_RESOURCE_NAME) -> str:
        return stack.format_arn(service=service, resource=resource, resource_name=name, arn_format=fmt)

    endpoints = [arn("sagemaker", "endpoint", name) for name in (target.staging_endpoint, target.production_endpoint)]
    schedules = [
        arn("sagemaker", "monitoring-schedule", f"{name}-*")
        for name in (target.staging_endpoint, target.production_endpoint)
    ]
    generated = [
        arn("sagemaker", "model", "*"),
        arn("sagemaker", "endpoint-config", "*"),
        arn("sagemaker", "data-quality-job-definition", "*"),
        arn("sagemaker", "model-quality-job-definition", "*"),
    ]
    versions = arn("sagemaker", "model-package", f"{target.group}/*")
    alarms = [
        arn("cloudwatch", "alarm", f"{name}-*", ArnFormat.COLON_RESOURCE_NAME)
        for name in (target.staging_endpoint, target.production_endpoint)
    ]
    rules = [arn("events", "rule", f"{name}-*") for name in (target.staging_endpoint, target.production_endpoint)]
    prefix_why = "named <endpoint>-<what> for this group's two endpoints only"
    return [
        explained(
            sid="ManageTheGroupsEndpointsAndMonitors",
            actions=[
                "sagemaker:CreateEndpoint",
                "sagemaker:UpdateEndpoint",
                "sagemaker:DeleteEndpoint",
                "sagemaker:DescribeEndpoint",
                "sagemaker:CreateMonitoringSchedule",
                "sagemaker:UpdateMonitoringSchedule",
                "sagemaker:DeleteMonitoringSchedule",
                "sagemaker:DescribeMonitoringSchedule",
                "sagemaker:AddTags",
                "sagemaker:DeleteTags",
                "sagemaker:ListTags",
            ],
            resources=[*endpoints, *schedules],
            why=dict.fromkeys(schedules, prefix_why),
        ),
        explained(
            sid="ManageGeneratedModelsAndConfigs",
            actions=[
                "sagemaker:CreateModel",
                "sagemaker:DeleteModel",
                "sagemaker:DescribeModel",
                "sagemaker:CreateEndpointConfig",
                "sagemaker:DeleteEndpointConfig",
                "sagemaker:DescribeEndpointConfig",
                "sagemaker:CreateDataQualityJobDefinition",
                "sagemaker:DeleteDataQualityJobDefinition",
                "sagemaker:DescribeDataQualityJobDefinition",
                "sagemaker:CreateModelQualityJobDefinition",
                "sagemaker:DeleteModelQualityJobDefinition",
                "sagemaker:DescribeModelQualityJobDefinition",
                "sagemaker:AddTags",
            ],
            resources=generated,
            conditions={"StringEqualsIfExists": {"aws:RequestTag/Team": target.team}},
            why=dict.fromkeys(
                generated, "CloudFormation names models, configs and job definitions (immutable, replaced on change)"
            ),
        ),
        describe_group_versions("ServeOnlyThisGroupsVersions", versions),
        explained(
            sid="PassTheServingRole",
            actions=["iam:PassRole"],
            resources=[target.serving_role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        ),
        explained(
            sid="AlarmsAndRulesOfTheGroup",
            actions=[
                "cloudwatch:PutMetricAlarm",
                "cloudwatch:DeleteAlarms",
                "cloudwatch:DescribeAlarms",
                "cloudwatch:TagResource",
                "events:PutRule",
                "events:DeleteRule",
                "events:DescribeRule",
                "events:PutTargets",
                "events:RemoveTargets",
                "events:TagResource",
            ],
            resources=[*alarms, *rules],
            why=dict.fromkeys([*alarms, *rules], prefix_why),
        ),
        explained(
            sid="ScaleTheGroupsVariants",
            actions=[
                "application-autoscaling:RegisterScalableTarget",
                "application-autoscaling:DeregisterScalableTarget",
                "application-autoscaling:PutScalingPolicy",
                "application-autoscaling:DeleteScalingPolicy",
                "application-autoscaling:DescribeScalableTargets",
                "application-autoscaling:DescribeScalingPolicies",
                "application-autoscaling:TagResource",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeVpcs",
                "ec2:DescribeNetworkInterfaces",
            ],
            resources=["*"],
            why={
                "*": "Application Auto Scaling and EC2 Describe calls offer no resource-level permissions "
                "(scalable targets are named endpoint/<name>/variant/<variant>, not ARNs)"
            },
        ),
        explained(
            sid="EncryptEndpointsWithThePlatformKey",
            actions=["kms:CreateGrant"],
            resources=[key_arn],
            conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
        ),
        explained(sid="DescribeThePlatformKey", actions=["kms:DescribeKey"], resources=[key_arn]),
    ]
