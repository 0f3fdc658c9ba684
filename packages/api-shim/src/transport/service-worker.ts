/// <reference lib="webworker" />
/**
 * The Service Worker's side of the transport: every fetch under the base URL, from any client of
 * the origin (a page's fetch or XMLHttpRequest, its workers and iframes, other tabs, a GET opened
 * in a tab), is relayed to the page that hosts the engine and answered with what its handler says,
 * streamed as it comes.
 */
import { ApiError } from '../errors/errors';
import { isUnder, parseBase } from '../intercept/base-url';
import { HOST_ANNOUNCE, RELAYED_REQUEST, type RelayedRequest, type RelayReply, WHO_HOSTS } from './protocol';

export interface RelayOptions {
  /** The address clients are given, e.g. `${origin}/tgi`: requests under it are relayed. */
  baseUrl: string | URL;
  /** How long a request waits for a page to host the engine before it fails, ms (default 30 s). */
  hostTimeoutMs?: number;
}

/** How often a request waiting for its head checks that its host is still there, ms. */
const HOST_CHECK_MS = 500;

/**
 * Install the relay's `fetch` and `message` listeners. Call it at the top level of the Service
 * Worker, before any other fetch listener that could answer the same URLs.
 */
export function relayToEngineHost(options: RelayOptions): void {
  const sw = self as unknown as ServiceWorkerGlobalScope;
  const base = parseBase(options.baseUrl);
  const hostTimeoutMs = options.hostTimeoutMs ?? 30_000;
  let hostId: string | null = null;
  const waitingForHost: ((id: string) => void)[] = [];

  sw.addEventListener('message', (event) => {
    const source = event.source as Client | null;
    if ((event.data as { type?: unknown } | null)?.type !== HOST_ANNOUNCE || !source) return;
    hostId = source.id;
    waitingForHost.splice(0).forEach((resolve) => resolve(source.id));
  });

  sw.addEventListener('fetch', (event) => {
    if (!isUnder(base, new URL(event.request.url))) return;
    event.respondWith(relay(event.request));
  });

  /** The host page: the one known, else the one that answers when every page is asked. */
  async function findHost(): Promise<Client> {
    const known = hostId && (await sw.clients.get(hostId));
    if (known) return known;
    hostId = null;
    const announced = new Promise<string>((resolve) => waitingForHost.push(resolve));
    for (const client of await sw.clients.matchAll({ type: 'window', includeUncontrolled: true })) {
      client.postMessage({ type: WHO_HOSTS });
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('no page of this app hosts the engine: open the app in a tab')),
        hostTimeoutMs,
      );
    });
    try {
      const host = await sw.clients.get(await Promise.race([announced, timeout]));
      if (!host) throw new Error('the page hosting the engine went away');
      return host;
    } finally {
      clearTimeout(timer);
    }
  }

  async function relay(request: Request): Promise<Response> {
    const message: RelayedRequest = {
      type: RELAYED_REQUEST,
      url: request.url,
      method: request.method,
      headers: [...request.headers],
      body: request.method === 'GET' || request.method === 'HEAD' ? null : await request.arrayBuffer(),
    };
    // A host that leaves before it answers (its tab closed) hands the request to the next host.
    for (;;) {
      let host: Client;
      try {
        host = await findHost();
      } catch (error) {
        return new ApiError('generation', (error as Error).message).toResponse();
      }
      const response = await send(host, message, request.signal);
      if (response) return response;
    }
  }

  /** The response, or null when the host went away before answering. */
  function send(host: Client, message: RelayedRequest, signal: AbortSignal): Promise<Response | null> {
    const { port1: port, port2 } = new MessageChannel();
    const abort = () => port.postMessage({ type: 'abort' });
    signal.addEventListener('abort', abort, { once: true });
    let body!: ReadableStreamDefaultController<Uint8Array>;
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => void (body = controller),
      // The client stopped reading (it disconnected or aborted): the host stops the generation.
      cancel: () => {
        abort();
        stop();
      },
    });
    host.postMessage(message, [port2]);
    let stop = () => port.close();
    return new Promise<Response | null>((resolve) => {
      let answered = false;
      stop = () => {
        clearInterval(check);
        port.close();
      };
      const check = setInterval(async () => {
        if (await sw.clients.get(host.id)) return;
        clearInterval(check);
        hostId = null;
        port.close();
        // Before its head: sent again, to the next host. After: the body ends in a network error.
        if (answered) body.error(new Error('the page hosting the engine went away'));
        else resolve(null);
      }, HOST_CHECK_MS);
      port.onmessage = ({ data }: MessageEvent<RelayReply>) => {
        switch (data.type) {
          case 'head': {
            answered = true;
            const empty = message.method === 'HEAD' || [101, 204, 205, 304].includes(data.status);
            resolve(new Response(empty ? null : stream, data));
            return;
          }
          case 'chunk':
            return body.enqueue(data.bytes);
          case 'end':
            clearInterval(check);
            signal.removeEventListener('abort', abort);
            body.close();
            return port.close();
          case 'error':
            clearInterval(check);
            signal.removeEventListener('abort', abort);
            if (answered) body.error(new Error(data.message));
            else resolve(new ApiError('internal').toResponse());
            answered = true;
            return port.close();
        }
      };
    });
  }
}
