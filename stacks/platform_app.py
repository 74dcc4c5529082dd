"""The CDK App every entry point builds (app.py, the tests, the benchmarks), and what goes in it."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk

from platform_config.schema import PlatformConfig
from stacks.delivery_stack import DeliveryStack
from stacks.platform_stage import PlatformStage, add_platform_stages

# Settings that keep the cloud assembly byte-identical between runs. Creation stack traces hold
# jsii's temporary paths. Applied after the CLI's context (they are reserved `aws:` keys that the
# CLI warns about in cdk.json).
DETERMINISTIC_CONTEXT = {
    "aws:cdk:disable-creation-stack-traces": True,
    "aws:cdk:disable-stack-trace": True,
}


def new_platform_app(**props: Any) -> cdk.App:
    """Version reporting off: it adds a metadata resource per stack carrying library versions."""
    return cdk.App(analytics_reporting=False, post_cli_context=DETERMINISTIC_CONTEXT, **props)


def build_platform(app: cdk.App, config: PlatformConfig, config_path: str) -> list[PlatformStage]:
    """One Stage per (environment, region); the delivery pipeline when the config has one."""
    stages = add_platform_stages(app, config)
    if config.delivery:
        DeliveryStack(
            app,
            "Delivery",
            config=config,
            config_path=config_path,
            env=cdk.Environment(account=config.delivery.account, region=config.delivery.region),
            stack_name=f"{config.project}-platform-delivery",
        )
    return stages
