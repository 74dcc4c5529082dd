"""The execution role of one team: what its Studio apps and SageMaker jobs may do."""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

# Jobs that accept a VPC configuration; each must run inside the platform's network.
VPC_JOB_ACTIONS = [
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateModel",
]
# Jobs that write volumes and outputs; each must name a KMS key for both.
KMS_JOB_ACTIONS = [
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateTransformJob",
]
JOB_RESOURCE_TYPES = ("training-job", "processing-job", "hyper-parameter-tuning-job", "transform-job", "model")
EXPERIMENT_RESOURCE_TYPES = ("experiment", "experiment-trial", "experiment-trial-component")


class TeamExecutionRole(Construct):
    """Least privilege for a team, assumed by SageMaker:

    - datasets: read; artifacts: read and write under `<team>/` only; the platform key for both;
    - SageMaker jobs only inside the platform's subnets and security group, with KMS on volumes
      and outputs (denied otherwise through the sagemaker:Vpc* and *KmsKey condition keys);
    - Experiments; the team's own model package groups: register, never approve;
    - its Studio apps and spaces in this domain; logs and metrics; image pulls from this account;
    - pipelines whose names start with the team's prefix; the MLflow tracking server, if any;
    - pass only itself, to SageMaker.
    The permissions boundary is applied to every role of the stage by the Stage.
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
        model_package_group_names: tuple[str, ...],
        pipeline_prefix: str,
        mlflow_server_arn: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.team = team
        self.role = iam.Role(
            self,
            "Resource",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description=f"SageMaker execution role of team {team}",
        )
        datasets.grant_read(self.role)
        artifacts.grant_read_write(self.role, f"{team}/*")
        key.grant_encrypt_decrypt(self.role)

        stack = Stack.of(self)
        arn = stack.format_arn
        subnet_ids = [subnet.subnet_id for subnet in subnets]
        statements = [
            iam.PolicyStatement(
                sid="RunJobs",
                actions=[*VPC_JOB_ACTIONS, "sagemaker:CreateTransformJob", "sagemaker:AddTags"],
                resources=[arn(service="sagemaker", resource=kind, resource_name="*") for kind in JOB_RESOURCE_TYPES],
            ),
            iam.PolicyStatement(
                sid="DenyJobsWithoutThePlatformVpc",
                effect=iam.Effect.DENY,
                actions=VPC_JOB_ACTIONS,
                resources=["*"],
                conditions={"Null": {"sagemaker:VpcSubnets": "true", "sagemaker:VpcSecurityGroupIds": "true"}},
            ),
            iam.PolicyStatement(
                sid="DenyJobsInOtherSubnets",
                effect=iam.Effect.DENY,
                actions=VPC_JOB_ACTIONS,
                resources=["*"],
                conditions={"ForAnyValue:StringNotEquals": {"sagemaker:VpcSubnets": subnet_ids}},
            ),
            iam.PolicyStatement(
                sid="DenyJobsInOtherSecurityGroups",
                effect=iam.Effect.DENY,
                actions=VPC_JOB_ACTIONS,
                resources=["*"],
                conditions={
                    "ForAnyValue:StringNotEquals": {"sagemaker:VpcSecurityGroupIds": [security_group.security_group_id]}
                },
            ),
            iam.PolicyStatement(
                sid="DenyJobsWithoutKms",
                effect=iam.Effect.DENY,
                actions=KMS_JOB_ACTIONS,
                resources=["*"],
                conditions={"Null": {"sagemaker:VolumeKmsKey": "true", "sagemaker:OutputKmsKey": "true"}},
            ),
            iam.PolicyStatement(
                sid="ObserveAndStopJobs",
                actions=["sagemaker:Describe*", "sagemaker:Stop*", "sagemaker:ListTags"],
                resources=[arn(service="sagemaker", resource=kind, resource_name="*") for kind in JOB_RESOURCE_TYPES],
            ),
            iam.PolicyStatement(
                sid="TrackExperiments",
                actions=[
                    "sagemaker:CreateExperiment",
                    "sagemaker:CreateTrial",
                    "sagemaker:CreateTrialComponent",
                    "sagemaker:UpdateExperiment",
                    "sagemaker:UpdateTrial",
                    "sagemaker:UpdateTrialComponent",
                    "sagemaker:AssociateTrialComponent",
                    "sagemaker:DisassociateTrialComponent",
                    "sagemaker:DescribeExperiment",
                    "sagemaker:DescribeTrial",
                    "sagemaker:DescribeTrialComponent",
                    "sagemaker:BatchPutMetrics",
                    "sagemaker:AddTags",
                    "sagemaker:ListTags",
                ],
                resources=[
                    arn(service="sagemaker", resource=kind, resource_name="*") for kind in EXPERIMENT_RESOURCE_TYPES
                ],
            ),
            # Search and List calls have no resource-level permissions in IAM.
            iam.PolicyStatement(
                sid="SearchAndList",
                actions=["sagemaker:Search", "sagemaker:List*", "sagemaker:BatchGetMetrics"],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="UseStudioInThisDomain",
                actions=[
                    "sagemaker:CreateApp",
                    "sagemaker:DeleteApp",
                    "sagemaker:DescribeApp",
                    "sagemaker:CreateSpace",
                    "sagemaker:UpdateSpace",
                    "sagemaker:DeleteSpace",
                    "sagemaker:DescribeSpace",
                    "sagemaker:DescribeUserProfile",
                    "sagemaker:DescribeDomain",
                    "sagemaker:AddTags",
                    "sagemaker:ListTags",
                ],
                resources=[
                    arn(service="sagemaker", resource="domain", resource_name=domain_id),
                    arn(service="sagemaker", resource="user-profile", resource_name=f"{domain_id}/*"),
                    arn(service="sagemaker", resource="space", resource_name=f"{domain_id}/*"),
                    arn(service="sagemaker", resource="app", resource_name=f"{domain_id}/*"),
                ],
            ),
            iam.PolicyStatement(
                sid="WriteLogs",
                actions=[
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "logs:DescribeLogStreams",
                    "logs:GetLogEvents",
                ],
                resources=[
                    arn(
                        service="logs",
                        resource="log-group",
                        resource_name="/aws/sagemaker/*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            ),
            # PutMetricData has no resource-level permissions: scoped by namespace instead.
            iam.PolicyStatement(
                sid="PutSageMakerMetrics",
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/*", "SageMaker/*"]}},
            ),
            # GetAuthorizationToken has no resource-level permissions; pulls are limited to this account.
            iam.PolicyStatement(sid="EcrLogin", actions=["ecr:GetAuthorizationToken"], resources=["*"]),
            iam.PolicyStatement(
                sid="PullImagesOfThisAccount",
                actions=["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                resources=[arn(service="ecr", resource="repository", resource_name="*")],
            ),
            # SageMaker attaches jobs to the VPC with the role's credentials. Describe calls have no
            # resource-level permissions; interface creation is limited to the platform's subnets and group.
            iam.PolicyStatement(
                sid="DescribeNetwork",
                actions=[
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeVpcs",
                    "ec2:DescribeDhcpOptions",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeSecurityGroups",
                ],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="AttachJobsToThePlatformSubnets",
                actions=["ec2:CreateNetworkInterface"],
                resources=[
                    arn(service="ec2", resource="network-interface", resource_name="*"),
                    arn(service="ec2", resource="security-group", resource_name=security_group.security_group_id),
                    *[arn(service="ec2", resource="subnet", resource_name=subnet_id) for subnet_id in subnet_ids],
                ],
            ),
            iam.PolicyStatement(
                sid="ManageJobNetworkInterfaces",
                actions=[
                    "ec2:CreateNetworkInterfacePermission",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DeleteNetworkInterfacePermission",
                ],
                resources=[arn(service="ec2", resource="network-interface", resource_name="*")],
            ),
            iam.PolicyStatement(
                sid="PassOnlyItselfToSageMaker",
                actions=["iam:PassRole"],
                resources=[self.role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            ),
        ]
        statements.append(
            iam.PolicyStatement(
                sid="RunTeamPipelines",
                actions=[
                    "sagemaker:CreatePipeline",
                    "sagemaker:UpdatePipeline",
                    "sagemaker:DescribePipeline",
                    "sagemaker:StartPipelineExecution",
                    "sagemaker:StopPipelineExecution",
                    "sagemaker:RetryPipelineExecution",
                    "sagemaker:DescribePipelineExecution",
                    "sagemaker:DescribePipelineDefinitionForExecution",
                    "sagemaker:ListPipelineExecutionSteps",
                    "sagemaker:AddTags",
                    "sagemaker:ListTags",
                ],
                resources=[
                    arn(service="sagemaker", resource="pipeline", resource_name=f"{pipeline_prefix}*"),
                    arn(service="sagemaker", resource="pipeline", resource_name=f"{pipeline_prefix}*/execution/*"),
                ],
            )
        )
        if mlflow_server_arn:
            statements.append(
                iam.PolicyStatement(
                    sid="UseTheMlflowTrackingServer",
                    actions=[
                        "sagemaker-mlflow:*",
                        "sagemaker:DescribeMlflowTrackingServer",
                        "sagemaker:CreatePresignedMlflowTrackingServerUrl",
                    ],
                    resources=[mlflow_server_arn],
                )
            )
        statements += self._registry_statements(model_package_group_names)
        for statement in statements:
            self.role.add_to_principal_policy(statement)

    def _registry_statements(self, group_names: tuple[str, ...]) -> list[iam.PolicyStatement]:
        """Register into the team's groups; approving is someone else's job."""
        if not group_names:
            return []
        arn = Stack.of(self).format_arn
        groups = [arn(service="sagemaker", resource="model-package-group", resource_name=g) for g in group_names]
        packages = [arn(service="sagemaker", resource="model-package", resource_name=f"{g}/*") for g in group_names]
        return [
            iam.PolicyStatement(
                sid="RegisterModelsInTeamGroups",
                actions=[
                    "sagemaker:CreateModelPackage",
                    "sagemaker:DescribeModelPackage",
                    "sagemaker:DescribeModelPackageGroup",
                    "sagemaker:AddTags",
                ],
                resources=[*groups, *packages],
            ),
            iam.PolicyStatement(
                sid="DenyApprovingModels",
                effect=iam.Effect.DENY,
                actions=["sagemaker:UpdateModelPackage"],
                resources=["*"],
                conditions={"Null": {"sagemaker:ModelApprovalStatus": "false"}},
            ),
            iam.PolicyStatement(
                sid="DenyRegisteringApproved",
                effect=iam.Effect.DENY,
                actions=["sagemaker:CreateModelPackage"],
                resources=["*"],
                conditions={"StringEquals": {"sagemaker:ModelApprovalStatus": "Approved"}},
            ),
        ]
