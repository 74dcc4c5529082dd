"""What a team's execution role may do, one small function per concern, reasons beside each statement.

Teams are kept apart three ways, whichever AWS supports for the action:
- S3: the team's prefix `<team>/` (the slash ends the name, so `vision/` never matches `vision-x/`);
- SageMaker jobs, models and experiment entities: the `Team` tag, required on create
  (`aws:RequestTag/Team`) and checked on use (`aws:ResourceTag/Team`);
- SageMaker pipelines: the name prefix `<project>-<env>-<team>--`; team names never hold `--`
  (`platform_config.schema`), so no team's prefix is a prefix of another team's names;
- Studio spaces and apps: the caller's own user profile, from the session's source identity.

Experiment entities SageMaker makes on its own (a pipeline execution's run group and runs) may
carry no tag: an untagged entity is readable and writable by the teams that can reach it by
name, a tagged one only by its team. `experiment-tools` always tags (README, "Who can do what").
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam

from platform_constructs.explained import explained

TEAM_TAG = "Team"
SAGEMAKER_SERVICE = "sagemaker.amazonaws.com"
# Jobs that accept a VPC configuration: each must run in the platform's subnets and group.
VPC_JOBS = [
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateModel",
]
# Jobs that write volumes and outputs: each must name the platform key for both.
KMS_JOBS = [
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateTransformJob",
]
JOB_TYPES = {
    "training-job": "TrainingJob",
    "processing-job": "ProcessingJob",
    "hyper-parameter-tuning-job": "HyperParameterTuningJob",
    "transform-job": "TransformJob",
}
TIERS = ("staging", "production")  # platform_constructs/serving_alerts.py
RUN_TYPES = {"experiment": "Experiment", "experiment-trial": "Trial", "experiment-trial-component": "TrialComponent"}


@dataclass(frozen=True)
class TeamScope:
    """Everything a team's statements are scoped to. Values may be CloudFormation tokens."""

    team: str
    role_arn: str
    datasets_bucket_arn: str
    artifacts_bucket_arn: str
    key_arn: str
    subnet_ids: tuple[str, ...]
    security_group_id: str
    domain_id: str
    model_package_groups: tuple[str, ...]
    pipeline_prefix: str
    mlflow_server_arn: str | None = None
    published_repositories: tuple[str, ...] = ()  # AWS-published images the team's pipeline runs


def _arn(stack: Stack, service: str, resource: str, name: str, fmt: ArnFormat = ArnFormat.SLASH_RESOURCE_NAME) -> str:
    return stack.format_arn(service=service, resource=resource, resource_name=name, arn_format=fmt)


def team_tag(scope: TeamScope) -> dict[str, str]:
    return {f"aws:ResourceTag/{TEAM_TAG}": scope.team}


def data(scope: TeamScope) -> list[iam.PolicyStatement]:
    """Read and write the team's prefix of the datasets and artifacts buckets; list only that prefix.
    Deleting a dataset version is not granted: lineage points at dataset versions."""
    statements = []
    for name, bucket in (("Datasets", scope.datasets_bucket_arn), ("Artifacts", scope.artifacts_bucket_arn)):
        objects = f"{bucket}/{scope.team}/*"
        statements += [
            explained(
                sid=f"ReadWriteTeam{name}",
                actions=[
                    "s3:GetObject",
                    "s3:GetObjectVersion",
                    "s3:GetObjectTagging",
                    "s3:PutObject",
                    "s3:PutObjectTagging",
                    "s3:DeleteObject",
                    "s3:AbortMultipartUpload",
                    "s3:ListMultipartUploadParts",
                ],
                resources=[objects],
                why={objects: f"objects under the team's own prefix {scope.team}/ (keys are chosen at run time)"},
            ),
            explained(
                sid=f"ListTeam{name}",
                actions=["s3:ListBucket", "s3:ListBucketVersions"],
                resources=[bucket],
                conditions={"StringLike": {"s3:prefix": [f"{scope.team}/", f"{scope.team}/*"]}},
            ),
            # GetBucketLocation sends no s3:prefix: under the condition above it would never be allowed.
            explained(sid=f"Locate{name}", actions=["s3:GetBucketLocation"], resources=[bucket]),
        ]
    return statements


