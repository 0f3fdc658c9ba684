/**
 * The engine host's side of the Service Worker transport: answer the requests the Service Worker
 * relays (./protocol.ts) with the same handler the in-page patch calls.
 */
import type { Handler } from '../handler';
import {
  HOST_ANNOUNCE,
  RELAYED_REQUEST,
  type RelayControl,
  type RelayedRequest,
  type RelayReply,
  WHO_HOSTS,
} from './protocol';

/**
 * Serve relayed requests with `handler` until the returned function is called. Tells the Service
 * Worker (once one is active) that this page is the host, and again whenever it asks.
 */
export function answerServiceWorker(handler: Handler): () => void {
  const container = navigator.serviceWorker;
  const onMessage = (event: MessageEvent) => {
    const data = event.data as { type?: unknown } | null;
    if (data?.type === WHO_HOSTS) announce();
    else if (data?.type === RELAYED_REQUEST && event.ports[0])
      void serveRelayed(handler, data as RelayedRequest, event.ports[0]);
  };
  container.addEventListener('message', onMessage);
  // Messages to a page wait until it starts listening on the container.
  container.startMessages();
  announce();
  return () => container.removeEventListener('message', onMessage);
}

function announce(): void {
  void navigator.serviceWorker.ready.then((registration) => registration.active?.postMessage({ type: HOST_ANNOUNCE }));
}

async function serveRelayed(handler: Handler, relayed: RelayedRequest, port: MessagePort): Promise<void> {
  const reply = (message: RelayReply) => port.postMessage(message);
  const aborted = new AbortController();
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  port.onmessage = ({ data }: MessageEvent<RelayControl>) => {
    if (data.type !== 'abort') return;
    // The client went away: stop the handler (a generation stops at its next step) and its body.
    aborted.abort(new DOMException('The client went away.', 'AbortError'));
    reader?.cancel().catch(() => undefined);
  };
  try {
    const request = new Request(relayed.url, {
      method: relayed.method,
      headers: relayed.headers,
      body: relayed.body,
      signal: aborted.signal,
    });
    const response = await handler(request);
    reply({ type: 'head', status: response.status, statusText: response.statusText, headers: [...response.headers] });
    if (response.body) {
      reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        reply({ type: 'chunk', bytes: value });
      }
    }
    reply({ type: 'end' });
  } catch (error) {
    if (!aborted.signal.aborted)
      reply({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  } finally {
    port.close();
  }
}
