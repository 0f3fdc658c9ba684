// The app serves onnxruntime-web's runtime itself, so nothing loads from a CDN. Vite emits both files
// from these asset imports; the published build turns them into `new URL(…, import.meta.url)` references
// to copies next to the worker (scripts/package/build.ts), which other bundlers follow too.
import mjs from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import wasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';

export const ortFiles = { mjs, wasm };