def platform_key(scope: TeamScope) -> list[iam.PolicyStatement]:
    """The platform key, for S3 SSE-KMS and SageMaker volumes and outputs. Which data the key
    opens is decided by the bucket and job statements: the key is shared by design."""
    return [
        explained(
            sid="UseThePlatformKey",
            actions=[
                "kms:Decrypt",
                "kms:Encrypt",
                "kms:GenerateDataKey",
                "kms:GenerateDataKeyWithoutPlaintext",
                "kms:ReEncryptFrom",
                "kms:ReEncryptTo",
                "kms:DescribeKey",
            ],
            resources=[scope.key_arn],
        ),
        explained(
            sid="LetSageMakerUseThePlatformKey",
            actions=["kms:CreateGrant"],
            resources=[scope.key_arn],
            conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
        ),
    ]


def jobs(stack: Stack, scope: TeamScope) -> list[iam.PolicyStatement]:
    """Create jobs and models tagged for the team; describe, stop and delete only the team's."""
    kinds = {**JOB_TYPES, "model": "Model"}
    arns = [_arn(stack, "sagemaker", kind, "*") for kind in kinds]
    named_at_run_time = dict.fromkeys(
        arns, "job and model names are chosen at run time; the Team tag makes them the team's"
    )
    return [
        explained(
            sid="CreateTeamJobs",
            actions=[*VPC_JOBS, "sagemaker:CreateTransformJob"],
            resources=arns,
            conditions={"StringEquals": {f"aws:RequestTag/{TEAM_TAG}": scope.team}},
            why=named_at_run_time,
        ),
        explained(
            sid="ObserveTeamJobs",
            actions=[
                *(f"sagemaker:Describe{name}" for name in kinds.values()),
                *(f"sagemaker:Stop{name}" for name in JOB_TYPES.values()),
                "sagemaker:ListTrainingJobsForHyperParameterTuningJob",
                "sagemaker:DeleteModel",
                "sagemaker:ListTags",
            ],
            resources=arns,
            conditions={"StringEquals": team_tag(scope)},
            why=named_at_run_time,
        ),
    ]


def guardrails(key_arn: str, subnet_ids: tuple[str, ...], security_group_id: str) -> list[iam.PolicyStatement]:
    """What no team may do, whatever its own policy says (one managed policy for every team role
    of the stage, `TeamGuardrails`): run a job outside the platform's subnets or group, or
    without the platform key on its volumes and outputs; change a model version's approval
    status; register a version as anything but PendingManualApproval.

    One missing key per statement: a `Null` block with several keys is an AND, and would let a
    job that names only one of them pass."""

    def deny(sid: str, actions: list[str], conditions: dict[str, dict[str, object]]) -> iam.PolicyStatement:
        return explained(sid=sid, effect=iam.Effect.DENY, actions=actions, resources=["*"], conditions=conditions)

    subnets, groups = "sagemaker:VpcSubnets", "sagemaker:VpcSecurityGroupIds"
    volume, output = "sagemaker:VolumeKmsKeyArn", "sagemaker:OutputKmsKeyArn"
    status = "sagemaker:ModelApprovalStatus"
    return [
        deny("DenyJobsWithoutSubnets", VPC_JOBS, {"Null": {subnets: "true"}}),
        deny("DenyJobsWithoutSecurityGroups", VPC_JOBS, {"Null": {groups: "true"}}),
        deny("DenyJobsInOtherSubnets", VPC_JOBS, {"ForAnyValue:StringNotEquals": {subnets: list(subnet_ids)}}),
        deny("DenyJobsInOtherSecurityGroups", VPC_JOBS, {"ForAnyValue:StringNotEquals": {groups: [security_group_id]}}),
        deny("DenyJobsWithoutVolumeKey", KMS_JOBS, {"Null": {volume: "true"}}),
        deny("DenyJobsWithoutOutputKey", KMS_JOBS, {"Null": {output: "true"}}),
        deny("DenyJobsWithOtherVolumeKeys", KMS_JOBS, {"StringNotEqualsIfExists": {volume: key_arn}}),
        deny("DenyJobsWithOtherOutputKeys", KMS_JOBS, {"StringNotEqualsIfExists": {output: key_arn}}),
        deny("DenyApproving", ["sagemaker:UpdateModelPackage"], {"Null": {status: "false"}}),
        deny(
            "DenyRegisteringOtherThanPending",
            ["sagemaker:CreateModelPackage"],
            {"StringNotEqualsIfExists": {status: "PendingManualApproval"}},
        ),
    ]


