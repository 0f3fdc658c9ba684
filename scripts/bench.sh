#!/usr/bin/env bash
# Decode speed of the engine against a plain transformers.js loop, on WASM and WebGPU (see e2e/bench/run.ts),
# then the Service Worker transport against the in-page patch, and recovery from a killed worker (e2e/bench/transport.ts),
# then memory and context length on a Qwen2.5-0.5B-sized q4 model (e2e/bench/big-model.ts).
# `--memory` instead: the worker's memory across model swaps (e2e/bench/memory.ts).
# `--big` instead: only that last part.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

install_dependencies
ensure_chromium
if [[ "${1:-}" == --big ]]; then
  shift
  build_models --big
  pnpm_cmd exec vite build
  pnpm_cmd exec tsx e2e/bench/big-model.ts "$@"
  exit
fi
build_models --bench
pnpm_cmd exec vite build
if [[ "${1:-}" == --memory ]]; then
  shift
  pnpm_cmd exec tsx e2e/bench/memory.ts "$@"
  exit
fi
pnpm_cmd exec tsx e2e/bench/run.ts "$@"
pnpm_cmd exec tsx e2e/bench/transport.ts
# Last, as it builds an 854 MB model: memory and context length at a real model's size (what `--big` runs alone).
build_models --big
pnpm_cmd exec tsx e2e/bench/big-model.ts
