import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import { offlineShell } from './apps/demo/pwa.ts';
import { serveModels } from './apps/demo/serve-models.ts';

/**
 * One config for the demo (dev server, preview, build) and the unit tests.
 * Pages are cross-origin isolated so onnxruntime-web can use WASM threads.
 */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: 'apps/demo',
  publicDir: 'public',
  plugins: [
    serveModels({ dir: 'models', builtIn: ['inpage-tiny'] }),
    // The demo installs as an app and opens offline after one visit (apps/demo/pwa.ts).
    offlineShell(),
  ],
  server: { headers: isolation, port: 5173 },
  preview: { headers: isolation, port: 4173 },
  worker: { format: 'es' },
  // transformers.js and onnxruntime-web are large prebuilt ESM bundles: pre-bundling them again only slows the dev server.
  optimizeDeps: { exclude: ['@huggingface/transformers', 'onnxruntime-web'] },
  build: {
    outDir: resolve('dist/demo'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        main: resolve('apps/demo/index.html'),
        harness: resolve('apps/demo/harness.html'),
        bench: resolve('apps/demo/bench.html'),
      },
    },
  },
  test: {
    root: '.',
    include: ['packages/**/*.test.ts', 'apps/**/*.test.ts'],
    setupFiles: ['packages/engine/src/testing/browser-parity.ts'],
    testTimeout: 60_000,
  },
});
