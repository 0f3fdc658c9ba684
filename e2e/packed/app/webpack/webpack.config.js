import { fileURLToPath } from 'node:url';

export default {
  mode: 'production',
  entry: './main.js',
  output: { path: fileURLToPath(new URL('./dist', import.meta.url)), clean: true },
  // xgrammar's Emscripten glue imports Node's `module` on a path only Node takes.
  resolve: { fallback: { module: false } },
  // The engine's worker and onnxruntime's wasm are large by nature.
  performance: { hints: false },
};
