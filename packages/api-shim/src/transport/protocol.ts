/**
 * The Service Worker transport's messages. The Service Worker cannot host the engine (no Worker,
 * no reliable WebGPU, and the browser stops it when idle), so it relays each request to the page
 * that hosts the engine: the request goes over a MessageChannel made for it, and the response
 * comes back on the same channel, head first, then the body chunk by chunk (an SSE stream is never
 * buffered), then `end`. The Service Worker's side sends `abort` when its client goes away.
 */

/** Page → Service Worker: "I host the engine" (on election, and when asked). */
export const HOST_ANNOUNCE = 'inpage:host';
/** Service Worker → pages: "who hosts the engine?" (after the Service Worker was restarted, or its host left). */
export const WHO_HOSTS = 'inpage:who-hosts';
/** Service Worker → host: one request, with the port for its response. */
export const RELAYED_REQUEST = 'inpage:request';

export interface RelayedRequest {
  type: typeof RELAYED_REQUEST;
  url: string;
  method: string;
  headers: [string, string][];
  body: ArrayBuffer | null;
}

/** On the request's own port, host → Service Worker. */
export type RelayReply =
  | { type: 'head'; status: number; statusText: string; headers: [string, string][] }
  | { type: 'chunk'; bytes: Uint8Array }
  | { type: 'end' }
  /** The handler threw (a bug: the handler answers every failure itself) or the body failed mid-way. */
  | { type: 'error'; message: string };

/** On the request's own port, Service Worker → host. */
export type RelayControl = { type: 'abort' };
