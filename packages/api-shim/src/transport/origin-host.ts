/**
 * One engine per origin. Every tab of the app calls `hostEngineOnce`. Where the engine lives:
 * - In a SharedWorker of the origin (engine/client/engine-client.ts `sharedWorker`): every tab
 *   makes its engine with the placement it is given, which connects it to that one engine; every
 *   tab patches its own fetch and answers the Service Worker. Closing any tab loads nothing again
 *   while one tab remains.
 * - In a leader tab: the tab that wins a Web Lock creates the engine, patches its own fetch and
 *   answers what the Service Worker relays for every other client of the origin; the other tabs
 *   load nothing and are served through the Service Worker. When the host tab closes, the browser
 *   hands the lock to another tab, which loads the model (from the IndexedDB weight cache) and
 *   takes over; requests the old host had not answered are sent to the new one by the Service Worker.
 *
 * Which one (`host: 'auto'`): the SharedWorker where the browser has one and it costs no speed,
 * i.e. where WebGPU works inside it (unless the engine is asked for WASM), or where the page is not
 * cross-origin isolated. A SharedWorker is never cross-origin isolated (Chromium 156), so
 * onnxruntime's WASM threads exist only in a page's own worker: on WASM, an isolated page's leader
 * tab is faster.
 */
import type { Engine } from '../engine';
import { installShim, type Shim, type ShimOptions } from '../intercept/install';
import { answerServiceWorker } from './host';

/** Where a tab's `createEngine` must make its engine: pass it on, `createEngine({ model, ...placement })`. */
export interface EnginePlacement {
  /** Set when the engine lives in the origin's SharedWorker of this name. */
  sharedWorker?: string;
}

export type EngineHostKind = 'shared-worker' | 'leader-tab';

export interface OriginHostOptions extends Omit<ShimOptions, 'engine'> {
  /**
   * Make (and load) the engine, passing `placement` on to `createEngine` from @inpage/engine. In a
   * SharedWorker host it is called in every tab (each gets a connection to the one engine); in a
   * leader tab, once, in the elected tab (placement is then `{}`).
   */
  createEngine(placement: EnginePlacement): Engine;
  /** Where the engine lives (see above); default 'auto'. Without SharedWorker, always a leader tab. */
  host?: 'auto' | EngineHostKind;
  /** The device the engine will be asked for, if known: with 'wasm', 'auto' keeps the WASM threads of a leader tab. */
  device?: 'auto' | 'webgpu' | 'wasm';
  /** Told when this tab becomes a host (in a SharedWorker host: every tab, at once). */
  onHost?(host: { engine: Engine; shim: Shim; kind: EngineHostKind }): void;
  /** Told, at once, when another tab hosts already: this tab waits in line and uses that one meanwhile. */
  onGuest?(): void;
}

export interface OriginHost {
  /** True while this tab hosts the engine (in a SharedWorker host: every tab). */
  isHost(): boolean;
  /** Resolves when this tab becomes a host (never, while another tab hosts). */
  hosting(): Promise<{ engine: Engine; shim: Shim; kind: EngineHostKind }>;
  /** Give up hosting (or the place in the queue for it): this tab's engine is terminated (a shared one only left). */
  stop(): void;
}

export function hostEngineOnce(options: OriginHostOptions): OriginHost {
  const { createEngine, onHost, onGuest, host: wanted = 'auto', device = 'auto', ...shimOptions } = options;
  const stopped = new AbortController();
  let resolveHosting!: (host: { engine: Engine; shim: Shim; kind: EngineHostKind }) => void;
  const hosting = new Promise<{ engine: Engine; shim: Shim; kind: EngineHostKind }>(
    (resolve) => (resolveHosting = resolve),
  );
  let host: { engine: Engine; shim: Shim; kind: EngineHostKind } | null = null;
  const name = `inpage-engine-host ${String(options.baseUrl)}`;

  const serve = async (kind: EngineHostKind) => {
    const engine = createEngine(kind === 'shared-worker' ? { sharedWorker: name } : {});
    const shim = installShim({ ...shimOptions, engine });
    const stopAnswering = answerServiceWorker(shim.handler);
    host = { engine, shim, kind };
    onHost?.(host);
    resolveHosting(host);
    // Held until stop() (or until the tab goes away).
    await new Promise((resolve) => stopped.signal.addEventListener('abort', resolve, { once: true }));
    stopAnswering();
    shim.uninstall();
    engine.terminate();
    host = null;
  };

  void chooseHost(wanted, device).then((kind) => {
    if (stopped.signal.aborted) return;
    if (kind === 'shared-worker') return serve(kind);
    // A first try that does not wait tells a tab at once whether it is a guest (a signal cannot go
    // with ifAvailable, so stop() before the answer is checked by hand).
    navigator.locks
      .request(name, { ifAvailable: true }, (lock) => {
        if (stopped.signal.aborted) return;
        if (lock) return serve(kind);
        onGuest?.();
        void navigator.locks.request(name, { signal: stopped.signal }, () => serve(kind)).catch(() => undefined);
      })
      .catch(() => undefined);
  });

  return {
    isHost: () => host !== null,
    hosting: () => hosting,
    stop: () => stopped.abort(),
  };
}

async function chooseHost(
  wanted: 'auto' | EngineHostKind,
  device: 'auto' | 'webgpu' | 'wasm',
): Promise<EngineHostKind> {
  if (wanted === 'leader-tab' || typeof SharedWorker === 'undefined') return 'leader-tab';
  if (wanted === 'shared-worker' || !globalThis.crossOriginIsolated) return 'shared-worker';
  if (device === 'wasm') return 'leader-tab';
  return (await sharedWorkerHasWebGpu()) ? 'shared-worker' : 'leader-tab';
}

/**
 * Whether WebGPU gives an adapter inside a SharedWorker (Chromium: yes where the page has one;
 * Firefox: no WebGPU in workers by default). Asked of a throwaway SharedWorker: the page's own
 * `navigator.gpu` does not tell.
 */
async function sharedWorkerHasWebGpu(): Promise<boolean> {
  const code =
    'onconnect = async (e) => { let ok = false; try { ok = !!(await navigator.gpu?.requestAdapter()); } catch {} e.ports[0].postMessage(ok); };';
  const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
  try {
    const probe = new SharedWorker(url, { name: 'inpage-webgpu-probe' });
    const answer = new Promise<boolean>((resolve) => {
      probe.port.onmessage = ({ data }) => resolve(data === true);
      probe.onerror = () => resolve(false);
      setTimeout(() => resolve(false), 5_000);
    });
    probe.port.start();
    const ok = await answer;
    // Its last client gone, the browser ends it.
    probe.port.close();
    return ok;
  } catch {
    return false; // e.g. a Content-Security-Policy without blob: workers
  } finally {
    URL.revokeObjectURL(url);
  }
}
