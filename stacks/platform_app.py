"""The one builder of the platform's CDK App: app.py, the tests and the scripts all use it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk

from compliance import attach_compliance_packs
from compliance.gate import Finding, unacknowledged
from compliance.guard_sidecar import GuardSidecar
from platform_config.loader import ConfigError
from platform_config.lookups import missing_lookups
from platform_config.schema import PlatformConfig
from serving.release import Release, ReleaseError
from stacks.platform_stage import PlatformStage, add_platform_stages
from stacks.project_context import DETERMINISTIC_CONTEXT, ROOT, project_context, run_by_cli

RELEASE_CONTEXT = "serving_release"
__all__ = ["build_platform", "new_platform_app", "project_context", "run_by_cli", "synthesize_platform"]


def new_platform_app(
    *, outdir: str | None = None, context: Mapping[str, Any] | None = None, builtin_validation: bool = True
) -> cdk.App:
    """An App with the project's context: the CLI's when it runs the app, else read from the
    repository (so `python app.py` and the tests synthesize what `cdk synth` does).
    Version reporting off: it adds a metadata resource per stack carrying library versions.
    `builtin_validation=False` only when the Guard sidecar runs the same rules instead."""
    if context is None and not run_by_cli():
        context = project_context()
    return cdk.App(
        analytics_reporting=False,
        builtin_cloud_formation_validation=builtin_validation,
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
    stages = add_platform_stages(app, config, serving_releases(app), config_path)
    if config.delivery:
        # Imported here: CDK Pipelines and the AWS CLI asset it loads take about 0.4 s to import,
        # which a platform without delivery should not pay on every synth.
        from stacks.delivery_stack import DeliveryStack

        DeliveryStack(
            app,
            "Delivery",
            config=config,
            config_path=config_path,
            env=cdk.Environment(account=config.delivery.account, region=config.delivery.region),
            stack_name=f"{config.project}-platform-delivery",
        )
    return stages


def serving_releases(app: cdk.App) -> tuple[Release, ...]:
    """The release the deploy pipeline pinned (`-c serving_release=<file>`), if any; a file that is
    not exactly right is a config error, one line per problem."""
    path = app.node.try_get_context(RELEASE_CONTEXT)
    if not path:
        return ()
    try:
        return (Release.load(str(path)),)
    except ReleaseError as error:
        raise ConfigError(str(path), error.problems) from None


def synthesize_platform(
    config: PlatformConfig,
    config_path: str,
    *,
    outdir: str | None = None,
    packs: bool = True,
    context: Mapping[str, Any] | None = None,
    sidecar: GuardSidecar | None = None,
    guard: cdk.CloudFormationValidatePlugin | None = None,
) -> tuple[cdk.App, list[Finding]]:
    """Build and synthesize; return the app and the findings nobody acknowledged (packs on).
    With a `sidecar` (started before aws_cdk was imported), the Guard rules run in it; `guard`
    is a Guard plugin shared by several syntheses of one process (see `attach_compliance_packs`)."""
    app = new_platform_app(outdir=outdir, context=context, builtin_validation=not (packs and sidecar))
    build_platform(app, config, config_path)
    if packs:
        attach_compliance_packs(app, sidecar, guard)
    app.synth()
    return app, unacknowledged(app.outdir) if packs else []
