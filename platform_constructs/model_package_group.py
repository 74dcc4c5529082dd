"""A model package group: the registry of one model's versions, with who may read and approve."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from platform_constructs.stateful import Retention


class ModelPackageGroup(Construct):
    """Name and description are create-only: both come from platform_config values that never change
    meaning (the group name; a description written once). The resource policy:

    - denies changing a version's approval status, and registering a version as anything but
      PendingManualApproval, to every principal but `approver_role_arn` (separation of duties:
      whoever builds a model, a team or the MLflow server, does not approve it);
    - lets `consumer_accounts` (production accounts) read the group and its versions.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        group_name: str,
        description: str,
        approver_role_arn: str,
        consumer_accounts: tuple[str, ...],
        retention: Retention,
    ) -> None:
        super().__init__(scope, construct_id)
        arn = Stack.of(self).format_arn
        group_arn = arn(service="sagemaker", resource="model-package-group", resource_name=group_name)
        versions_arn = arn(service="sagemaker", resource="model-package", resource_name=f"{group_name}/*")
        statements = [
            iam.PolicyStatement(
                sid="OnlyApproversChangeApprovalStatus",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["sagemaker:UpdateModelPackage"],
                resources=[versions_arn],
                conditions={
                    "Null": {"sagemaker:ModelApprovalStatus": "false"},
                    "ArnNotLike": {"aws:PrincipalArn": approver_role_arn},
                },
            ),
            iam.PolicyStatement(
                sid="OnlyApproversRegisterOtherThanPending",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["sagemaker:CreateModelPackage"],
                resources=[versions_arn],
                conditions={
                    "StringNotEqualsIfExists": {"sagemaker:ModelApprovalStatus": "PendingManualApproval"},
                    "ArnNotLike": {"aws:PrincipalArn": approver_role_arn},
                },
            ),
        ]
        if consumer_accounts:
            statements.append(
                iam.PolicyStatement(
                    sid="ConsumerAccountsRead",
                    principals=[iam.AccountPrincipal(account) for account in consumer_accounts],
                    actions=[
                        "sagemaker:DescribeModelPackageGroup",
                        "sagemaker:DescribeModelPackage",
                        "sagemaker:ListModelPackages",
                    ],
                    resources=[group_arn, versions_arn],
                )
            )
        self.resource = sagemaker.CfnModelPackageGroup(
            self,
            "Resource",
            model_package_group_name=group_name,
            model_package_group_description=description,
            model_package_group_policy=iam.PolicyDocument(statements=statements).to_json(),
        )
        self.resource.apply_removal_policy(retention.removal_policy)
        self.group_name = group_name
        self.group_arn = group_arn
