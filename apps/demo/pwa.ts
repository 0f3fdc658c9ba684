import { VitePWA } from 'vite-plugin-pwa';
import type { PluginOption } from 'vite';

/**
 * The demo's offline shell (vite-plugin-pwa, Workbox). A hand-written service worker
 * (src/sw.ts) over Workbox's precaching rather than a generated one, because precached
 * responses must keep the cross-origin isolation headers. Lives here, beside the demo, so
 * the plugin resolves from the demo's own dependencies.
 */
export function offlineShell(): PluginOption {
  return VitePWA({
    strategies: 'injectManifest',
    srcDir: 'src',
    filename: 'sw.ts',
    // main.ts registers it itself (only from the demo page, never from harness.html).
    injectRegister: false,
    injectManifest: {
      rollupFormat: 'iife',
      // The manifest and its icon are added by the plugin itself.
      globPatterns: ['**/*.{html,js,mjs,css,wasm}'],
      // Model weights live in the engine's IndexedDB cache, not in the service worker's; the
      // benchmark page is a developer tool.
      globIgnores: ['models/**', 'bench.html', 'assets/bench-*.js'],
      // onnxruntime-web's ort-wasm-simd-threaded.asyncify.wasm alone is ~27 MB.
      maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
    },
    manifest: {
      name: 'inpage — LLM inference in the page',
      short_name: 'inpage',
      description: "A chat and an API playground for Hugging Face TGI's API, answered by a model running in the page.",
      start_url: './',
      scope: './',
      display: 'standalone',
      background_color: '#0f1115',
      theme_color: '#4f46e5',
      icons: [{ src: 'icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
    },
  });
}
