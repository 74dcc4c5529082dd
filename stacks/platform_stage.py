"""One environment-region of the platform: a Stage, so `cdk deploy 'dev-us-east-1/*'` works."""

from __future__ import annotations

from aws_cdk import App, Environment, Stage, Tags
from constructs import Construct

from config.naming import Naming, StackKind
from config.schema import EnvironmentConfig, PlatformConfig, RegionConfig
from platform_constructs.stateful import Retention
from stacks.data_stack import DataStack
from stacks.network_stack import NetworkStack


class PlatformStage(Stage):
    """Composes the stacks of one (environment, region) and wires them; builds nothing itself."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        environment: EnvironmentConfig,
        region: RegionConfig,
    ) -> None:
        super().__init__(scope, construct_id, env=Environment(account=environment.account, region=region.name))
        naming = Naming(config.project, environment.name)
        retention = Retention(retain=environment.retain_stateful)
        where = f"{config.project} {environment.name} {region.name}"

        def stack_props(kind: StackKind, what: str) -> dict[str, object]:
            return {
                "stack_name": naming.stack_name(kind),
                "description": f"{where}: {what}",
                # A retained environment must not be deletable by one mistaken `cdk destroy`.
                "termination_protection": environment.retain_stateful,
            }

        self.data = DataStack(
            self,
            "Data",
            key_alias=naming.kms_alias(),
            retention=retention,
            settings=config.data,
            **stack_props(StackKind.DATA, "platform key, datasets, artifacts and access-log buckets"),
        )
        self.network = NetworkStack(
            self,
            "Network",
            vpc_cidr=region.vpc_cidr,
            az_count=region.az_count,
            endpoint_names=environment.endpoints_in(region),
            flow_log_key=self.data.key,
            flow_log_retention_days=config.network.flow_log_retention_days,
            retention=retention,
            **stack_props(StackKind.NETWORK, "isolated VPC, service endpoints, flow logs, Studio security group"),
        )

        # Stable values only: a tag that changes per commit would replace the Studio domain.
        Tags.of(self).add("Project", config.project)
        Tags.of(self).add("Environment", environment.name)
        Tags.of(self).add("Team", "platform")


def add_platform_stages(app: App, config: PlatformConfig) -> list[PlatformStage]:
    """One Stage per (environment, region): adding a region is a config change only."""
    return [
        PlatformStage(
            app, Naming(config.project, env.name).stage_id(region.name), config=config, environment=env, region=region
        )
        for env in config.environments
        for region in env.regions
    ]
