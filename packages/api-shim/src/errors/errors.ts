/**
 * Every error the API answers with, in ONE table (as TGI's router maps `InferError` to HTTP in one place).
 * A row says the status, the body kind and the words; nothing else in the shim chooses a status code.
 */

import type { EngineErrorKind } from '../engine';

/** The `err` label of `tgi_request_failure`. */
export type FailureLabel = 'validation' | 'overloaded' | 'generation' | 'incomplete' | 'template';

type Row =
  /** `{"error": message, "error_type": errorType}` */
  | { status: number; body: 'json'; errorType: string; message: (detail: string) => string; failure?: FailureLabel }
  /** text/plain: axum's extractor rejections are plain text, not the JSON error shape. */
  | { status: number; body: 'text'; message: (detail: string) => string }
  | { status: number; body: 'empty' };

const TABLE = {
  validation: {
    status: 422,
    body: 'json',
    errorType: 'validation',
    message: (d) => `Input validation error: ${d}`,
    failure: 'validation',
  },
  generation: {
    status: 424,
    body: 'json',
    errorType: 'generation',
    message: (d) => `Request failed during generation: ${d}`,
    failure: 'generation',
  },
  overloaded: {
    status: 429,
    body: 'json',
    errorType: 'overloaded',
    message: () => 'Model is overloaded',
    failure: 'overloaded',
  },
  incomplete: {
    status: 500,
    body: 'json',
    errorType: 'incomplete_generation',
    message: () => 'Incomplete generation',
    failure: 'incomplete',
  },
  /** A stream that ended without its final token (TGI words it differently from the non-stream case). */
  incomplete_stream: {
    status: 500,
    body: 'json',
    errorType: 'incomplete_generation_stream',
    message: () => 'Incomplete generation stream',
    failure: 'incomplete',
  },
  template: {
    status: 422,
    body: 'json',
    errorType: 'template_error',
    message: (d) => `Template error: ${d}`,
    failure: 'template',
  },
  tool: { status: 422, body: 'json', errorType: 'tool_error', message: (d) => `Tool error: ${d}` },
  suffix: {
    status: 422,
    body: 'json',
    errorType: 'suffix not supported',
    message: () => 'Suffix is not supported and can be achieved by preprocessing the prompt.',
    failure: 'validation',
  },
  batch_size: {
    status: 422,
    body: 'json',
    errorType: 'batch size exceeded',
    message: (d) => `Number of prompts exceeds the maximum allowed batch size of ${d}`,
    failure: 'validation',
  },
  health: { status: 503, body: 'json', errorType: 'healthcheck', message: () => 'unhealthy' },

  // Body extraction (axum's `Json` rejections), checked in this order.
  content_type: {
    status: 415,
    body: 'text',
    message: () => 'Expected request with `Content-Type: application/json`',
  },
  payload_too_large: {
    status: 413,
    body: 'text',
    message: () => 'Failed to buffer the request body: length limit exceeded',
  },
  json_syntax: { status: 400, body: 'text', message: (d) => `Failed to parse the request body as JSON: ${d}` },
  json_data: {
    status: 422,
    body: 'text',
    message: (d) => `Failed to deserialize the JSON body into the target type: ${d}`,
  },

  // Routing and auth: empty bodies.
  unauthorized: { status: 401, body: 'empty' },
  not_found: { status: 404, body: 'empty' },
  method_not_allowed: { status: 405, body: 'empty' },
  /** A bug in the shim: logged, answered without details. */
  internal: { status: 500, body: 'empty' },
} satisfies Record<string, Row>;

export type ErrorKind = keyof typeof TABLE;

/** An error the handler answers with; `detail` fills the row's message. */
export class ApiError extends Error {
  readonly kind: ErrorKind;
  readonly detail: string;

  constructor(kind: ErrorKind, detail = '') {
    const row: Row = TABLE[kind];
    super(row.body === 'empty' ? kind : row.message(detail));
    this.name = 'ApiError';
    this.kind = kind;
    this.detail = detail;
  }

  get status(): number {
    return TABLE[this.kind].status;
  }

  /** The `err` label this error counts under in `tgi_request_failure`, if any. */
  get failure(): FailureLabel | undefined {
    const row: Row = TABLE[this.kind];
    return row.body === 'json' ? row.failure : undefined;
  }

  /** TGI's JSON error body (also the `/generate_stream` in-stream error event). */
  toJSON(): { error: string; error_type: string } {
    const row: Row = TABLE[this.kind];
    return { error: this.message, error_type: row.body === 'json' ? row.errorType : this.kind };
  }

  /**
   * The OpenAI-style in-stream error of the chat and completions streams. TGI always reports
   * `http_status_code: 422` there, whatever the error.
   */
  toOpenAIEvent(): { error: { message: string; http_status_code: number } } {
    return { error: { message: this.message, http_status_code: 422 } };
  }

  toResponse(headers?: HeadersInit): Response {
    const row: Row = TABLE[this.kind];
    const init = { status: row.status, headers: new Headers(headers) };
    switch (row.body) {
      case 'json':
        init.headers.set('content-type', 'application/json');
        return new Response(JSON.stringify(this.toJSON()), init);
      case 'text':
        init.headers.set('content-type', 'text/plain; charset=utf-8');
        return new Response(this.message, init);
      case 'empty':
        return new Response(null, init);
    }
  }
}

/**
 * Each engine failure kind as the row it answers with. The engine names the kind where the error
 * is born and it crosses the worker as data, so this reads `kind`, never the words. A refused
 * grammar is the request's fault (TGI validates grammars before queueing); a template that fails
 * is TGI's template error; everything else failed during generation.
 */
const ENGINE_ERRORS: Record<EngineErrorKind, { kind: ErrorKind; detail?: (message: string) => string }> = {
  grammar: { kind: 'validation', detail: (m) => `grammar is not valid: ${m}` },
  template: { kind: 'template' },
  not_loaded: { kind: 'generation' },
  invalid_source: { kind: 'generation' },
  model_not_found: { kind: 'generation' },
  network: { kind: 'generation' },
  unsupported_architecture: { kind: 'generation' },
  unsupported_device: { kind: 'generation' },
  storage_full: { kind: 'generation' },
  load: { kind: 'generation' },
  device_lost: { kind: 'generation' },
  out_of_memory: { kind: 'generation' },
  generation: { kind: 'generation' },
  terminated: { kind: 'generation' },
  internal: { kind: 'generation' },
  // Aborts are never answered (the caller has gone); listed so that every kind has a row.
  aborted: { kind: 'generation' },
};

/** The kind of an engine failure, read from the value (the shim imports no engine code); null if it has none. */
export function engineErrorKind(error: unknown): EngineErrorKind | null {
  const kind = typeof error === 'object' && error !== null ? (error as { kind?: unknown }).kind : undefined;
  return typeof kind === 'string' && Object.hasOwn(ENGINE_ERRORS, kind) ? (kind as EngineErrorKind) : null;
}

/** An engine failure as the ApiError to answer with; a value without a kind answers as `untyped`. */
export function engineFailure(error: unknown, untyped: ErrorKind = 'generation'): ApiError {
  const kind = engineErrorKind(error);
  const row = kind ? ENGINE_ERRORS[kind] : { kind: untyped };
  const message = errorMessage(error);
  return new ApiError(row.kind, row.detail ? row.detail(message) : message);
}

/** True for the rejection of an aborted fetch / generation (DOMException or Error named AbortError). */
export function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

/** Words for an unknown thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
