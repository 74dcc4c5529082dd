"""The permissions boundary every role of an environment-region carries.

A boundary caps what a role can ever do, whatever policies are later attached to it: a role's
effective permissions are the intersection of its own policies and this one. The cap is written
per service family, scoped to this account and region wherever IAM can scope the action, and it
explicitly denies the ways out: changing identities, boundaries or keys, weakening the buckets,
deleting stateful SageMaker resources. Roles are still least-privilege in their own policies;
the boundary is what holds if one of them is ever widened by mistake.

Who needs what (the boundary must let every platform workflow run; the access journeys prove it):
team execution roles (SageMaker, S3, KMS, logs, metrics, ECR, job network interfaces, pass
themselves), the approver (SageMaker registry, S3 reads), the model-build CodeBuild, CodePipeline
and EventBridge roles (builds, pipelines, assume action roles, connections, CodeArtifact), and
CDK's custom-resource providers (Lambda, Step Functions, the default security group, auto-delete
of disposable buckets).
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from platform_constructs.acknowledge import acknowledge_in_packs
from platform_constructs.explained import explained, record

DENIED = {
    "NoIdentityOrBoundaryChanges": [
        "iam:Add*",
        "iam:Attach*",
        "iam:Create*",
        "iam:Delete*",
        "iam:Detach*",
        "iam:Put*",
        "iam:Remove*",
        "iam:Set*",
        "iam:Tag*",
        "iam:Untag*",
        "iam:Update*",
        "organizations:*",
        "account:*",
    ],
    "NoBucketProtectionChanges": [
        "s3:DeleteBucket",
        "s3:DeleteBucketPolicy",
        "s3:PutAccessPointPolicy",
        "s3:PutBucketAcl",
        "s3:PutBucketCORS",
        "s3:PutBucketLogging",
        "s3:PutBucketNotification",
        "s3:PutBucketObjectLockConfiguration",
        "s3:PutBucketOwnershipControls",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutBucketVersioning",
        "s3:PutEncryptionConfiguration",
        "s3:PutLifecycleConfiguration",
        "s3:PutReplicationConfiguration",
    ],
    "NoKeyChanges": [
        "kms:DisableKey",
        "kms:DisableKeyRotation",
        "kms:PutKeyPolicy",
        "kms:ScheduleKeyDeletion",
    ],
    "NoStatefulSageMakerDeletes": [
        "sagemaker:DeleteDomain",
        "sagemaker:DeleteModelPackageGroup",
        "sagemaker:DeleteExperiment",
    ],
}
# Actions IAM offers only on "*" that platform roles call.
SAGEMAKER_WILDCARD_ONLY = ["sagemaker:List*", "sagemaker:Search", "sagemaker:GetSearchSuggestions"]
S3_DATA_ACTIONS = [
    "s3:GetObject*",
    "s3:PutObject*",
    "s3:DeleteObject*",
    "s3:Abort*",
    "s3:List*",
    "s3:GetBucket*",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
]
KMS_USE = ["kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
PLATFORM_ROLE_TAGS = ("Project", "Environment")


class PermissionsBoundary(Construct):
    """A named customer-managed policy, so stacks deployed later can reference it by name.

    `project`/`environment`: the values of the Project and Environment tags every platform role
    carries; passing and assuming roles is capped to roles with both. `disposable`: the
    environment does not retain its state, so CDK's auto-delete of bucket objects (which puts a
    deny-writes bucket policy first) must be able to put a bucket policy; retained environments
    deny it to every role.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, policy_name: str, project: str, environment: str, disposable: bool
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        here = f"{stack.region}:{stack.account}"
        partition = stack.partition
        role_tags = {
            f"aws:ResourceTag/{tag}": value
            for tag, value in zip(PLATFORM_ROLE_TAGS, (project, environment), strict=True)
        }
        allows = [
            _sagemaker(partition, here),
            explained(
                sid="SageMakerListAndSearch",
                actions=SAGEMAKER_WILDCARD_ONLY,
                resources=["*"],
                why={
                    "sagemaker:List*": "the List calls Studio, the SDK and the tooling make; listing reads no content",
                    "*": "IAM offers no resource-level permissions for SageMaker List and Search calls",
                },
            ),
            _s3_of_this_account(stack.account),
            *_kms(partition, here),
            *_roles(partition, stack.account, role_tags),
            *_logs_metrics_images(partition, stack.region, here),
            _network(partition, here),
            *_delivery(partition, here, stack.account),
            *_serving_deploys(partition, here, stack.account, f"{project}-{environment}", role_tags),
            _provider_framework(partition, here),
        ]
        if disposable:
            allows.append(_disposable_bucket_teardown(stack.account))
        denied = dict(DENIED)
        if not disposable:
            denied["NoBucketProtectionChanges"] = [*denied["NoBucketProtectionChanges"], "s3:PutBucketPolicy"]
        denies = [
            iam.PolicyStatement(sid=sid, effect=iam.Effect.DENY, actions=actions, resources=["*"])
            for sid, actions in denied.items()
        ]
        self.policy = iam.ManagedPolicy(
            self,
            "Resource",
            managed_policy_name=policy_name,
            description="Permissions boundary of every role the experiment platform creates",
            statements=[*allows, *denies],
        )
        for statement in allows:
            record(self.policy, statement)
        acknowledge_in_packs(
            self.policy,
            "IAMPolicyNoStatementsWithFullAccess",
            "a permissions boundary caps roles and grants nothing; sagemaker:* in this account-region is the cap",
        )


