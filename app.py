#!/usr/bin/env python3
"""Synthesize the experiment platform: one Stage per (environment, region) of the config.

cdk synth                      # the sample, config/sample.yaml
cdk synth -c config=PATH.yaml  # another platform
python app.py [PATH.yaml]      # the same without the CLI (reads cdk.json's context itself)
python app.py PATH.yaml --release release.json
                               # plus the serving stacks of a release (the deploy pipeline's)

Exit 1, with one line per problem, on a config error or on a compliance finding nobody
acknowledged; in both cases nothing in cdk.out may be deployed.

The order is for speed: the config is read and checked before aws_cdk is imported (a bad config
fails in a second), and the Guard sidecar starts before it, so that its validation engine builds
while this process builds the app (docs/synth-speed.md).
"""

from __future__ import annotations

import sys

from compliance.guard_sidecar import GuardSidecar
from platform_config import ConfigError, load_config
from stacks.project_context import cli_context, project_context, run_by_cli

DEFAULT_CONFIG = "config/sample.yaml"


def refuse(error: ConfigError, config_path: str) -> int:
    print(error, file=sys.stderr)
    print(f"{len(error.problems)} problem(s) in {config_path}; nothing was synthesized.", file=sys.stderr)
    return 1


def direct_context(argv: list[str]) -> dict[str, str] | None:
    """`python app.py [CONFIG] [--release FILE]`: what the CLI would pass as -c config=, -c serving_release=."""
    args = argv[1:]
    given: dict[str, str] = {}
    if "--release" in args:
        at = args.index("--release")
        if at + 1 >= len(args):
            raise SystemExit("error: --release needs a file (the deploy pipeline's release.json)")
        given["serving_release"] = args[at + 1]
        del args[at : at + 2]
    if len(args) > 1:
        raise SystemExit(f"error: unexpected arguments {' '.join(args[1:])}; usage: app.py [CONFIG] [--release FILE]")
    if args:
        given["config"] = args[0]
    return given or None


def main(argv: list[str]) -> int:
    context = None if run_by_cli() else project_context(direct_context(argv))
    config_path = str((cli_context() if context is None else context).get("config") or DEFAULT_CONFIG)
    try:
        config = load_config(config_path)
    except ConfigError as error:
        return refuse(error, config_path)
    sidecar = GuardSidecar.start()
    try:
        # These start the jsii kernel: only once the config is known to be good.
        from compliance.gate import fail_on_findings
        from stacks.platform_app import synthesize_platform

        app, _ = synthesize_platform(config, config_path, context=context, sidecar=sidecar)
    except ConfigError as error:  # a region without its committed lookups
        return refuse(error, config_path)
    finally:
        if sidecar is not None:
            sidecar.close()
    return fail_on_findings(app.outdir, sys.stderr)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
