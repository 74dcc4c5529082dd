#!/usr/bin/env python3
"""The summary `make synth` prints: stacks, resources, sizes, idle cost. Logic: devtools/synth_summary.py."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's packages, from anywhere

from devtools.synth_summary import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
