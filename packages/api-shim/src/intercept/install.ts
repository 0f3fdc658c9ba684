/**
 * The fetch patch. One dispatcher wraps the page's fetch once; every installed shim registers its base
 * URL with it. A call under a shim's base goes to that shim's handler (the most specific base wins);
 * every other call goes to the original fetch with its arguments untouched. Shims can be installed
 * and uninstalled in any order; when the last one leaves, the original fetch is put back — unless
 * something patched fetch on top of ours meanwhile: then ours stays in that chain as a pure
 * pass-through, and a later shim starts a new dispatcher on top.
 */
import type { HandlerOptions } from '../context';
import { createHandler, type Handler } from '../handler';
import { type Base, isUnder, parseBase, targetUrl } from './base-url';

export interface ShimOptions extends Omit<HandlerOptions, 'basePath'> {
  /** e.g. `http://localhost:8080` or `http://localhost:8080/api`: the address clients are given. */
  baseUrl: string | URL;
}

export interface Shim {
  /** Stop intercepting this base URL. Idempotent. */
  uninstall(): void;
  /** The same handler the patch calls, for a Service Worker or a test. */
  handler: Handler;
  /** The normalized base URL (no trailing slash). */
  baseUrl: string;
}

interface Mount {
  base: Base;
  handler: Handler;
}

interface Dispatcher {
  original: typeof fetch;
  patched: typeof fetch;
  mounts: Mount[];
}

// Shared through the global object, so that two copies of this module in one page share one chain.
const KEY = Symbol.for('@inpage/api-shim:fetch-dispatcher');
type Global = typeof globalThis & { [KEY]?: Dispatcher };

function dispatcher(): Dispatcher {
  const g = globalThis as Global;
  if (g[KEY]) return g[KEY];
  const original = g.fetch;
  const d: Dispatcher = {
    original,
    mounts: [],
    patched: function fetch(this: unknown, ...args: Parameters<typeof globalThis.fetch>) {
      const url = targetUrl(args[0]);
      const mount = url && d.mounts.find((m) => isUnder(m.base, url));
      // Not ours: exactly the call the page made, to the fetch it had.
      if (!mount) return Reflect.apply(original, this ?? globalThis, args) as Promise<Response>;
      return serve(mount.handler, args[0], args[1]);
    } as typeof fetch,
  };
  g[KEY] = d;
  g.fetch = d.patched;
  return d;
}

/** Like fetch: rejects with the signal's reason when aborted, even while the handler is still working. */
async function serve(handler: Handler, input: RequestInfo | URL, init: RequestInit | undefined): Promise<Response> {
  const request = new Request(input, init);
  if (request.signal.aborted) throw request.signal.reason;
  return new Promise<Response>((resolve, reject) => {
    const onAbort = () => reject(request.signal.reason);
    request.signal.addEventListener('abort', onAbort, { once: true });
    handler(request)
      .then(resolve, reject)
      .finally(() => request.signal.removeEventListener('abort', onAbort));
  });
}

export function installShim(options: ShimOptions): Shim {
  const { baseUrl, ...handlerOptions } = options;
  const base = parseBase(baseUrl);
  const handler = createHandler({ ...handlerOptions, basePath: base.path });
  const d = dispatcher();
  if (d.mounts.some((m) => m.base.href === base.href)) {
    throw new Error(`A shim is already installed at ${base.href}; uninstall it first`);
  }
  const mount: Mount = { base, handler };
  d.mounts.push(mount);
  // Longest base first, so http://host/api/v2 wins over http://host/api.
  d.mounts.sort((a, b) => b.base.path.length - a.base.path.length);

  let installed = true;
  return {
    handler,
    baseUrl: base.href,
    uninstall() {
      if (!installed) return;
      installed = false;
      d.mounts.splice(d.mounts.indexOf(mount), 1);
      if (d.mounts.length > 0) return;
      const g = globalThis as Global;
      if (g.fetch === d.patched) g.fetch = d.original;
      delete g[KEY];
    },
  };
}
