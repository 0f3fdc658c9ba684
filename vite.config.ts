import { defineConfig } from 'vite';

/**
 * One config for the demo (dev server, preview, build) and the unit tests.
 * The demo's pages are cross-origin isolated so onnxruntime-web can use WASM threads.
 */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: 'apps/demo',
  publicDir: 'public',
  server: { headers: isolation, port: 5173, strictPort: false },
  preview: { headers: isolation, port: 4173 },
  worker: { format: 'es' },
  build: { outDir: '../../dist/demo', emptyOutDir: true, target: 'es2022' },
  test: {
    root: '.',
    include: ['packages/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
