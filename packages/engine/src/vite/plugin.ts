import type { Plugin } from 'vite';

export interface InpageViteOptions {
  /**
   * Send `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp` from the
   * dev and preview servers, so onnxruntime-web may use several WASM threads. Default: true.
   * (Your production host must send them too: a plugin cannot.)
   */
  crossOriginIsolation?: boolean;
}

/**
 * What a Vite app embedding `@inpage/engine` needs: the engine worker built as an ES module (it splits
 * off a chunk for structured output), the engine kept out of dependency pre-bundling (pre-bundled code
 * moves, and its `new URL('./engine-worker.js', import.meta.url)` would point nowhere), and COOP/COEP.
 */
export function inpage(options: InpageViteOptions = {}): Plugin {
  const headers =
    options.crossOriginIsolation === false
      ? {}
      : { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
  return {
    name: 'inpage-engine',
    config: () => ({
      server: { headers },
      preview: { headers },
      worker: { format: 'es' },
      optimizeDeps: { exclude: ['@inpage/engine', '@huggingface/transformers', 'onnxruntime-web'] },
    }),
  };
}
