/**
 * SSE bytes, one encoder per stream shape. Every event is `data: <compact JSON>\n\n` (no `event:` or
 * `id:` lines); the shapes differ in how an error is told and in how the stream ends.
 */
import type { ChatCompletionChunkJson } from '../chat/responses';
import type { CompletionChunkJson, CompletionFinalJson } from '../completions/responses';
import type { ApiError } from '../errors/errors';
import type { StreamResponseJson } from '../native/responses';

/** Sent after 15 s without an event, so proxies and clients keep the connection. */
export const KEEP_ALIVE = ':\n\n';
export const DONE = 'data: [DONE]\n\n';

export function dataFrame(json: unknown): string {
  return `data: ${JSON.stringify(json)}\n\n`;
}

export interface SseEncoder<Event> {
  event(event: Event): string;
  error(error: ApiError): string;
  /** What closes a stream (errors included). */
  end(): string;
}

/** `/generate_stream` and `POST /` with stream: a TGI error event `{"error","error_type"}`, no [DONE]. */
export const generateStreamEncoder: SseEncoder<StreamResponseJson> = {
  event: dataFrame,
  error: (error) => dataFrame(error.toJSON()),
  end: () => '',
};

/** OpenAI routes: errors as `{"error":{"message","http_status_code"}}`, and `[DONE]` at the end. */
export const chatStreamEncoder: SseEncoder<ChatCompletionChunkJson> = {
  event: dataFrame,
  error: (error) => dataFrame(error.toOpenAIEvent()),
  end: () => DONE,
};

export const completionStreamEncoder: SseEncoder<CompletionChunkJson | CompletionFinalJson> = {
  event: dataFrame,
  error: (error) => dataFrame(error.toOpenAIEvent()),
  end: () => DONE,
};
