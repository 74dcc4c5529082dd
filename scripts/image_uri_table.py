#!/usr/bin/env python3
"""Regenerate platform_config/image_uris.json from the SageMaker SDK. Logic: devtools/image_uri_table.py."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's packages, from anywhere

from devtools.image_uri_table import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
