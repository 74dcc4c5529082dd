"""Copy named stacks' templates out of a cloud assembly, for CloudFormation deploy actions.

The deploy pipeline's Release step synthesizes the whole platform plus the release's serving
stacks, then keeps exactly the two serving templates, as `<out>/<stack name>.template.json`. A
stack it cannot find, or finds twice, fails the step: deploying something else is never a guess.

    python -m serving.collect_templates --assembly cdk.out --stacks A,B --out templates
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path


def stacks_in(assembly: Path) -> Iterator[tuple[str, Path]]:
    """(stack name, template path) of every stack of the assembly and its nested stage assemblies."""
    manifest = json.loads((assembly / "manifest.json").read_text())
    for artifact in manifest.get("artifacts", {}).values():
        properties = artifact.get("properties", {})
        if artifact.get("type") == "aws:cloudformation:stack":
            name = properties.get("stackName")
            if name:
                yield name, assembly / properties["templateFile"]
        elif artifact.get("type") == "cdk:cloud-assembly":
            yield from stacks_in(assembly / properties["directoryName"])


def collect(assembly: Path, names: list[str], out: Path) -> list[str]:
    """Copy each named stack's template; return the problems (nothing is copied when there are any)."""
    if not (assembly / "manifest.json").is_file():
        return [f"{assembly}: no cloud assembly (manifest.json missing)"]
    found: dict[str, list[Path]] = {}
    for name, template in stacks_in(assembly):
        found.setdefault(name, []).append(template)
    problems = [f"stack {name}: not in {assembly}" for name in names if name not in found]
    problems += [
        f"stack {name}: {len(found[name])} stacks of that name" for name in names if len(found.get(name, [])) > 1
    ]
    if problems:
        return problems
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(found[name][0], out / f"{name}.template.json")
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assembly", type=Path, required=True)
    parser.add_argument("--stacks", required=True, help="comma-separated stack names")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    names = [name for name in args.stacks.split(",") if name]
    problems = collect(args.assembly, names, args.out) if names else ["--stacks: no stack named"]
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if not problems:
        print(f"collected {', '.join(names)} into {args.out}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
