#!/usr/bin/env bash
# Serves the demo on the built-in test model: http://localhost:5173
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

install_dependencies
build_models
pnpm_cmd exec vite --host 127.0.0.1 "$@"
