import { afterEach, describe, expect, test, vi } from 'vitest';
import { ApiError } from '../errors/errors';
import { chatStreamEncoder, completionStreamEncoder, DONE, generateStreamEncoder, KEEP_ALIVE } from './encoders';
import { sseResponse } from './sse';

describe('encoders, exact bytes', () => {
  test('framing', () => {
    expect(KEEP_ALIVE).toBe(':\n\n');
    expect(DONE).toBe('data: [DONE]\n\n');
  });

  test('/generate_stream: TGI error event, no [DONE]', () => {
    const event = {
      index: 1,
      token: { id: 97, text: 'a', logprob: -0.5, special: false },
      generated_text: null,
      details: null,
    };
    expect(generateStreamEncoder.event(event)).toBe(
      'data: {"index":1,"token":{"id":97,"text":"a","logprob":-0.5,"special":false},"generated_text":null,"details":null}\n\n',
    );
    expect(generateStreamEncoder.error(new ApiError('overloaded'))).toBe(
      'data: {"error":"Model is overloaded","error_type":"overloaded"}\n\n',
    );
    expect(generateStreamEncoder.end()).toBe('');
  });

  test('chat and completions: OpenAI error event (always 422), then [DONE]', () => {
    for (const encoder of [chatStreamEncoder, completionStreamEncoder]) {
      expect(encoder.error(new ApiError('validation', '`top_n_tokens` must be >= 0 and <= 5. Given: 6'))).toBe(
        'data: {"error":{"message":"Input validation error: `top_n_tokens` must be >= 0 and <= 5. Given: 6","http_status_code":422}}\n\n',
      );
      expect(encoder.end()).toBe('data: [DONE]\n\n');
    }
  });
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function readAll(response: Response): Promise<string> {
  return new TextDecoder().decode(await response.arrayBuffer());
}

describe('sseResponse', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test('returns the response at once and writes frames as they come', async () => {
    const gate = deferred();
    const response = sseResponse({ headers: new Headers({ 'content-type': 'text/event-stream' }) }, async (sink) => {
      sink.write('data: 1\n\n');
      await gate.promise;
      sink.write('data: 2\n\n');
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: 1\n\n');
    gate.resolve();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: 2\n\n');
    expect((await reader.read()).done).toBe(true);
  });

  test('a keep-alive comment after 15 s without an event, and again after each idle interval', async () => {
    vi.useFakeTimers();
    const gate = deferred();
    const response = sseResponse({ headers: new Headers() }, async (sink) => {
      sink.write('data: a\n\n');
      await gate.promise;
      sink.write('data: b\n\n');
    });
    const body = readAll(response);
    await vi.advanceTimersByTimeAsync(14_999);
    await vi.advanceTimersByTimeAsync(1); // 15 s idle
    await vi.advanceTimersByTimeAsync(15_000); // 30 s idle
    gate.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(await body).toBe('data: a\n\n:\n\n:\n\ndata: b\n\n');
  });

  test('cancelling the body aborts the producer', async () => {
    let signal!: AbortSignal;
    const response = sseResponse({ headers: new Headers() }, async (sink) => {
      signal = sink.signal;
      sink.write('data: a\n\n');
      await new Promise((resolve) => sink.signal.addEventListener('abort', resolve));
    });
    const reader = response.body!.getReader();
    await reader.read();
    expect(signal.aborted).toBe(false);
    await reader.cancel();
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).name).toBe('AbortError');
  });

  test("aborting the request aborts the producer and errors the body, as fetch's body would", async () => {
    const request = new AbortController();
    let signal!: AbortSignal;
    const response = sseResponse({ headers: new Headers(), signal: request.signal }, async (sink) => {
      signal = sink.signal;
      sink.write('data: a\n\n');
      await new Promise((resolve) => sink.signal.addEventListener('abort', resolve));
      sink.write('data: never\n\n');
    });
    const reader = response.body!.getReader();
    await reader.read();
    const reason = new DOMException('aborted by the client', 'AbortError');
    request.abort(reason);
    expect(signal.aborted).toBe(true);
    await expect(reader.read()).rejects.toBe(reason);
  });
});
