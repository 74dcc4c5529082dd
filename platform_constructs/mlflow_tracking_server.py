"""A managed MLflow tracking server whose artifacts live in the retained artifacts bucket."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from platform_constructs.explained import add_to_role, explained
from platform_constructs.stateful import Retention

ARTIFACT_PREFIX = "mlflow"


class MlflowTrackingServer(Construct):
    """The server runs as its own role: read and write under `mlflow/` of the artifacts bucket,
    the key, and, when automatic model registration is on, create model package groups and
    versions whose names start with `registry_prefix`. The server's metadata store is managed by
    SageMaker and goes with the server: it is retained in retained environments."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        server_name: str,
        size: str,
        weekly_maintenance_window: str,
        automatic_model_registration: bool,
        version: str | None,
        artifacts: s3.IBucket,
        key: kms.IKey,
        registry_prefix: str,
        retention: Retention,
    ) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description=f"MLflow tracking server {server_name}",
        )
        arn = Stack.of(self).format_arn
        objects = artifacts.arn_for_objects(f"{ARTIFACT_PREFIX}/*")
        statements = [
            explained(
                sid="ReadWriteMlflowArtifacts",
                actions=[
                    "s3:GetObject",
                    "s3:GetObjectVersion",
                    "s3:PutObject",
                    "s3:DeleteObject",
                    "s3:AbortMultipartUpload",
                ],
                resources=[objects],
                why={objects: f"the tracking server's artifact store under {ARTIFACT_PREFIX}/ (keys named per run)"},
            ),
            explained(
                sid="ListMlflowArtifacts",
                actions=["s3:ListBucket"],
                resources=[artifacts.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{ARTIFACT_PREFIX}/", f"{ARTIFACT_PREFIX}/*"]}},
            ),
            explained(sid="LocateTheArtifactStore", actions=["s3:GetBucketLocation"], resources=[artifacts.bucket_arn]),
            explained(
                sid="UseThePlatformKey",
                actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                resources=[key.key_arn],
            ),
        ]
        if automatic_model_registration:
            groups = arn(service="sagemaker", resource="model-package-group", resource_name=f"{registry_prefix}*")
            versions = arn(service="sagemaker", resource="model-package", resource_name=f"{registry_prefix}*/*")
            statements.append(
                explained(
                    sid="RegisterMlflowModels",
                    actions=[
                        "sagemaker:CreateModelPackageGroup",
                        "sagemaker:CreateModelPackage",
                        "sagemaker:DescribeModelPackageGroup",
                        "sagemaker:DescribeModelPackage",
                        "sagemaker:AddTags",
                    ],
                    resources=[groups, versions],
                    why={
                        groups: "MLflow names registered models; only groups named with this environment's prefix",
                        versions: "versions of those groups, numbered at registration",
                    },
                )
            )
        add_to_role(self.role, *statements)
        self.resource = sagemaker.CfnMlflowTrackingServer(
            self,
            "Resource",
            tracking_server_name=server_name,
            artifact_store_uri=f"s3://{artifacts.bucket_name}/{ARTIFACT_PREFIX}",
            role_arn=self.role.role_arn,
            tracking_server_size=size,
            weekly_maintenance_window_start=weekly_maintenance_window,
            automatic_model_registration=automatic_model_registration,
            mlflow_version=version,
        )
        self.resource.apply_removal_policy(retention.removal_policy)
        # The server uses its role's permissions as soon as it starts: create it after they exist.
        default_policy = self.role.node.try_find_child("DefaultPolicy")
        if default_policy is not None:
            self.resource.node.add_dependency(default_policy)
        self.server_arn = self.resource.attr_tracking_server_arn
