"""Delete a Studio user profile's or domain's apps and spaces before CloudFormation deletes it."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CustomResource, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import custom_resources as cr
from constructs import Construct

from platform_constructs.acknowledge import PACKS, acknowledge
from platform_constructs.explained import add_to_role, explain_grant, explained
from platform_constructs.stateful import Retention

LAMBDA_EXCEPTIONS = {
    "LambdaConcurrency": "invoked only by CloudFormation while a profile or the domain is deleted: a few calls",
    "LambdaDLQ": "invoked synchronously by the provider framework; a failure goes back to CloudFormation",
    "LambdaInsideVPC": "calls only the SageMaker API; in the isolated subnets its ENIs would block subnet deletion",
}

HANDLER_DIR = Path(__file__).resolve().parents[1] / "handlers" / "studio_teardown"
RESOURCE_TYPE = "Custom::StudioTeardown"
# Importing the handler in tests writes bytecode beside it: never part of the asset (or its hash).
BYTECODE = ["__pycache__", "*.pyc"]
QUERY_INTERVAL = Duration.seconds(30)
TOTAL_TIMEOUT = Duration.minutes(60)
# The handler gives up a little earlier than the provider, with a message naming what is left.
HANDLER_BUDGET_SECONDS = TOTAL_TIMEOUT.to_seconds() - 300


class StudioTeardownProvider(Construct):
    """The CDK Provider (on-event + is-complete handlers) serving every teardown in one domain.

    The handler is plain Python from `handlers/studio_teardown/` (boto3 only: no bundling, no
    Docker). Its role may list the domain's apps and spaces and delete them, nothing else.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, domain_id: str, key: kms.IKey, retention: Retention
    ) -> None:
        super().__init__(scope, construct_id)
        arn = Stack.of(self).format_arn
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            encryption_key=key,
            retention=logs.RetentionDays.ONE_YEAR,
            removal_policy=retention.removal_policy,
        )
        self.role = iam.Role(
            self,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Deletes the apps and spaces of one Studio domain before a profile or the domain goes",
        )
        apps = arn(service="sagemaker", resource="app", resource_name=f"{domain_id}/*")
        spaces = arn(service="sagemaker", resource="space", resource_name=f"{domain_id}/*")
        add_to_role(
            self.role,
            explained(
                sid="FindAppsAndSpaces",
                actions=["sagemaker:ListApps", "sagemaker:ListSpaces"],
                resources=["*"],
                why={"*": "IAM offers no resource-level permissions for ListApps and ListSpaces"},
            ),
            explained(
                sid="DeleteAppsAndSpacesOfThisDomain",
                actions=["sagemaker:DescribeDomain", "sagemaker:DeleteApp", "sagemaker:DeleteSpace"],
                resources=[arn(service="sagemaker", resource="domain", resource_name=domain_id), apps, spaces],
                why={
                    apps: "apps are created by users at run time; only those of this domain",
                    spaces: "spaces are created by users at run time; only those of this domain",
                },
            ),
        )
        explain_grant(self.role, self.log_group.grant_write(self.role), {})

        def handler(name: str, entry: str) -> lambda_.Function:
            return lambda_.Function(
                self,
                name,
                runtime=lambda_.Runtime.PYTHON_3_14,
                code=lambda_.Code.from_asset(str(HANDLER_DIR), exclude=BYTECODE),
                handler=f"index.{entry}",
                role=self.role,
                timeout=Duration.minutes(2),
                log_group=self.log_group,
                environment={"TEARDOWN_BUDGET_SECONDS": str(int(HANDLER_BUDGET_SECONDS))},
                description=f"Studio teardown: {entry}",
            )

        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=handler("OnEvent", "on_event"),
            is_complete_handler=handler("IsComplete", "is_complete"),
            query_interval=QUERY_INTERVAL,
            total_timeout=TOTAL_TIMEOUT,
            log_group=self.log_group,
            disable_waiter_state_machine_logging=False,  # the Provider's default is off
            waiter_state_machine_log_options=cr.LogOptions(
                destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False
            ),
        )
        self.service_token = self.provider.service_token
        for rule, reason in LAMBDA_EXCEPTIONS.items():
            for pack in PACKS:
                acknowledge(self, f"{pack}-{rule}", reason)
        acknowledge(
            self.provider,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            "CDK's provider framework functions (aws-cdk-lib code) log through the AWS basic execution policy",
        )
        acknowledge(
            self.provider,
            "AwsSolutions-SF2",
            "the provider's waiter only polls the is-complete handler; its executions are logged",
        )


class StudioTeardown(Construct):
    """The custom resource for one profile (`user_profile_name`) or the whole domain (None).

    Make it depend on what it protects, so that CloudFormation deletes it, and with it the apps
    and spaces, first. `retain`: delete nothing (retained environments).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        service_token: str,
        domain_id: str,
        user_profile_name: str | None,
        retain: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        properties = {"DomainId": domain_id, "Retain": "true" if retain else "false"}
        if user_profile_name:
            properties["UserProfileName"] = user_profile_name
        self.resource = CustomResource(
            self, "Resource", service_token=service_token, resource_type=RESOURCE_TYPE, properties=properties
        )
