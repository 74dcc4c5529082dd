"""The one builder of the platform's CDK App: app.py, the tests and the scripts all use it."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from compliance import attach_compliance_packs
from compliance.gate import Finding, unacknowledged
from platform_config.loader import ConfigError
from platform_config.lookups import missing_lookups
from platform_config.schema import PlatformConfig
from stacks.delivery_stack import DeliveryStack
from stacks.platform_stage import PlatformStage, add_platform_stages

ROOT = Path(__file__).resolve().parents[1]
# Settings that keep the cloud assembly byte-identical between runs. Creation stack traces hold
# jsii's temporary paths. Applied after the CLI's context (they are reserved `aws:` keys that the
# CLI warns about in cdk.json).
DETERMINISTIC_CONTEXT = {
    "aws:cdk:disable-creation-stack-traces": True,
    "aws:cdk:disable-stack-trace": True,
}
# What the pinned CLI adds to cdk.json's context when it runs the app; `python app.py` on its own
# adds the same, so both write the same templates.
CLI_DEFAULTS = {
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
    "@aws-cdk/core:failSynthOnValidationErrors": False,
}


def project_context(extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """cdk.json's context, the committed lookups (cdk.context.json), and what the CLI adds."""
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    context.update(json.loads((ROOT / "cdk.context.json").read_text()))
    context.update(CLI_DEFAULTS)
    context.update(extra or {})
    return context


def run_by_cli() -> bool:
    return "CDK_CONTEXT_JSON" in os.environ or "CONTEXT_OVERFLOW_LOCATION_ENV" in os.environ


def new_platform_app(*, outdir: str | None = None, context: Mapping[str, Any] | None = None) -> cdk.App:
    """An App with the project's context: the CLI's when it runs the app, else read from the
    repository (so `python app.py` and the tests synthesize what `cdk synth` does).
    Version reporting off: it adds a metadata resource per stack carrying library versions."""
    if context is None and not run_by_cli():
        context = project_context()
    return cdk.App(
        analytics_reporting=False,
        post_cli_context=DETERMINISTIC_CONTEXT,
        outdir=outdir or (None if run_by_cli() else str(ROOT / "cdk.out")),
        context=dict(context) if context is not None else None,
    )


def build_platform(app: cdk.App, config: PlatformConfig, config_path: str) -> list[PlatformStage]:
    """One Stage per (environment, region); the delivery pipeline when the config has one.

    Refuses, as a config error, a region whose lookups (availability zones, the S3 prefix list)
    are not in the app's context: synthesis must never fall back to placeholders."""
    problems = missing_lookups(config, lambda key: app.node.try_get_context(key))
    if problems:
        raise ConfigError(config_path, problems)
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


def synthesize_platform(
    config: PlatformConfig,
    config_path: str,
    *,
    outdir: str | None = None,
    packs: bool = True,
    context: Mapping[str, Any] | None = None,
) -> tuple[cdk.App, list[Finding]]:
    """Build and synthesize; return the app and the findings nobody acknowledged (packs on)."""
    app = new_platform_app(outdir=outdir, context=context)
    build_platform(app, config, config_path)
    if packs:
        attach_compliance_packs(app)
    app.synth()
    return app, unacknowledged(app.outdir) if packs else []
