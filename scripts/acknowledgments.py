#!/usr/bin/env python3
"""Every acknowledged compliance finding, with its reason. Logic: devtools/acknowledgments.py."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's packages, from anywhere

from devtools.acknowledgments import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
