"""A managed MLflow tracking server whose artifacts live in the retained artifacts bucket."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from platform_config.schema import MlflowSettings
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
        settings: MlflowSettings,
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
        artifacts.grant_read_write(self.role, f"{ARTIFACT_PREFIX}/*")
        key.grant_encrypt_decrypt(self.role)
        if settings.automatic_model_registration:
            arn = Stack.of(self).format_arn
            self.role.add_to_policy(
                iam.PolicyStatement(
                    sid="RegisterMlflowModels",
                    actions=[
                        "sagemaker:CreateModelPackageGroup",
                        "sagemaker:CreateModelPackage",
                        "sagemaker:DescribeModelPackageGroup",
                        "sagemaker:DescribeModelPackage",
                        "sagemaker:AddTags",
                    ],
                    resources=[
                        arn(service="sagemaker", resource="model-package-group", resource_name=f"{registry_prefix}*"),
                        arn(service="sagemaker", resource="model-package", resource_name=f"{registry_prefix}*/*"),
                    ],
                )
            )
        self.resource = sagemaker.CfnMlflowTrackingServer(
            self,
            "Resource",
            tracking_server_name=server_name,
            artifact_store_uri=f"s3://{artifacts.bucket_name}/{ARTIFACT_PREFIX}",
            role_arn=self.role.role_arn,
            tracking_server_size=settings.size,
            weekly_maintenance_window_start=settings.weekly_maintenance_window,
            automatic_model_registration=settings.automatic_model_registration,
            mlflow_version=settings.version,
        )
        self.resource.apply_removal_policy(retention.removal_policy)
        self.server_arn = self.resource.attr_tracking_server_arn
