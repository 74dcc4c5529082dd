#!/usr/bin/env python3
"""The fixed monthly cost per environment-region (`make cost`). Logic: devtools/cost_report.py."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's packages, from anywhere

from devtools.cost_report import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
