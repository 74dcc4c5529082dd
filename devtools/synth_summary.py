"""Print each synthesized stack with its resource count and template size.

python scripts/synth_summary.py cdk.out
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

from devtools.cost_report import summary_line

RESOURCE_QUOTA = 500
TEMPLATE_BODY_QUOTA = 1_000_000  # bytes, from S3: what `cdk deploy` uploads


def stack_templates(assembly: Path, prefix: str = "") -> Iterator[tuple[str, str, Path]]:
    """(display id, stack name, template path) for every stack, nested stage assemblies included."""
    manifest = json.loads((assembly / "manifest.json").read_text())
    for artifact_id, artifact in sorted(manifest.get("artifacts", {}).items()):
        properties = artifact.get("properties", {})
        if artifact["type"] == "cdk:cloud-assembly":
            yield from stack_templates(assembly / properties["directoryName"], f"{prefix}{properties['displayName']}/")
        elif artifact["type"] == "aws:cloudformation:stack":
            name = properties.get("stackName", artifact_id)
            display = artifact.get("displayName", artifact_id)
            yield display, name, assembly / properties["templateFile"]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: synth_summary.py CDK_OUT_DIR", file=sys.stderr)
        return 2
    assembly = Path(argv[0])
    if not (assembly / "manifest.json").is_file():
        print(f"error: {assembly} holds no cloud assembly (manifest.json missing)", file=sys.stderr)
        return 1
    rows = []
    for display, name, template in stack_templates(assembly):
        resources = len(json.loads(template.read_text()).get("Resources", {}))
        rows.append((display, name, resources, template.stat().st_size))
    width = max(len(row[0]) for row in rows)
    name_width = max(len(row[1]) for row in rows)
    print(f"\n{'stack':<{width}}  {'name':<{name_width}}  {'resources':>9}  {'template':>10}")
    for display, name, resources, size in rows:
        print(f"{display:<{width}}  {name:<{name_width}}  {resources:>9}  {size / 1024:>8.1f} KB")
    print(
        f"{len(rows)} stacks, {sum(r[2] for r in rows)} resources; largest template "
        f"{max(r[2] for r in rows)}/{RESOURCE_QUOTA} resources, {max(r[3] for r in rows) / 1024:.1f} KB"
    )
    print(summary_line(assembly))
    return 0
