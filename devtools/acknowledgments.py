"""List every acknowledged compliance finding of a platform, for review (`make acknowledgments`).

    python scripts/acknowledgments.py [CONFIG]

Synthesizes the app as app.py does (compliance packs and Guard rules attached) into a temporary
folder and prints each acknowledgment: the finding id, the construct it sits on, the reason;
then the count per rule. Exit 1 when synthesis fails (an unacknowledged finding), 2 on a config
error.
"""

from __future__ import annotations

import sys
import tempfile

from compliance.acknowledgments import collect, count_by_rule
from platform_config import ConfigError, load_config
from stacks.platform_app import synthesize_platform
from stacks.project_context import ROOT


def main(argv: list[str]) -> int:
    config_path = argv[0] if argv else "config/sample.yaml"
    try:
        config = load_config(ROOT / config_path)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as outdir:
        app, findings = synthesize_platform(config, config_path, outdir=outdir)
        if findings:
            for finding in findings:
                print(f"error: {finding.line()}", file=sys.stderr)
            return 1
        acknowledged = collect(app)
    for item in acknowledged:
        print(f"{item.rule_id}\n    on {item.path}\n    because {item.reason}")
    counts = count_by_rule(acknowledged)
    print()
    for rule, count in sorted(counts.items()):
        print(f"{count:5d}  {rule}")
    print(f"{len(acknowledged)} acknowledgments of {len(counts)} rules")
    return 0
