/**
 * The demo's service worker, with two jobs:
 * - the API: every request under `/tgi` from any client of the origin (fetch or XMLHttpRequest,
 *   workers, iframes, other tabs, a GET opened in a tab) is relayed to the page that hosts the
 *   engine and answered by its shim, streamed (@inpage/api-shim/service-worker);
 * - the offline shell: it precaches the app shell, the engine's worker and onnxruntime-web's
 *   wasm, so that after one visit the demo opens offline. Model weights are not its business: the
 *   engine keeps them in IndexedDB, and requests nobody routes here go to the network untouched.
 */
import { relayToEngineHost } from '@inpage/api-shim/service-worker';
import { clientsClaim } from 'workbox-core';
import { addPlugins, cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | { url: string; revision: string | null })[] };

/**
 * A response from the cache carries the headers it was stored with, but a shell cached from a host
 * that did not send the isolation headers (or a copied redirect) would lose `crossOriginIsolated`,
 * and with it onnxruntime's WASM threads. So every precached response goes out with them — the
 * same fix coi-serviceworker applies.
 */
function withIsolationHeaders(response: Response): Response {
  if (response.type === 'opaque' || response.headers.get('Cross-Origin-Embedder-Policy')) return response;
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

// First, so that no other route answers the API's URLs. The same base as the page's shim (main.ts).
relayToEngineHost({ baseUrl: `${self.location.origin}/tgi` });

addPlugins([{ handlerWillRespond: async ({ response }) => withIsolationHeaders(response) }]);
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
// `/?model=…` is the demo page too: the query names the model, not another document.
const scope = new URL('./', self.location.href).pathname.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { allowlist: [new RegExp(`^${scope}(index\\.html)?$`)] }));

// A new version takes over at once: the shell is a cache of the build, not user state.
void self.skipWaiting();
clientsClaim();
