"""Synthesize one platform config in a process of its own, with every gate on (used by the pool).

    python -m tests.support.synth_worker OUTDIR (--variant NAME | --config FILE)

Each synthesis gets its own jsii kernel, freed when the process ends: one long-lived kernel keeps
every construct of every synthesized app alive and slows down with each app. Writes the cloud
assembly to OUTDIR, plus OUTDIR/acknowledgments.json and OUTDIR/findings.json (the findings
nobody acknowledged). Exit 1 with the error on stderr when synthesis itself fails.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from compliance.acknowledgments import collect
from platform_config import ConfigError, parse_config
from stacks.platform_app import synthesize_platform
from tests.support.variants import SAMPLE_CONFIG, variant_config

CONFIG_DIR = SAMPLE_CONFIG.parent


def main(argv: list[str]) -> int:
    outdir, flag, value = argv[1], argv[2], argv[3]
    try:
        # A config written by the pool names the sample's lifecycle scripts relative to config/.
        config = (
            variant_config(value) if flag == "--variant" else parse_config(Path(value).read_text(), value, CONFIG_DIR)
        )
        app, findings = synthesize_platform(config, "config/sample.yaml", outdir=outdir)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 1
    (Path(outdir) / "acknowledgments.json").write_text(json.dumps([dataclasses.asdict(a) for a in collect(app)]))
    (Path(outdir) / "findings.json").write_text(json.dumps([dataclasses.asdict(f) for f in findings]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
