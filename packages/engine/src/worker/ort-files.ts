// The app serves onnxruntime-web's runtime itself, so nothing loads from a CDN. In this workspace Vite
// emits both files from these asset imports; the published build swaps this module for
// `ort-files.published.ts` (see packages/engine/tools/package/build.ts).
import mjs from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import wasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';

export const ortFiles = { mjs, wasm };
