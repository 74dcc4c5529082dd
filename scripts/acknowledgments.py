#!/usr/bin/env python3
"""List every acknowledged compliance finding of a platform, for review (`make acknowledgments`).

    python scripts/acknowledgments.py [CONFIG]

Builds the app as app.py does (compliance packs and Guard rules attached), synthesizes it into a
temporary folder, and prints each acknowledgment: the construct it sits on, the finding id and
the reason. Exit 1 when synthesis fails (an unacknowledged finding), 2 on a config error.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aws_cdk as cdk
from constructs import IConstruct

from platform_config import ConfigError, PlatformConfig, load_config
from platform_constructs.compliance import attach_compliance_packs
from scripts.synth_app import cli_context
from stacks.platform_app import build_platform, new_platform_app

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Acknowledged:
    path: str
    rule_id: str
    reason: str
    on_stack_or_stage: bool


def _without_namespace(rule_id: str) -> str:
    """'Annotation::AwsSolutions-IAM5[Resource::x]' -> 'AwsSolutions-IAM5[Resource::x]'."""
    namespace, separator, rest = rule_id.partition("::")
    return rest if separator and "[" not in namespace else rule_id


def collect(root: IConstruct) -> list[Acknowledged]:
    found = []
    for node in [root, *root.node.find_all()]:
        for entry in node.node.metadata:
            if entry.type != cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                continue
            broad = isinstance(node, cdk.Stack | cdk.Stage)
            found += [
                Acknowledged(node.node.path, _without_namespace(rule), reason, broad)
                for rule, reason in entry.data.items()
            ]
    return sorted(found, key=lambda a: (a.rule_id, a.path))


def synthesize_with_packs(config: PlatformConfig, config_path: str, outdir: str) -> cdk.App:
    app = new_platform_app(context=cli_context(), outdir=outdir)
    build_platform(app, config, config_path)
    attach_compliance_packs(app)
    app.synth()
    return app


def main(argv: list[str]) -> int:
    config_path = argv[1] if len(argv) > 1 else "config/sample.yaml"
    try:
        config = load_config(ROOT / config_path)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as outdir:
        try:
            app = synthesize_with_packs(config, config_path, outdir)
        except RuntimeError as error:
            print(f"error: synthesis failed: {str(error).splitlines()[0]}", file=sys.stderr)
            return 1
        acknowledged = collect(app)
    own = [a for a in acknowledged if a.rule_id.startswith(("AwsSolutions-", "NIST.800.53.R5-", "HIPAA.Security-"))]
    for item in own:
        print(f"{item.rule_id}\n    on {item.path}\n    because {item.reason}")
    rules = {a.rule_id.split("[")[0] for a in own}
    print(f"\n{len(own)} acknowledgments of {len(rules)} rules")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
