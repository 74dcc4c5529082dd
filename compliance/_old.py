"""Compliance packs at synth, and the platform's explained exceptions to them.

Every exception is an acknowledgment on the narrowest construct, for one finding id, with a
reason written for this platform. Wildcard IAM findings (AwsSolutions-IAM5[...]) are explained
per policy statement: by the statement's Sid for the platform's own statements, or by the
action family of a statement CDK wrote for a `grant_*` call. A wildcard nobody explained stays
a finding and fails synthesis.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import (
    Acknowledgment,
    CloudFormationValidatePlugin,
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    Stack,
    ValidationRuleSource,
    Validations,
)
from aws_cdk import aws_iam as iam
from constructs import IConstruct

MIN_REASON = 20
PACKS = ("NIST.800.53.R5", "HIPAA.Security")
INLINE_POLICY_REASON = (
    "a role's own least-privilege statements (CDK grants and scoped statements) live in its inline policy, "
    "which no other principal can attach"
)
NO_RESOURCE_LEVEL = "IAM offers no resource-level permissions for these actions"

# The platform's own statements that need a wildcard, and why (keys are statement Sids).
STATEMENT_REASONS: dict[str, str] = {
    "RunJobs": "SageMaker and its SDK name jobs at run time; creation is bounded by the VPC and KMS deny statements",
    "ObserveAndStopJobs": "job names are generated at run time; describe and stop only, in this account-region",
    "TrackExperiments": "experiments, trials and components are named by data scientists at run time",
    "SearchAndList": NO_RESOURCE_LEVEL + " (Search, List*, BatchGetMetrics)",
    "UseStudioInThisDomain": "Studio creates apps, spaces and profiles at run time; limited to this domain id",
    "WriteLogs": "SageMaker creates a log group per job type under /aws/sagemaker/; limited to that prefix",
    "PutSageMakerMetrics": NO_RESOURCE_LEVEL + "; limited by a cloudwatch:namespace condition",
    "EcrLogin": NO_RESOURCE_LEVEL + " (ecr:GetAuthorizationToken)",
    "PullImagesOfThisAccount": "teams choose their image repositories; limited to this account-region's ECR",
    "DescribeNetwork": NO_RESOURCE_LEVEL + " (EC2 Describe calls SageMaker makes for VPC jobs)",
    "AttachJobsToThePlatformSubnets": "SageMaker creates job network interfaces at run time, only in platform subnets",
    "ManageJobNetworkInterfaces": "job network interfaces are created by SageMaker at run time and unknown in advance",
    "RunTeamPipelines": "teams create their own pipelines; limited to names that start with the team's prefix",
    "UseTheMlflowTrackingServer": "the sagemaker-mlflow API on the one tracking server of this environment-region",
    "RegisterModelsInTeamGroups": "model versions are numbered at registration; limited to the team's own groups",
    "ReviewAndDecide": "model versions are numbered at registration; limited to the platform's model groups",
    "ListVersions": NO_RESOURCE_LEVEL + " (ListModelPackages, ListModelPackageGroups)",
    "RegisterMlflowModels": "MLflow names registered models; limited to groups named with this environment's prefix",
    "FindAppsAndSpaces": NO_RESOURCE_LEVEL + " (ListApps, ListSpaces)",
    "DeleteAppsAndSpacesOfThisDomain": "apps and spaces are created by users at run time; limited to this domain id",
    "UpsertStartAndWatchTheTeamPipeline": "execution ids are generated at start; limited to this pipeline's executions",
    "AllowedServices": "the permissions boundary: a cap on what platform roles can ever do, granting nothing itself",
}

# Statements CDK writes for grant_* calls carry no Sid: explained by the family of their actions.
GRANT_FAMILIES: list[tuple[frozenset[str], str]] = [
    (
        frozenset(
            {
                "s3:GetObject*",
                "s3:GetBucket*",
                "s3:List*",
                "s3:DeleteObject*",
                "s3:PutObject",
                "s3:PutObjectLegalHold",
                "s3:PutObjectRetention",
                "s3:PutObjectTagging",
                "s3:PutObjectVersionTagging",
                "s3:Abort*",
            }
        ),
        "CDK bucket grant: object actions on the keys of one platform or asset bucket, under a prefix where one exists",
    ),
    (
        frozenset({"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"}),
        "CDK key grant: the ReEncrypt and GenerateDataKey families on the one platform key",
    ),
    (
        frozenset({"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"}),
        "log streams are named at run time; limited to the log groups of this construct",
    ),
    (
        frozenset(
            {
                "codebuild:CreateReportGroup",
                "codebuild:CreateReport",
                "codebuild:UpdateReport",
                "codebuild:BatchPutTestCases",
                "codebuild:BatchPutCodeCoverages",
            }
        ),
        "CDK CodeBuild defaults: report groups named after the project, created at build time",
    ),
    (
        frozenset(
            {
                "logs:CreateLogDelivery",
                "logs:GetLogDelivery",
                "logs:UpdateLogDelivery",
                "logs:DeleteLogDelivery",
                "logs:ListLogDeliveries",
                "logs:PutResourcePolicy",
                "logs:DescribeResourcePolicies",
                "logs:DescribeLogGroups",
            }
        ),
        "Step Functions log delivery: " + NO_RESOURCE_LEVEL,
    ),
    (
        frozenset({"lambda:InvokeFunction"}),
        "CDK provider framework: invoke any version (:*) of its own handler functions",
    ),
]


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """One finding id on one construct. Reasons are for reviewers: short ones are refused."""
    if len(reason) < MIN_REASON:
        raise ValueError(f"acknowledgment of {rule_id} on {scope.node.path}: reason too short ({reason!r})")
    Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))


def flatten_reference(value: Any) -> str:
    """A resource value the way cdk-nag names it in a finding id (intrinsics as <Id.Attr>)."""
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    if isinstance(value, dict):
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return str(separator).join(flatten_reference(part) for part in parts)
        if "Fn::Sub" in value:
            return flatten_reference(value["Fn::Sub"])
        if "Fn::GetAtt" in value:
            resource, attribute = value["Fn::GetAtt"]
            return f"<{flatten_reference(resource)}.{flatten_reference(attribute)}>"
        if "Fn::ImportValue" in value:
            return flatten_reference(value["Fn::ImportValue"])
        if "Ref" in value:
            return f"<{flatten_reference(value['Ref'])}>"
    return json.dumps(value, separators=(",", ":"))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def wildcard_findings(statement: dict[str, Any]) -> list[str]:
    """The AwsSolutions-IAM5 finding ids one Allow statement raises."""
    if statement.get("Effect") != "Allow":
        return []
    findings = [f"Action::{a}" for a in _as_list(statement.get("Action", [])) if "*" in a]
    resources = (flatten_reference(r) for r in _as_list(statement.get("Resource", [])))
    findings += [f"Resource::{r}" for r in resources if "*" in r]
    return [f"AwsSolutions-IAM5[{finding}]" for finding in findings]


def reason_for(statement: dict[str, Any]) -> str | None:
    sid = statement.get("Sid")
    if sid:
        return STATEMENT_REASONS.get(sid)
    actions = set(_as_list(statement.get("Action", [])))
    touched = [reason for family, reason in GRANT_FAMILIES if actions & family]
    if not actions or not touched or not actions <= frozenset().union(*(f for f, _ in GRANT_FAMILIES)):
        return None
    return "; ".join(touched)


def _policy_owners(root: IConstruct) -> dict[tuple[str, str], IConstruct]:
    """(template file name, logical id) -> the CfnPolicy or CfnManagedPolicy construct."""
    owners: dict[tuple[str, str], IConstruct] = {}
    for node in root.node.find_all():
        if isinstance(node, iam.CfnPolicy | iam.CfnManagedPolicy):
            stack = Stack.of(node)
            owners[(stack.template_file, stack.resolve(node.logical_id))] = node
    return owners


@jsii.implements(IPolicyValidationPlugin)
class ExplainedWildcards:
    """Acknowledges, on each policy, the wildcard findings its statements have a reason for.

    A validation plugin rather than an aspect: it reads the synthesized templates, so the
    finding ids it computes see cross-stack references as the packs do (Fn::GetStackOutput),
    and CDK collects acknowledgments only after every plugin has run. It reports no violations.
    """

    def __init__(self, root: IConstruct) -> None:
        self._root = root

    @property
    def name(self) -> str:
        return "ExplainedWildcards"

    @property
    def version(self) -> str:
        return "1.0.0"

    @property
    def rule_ids(self) -> list[str]:
        return []

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        owners = _policy_owners(self._root)
        for path in context.template_paths:
            template = json.loads(Path(path).read_text())
            for logical_id, resource in template.get("Resources", {}).items():
                owner = owners.get((Path(path).name, logical_id))
                if owner is None:
                    continue
                if resource["Type"] == "AWS::IAM::Policy":
                    for pack in PACKS:
                        acknowledge(owner, f"{pack}-IAMNoInlinePolicy", INLINE_POLICY_REASON)
                for statement in _as_list(resource["Properties"]["PolicyDocument"].get("Statement", [])):
                    reason = reason_for(statement)
                    for finding in wildcard_findings(statement) if reason else []:
                        acknowledge(owner, finding, reason)  # type: ignore[arg-type]
        return PolicyValidationPluginReport(success=True, violations=[])


GUARD_RULES = Path(__file__).resolve().parents[1] / "policy" / "sagemaker.guard"


def guard_plugin() -> CloudFormationValidatePlugin:
    """CloudFormation Guard rules for SageMaker and the platform's invariants, plus the default rules.
    Violations fail synthesis: cdk.json sets @aws-cdk/core:validateAgainstDefaultRules."""
    return CloudFormationValidatePlugin(
        guard_rules=[ValidationRuleSource(name="platform-sagemaker", content=GUARD_RULES.read_text())],
        include_default_rules=True,
    )


def attach_compliance_packs(app: IConstruct) -> None:
    """AwsSolutions, NIST 800-53 rev 5 and HIPAA Security, the explained wildcards and the Guard
    rules. Findings nobody acknowledged make synthesis fail (cdk.out/validation-report.json)."""
    from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks

    Validations.of(app).add_plugins(
        ExplainedWildcards(app),
        guard_plugin(),
        AwsSolutionsChecks(app),
        NIST80053R5Checks(app),
        HIPAASecurityChecks(app),
    )
