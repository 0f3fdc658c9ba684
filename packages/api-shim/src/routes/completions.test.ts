import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createHandler } from '../handler';
import { FakeEngine, post, sseData } from '../../test/fake-engine';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(1_735_689_600_000);
});
afterEach(() => {
  vi.useRealTimers();
});

const chunk = (index: number, text: string) =>
  `{"object":"text_completion","id":"","created":1735689600,"choices":[{"index":${index},"text":"${text}","logprobs":null,"finish_reason":""}],"model":"test/fake-model","system_fingerprint":"0.1.0-native"}`;
const last = (index: number, text: string, reason: string, prompt: number, completion: number) =>
  `{"object":"text_completion","id":"","created":1735689600,"model":"test/fake-model","system_fingerprint":"0.1.0-native","choices":[{"index":${index},"text":"${text}","logprobs":null,"finish_reason":"${reason}"}],"usage":{"prompt_tokens":${prompt},"completion_tokens":${completion},"total_tokens":${prompt + completion},"prompt_tokens_details":{"cached_tokens":0}}}`;

describe('POST /v1/completions', () => {
  test('non-stream: one choice per prompt, usage summed, eos_token → "stop", the served model', async () => {
    const engine = new FakeEngine();
    const res = await createHandler({ engine })(
      post('/v1/completions', { model: 'http://localhost:8080', prompt: ['wx', 'XY'], max_tokens: 4 }),
    );
    expect(await res.json()).toEqual({
      object: 'text_completion',
      id: '',
      created: 1735689600,
      model: 'test/fake-model',
      system_fingerprint: '0.1.0-native',
      choices: [
        { index: 0, text: 'yz', logprobs: null, finish_reason: 'stop' },
        { index: 1, text: 'ZABC', logprobs: null, finish_reason: 'length' },
      ],
      usage: { prompt_tokens: 6, completion_tokens: 7, total_tokens: 13, prompt_tokens_details: { cached_tokens: 0 } },
    });
    // Summed TGI headers, without x-compute-time.
    expect(res.headers.get('x-compute-characters')).toBe('4');
    expect(res.headers.get('x-prompt-tokens')).toBe('6');
    expect(res.headers.get('x-generated-tokens')).toBe('7');
    expect(res.headers.get('x-compute-time')).toBeNull();
    expect(engine.requests.map((r) => r.sampling)).toEqual([{ doSample: true }, { doSample: true }]);
  });

  test('stream, one prompt: raw finish reason and usage on the last event, then [DONE]', async () => {
    const res = await createHandler({ engine: new FakeEngine() })(
      post('/v1/completions', { prompt: 'xy', stream: true, temperature: 0 }),
    );
    expect(await sseData(res)).toEqual([chunk(0, 'z'), last(0, '</s>', 'eos_token', 3, 2), '[DONE]']);
  });

  test('stream, several prompts: round-robin interleaving when they run side by side, one [DONE]', async () => {
    const res = await createHandler({ engine: new FakeEngine({ parallel: true }) })(
      post('/v1/completions', { prompt: ['a', 'X', '8'], stream: true, max_tokens: 2 }),
    );
    expect(await sseData(res)).toEqual([
      chunk(0, 'b'),
      chunk(1, 'Y'),
      chunk(2, '9'),
      last(0, 'c', 'length', 2, 2),
      last(1, 'Z', 'length', 2, 2),
      last(2, ' ', 'length', 2, 2),
      '[DONE]',
    ]);
  });

  test('stream, several prompts on a one-at-a-time engine: each prompt’s tokens as soon as they exist', async () => {
    const res = await createHandler({ engine: new FakeEngine() })(
      post('/v1/completions', { prompt: ['a', 'X'], stream: true, max_tokens: 2 }),
    );
    expect(await sseData(res)).toEqual([
      chunk(0, 'b'),
      last(0, 'c', 'length', 2, 2),
      chunk(1, 'Y'),
      last(1, 'Z', 'length', 2, 2),
      '[DONE]',
    ]);
  });

  test('stream: a failing prompt reports in the OpenAI shape; the others go on', async () => {
    const res = await createHandler({ engine: new FakeEngine(), maxConcurrentRequests: 1 })(
      post('/v1/completions', { prompt: ['a', 'X'], stream: true, max_tokens: 1 }),
    );
    expect(await sseData(res)).toEqual([
      '{"error":{"message":"Model is overloaded","http_status_code":422}}',
      last(0, 'b', 'length', 2, 1),
      '[DONE]',
    ]);
  });

  test('suffix and too many prompts are refused up front', async () => {
    const handler = createHandler({ engine: new FakeEngine() });
    const suffix = await handler(post('/v1/completions', { prompt: 'a', suffix: 'z', stream: true }));
    expect(suffix.status).toBe(422);
    expect(await suffix.json()).toEqual({
      error: 'Suffix is not supported and can be achieved by preprocessing the prompt.',
      error_type: 'suffix not supported',
    });
    const batch = await handler(post('/v1/completions', { prompt: ['a', 'b', 'c', 'd', 'e'] }));
    expect(batch.status).toBe(422);
    expect(await batch.json()).toEqual({
      error: 'Number of prompts exceeds the maximum allowed batch size of 4',
      error_type: 'batch size exceeded',
    });
  });

  test('non-stream: the first failure answers the request', async () => {
    const res = await createHandler({ engine: new FakeEngine() })(
      post('/v1/completions', { prompt: ['a', ''], max_tokens: 1 }),
    );
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({
      error: 'Input validation error: `inputs` cannot be empty',
      error_type: 'validation',
    });
  });
});
