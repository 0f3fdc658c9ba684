#!/usr/bin/env bash
# Every test, from a fresh clone: unit tests (Vitest), then browser tests (Playwright, Chromium)
# on WebGPU and on WASM through the built demo.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

install_dependencies
ensure_chromium
build_models
pnpm_cmd exec tsc -p .
pnpm_cmd exec vitest run
pnpm_cmd exec vite build
pnpm_cmd --filter @inpage/e2e exec playwright test "$@"
