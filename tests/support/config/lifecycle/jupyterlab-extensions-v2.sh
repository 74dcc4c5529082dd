#!/bin/bash
# Optional JupyterLab lifecycle config: installs the git and resource-usage extensions.
# Runs at app start with the user's execution role; packages come through the VPC endpoints
# (CodeArtifact when configured) because the domain has no internet access.
set -euo pipefail
pip install --quiet --no-cache-dir jupyterlab-git jupyter-resource-usage || \
  echo "lifecycle: extensions not installed (no package index reachable); continuing" >&2
echo "lifecycle: one more line, so that the content (and the name) changes"
