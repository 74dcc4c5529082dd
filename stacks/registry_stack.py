"""Stateful records of experimentation: model package groups, experiments, the MLflow server."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from platform_config.naming import Naming
from platform_config.schema import PlatformConfig
from platform_constructs.mlflow_tracking_server import MlflowTrackingServer
from platform_constructs.model_approval import ModelApproverRole
from platform_constructs.model_package_group import ModelPackageGroup
from platform_constructs.stateful import Retention, named_logical_id, pin_logical_id

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
        config: PlatformConfig,
        naming: Naming,
        artifacts: s3.IBucket,
        key: kms.IKey,
        retention: Retention,
        **stack_props: Any,
    ) -> None:
        super().__init__(scope, construct_id, **stack_props)
        group_names = tuple(naming.model_package_group_name(group.name) for group in config.model_groups)
        self.group_names: dict[str, str] = {}
        self.approver_role = None
        if config.model_groups:
            self.approver_role = ModelApproverRole(
                self,
                "Approver",
                approvers=config.registry.approvers,
                group_names=group_names,
                artifacts_bucket_arn=artifacts.bucket_arn,
                key_arn=key.key_arn,
                teams=tuple(sorted({group.team for group in config.model_groups})),
            ).role
            CfnOutput(self, "ApproverRoleArn", value=self.approver_role.role_arn)
        for group in config.model_groups:
            name = naming.model_package_group_name(group.name)
            construct = ModelPackageGroup(
                self,
                f"Group-{group.name}",
                group_name=name,
                # create-only: the config's words, or a default that depends only on the name
                description=group.description or f"Versions of model {group.name}",
                approver_role_arn=self.approver_role.role_arn if self.approver_role else "",
                consumer_accounts=group.consumer_accounts,
                retention=retention,
            )
            pin_logical_id(construct.resource, group_logical_id(group.name))
            Tags.of(construct).add("Team", group.team)
            self.group_names[group.name] = name

        for team in config.teams:
            for experiment in team.experiments:
                resource = sagemaker.CfnExperiment(
                    self,
                    f"Experiment-{team.name}-{experiment.name}",
                    experiment_name=naming.experiment_name(team.name, experiment.name),
                    description=experiment.description or None,
                )
                resource.apply_removal_policy(retention.removal_policy)
                pin_logical_id(resource, experiment_logical_id(team.name, experiment.name))
                Tags.of(resource).add("Team", team.name)

        self.mlflow: MlflowTrackingServer | None = None
        if config.mlflow.enabled:
            self.mlflow = MlflowTrackingServer(
                self,
                "Mlflow",
                server_name=naming.mlflow_server_name(),
                settings=config.mlflow,
                artifacts=artifacts,
                key=key,
                registry_prefix=naming.model_package_group_name(""),
                retention=retention,
            )
            pin_logical_id(self.mlflow.resource, MLFLOW_LOGICAL_ID)
            CfnOutput(self, "MlflowTrackingServerArn", value=self.mlflow.server_arn)
