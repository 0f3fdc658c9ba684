/**
 * An SSE response that is returned at once and written as events arrive (like Hono's streamSSE):
 * a ReadableStream the producer writes frames into, a keep-alive comment after each idle interval,
 * and one AbortSignal that fires when the client goes away — by cancelling the body reader or by
 * aborting the fetch — so the producer can stop the engine.
 */
import { isAbortError } from '../errors/errors';
import { KEEP_ALIVE } from './encoders';

export const KEEP_ALIVE_MS = 15_000;

export interface SseSink {
  /** Queue one encoded frame; ignored once the stream is closed. */
  write(frame: string): void;
  /** Aborted when the client cancels the body or aborts the request. */
  readonly signal: AbortSignal;
}

export interface SseOptions {
  headers: Headers;
  /** The request's signal (a fetch aborted by the client). */
  signal?: AbortSignal;
  keepAliveMs?: number;
}

export function sseResponse(options: SseOptions, produce: (sink: SseSink) => Promise<void>): Response {
  const { signal: requestSignal, keepAliveMs = KEEP_ALIVE_MS } = options;
  const abort = new AbortController();
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const close = () => {
    closed = true;
    clearTimeout(timer);
    requestSignal?.removeEventListener('abort', onRequestAbort);
  };
  // The idle timer restarts with every frame: keep-alives only fill silences.
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (closed) return;
      controller.enqueue(encoder.encode(KEEP_ALIVE));
      arm();
    }, keepAliveMs);
  };
  function onRequestAbort() {
    abort.abort(requestSignal?.reason);
    if (closed) return;
    close();
    // The reader sees the abort as a fetch would show it: the body errors.
    controller.error(requestSignal?.reason);
  }
  const sink: SseSink = {
    write(frame) {
      if (closed || frame === '') return;
      controller.enqueue(encoder.encode(frame));
      arm();
    },
    signal: abort.signal,
  };

  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      if (requestSignal?.aborted) return onRequestAbort();
      requestSignal?.addEventListener('abort', onRequestAbort, { once: true });
      arm();
      produce(sink).then(
        () => {
          if (closed) return;
          close();
          controller.close();
        },
        (error: unknown) => {
          if (!isAbortError(error)) console.error('[api-shim] stream producer failed', error);
          if (closed) return;
          close();
          controller.close();
        },
      );
    },
    cancel(reason) {
      close();
      abort.abort(reason ?? new DOMException('The client cancelled the stream', 'AbortError'));
    },
  });

  return new Response(body, { status: 200, headers: options.headers });
}
