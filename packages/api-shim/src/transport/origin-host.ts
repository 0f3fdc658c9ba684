/**
 * One engine per origin. Every tab of the app calls `hostEngineOnce`; the tab that wins a Web Lock
 * creates the engine, patches its own fetch with the shim and answers what the Service Worker
 * relays for every other client of the origin. The other tabs load nothing: their requests go
 * through the Service Worker to the host. When the host tab closes, the browser hands the lock to
 * another tab, which loads the model (from the IndexedDB weight cache) and takes over; requests
 * the old host had not answered are sent to the new one by the Service Worker.
 *
 * Why a leader tab and not a SharedWorker: a SharedWorker cannot start the engine's own module
 * Worker in every browser, and a page is what the Service Worker can reach by `Client.postMessage`.
 */
import type { Engine } from '../engine';
import { installShim, type Shim, type ShimOptions } from '../intercept/install';
import { answerServiceWorker } from './host';

export interface OriginHostOptions extends Omit<ShimOptions, 'engine'> {
  /** Called in the tab that wins the election, once: make (and load) the engine there. */
  createEngine(): Engine;
  /** Told when this tab becomes the host. */
  onHost?(host: { engine: Engine; shim: Shim }): void;
  /** Told, at once, when another tab hosts already: this tab waits in line and uses that one meanwhile. */
  onGuest?(): void;
}

export interface OriginHost {
  /** True while this tab hosts the engine. */
  isHost(): boolean;
  /** Resolves when this tab becomes the host (never, while another tab hosts). */
  hosting(): Promise<{ engine: Engine; shim: Shim }>;
  /** Give up hosting (or the place in the queue for it): the engine is terminated, another tab takes over. */
  stop(): void;
}

export function hostEngineOnce(options: OriginHostOptions): OriginHost {
  const { createEngine, onHost, onGuest, ...shimOptions } = options;
  const stopped = new AbortController();
  let resolveHosting!: (host: { engine: Engine; shim: Shim }) => void;
  const hosting = new Promise<{ engine: Engine; shim: Shim }>((resolve) => (resolveHosting = resolve));
  let host: { engine: Engine; shim: Shim } | null = null;

  const name = `inpage-engine-host ${String(options.baseUrl)}`;
  const serve = async () => {
    const engine = createEngine();
    const shim = installShim({ ...shimOptions, engine });
    const stopAnswering = answerServiceWorker(shim.handler);
    host = { engine, shim };
    onHost?.(host);
    resolveHosting(host);
    // Held until stop() (or until the tab goes away, which releases it).
    await new Promise((resolve) => stopped.signal.addEventListener('abort', resolve, { once: true }));
    stopAnswering();
    shim.uninstall();
    engine.terminate();
    host = null;
  };
  // A first try that does not wait tells a tab at once whether it is a guest (a signal cannot go
  // with ifAvailable, so stop() before the answer is checked by hand).
  navigator.locks
    .request(name, { ifAvailable: true }, (lock) => {
      if (stopped.signal.aborted) return;
      if (lock) return serve();
      onGuest?.();
      void navigator.locks.request(name, { signal: stopped.signal }, serve).catch(() => undefined);
    })
    .catch(() => undefined);

  return {
    isHost: () => host !== null,
    hosting: () => hosting,
    stop: () => stopped.abort(),
  };
}