def tagging(stack: Stack, scope: TeamScope) -> list[iam.PolicyStatement]:
    """Tag on create with the team's own tag; tag the team's resources, never with another team."""
    kinds = [*JOB_TYPES, "model", *RUN_TYPES, "pipeline"]
    arns = [_arn(stack, "sagemaker", kind, "*") for kind in kinds]
    why = dict.fromkeys(arns, "resources are named at run time; the request (or the resource) carries the team's tag")
    return [
        explained(
            sid="TagOnCreate",
            actions=["sagemaker:AddTags"],
            resources=arns,
            # Only as part of a create call: a plain AddTags with the team's tag would re-tag (and
            # so take over) another team's resource.
            conditions={
                "StringEquals": {f"aws:RequestTag/{TEAM_TAG}": scope.team},
                "Null": {"sagemaker:TaggingAction": "false"},
            },
            why=why,
        ),
        explained(
            sid="TagOwnResources",
            actions=["sagemaker:AddTags"],
            resources=arns,
            conditions={"StringEquals": team_tag(scope), "ForAllValues:StringNotEquals": {"aws:TagKeys": [TEAM_TAG]}},
            why=why,
        ),
    ]


def runs(stack: Stack, scope: TeamScope) -> list[iam.PolicyStatement]:
    """Experiments, run groups (trials) and runs (trial components): create untagged or tagged
    for the team; read and write the team's and untagged ones, never another team's."""
    arns = [_arn(stack, "sagemaker", kind, "*") for kind in RUN_TYPES]
    why = dict.fromkeys(arns, "experiments and runs are named by data scientists at run time; scoped by the Team tag")
    other_team = {
        "StringNotEquals": {f"aws:RequestTag/{TEAM_TAG}": scope.team},
        "Null": {f"aws:RequestTag/{TEAM_TAG}": "false"},
    }
    return [
        explained(
            sid="CreateRuns",
            actions=[f"sagemaker:Create{name}" for name in RUN_TYPES.values()],
            resources=arns,
            why=why,
        ),
        explained(
            sid="DenyRunsForOtherTeams",
            effect=iam.Effect.DENY,
            actions=[f"sagemaker:Create{name}" for name in RUN_TYPES.values()],
            resources=["*"],
            conditions=other_team,
        ),
        explained(
            sid="UseOwnAndUntaggedRuns",
            actions=[
                *(f"sagemaker:Describe{name}" for name in RUN_TYPES.values()),
                *(f"sagemaker:Update{name}" for name in RUN_TYPES.values()),
                "sagemaker:DeleteTrial",
                "sagemaker:DeleteTrialComponent",
                "sagemaker:AssociateTrialComponent",
                "sagemaker:DisassociateTrialComponent",
                "sagemaker:BatchPutMetrics",
                "sagemaker:BatchGetMetrics",
                "sagemaker:ListTags",
            ],
            resources=[*arns, _arn(stack, "sagemaker", "training-job", "*")],
            conditions={"StringEqualsIfExists": team_tag(scope)},
            why={
                **why,
                _arn(stack, "sagemaker", "training-job", "*"): "metrics of the team's training jobs (BatchGetMetrics)",
            },
        ),
    ]


