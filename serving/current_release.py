"""What production serves now, as a release file: the deploy pipeline's `--current` for pin_version.

Read from the production serving stack's outputs (`Version<Variant>`, the exact version ARNs the
template names), each version described again for its registered baselines. A variant output the
config does not know, or a version that no longer exists, fails the step in one line.

    python -m serving.current_release --stack-name S --group G --variants champion,challenger \
        --region R --out current.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from serving.pin_version import PinError, baselines_of, parse_variants, write_atomically
from serving.release import PinnedVersion, Release

PREFIX = "Version"


def served(cloudformation: Any, sagemaker: Any, stack: str, group: str, variants: tuple[str, ...]) -> Release:
    (described,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", []) if "OutputValue" in o}
    pinned = []
    for variant in variants:
        arn = outputs.get(f"{PREFIX}{variant.capitalize()}")
        if arn is None:
            raise PinError(f"stack {stack} has no output {PREFIX}{variant.capitalize()} (the variant {variant})")
        pinned.append(
            (variant, PinnedVersion(arn, baselines_of(arn, sagemaker.describe_model_package(ModelPackageName=arn))))
        )
    return Release(group=group, variants=tuple(pinned))


def main(argv: list[str] | None = None, clients: tuple[Any, Any] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack-name", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--variants", type=parse_variants, required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if clients is None:
        import boto3

        clients = (
            boto3.client("cloudformation", region_name=args.region),
            boto3.client("sagemaker", region_name=args.region),
        )
    try:
        cloudformation, sagemaker = clients
        release = served(cloudformation, sagemaker, args.stack_name, args.group, args.variants)
    except PinError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    write_atomically(args.out, release.to_json())
    for name, version in release.variants:
        print(f"{name} serves {version.arn}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
