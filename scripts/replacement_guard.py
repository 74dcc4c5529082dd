#!/usr/bin/env python3
"""Name each stateful resource a change would replace or delete. Logic: devtools/replacement_guard.py."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's packages, from anywhere

from devtools.replacement_guard import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