def pipelines(stack: Stack, scope: TeamScope) -> list[iam.PolicyStatement]:
    """The team's SageMaker Pipelines, by name prefix: `<project>-<env>-<team>--`."""
    pipeline = _arn(stack, "sagemaker", "pipeline", f"{scope.pipeline_prefix}*")
    executions = _arn(stack, "sagemaker", "pipeline", f"{scope.pipeline_prefix}*/execution/*")
    why = {
        pipeline: f"pipelines named {scope.pipeline_prefix}*; no other team's prefix can match (no '--' in team names)",
        executions: "execution ids are generated at start; only executions of the team's pipelines",
    }
    return [
        explained(
            sid="CreateTeamPipelines",
            actions=["sagemaker:CreatePipeline"],
            resources=[pipeline],
            conditions={"StringEquals": {f"aws:RequestTag/{TEAM_TAG}": scope.team}},
            why={pipeline: why[pipeline]},
        ),
        explained(
            sid="RunTeamPipelines",
            actions=[
                "sagemaker:DescribePipeline",
                "sagemaker:UpdatePipeline",
                "sagemaker:StartPipelineExecution",
                "sagemaker:ListPipelineExecutions",
                "sagemaker:DescribePipelineDefinitionForExecution",
                "sagemaker:DescribePipelineExecution",
                "sagemaker:ListPipelineExecutionSteps",
                "sagemaker:StopPipelineExecution",
                "sagemaker:RetryPipelineExecution",
                "sagemaker:ListTags",
            ],
            resources=[pipeline, executions],
            why=why,
        ),
    ]


def studio(stack: Stack, scope: TeamScope) -> list[iam.PolicyStatement]:
    """The caller's own spaces and apps in this domain: the session's source identity (the user
    profile name, set by the domain) must own them."""
    spaces = _arn(stack, "sagemaker", "space", f"{scope.domain_id}/*")
    apps = _arn(stack, "sagemaker", "app", f"{scope.domain_id}/*")
    own_profile = _arn(stack, "sagemaker", "user-profile", f"{scope.domain_id}/${{aws:SourceIdentity}}")
    why = {
        spaces: "spaces are created by users at run time; only those owned by the caller's own profile",
        apps: "apps are created by users at run time; only those owned by the caller's own profile",
    }
    return [
        explained(
            sid="UseOwnSpacesAndApps",
            actions=[
                "sagemaker:CreateSpace",
                "sagemaker:UpdateSpace",
                "sagemaker:DeleteSpace",
                "sagemaker:CreateApp",
                "sagemaker:DeleteApp",
            ],
            resources=[spaces, apps],
            conditions={"ArnEquals": {"sagemaker:OwnerUserProfileArn": own_profile}},
            why=why,
        ),
        explained(
            sid="SeeOwnProfileAndDomain",
            actions=["sagemaker:DescribeUserProfile", "sagemaker:DescribeDomain"],
            resources=[own_profile, _arn(stack, "sagemaker", "domain", scope.domain_id)],
        ),
    ]


def registry(stack: Stack, scope: TeamScope) -> list[iam.PolicyStatement]:
    """Register versions into the team's own model groups. Registering as anything but
    PendingManualApproval and changing an approval status are denied by `guardrails` (and the
    groups' resource policies deny the second too)."""
    if not scope.model_package_groups:
        return []
    groups = [_arn(stack, "sagemaker", "model-package-group", g) for g in scope.model_package_groups]
    versions = [_arn(stack, "sagemaker", "model-package", f"{g}/*") for g in scope.model_package_groups]
    return [
        explained(
            sid="RegisterInTeamGroups",
            actions=[
                "sagemaker:CreateModelPackage",
                "sagemaker:DescribeModelPackage",
                "sagemaker:DescribeModelPackageGroup",
                "sagemaker:ListTags",
            ],
            resources=[*groups, *versions],
            why=dict.fromkeys(versions, "model versions are numbered at registration; only the team's own groups"),
        ),
    ]


def endpoints(stack: Stack, scope: TeamScope) -> list[iam.PolicyStatement]:
    """Invoke and watch the endpoints that serve the team's own groups (`<group>-staging`,
    `<group>-production`: exact names), a variant at a time for A/B checks (TargetVariant), and
    shift their A/B weights (UpdateEndpointWeightsAndCapacities). Nobody else's."""
    if not scope.model_package_groups:
        return []
    served = [_arn(stack, "sagemaker", "endpoint", f"{g}-{tier}") for g in scope.model_package_groups for tier in TIERS]
    return [
        explained(
            sid="UseTeamEndpoints",
            actions=[
                "sagemaker:InvokeEndpoint",
                "sagemaker:DescribeEndpoint",
                "sagemaker:UpdateEndpointWeightsAndCapacities",
            ],
            resources=served,
        )
    ]


