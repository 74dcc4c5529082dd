"""The permissions boundary every role the platform creates carries.

A boundary caps what a role can ever do, whatever policies are later attached to it. This one
allows the services the platform's roles use and explicitly denies the ways out: changing
identities or boundaries, weakening the buckets, deleting stateful SageMaker resources.
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from constructs import Construct

from platform_constructs.compliance import PACKS, acknowledge

# What platform roles (team execution roles, flow logs, custom-resource handlers) may use.
ALLOWED_ACTIONS = [
    "sagemaker:*",
    "sagemaker-mlflow:*",
    "s3:*",
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
    "kms:CreateGrant",
    "logs:*",
    "cloudwatch:PutMetricData",
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetAuthorizationToken",
    "ecr:GetDownloadUrlForLayer",
    "ec2:Describe*",
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
    # CDK's provider that strips the default security group's rules
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress",
    "iam:PassRole",
    # custom-resource provider framework: invoke handlers, run the is-complete waiter
    "lambda:InvokeFunction",
    "states:StartExecution",
]
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
        "s3:DeleteBucketPolicy",
        "s3:PutBucketAcl",
        "s3:PutBucketLogging",
        "s3:PutBucketOwnershipControls",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutBucketVersioning",
        "s3:PutEncryptionConfiguration",
    ],
    "NoStatefulSageMakerDeletes": [
        "sagemaker:DeleteDomain",
        "sagemaker:DeleteModelPackageGroup",
        "sagemaker:DeleteExperiment",
    ],
}


class PermissionsBoundary(Construct):
    """A named customer-managed policy, so stacks deployed later can reference it by name."""

    def __init__(self, scope: Construct, construct_id: str, *, policy_name: str) -> None:
        super().__init__(scope, construct_id)
        statements = [iam.PolicyStatement(sid="AllowedServices", actions=ALLOWED_ACTIONS, resources=["*"])]
        statements += [
            iam.PolicyStatement(sid=sid, effect=iam.Effect.DENY, actions=actions, resources=["*"])
            for sid, actions in DENIED.items()
        ]
        self.policy = iam.ManagedPolicy(
            self,
            "Resource",
            managed_policy_name=policy_name,
            description="Permissions boundary of every role the experiment platform creates",
            statements=statements,
        )
        for pack in PACKS:
            acknowledge(
                self.policy,
                f"{pack}-IAMPolicyNoStatementsWithFullAccess",
                "a permissions boundary caps roles and grants nothing; its service-wide allows are the cap",
            )
