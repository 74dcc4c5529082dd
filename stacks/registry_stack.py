"""Stateful records of experimentation: model package groups, experiments, the MLflow server."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from platform_constructs.mlflow_tracking_server import MlflowTrackingServer
from platform_constructs.model_approval import ModelApproverRole
from platform_constructs.model_package_group import ModelPackageGroup
from platform_constructs.stateful import Retention, named_logical_id, pin_logical_id
from stacks.stage_plan import ExperimentPlan, MlflowPlan, ModelGroupPlan

MLFLOW_LOGICAL_ID = "MlflowTrackingServer"


def group_logical_id(group: str) -> str:
    return named_logical_id("ModelGroup", group)


def experiment_logical_id(team: str, experiment: str) -> str:
    return named_logical_id("Experiment", f"{team}-{experiment}")


class RegistryStack(Stack):
    """Everything here is retained in retained environments and keeps a pinned logical id: the
    registry is the record of which model came from which run."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        groups: tuple[ModelGroupPlan, ...],
        experiments: tuple[ExperimentPlan, ...],
        approvers: tuple[str, ...],
        mlflow: MlflowPlan | None,
        artifacts: s3.IBucket,
        key: kms.IKey,
        retention: Retention,
        **stack_props: Any,
    ) -> None:
        super().__init__(scope, construct_id, **stack_props)
        self.group_names: dict[str, str] = {group.key: group.name for group in groups}
        self.approver_role = None
        if groups:
            self.approver_role = ModelApproverRole(
                self,
                "Approver",
                approvers=approvers,
                group_names=tuple(group.name for group in groups),
                artifacts_bucket_arn=artifacts.bucket_arn,
                key_arn=key.key_arn,
                teams=tuple(sorted({group.team for group in groups})),
            ).role
            CfnOutput(self, "ApproverRoleArn", value=self.approver_role.role_arn)
        for group in groups:
            construct = ModelPackageGroup(
                self,
                f"Group-{group.key}",
                group_name=group.name,
                description=group.description,
                approver_role_arn=self.approver_role.role_arn if self.approver_role else "",
                consumer_accounts=group.consumer_accounts,
                retention=retention,
            )
            pin_logical_id(construct.resource, group_logical_id(group.key))
            Tags.of(construct).add("Team", group.team)

        for experiment in experiments:
            resource = sagemaker.CfnExperiment(
                self,
                f"Experiment-{experiment.team}-{experiment.key}",
                experiment_name=experiment.name,
                description=experiment.description or None,
            )
            resource.apply_removal_policy(retention.removal_policy)
            pin_logical_id(resource, experiment_logical_id(experiment.team, experiment.key))
            Tags.of(resource).add("Team", experiment.team)

        self.mlflow: MlflowTrackingServer | None = None
        if mlflow:
            self.mlflow = MlflowTrackingServer(
                self,
                "Mlflow",
                server_name=mlflow.server_name,
                size=mlflow.size,
                weekly_maintenance_window=mlflow.weekly_maintenance_window,
                automatic_model_registration=mlflow.automatic_model_registration,
                version=mlflow.version,
                artifacts=artifacts,
                key=key,
                registry_prefix=mlflow.registry_prefix,
                retention=retention,
            )
            pin_logical_id(self.mlflow.resource, MLFLOW_LOGICAL_ID)
            CfnOutput(self, "MlflowTrackingServerArn", value=self.mlflow.server_arn)
