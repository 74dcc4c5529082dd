"""Print the recommended feature flags of the installed aws-cdk-lib as JSON.

cdk.json must carry all of them (tests/test_feature_flags.py checks it). After bumping
aws-cdk-lib: `python scripts/feature_flags.py` and merge the output into cdk.json's context.
"""

from __future__ import annotations

import json
import sys
import tarfile
from pathlib import Path

import aws_cdk


def recommended_flags() -> dict[str, object]:
    """Read the flags from the jsii tarball the Python package ships (no Node needed)."""
    tarballs = sorted((Path(aws_cdk.__file__).parent / "_jsii").glob("aws-cdk-lib@*.jsii.tgz"))
    if len(tarballs) != 1:
        raise SystemExit(f"expected one aws-cdk-lib jsii tarball, found {tarballs}")
    with tarfile.open(tarballs[0]) as archive:
        member = archive.extractfile("package/recommended-feature-flags.json")
        if member is None:
            raise SystemExit(f"{tarballs[0]} has no recommended-feature-flags.json")
        flags: dict[str, object] = json.load(member)
        return flags


def main(argv: list[str] | None = None) -> int:
    del argv
    json.dump(recommended_flags(), sys.stdout, indent=2, sort_keys=True)
    print()
    return 0
