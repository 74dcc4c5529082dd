#!/usr/bin/env python3
"""The recommended feature flags of the pinned aws-cdk-lib (cdk.json keeps them). Logic: devtools/feature_flags.py."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's packages, from anywhere

from devtools.feature_flags import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