def _sagemaker(partition: str, here: str) -> iam.PolicyStatement:
    resource = f"arn:{partition}:sagemaker:{here}:*"
    return explained(
        sid="SageMakerInThisAccountRegion",
        actions=["sagemaker:*", "sagemaker-mlflow:*"],
        resources=[resource],
        why={
            "sagemaker:*": "the cap on SageMaker: roles' own policies choose the actions",
            "sagemaker-mlflow:*": "the cap on the MLflow tracking server API: roles' own policies choose the actions",
            resource: "any SageMaker resource of this account and region; never another account's or region's",
        },
    )


def _s3_of_this_account(account: str) -> iam.PolicyStatement:
    """Objects and listings only, and only of buckets this account owns: the boundary never lets
    a role move data into (or read from) another account's bucket."""
    return explained(
        sid="ObjectsOfThisAccountsBuckets",
        actions=S3_DATA_ACTIONS,
        resources=["*"],
        conditions={"StringEquals": {"aws:ResourceAccount": account}},
        why={
            "s3:GetObject*": "object reads (versions, tags) of this account's buckets",
            "s3:PutObject*": "object writes of this account's buckets; bucket protection changes are denied below",
            "s3:DeleteObject*": "object deletes of this account's buckets; versioning keeps what a delete hides",
            "s3:Abort*": "aborting multipart uploads to this account's buckets",
            "s3:List*": "listing this account's buckets and uploads",
            "s3:GetBucket*": "reading bucket settings (location, versioning, tags) of this account's buckets",
            "*": "bucket names are generated at deploy time; limited to buckets of this account (aws:ResourceAccount)",
        },
    )


def _kms(partition: str, here: str) -> list[iam.PolicyStatement]:
    keys = f"arn:{partition}:kms:{here}:key/*"
    reason = "keys of this account and region; key ids are generated at deploy time"
    return [
        explained(
            sid="KeysOfThisAccountRegion",
            actions=KMS_USE,
            resources=[keys],
            why={
                "kms:ReEncrypt*": "re-encryption between keys of this account and region",
                "kms:GenerateDataKey*": "data keys for S3 SSE-KMS, SageMaker volumes and outputs",
                keys: reason,
            },
        ),
        explained(
            sid="GrantsForAwsResources",
            actions=["kms:CreateGrant"],
            resources=[keys],
            conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
            why={keys: reason + "; only grants an AWS service creates for its resources (SageMaker volumes)"},
        ),
    ]


