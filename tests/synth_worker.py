"""Synthesize one platform config in a process of its own (used by tests/synth.py).

    python -m tests.synth_worker CONFIG_YAML OUTDIR [--packs]

Each synthesis gets its own jsii kernel, freed when the process ends: one long-lived kernel keeps
every construct of every synthesized app alive and slows down with each app. With --packs the
compliance packs and Guard rules are attached (as app.py does) and the acknowledgments are
written to OUTDIR/acknowledgments.json. Exit 1 with the error on stderr when synthesis fails.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from platform_config import parse_config
from scripts.acknowledgments import collect, synthesize_with_packs
from scripts.synth_app import cli_context
from stacks.platform_app import build_platform, new_platform_app

ROOT = Path(__file__).resolve().parents[1]
# As the CLI writes it: the access journeys find resources by construct path (access/placeholders.py).
PATH_METADATA = {"aws:cdk:enable-path-metadata": True}


def main(argv: list[str]) -> int:
    config_file, outdir, packs = Path(argv[1]), argv[2], "--packs" in argv[3:]
    config = parse_config(config_file.read_text(), str(config_file), ROOT / "config")
    if not packs:
        app = new_platform_app(context=cli_context(PATH_METADATA), outdir=outdir)
        build_platform(app, config, "config/sample.yaml")
        app.synth()
        return 0
    try:
        app = synthesize_with_packs(config, "config/sample.yaml", outdir)
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    acknowledged = [dataclasses.asdict(item) for item in collect(app)]
    (Path(outdir) / "acknowledgments.json").write_text(json.dumps(acknowledged))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
