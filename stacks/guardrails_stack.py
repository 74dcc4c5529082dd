"""Deployed first in each environment-region: the permissions boundary of every platform role."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from platform_constructs.permissions_boundary import PermissionsBoundary


class GuardrailsStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        boundary_name: str,
        project: str,
        environment: str,
        disposable: bool,
        **stack_props: Any,
    ) -> None:
        super().__init__(scope, construct_id, **stack_props)
        self.boundary = PermissionsBoundary(
            self,
            "PermissionsBoundary",
            policy_name=boundary_name,
            project=project,
            environment=environment,
            disposable=disposable,
        ).policy
        CfnOutput(self, "PermissionsBoundaryArn", value=self.boundary.managed_policy_arn)
