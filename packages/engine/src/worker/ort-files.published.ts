// The published worker's onnxruntime runtime: copies next to `engine-worker.js`, referenced the way Vite,
// webpack 5 and Rollup all understand, so a consumer's bundler emits them with the worker.
export const ortFiles = {
  mjs: new URL('./ort-wasm-simd-threaded.asyncify.mjs', import.meta.url).href,
  wasm: new URL('./ort-wasm-simd-threaded.asyncify.wasm', import.meta.url).href,
};
