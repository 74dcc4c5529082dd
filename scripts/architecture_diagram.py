#!/usr/bin/env python3
"""The architecture diagram of one environment-region (`make diagram`). Logic: devtools/architecture_diagram.py."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's packages, from anywhere

from devtools.architecture_diagram import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
