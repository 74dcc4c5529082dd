#!/usr/bin/env python3
"""Synthesize the experiment platform: one Stage per (environment, region) of the config.

cdk synth                      # the sample, config/sample.yaml
cdk synth -c config=PATH.yaml  # another platform
python app.py [PATH.yaml]      # the same without the CLI (reads cdk.json's context itself)

Exit 1, with one line per problem, on a config error or on a compliance finding nobody
acknowledged; in both cases nothing in cdk.out may be deployed.
"""

from __future__ import annotations

import sys

from compliance.guard_sidecar import GuardSidecar

# First, before aws_cdk is imported: the sidecar builds its engine while this process builds the app.
SIDECAR = GuardSidecar.start()

from compliance.gate import fail_on_findings  # noqa: E402
from platform_config import ConfigError, load_config  # noqa: E402
from stacks.platform_app import new_platform_app, project_context, run_by_cli, synthesize_platform  # noqa: E402

DEFAULT_CONFIG = "config/sample.yaml"


def main(argv: list[str]) -> int:
    context = None if run_by_cli() else project_context({"config": argv[1]} if len(argv) > 1 else None)
    config_path = new_platform_app(context=context).node.try_get_context("config") or DEFAULT_CONFIG
    try:
        config = load_config(config_path)
        app, _ = synthesize_platform(config, config_path, context=context, sidecar=SIDECAR)
    except ConfigError as error:
        print(error, file=sys.stderr)
        print(f"{len(error.problems)} problem(s) in {config_path}; nothing was synthesized.", file=sys.stderr)
        return 1
    finally:
        if SIDECAR is not None:
            SIDECAR.close()
    return fail_on_findings(app.outdir, sys.stderr)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