def operations(stack: Stack, scope: TeamScope) -> list[iam.PolicyStatement]:
    """Logs, metrics, images of this account, and job network interfaces."""
    log_groups = _arn(stack, "logs", "log-group", "/aws/sagemaker/*", ArnFormat.COLON_RESOURCE_NAME)
    repositories = _arn(stack, "ecr", "repository", "*")
    interfaces = _arn(stack, "ec2", "network-interface", "*")
    return [
        explained(
            sid="WriteJobLogs",
            actions=[
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:DescribeLogStreams",
                "logs:GetLogEvents",
            ],
            resources=[log_groups],
            why={log_groups: "SageMaker's log groups (/aws/sagemaker/<job type>), streams named per job at run time"},
        ),
        explained(
            sid="CallsWithoutResources",
            actions=[
                "cloudwatch:PutMetricData",
                "ecr:GetAuthorizationToken",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeVpcs",
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "sagemaker:ListApps",
                "sagemaker:ListSpaces",
                "sagemaker:ListExperiments",
                "sagemaker:ListTrials",
                "sagemaker:ListTrialComponents",
                "sagemaker:ListModelPackages",
                "sagemaker:ListModelPackageGroups",
                "sagemaker:ListPipelines",
                "sagemaker:ListTrainingJobs",
                "sagemaker:ListProcessingJobs",
                "sagemaker:Search",
            ],
            resources=["*"],
            why={
                "*": "IAM offers no resource-level permissions for these calls: listings, Search, metrics, ECR login, "
                "EC2 Describe (SageMaker attaches jobs to the VPC with the role's credentials)"
            },
        ),
        explained(
            sid="PullImagesOfThisAccount",
            actions=["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            resources=[repositories],
            why={repositories: "teams choose their image repositories; limited to this account-region's ECR"},
        ),
        *_published_images(scope),
        explained(
            sid="AttachJobsToThePlatformSubnets",
            actions=["ec2:CreateNetworkInterface"],
            resources=[
                interfaces,
                _arn(stack, "ec2", "security-group", scope.security_group_id),
                *(_arn(stack, "ec2", "subnet", subnet) for subnet in scope.subnet_ids),
            ],
            why={interfaces: "SageMaker creates job network interfaces at run time, only in the platform subnets"},
        ),
        explained(
            sid="ManageJobNetworkInterfaces",
            actions=[
                "ec2:CreateNetworkInterfacePermission",
                "ec2:DeleteNetworkInterface",
                "ec2:DeleteNetworkInterfacePermission",
            ],
            resources=[interfaces],
            why={interfaces: "job network interfaces are created by SageMaker at run time and unknown in advance"},
        ),
    ]


def _published_images(scope: TeamScope) -> list[iam.PolicyStatement]:
    """Exactly the AWS-published repositories of the images the team's pipeline uses (scikit-learn,
    Model Monitor's analyzer, Debugger's rules), named from the generated per-region table."""
    if not scope.published_repositories:
        return []
    return [
        explained(
            sid="PullPublishedSageMakerImages",
            actions=["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            resources=list(scope.published_repositories),
        )
    ]


def pass_itself(scope: TeamScope) -> iam.PolicyStatement:
    """The role may pass itself (and no other role) to SageMaker, for the jobs it starts."""
    return explained(
        sid="PassOnlyItselfToSageMaker",
        actions=["iam:PassRole"],
        resources=[scope.role_arn],
        conditions={"StringEquals": {"iam:PassedToService": SAGEMAKER_SERVICE}},
    )


def mlflow(scope: TeamScope) -> list[iam.PolicyStatement]:
    if not scope.mlflow_server_arn:
        return []
    return [
        explained(
            sid="UseTheMlflowTrackingServer",
            actions=[
                "sagemaker-mlflow:*",
                "sagemaker:DescribeMlflowTrackingServer",
                "sagemaker:CreatePresignedMlflowTrackingServerUrl",
            ],
            resources=[scope.mlflow_server_arn],
            why={"sagemaker-mlflow:*": "the MLflow REST API of the one tracking server of this environment-region"},
        )
    ]
