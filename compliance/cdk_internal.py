"""Wildcards in statements that aws-cdk-lib writes itself, inside constructs the platform uses.

The platform's own statements explain their wildcards where they are written
(`platform_constructs.explained`). A few statements are written by CDK inside its L2 constructs
(a CodeBuild project's log and report permissions, the provider framework's invoke permissions,
CodePipeline's artifact access). Each is accepted here only for the construct that owns it, for
the exact actions CDK writes, and for resources of the expected shape; anything else stays a
finding and fails synthesis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ARN = r"arn:(aws[a-z-]*|<AWS::Partition>):"
REGION_ACCOUNT = r"([a-z]{2}(-[a-z]+)+-\d|<AWS::Region>):(\d{12}|<AWS::AccountId>)"
TOKEN = r"<[A-Za-z0-9]+(\.[A-Za-z]+)?>"  # noqa: S105 - an intrinsic as cdk-nag flattens it, not a secret
STACK_OUTPUT = r'\{"Fn::GetStackOutput":\{[^{}]*\}\}'
KMS_GRANT = frozenset({"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"})
# What CDK grants a CodeBuild project on its report groups, which CodeBuild creates at build time.
CODEBUILD_REPORTS = frozenset(
    {
        "codebuild:CreateReportGroup",
        "codebuild:CreateReport",
        "codebuild:UpdateReport",
        "codebuild:BatchPutTestCases",
        "codebuild:BatchPutCodeCoverages",
    }
)
S3_READ = frozenset({"s3:GetObject*", "s3:GetBucket*", "s3:List*"})
S3_WRITE = frozenset(
    {
        "s3:DeleteObject*",
        "s3:PutObject",
        "s3:PutObjectLegalHold",
        "s3:PutObjectRetention",
        "s3:PutObjectTagging",
        "s3:PutObjectVersionTagging",
        "s3:Abort*",
    }
)


@dataclass(frozen=True)
class InternalStatement:
    """A statement CDK writes: owner path (below the stack), allowed actions, resource shapes."""

    owner: str
    actions: frozenset[str]
    resources: tuple[str, ...]
    reason: str

    def covers(self, owner_path: str, actions: list[str], resources: list[str]) -> bool:
        if not re.fullmatch(self.owner, owner_path) or not set(actions) <= self.actions:
            return False
        return all(any(re.fullmatch(shape, resource) for shape in self.resources) for resource in resources)


# The CodePipelines of the stage: model builds (one per team) and deploys (one per served group).
PROJECT_ROLES = r"(.*/)?(ModelBuild-[a-z0-9-]+/Build|Deploy-[a-z0-9-]+/(Release|Smoke))/Role"
VPC_PROJECTS = r"(.*/)?(ModelBuild-[a-z0-9-]+/Build|Deploy-[a-z0-9-]+/Smoke)"
PIPELINE_PARTS = (
    r"(.*/)?(ModelBuild-[a-z0-9-]+/(Build/Role|Pipeline/Role|Pipeline/[A-Za-z]+/[A-Za-z]+/CodePipelineActionRole)"
    r"|Deploy-[a-z0-9-]+/((Release|Smoke)/Role|Pipeline/Role|Pipeline/[A-Za-z]+/[A-Za-z]+/CodePipelineActionRole))"
)
DEPLOY_ACTIONS = r"(.*/)?Deploy-[a-z0-9-]+/Pipeline/(Staging|Production)/Deploy/CodePipelineActionRole"


def _key_or_output(kind: str) -> tuple[str, ...]:
    """A resource in this stack (<Id.Arn>) or in another one of the stage (a weak reference)."""
    return (f"{TOKEN}{kind}", f"{STACK_OUTPUT}{kind}")


def _codebuild_defaults(
    owner: str, *, project: str, logs_why: str, reports_why: str, report_prefix: str = f"{TOKEN}-"
) -> tuple[InternalStatement, InternalStatement]:
    """What CDK grants a CodeBuild project's role: its default log group, and its report groups,
    which CodeBuild creates at build time under the project's name."""
    return (
        InternalStatement(
            owner=owner,
            actions=frozenset({"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}),
            resources=(f"{ARN}logs:{REGION_ACCOUNT}:log-group:/aws/codebuild/{project}(:\\*)?",),
            reason=logs_why,
        ),
        InternalStatement(
            owner=owner,
            actions=CODEBUILD_REPORTS,
            resources=(f"{ARN}codebuild:{REGION_ACCOUNT}:report-group/{report_prefix}\\*",),
            reason=reports_why,
        ),
    )


INTERNAL_STATEMENTS: tuple[InternalStatement, ...] = (
    *_codebuild_defaults(
        PROJECT_ROLES,
        project=TOKEN,
        logs_why="CodeBuild's default log group of this one project; its streams are named per build",
        reports_why="CodeBuild report groups are named after this one project and created at build time",
    ),
    InternalStatement(
        owner=PIPELINE_PARTS,
        actions=KMS_GRANT,
        resources=(*_key_or_output(""), TOKEN),
        reason="CDK key grant for the pipeline's artifacts: the GenerateDataKey and ReEncrypt families on one key",
    ),
    InternalStatement(
        owner=PIPELINE_PARTS,
        actions=S3_READ | S3_WRITE,
        resources=(TOKEN, f"{TOKEN}/\\*", STACK_OUTPUT, f"{STACK_OUTPUT}/\\*"),
        reason="CodePipeline's artifact access: objects of this team's own pipeline artifact bucket",
    ),
    InternalStatement(
        owner=VPC_PROJECTS + "/Role",
        actions=frozenset({"ec2:CreateNetworkInterfacePermission"}),
        resources=(f"{ARN}ec2:{REGION_ACCOUNT}:network-interface/\\*",),
        reason="CodeBuild in the VPC: permission on the build's network interfaces, limited by CDK to the platform "
        "subnets and to CodeBuild (ec2:Subnet, ec2:AuthorizedService)",
    ),
    InternalStatement(
        owner=VPC_PROJECTS,
        actions=frozenset(
            {
                "ec2:CreateNetworkInterface",
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DeleteNetworkInterface",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeVpcs",
            }
        ),
        resources=(r"\*",),
        reason="CodeBuild in the VPC: it creates the build's network interface at run time (CDK's VPC policy)",
    ),
    InternalStatement(
        owner=r"(.*/)?ModelBuild-[a-z0-9-]+/Pipeline/Source/Source/CodePipelineActionRole",
        actions=frozenset({"s3:PutObjectAcl", "s3:PutObjectVersionAcl"}),
        resources=(f"{STACK_OUTPUT}/\\*",),
        reason="CodePipeline's connection source writes the cloned source into this team's own artifact bucket "
        "(ACLs are disabled on it: the bucket owner is enforced)",
    ),
    InternalStatement(
        owner=r"(.*/)?ModelBuild-[a-z0-9-]+/Pipeline/Source/Source/CodePipelineActionRole",
        actions=S3_READ,
        resources=(STACK_OUTPUT, f"{STACK_OUTPUT}/[a-z0-9-]+/model-build/source\\.zip"),
        reason="CodePipeline's S3 source: read the team's one source object (and list the artifacts bucket to find "
        "its versions; listing reveals keys, never content)",
    ),
    InternalStatement(
        owner=r"(.*/)?Deploy-[a-z0-9-]+/Pipeline/Source/Platform/CodePipelineActionRole",
        actions=S3_READ,
        resources=(STACK_OUTPUT, f"{STACK_OUTPUT}/platform/source\\.zip"),
        reason="CodePipeline's S3 source: read the platform's one source object (and list the artifacts bucket to "
        "find its versions; listing reveals keys, never content)",
    ),
    InternalStatement(
        owner=DEPLOY_ACTIONS,
        actions=frozenset(
            {
                "cloudformation:CreateStack",
                "cloudformation:DeleteStack",
                "cloudformation:DescribeStack*",
                "cloudformation:GetStackPolicy",
                "cloudformation:GetTemplate*",
                "cloudformation:SetStackPolicy",
                "cloudformation:UpdateStack",
                "cloudformation:ValidateTemplate",
            }
        ),
        resources=(f"{ARN}cloudformation:{REGION_ACCOUNT}:stack/[a-z0-9-]+-serving-(staging|production)/\\*",),
        reason="CodePipeline's CloudFormation action on its one serving stack (any stack id of that name)",
    ),
    InternalStatement(
        owner=r"(.*/)?Teardown/Provider/(framework-[A-Za-z]+/ServiceRole|waiter-state-machine/Role)",
        actions=frozenset({"lambda:InvokeFunction"}),
        resources=(TOKEN, f"{TOKEN}:\\*"),
        reason="CDK provider framework: invoke any version (:*) of its own handler functions",
    ),
    InternalStatement(
        owner=r"(.*/)?Teardown/Provider/waiter-state-machine/Role",
        actions=frozenset(
            {
                "logs:CreateLogDelivery",
                "logs:CreateLogStream",
                "logs:GetLogDelivery",
                "logs:UpdateLogDelivery",
                "logs:DeleteLogDelivery",
                "logs:ListLogDeliveries",
                "logs:PutLogEvents",
                "logs:PutResourcePolicy",
                "logs:DescribeResourcePolicies",
                "logs:DescribeLogGroups",
            }
        ),
        resources=(r"\*",),
        reason="Step Functions log delivery of the waiter: CloudWatch Logs offers no resource-level permissions",
    ),
)


# CDK Pipelines' roles in the tooling account (the optional Delivery stack). CDK decides what they
# need; each shape below is what aws-cdk-lib 2.275 writes, and the delivery boundary caps them.
PIPELINES = r"(.*/)?Pipeline/"
PIPELINE_ROLES = PIPELINES + (
    r"(Pipeline/Role|Pipeline/Source/[^/]+/CodePipelineActionRole|Pipeline/Build/Synth/CdkBuildProject/Role"
    r"|UpdatePipeline/SelfMutation/Role|Assets/FileRole)"
)
CODEBUILD_ROLES = (
    PIPELINES + r"(Pipeline/Build/Synth/CdkBuildProject/Role|UpdatePipeline/SelfMutation/Role|Assets/FileRole)"
)
# The bucket of a cross-region support stack, by the physical name CDK generates for it.
REPLICATION_BUCKET = r"arn:(aws[a-z-]*|<AWS::Partition>):s3:::[a-z0-9.-]+[0-9a-f]{20}"
DELIVERY_STATEMENTS: tuple[InternalStatement, ...] = (
    InternalStatement(
        owner=PIPELINE_ROLES,
        actions=S3_READ | S3_WRITE | frozenset({"s3:PutObjectAcl", "s3:PutObjectVersionAcl"}),
        resources=(TOKEN, f"{TOKEN}/\\*"),
        reason="CDK Pipelines: the delivery pipeline's own artifact bucket (sources, synthesized assemblies)",
    ),
    InternalStatement(
        owner=PIPELINES + r"Pipeline/Role",
        actions=S3_READ | S3_WRITE,
        resources=(TOKEN, f"{TOKEN}/\\*", REPLICATION_BUCKET, f"{REPLICATION_BUCKET}/\\*"),
        reason="CDK Pipelines: its artifact bucket and, for waves into other regions, each region's replication bucket",
    ),
    InternalStatement(
        owner=PIPELINES + r"Pipeline/Role",
        actions=KMS_GRANT,
        resources=(r"\*", TOKEN),
        reason="CDK Pipelines: the replication keys of other regions are named by alias, which an IAM grant "
        "cannot scope, so CDK writes `*`; only keys of the tooling account whose policy delegates to IAM qualify",
    ),
    InternalStatement(
        owner=PIPELINE_ROLES,
        actions=KMS_GRANT,
        resources=(TOKEN,),
        reason="CDK Pipelines: the GenerateDataKey and ReEncrypt families on the artifact bucket's one key",
    ),
    *_codebuild_defaults(
        CODEBUILD_ROLES,
        project=f"({TOKEN}|\\*)",
        report_prefix=f"({TOKEN}-)?",
        logs_why="CDK Pipelines' CodeBuild projects log to their default groups; streams are named per build",
        reports_why="CDK Pipelines' CodeBuild report groups, created at build time",
    ),
    InternalStatement(
        owner=PIPELINES + r"Assets/FileRole",
        actions=frozenset({"codebuild:StartBuild", "codebuild:BatchGetBuilds", "codebuild:StopBuild"}),
        resources=(r"\*",),
        reason="CDK Pipelines' asset publishing starts the asset projects it creates at run time",
    ),
    InternalStatement(
        owner=PIPELINES + r"(UpdatePipeline/SelfMutation/Role|Assets/FileRole)",
        actions=frozenset({"sts:AssumeRole"}),
        resources=(r"arn:\*:iam::(\d{12}|<AWS::AccountId>):role/\*",),
        reason="CDK Pipelines assumes the CDK bootstrap roles (by their aws-cdk:bootstrap-role tag) of the accounts",
    ),
    InternalStatement(
        owner=PIPELINES + r"UpdatePipeline/SelfMutation/Role",
        actions=frozenset({"cloudformation:DescribeStacks", "s3:ListBucket"}),
        resources=(r"\*",),
        reason="CDK Pipelines' self-mutation reads the bootstrap stacks and buckets before it updates the pipeline",
    ),
)


def internal_reason(owner_path: str, actions: list[str], resources: list[str]) -> str | None:
    for entry in (*INTERNAL_STATEMENTS, *DELIVERY_STATEMENTS):
        if entry.covers(owner_path, actions, resources):
            return entry.reason
    return None
