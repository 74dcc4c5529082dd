#!/usr/bin/env python3
"""Synthesize the experiment platform: one Stage per (environment, region) of the config.

cdk synth                      # the sample, config/sample.yaml
cdk synth -c config=PATH.yaml  # another platform
"""

from __future__ import annotations

import sys

from platform_config import ConfigError, load_config
from platform_constructs.compliance import attach_compliance_packs
from stacks.platform_app import build_platform, new_platform_app

DEFAULT_CONFIG = "config/sample.yaml"


def main() -> int:
    app = new_platform_app()
    config_path = app.node.try_get_context("config") or DEFAULT_CONFIG
    try:
        config = load_config(config_path)
    except ConfigError as error:
        print(error, file=sys.stderr)
        print(f"{len(error.problems)} problem(s) in {config_path}; nothing was synthesized.", file=sys.stderr)
        return 1
    build_platform(app, config, config_path)
    attach_compliance_packs(app)
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