def _roles(partition: str, account: str, role_tags: dict[str, str]) -> list[iam.PolicyStatement]:
    roles = f"arn:{partition}:iam::{account}:role/*"
    why = {roles: "only roles of this project and environment (their Project and Environment tags)"}
    return [
        explained(
            sid="PassPlatformRolesToSageMaker",
            actions=["iam:PassRole"],
            resources=[roles],
            conditions={"StringEquals": {**role_tags, "iam:PassedToService": "sagemaker.amazonaws.com"}},
            why=why,
        ),
        explained(
            sid="AssumePlatformRoles",
            actions=["sts:AssumeRole"],
            resources=[roles],
            conditions={"StringEquals": role_tags},
            why=why,
        ),
    ]


def _disposable_bucket_teardown(account: str) -> iam.PolicyStatement:
    """CDK's auto-delete of a disposable bucket's objects first puts a policy that stops writes."""
    return explained(
        sid="DisposableBucketTeardown",
        actions=["s3:PutBucketPolicy"],
        resources=["*"],
        conditions={"StringEquals": {"aws:ResourceAccount": account}},
        why={"*": "disposable environments only: buckets of this account, whose names are generated at deploy time"},
    )


def _logs_metrics_images(partition: str, region: str, here: str) -> list[iam.PolicyStatement]:
    log_groups = f"arn:{partition}:logs:{here}:log-group:*"
    repositories = f"arn:{partition}:ecr:{region}:*:repository/*"
    return [
        explained(
            sid="LogsOfThisAccountRegion",
            actions=[
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:DescribeLogStreams",
                "logs:GetLogEvents",
            ],
            resources=[log_groups],
            why={log_groups: "log groups and streams of this account and region, named by services at run time"},
        ),
        explained(
            sid="WildcardOnlyCalls",
            actions=[
                "cloudwatch:PutMetricData",
                "ecr:GetAuthorizationToken",
                "ec2:Describe*",
                "logs:DescribeLogGroups",
                "logs:CreateLogDelivery",
                "logs:GetLogDelivery",
                "logs:UpdateLogDelivery",
                "logs:DeleteLogDelivery",
                "logs:ListLogDeliveries",
                "logs:PutResourcePolicy",
                "logs:DescribeResourcePolicies",
                "sts:GetServiceBearerToken",
            ],
            resources=["*"],
            why={
                "ec2:Describe*": "describing the network SageMaker and CodeBuild attach to; reads no data",
                "*": "IAM offers no resource-level permissions for these calls (metrics, ECR login, EC2 Describe, "
                "log delivery, CodeArtifact bearer tokens)",
            },
        ),
        explained(
            sid="PullImages",
            actions=["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            resources=[repositories],
            why={
                repositories: "images in this region: the account's own, and the AWS accounts that publish SageMaker "
                "images (processing, Model Monitor, Debugger); pulls read, never write"
            },
        ),
    ]


def _network(partition: str, here: str) -> iam.PolicyStatement:
    ec2_here = f"arn:{partition}:ec2:{here}:*"
    return explained(
        sid="NetworkInterfacesAndGroupsOfThisAccountRegion",
        actions=[
            "ec2:CreateNetworkInterface",
            "ec2:CreateNetworkInterfacePermission",
            "ec2:DeleteNetworkInterface",
            "ec2:DeleteNetworkInterfacePermission",
            "ec2:AuthorizeSecurityGroupEgress",
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:RevokeSecurityGroupEgress",
            "ec2:RevokeSecurityGroupIngress",
        ],
        resources=[ec2_here],
        why={
            ec2_here: "job and build network interfaces (created at run time) and CDK's default-security-group "
            "provider, in this account and region"
        },
    )


def _delivery(partition: str, here: str, account: str) -> list[iam.PolicyStatement]:
    builds = f"arn:{partition}:codebuild:{here}:*"
    pipelines = f"arn:{partition}:codepipeline:{here}:*"
    connections = f"arn:{partition}:codeconnections:*:{account}:connection/*"
    legacy_connections = f"arn:{partition}:codestar-connections:*:{account}:connection/*"
    repositories = f"arn:{partition}:codeartifact:{here}:*"
    return [
        explained(
            sid="ModelBuilds",
            actions=[
                "codebuild:StartBuild",
                "codebuild:BatchGetBuilds",
                "codebuild:StopBuild",
                "codebuild:CreateReportGroup",
                "codebuild:CreateReport",
                "codebuild:UpdateReport",
                "codebuild:BatchPutTestCases",
                "codebuild:BatchPutCodeCoverages",
                "codepipeline:StartPipelineExecution",
            ],
            resources=[builds, pipelines],
            why={
                builds: "the model-build projects and their report groups in this account and region",
                pipelines: "EventBridge starts the model-build pipelines of this account and region",
            },
        ),
        explained(
            sid="SourceConnections",
            actions=["codeconnections:UseConnection", "codestar-connections:UseConnection"],
            resources=[connections, legacy_connections],
            why={
                connections: "teams' repository connections of this account (the config names them; any region)",
                legacy_connections: "the same connections under their former service prefix",
            },
        ),
        explained(
            sid="PackagesThroughCodeArtifact",
            actions=[
                "codeartifact:GetAuthorizationToken",
                "codeartifact:GetRepositoryEndpoint",
                "codeartifact:ReadFromRepository",
            ],
            resources=[repositories],
            why={repositories: "the platform's CodeArtifact domain and mirror of this account and region"},
        ),
    ]


def _serving_deploys(
    partition: str, here: str, account: str, prefix: str, role_tags: dict[str, str]
) -> list[iam.PolicyStatement]:
    """What deploy pipelines of served models do: CloudFormation deploys of the serving stacks
    only, with deploy roles of the platform; CloudFormation then scales variants, sets alarms
    and rules (platform_constructs/deploy_pipeline.py scopes each role to one group). Service
    wildcards keep the boundary under IAM's 6,144 characters: it is a cap, scoped by resource."""
    stacks = f"arn:{partition}:cloudformation:{here}:stack/{prefix}-*-serving-*/*"
    roles = f"arn:{partition}:iam::{account}:role/*"
    alarms = f"arn:{partition}:cloudwatch:{here}:alarm:*"
    rules = f"arn:{partition}:events:{here}:rule/*"
    return [
        explained(
            sid="ServingDeploys",
            actions=["cloudformation:*", "cloudwatch:*", "events:*"],
            resources=[stacks, alarms, rules],
            why={
                "cloudformation:*": "a cap on the serving stacks only: deploy actions create, update, describe them",
                "cloudwatch:*": "a cap on alarms of this account and region (rollback alarms of served endpoints)",
                "events:*": "a cap on EventBridge rules of this account and region (monitor violations)",
                stacks: "only the serving stacks of this project and environment (any group, any stack id)",
                alarms: "alarms of this account and region",
                rules: "EventBridge rules of this account and region",
            },
        ),
        explained(
            sid="ServingScaling",
            actions=["application-autoscaling:*"],
            resources=["*"],
            why={
                "application-autoscaling:*": "a cap: deploy roles scale their own variants (deploy_pipeline.py)",
                "*": "Application Auto Scaling offers no resource-level permissions for scalable targets by name",
            },
        ),
        explained(
            sid="PassDeployRolesToCloudFormation",
            actions=["iam:PassRole"],
            resources=[roles],
            conditions={"StringEquals": {**role_tags, "iam:PassedToService": "cloudformation.amazonaws.com"}},
            why={roles: "only roles of this project and environment (their Project and Environment tags)"},
        ),
    ]


def _provider_framework(partition: str, here: str) -> iam.PolicyStatement:
    functions = f"arn:{partition}:lambda:{here}:function:*"
    machines = f"arn:{partition}:states:{here}:stateMachine:*"
    return explained(
        sid="CustomResourceProviders",
        actions=["lambda:InvokeFunction", "states:StartExecution"],
        resources=[functions, machines],
        why={
            functions: "CDK's provider framework invokes its handler functions (names generated at deploy time)",
            machines: "CDK's provider framework starts its waiter state machine (name generated at deploy time)",
        },
    )
