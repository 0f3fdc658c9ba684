#!/usr/bin/env bash
# Every test, from a fresh clone: unit tests (Vitest), then browser tests (Playwright, Chromium)
# on WebGPU and on WASM through the built demo, the shim and its clients in Firefox (WASM), and the
# packed packages installed into fresh Vite and webpack apps.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

install_dependencies
ensure_chromium
ensure_firefox
build_models
# Lint and format check first: it takes seconds (`npm run format` fixes what it can).
pnpm_cmd exec biome ci .
pnpm_cmd exec tsc -p .
pnpm_cmd exec vitest run
pnpm_cmd exec vite build
pnpm_cmd --filter @inpage/e2e exec playwright test "$@"
pnpm_cmd exec tsx --test e2e/firefox/shim.firefox.ts
pnpm_cmd --filter @inpage/e2e exec playwright test -c packed/packed.config.ts
