import { expect, test } from '@playwright/test';
import { expectedDevice } from './support/harness';
import { BASE, call, json, openShim, sseData } from './support/shim';

// Every TGI route through the real shim, worker and test model (greedy rule: hello → pqrstuvwxyz, chat → a..z).

const CHAT = { messages: [{ role: 'user', content: 'Hi' }], temperature: 0 };
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';

test.describe('TGI routes in the page', () => {
  test.beforeEach(async ({ page }) => openShim(page));

  test('GET /health, /, /ping, /info, /v1/models', async ({ page }, testInfo) => {
    for (const path of ['/health', '/', '/ping']) {
      expect(await call(page, 'GET', path)).toMatchObject({ status: 200, text: '' });
    }
    const info = await json(page, '/info');
    expect(info).toEqual({
      status: 200,
      body: expect.objectContaining({
        model_id: '/models/inpage-tiny/',
        model_pipeline_tag: 'text-generation',
        max_concurrent_requests: 128,
        max_best_of: 2,
        max_stop_sequences: 4,
        max_input_tokens: 2047,
        max_total_tokens: 2048,
        max_client_batch_size: 4,
        router: 'text-generation-router',
        device: expectedDevice(testInfo),
        dtype: 'fp32',
      }),
    });
    expect(await json(page, '/v1/models')).toEqual({
      status: 200,
      body: { object: 'list', data: [{ id: '/models/inpage-tiny/', object: 'model', created: 0, owned_by: '/models/inpage-tiny/' }] },
    });
  });

  test('POST /generate with details, prefill and top tokens', async ({ page }, testInfo) => {
    const response = await call(page, 'POST', '/generate', {
      inputs: 'hello',
      parameters: { max_new_tokens: 20, details: true, decoder_input_details: true, top_n_tokens: 2 },
    });
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({
      'x-compute-type': expectedDevice(testInfo),
      'x-prompt-tokens': '4',
      'x-generated-tokens': '12',
      'x-compute-characters': '5',
    });
    for (const header of ['x-compute-time', 'x-total-time', 'x-validation-time', 'x-queue-time', 'x-inference-time', 'x-time-per-token']) {
      expect(response.headers[header]).toMatch(/^\d+(\.\d+)?$/);
    }
    const body = JSON.parse(response.text);
    expect(body.generated_text).toBe('pqrstuvwxyz');
    expect(body.details).toMatchObject({ finish_reason: 'eos_token', generated_tokens: 12, seed: null });
    expect(body.details.prefill.map((t: { id: number; logprob: number | null }) => [t.id, t.logprob === null])).toEqual([
      [264, true],
      [256, false],
      [257, false],
      [111, false],
    ]);
    expect(body.details.tokens.map((t: { text: string }) => t.text).join('')).toBe('pqrstuvwxyz</s>');
    expect(body.details.tokens.at(-1)).toMatchObject({ id: 265, special: true });
    expect(body.details.top_tokens).toHaveLength(12);
    expect(body.details.top_tokens[0][0]).toEqual(body.details.tokens[0]);
  });

  test('POST /generate_stream: one event per token, the last with the text and details', async ({ page }) => {
    const response = await call(page, 'POST', '/generate_stream', { inputs: 'hello', parameters: { max_new_tokens: 4, details: true } });
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const events = sseData(response.text).map((data) => JSON.parse(data));
    expect(events.map((e) => [e.index, e.token.text, e.generated_text])).toEqual([
      [1, 'p', null],
      [2, 'q', null],
      [3, 'r', null],
      [4, 's', 'pqrs'],
    ]);
    expect(events[3].details).toEqual({ finish_reason: 'length', generated_tokens: 4, seed: null, input_length: 4 });
    expect(response.text).not.toContain('[DONE]');
  });

  test('POST / answers an array, or the stream with stream:true; return_full_text defaults to true', async ({ page }) => {
    expect(await json(page, '/', { inputs: 'hello', parameters: { max_new_tokens: 3 } })).toEqual({
      status: 200,
      body: [{ generated_text: 'hellopqr' }],
    });
    const stream = await call(page, 'POST', '/', { inputs: 'hello', stream: true, parameters: { max_new_tokens: 2 } });
    expect(sseData(stream.text).map((d) => JSON.parse(d).generated_text)).toEqual([null, 'hellopq']);
  });

  test('POST /invocations picks the route from the body', async ({ page }) => {
    expect((await json(page, '/invocations', { inputs: 'hello', parameters: { max_new_tokens: 2 } })).body).toEqual([{ generated_text: 'hellopq' }]);
    const chat = (await json(page, '/invocations', { ...CHAT, max_tokens: 3 })).body as { choices: { message: { content: string } }[] };
    expect(chat.choices[0].message.content).toBe('abc');
    const completion = (await json(page, '/invocations', { prompt: '7', max_tokens: 3, temperature: 0 })).body as { choices: { text: string }[] };
    expect(completion.choices[0].text).toBe('89 ');
    expect(await call(page, 'POST', '/invocations', { something: 'else' })).toMatchObject({
      status: 422,
      text: expect.stringMatching(/^Failed to deserialize the JSON body into the target type: /),
    });
  });

  test('POST /tokenize and /chat_tokenize with byte offsets', async ({ page }) => {
    expect((await json(page, '/tokenize', { inputs: 'hello' })).body).toEqual([
      { id: 264, text: '', start: 0, stop: 0 },
      { id: 256, text: 'he', start: 0, stop: 2 },
      { id: 257, text: 'll', start: 2, stop: 4 },
      { id: 111, text: 'o', start: 4, stop: 5 },
    ]);
    const chat = (await json(page, '/chat_tokenize', CHAT)).body as { templated_text: string; tokenize_response: { id: number }[] };
    expect(chat.templated_text).toBe('<s><|user|>\nHi<|end|>\n<|assistant|>\n');
    expect(chat.tokenize_response.map((t) => t.id)).toEqual([264, 268, 10, 72, 105, 270, 10, 269, 10]);
  });

  test('POST /v1/chat/completions, plain and streamed with usage', async ({ page }) => {
    const { status, body } = await json(page, '/v1/chat/completions', CHAT);
    expect(status).toBe(200);
    expect(body).toEqual({
      object: 'chat.completion',
      id: '',
      created: expect.any(Number),
      model: '/models/inpage-tiny/',
      system_fingerprint: '0.1.0-native',
      choices: [{ index: 0, message: { role: 'assistant', content: ALPHABET }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 9, completion_tokens: 27, total_tokens: 36, prompt_tokens_details: { cached_tokens: expect.any(Number) } },
    });
    const stream = await call(page, 'POST', '/v1/chat/completions', {
      ...CHAT,
      model: 'my-model',
      max_tokens: 3,
      stream: true,
      stream_options: { include_usage: true },
    });
    const data = sseData(stream.text);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? null)).toEqual(['a', 'b', 'c', null]);
    expect(chunks.map((c) => c.choices[0]?.finish_reason ?? null)).toEqual([null, null, 'length', null]);
    expect(chunks[0]).toMatchObject({ object: 'chat.completion.chunk', model: 'my-model', usage: null });
    // The same conversation again: all of its prompt but the last token comes from the prefix cache.
    expect(chunks[3]).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12, prompt_tokens_details: { cached_tokens: 8 } },
    });
  });

  test('chat: logprobs, continuing the final assistant message, images as links, stop', async ({ page }) => {
    const withLogprobs = (await json(page, '/v1/chat/completions', { ...CHAT, max_tokens: 2, logprobs: true, top_logprobs: 2 })).body as {
      choices: { logprobs: { content: { token: string; logprob: number; top_logprobs: unknown[] }[] } }[];
    };
    const content = withLogprobs.choices[0].logprobs.content;
    expect(content.map((c) => c.token)).toEqual(['a', 'b']);
    expect(content[0].top_logprobs).toHaveLength(2);

    const continued = (
      await json(page, '/v1/chat/completions', {
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello w' },
        ],
        temperature: 0,
        max_tokens: 3,
      })
    ).body as { choices: { message: { content: string } }[] };
    expect(continued.choices[0].message.content).toBe('xyz');

    const image = (
      await json(page, '/chat_tokenize', {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'See ' },
              { type: 'image_url', image_url: { url: 'http://x/cat.png' } },
            ],
          },
        ],
      })
    ).body as { templated_text: string };
    expect(image.templated_text).toBe('<s><|user|>\nSee ![](http://x/cat.png)<|end|>\n<|assistant|>\n');

    const stopped = (await json(page, '/v1/chat/completions', { ...CHAT, stop: ['def'] })).body as {
      choices: { message: { content: string }; finish_reason: string }[];
    };
    expect(stopped.choices[0]).toMatchObject({ message: { content: 'abcdef' }, finish_reason: 'stop_sequence' });
  });

  test('POST /v1/completions: one prompt, several prompts, streamed round-robin', async ({ page }) => {
    const one = (await json(page, '/v1/completions', { prompt: 'hello', max_tokens: 20, temperature: 0 })).body;
    expect(one).toMatchObject({
      object: 'text_completion',
      choices: [{ index: 0, text: 'pqrstuvwxyz', logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 4, completion_tokens: 12, total_tokens: 16 },
    });
    const many = (await json(page, '/v1/completions', { prompt: ['hello', '7'], max_tokens: 3, temperature: 0 })).body as {
      choices: { index: number; text: string }[];
    };
    expect(many.choices.map((c) => [c.index, c.text]).sort()).toEqual([
      [0, 'pqr'],
      [1, '89 '],
    ]);
    const stream = await call(page, 'POST', '/v1/completions', { prompt: ['hello', '7'], max_tokens: 2, temperature: 0, stream: true });
    const data = sseData(stream.text);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    const byPrompt = [0, 1].map((i) =>
      chunks
        .filter((c) => c.choices[0].index === i)
        .map((c) => c.choices[0].text)
        .join(''),
    );
    expect(byPrompt).toEqual(['pq', '89']);
    expect(chunks.filter((c) => c.usage).map((c) => c.choices[0].finish_reason)).toEqual(['length', 'length']);
  });

  test('GET /metrics counts real requests', async ({ page }) => {
    await json(page, '/generate', { inputs: 'hello', parameters: { max_new_tokens: 2 } });
    await json(page, '/generate', { inputs: 'hello', parameters: { max_new_tokens: 2, temperature: -1 } });
    const metrics = await call(page, 'GET', '/metrics');
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.text).toMatch(/^tgi_request_count 2$/m);
    expect(metrics.text).toMatch(/^tgi_request_success 1$/m);
    expect(metrics.text).toMatch(/^tgi_request_failure\{err="validation"\} 1$/m);
    expect(metrics.text).toMatch(/^tgi_request_generated_tokens_count 1$/m);
  });

  test('unknown paths, wrong methods, bad bodies', async ({ page }) => {
    expect(await call(page, 'GET', '/nope')).toMatchObject({ status: 404, text: '' });
    expect(await call(page, 'GET', '/generate')).toMatchObject({ status: 405, text: '' });
    expect(await call(page, 'POST', '/generate', '{"inputs":', { 'content-type': 'application/json' })).toMatchObject({
      status: 400,
      text: expect.stringMatching(/^Failed to parse the request body as JSON: /),
    });
    expect(await call(page, 'POST', '/generate', 'inputs=hello', { 'content-type': 'text/plain' })).toMatchObject({
      status: 415,
      text: 'Expected request with `Content-Type: application/json`',
    });
    expect(await call(page, 'POST', '/generate', { inputs: 5 })).toMatchObject({
      status: 422,
      text: expect.stringMatching(/^Failed to deserialize the JSON body into the target type: /),
    });
  });
});

// TGI's validation rules, in order, each with its exact message (packages/api-shim/README.md, "TGI's behaviour, as followed").
const VALIDATION: [string, Record<string, unknown>, string][] = [
  ['0 best_of over max', { best_of: 3, do_sample: true }, '`best_of` must be > 0 and <= 2. Given: 3'],
  ['1 best_of without sampling', { best_of: 2 }, 'you must use sampling when `best_of` is > 1'],
  ['2 temperature', { temperature: 0 }, '`temperature` must be strictly positive'],
  ['3 repetition_penalty', { repetition_penalty: 0 }, '`repetition_penalty` must be strictly positive'],
  ['4 frequency_penalty', { frequency_penalty: 2.5 }, '`frequency_penalty` must be >= -2.0 and <= 2.0'],
  ['5 top_p', { top_p: 1.0 }, '`top_p` must be > 0.0 and < 1.0'],
  ['6 typical_p', { typical_p: 0 }, '`typical_p` must be > 0.0 and < 1.0'],
  ['7 top_k', { top_k: 0 }, '`top_k` must be strictly positive'],
  ['8 max_new_tokens', { max_new_tokens: 0 }, '`max_new_tokens` must be strictly positive'],
  ['9 stop count', { stop: ['a', 'b', 'c', 'd', 'e'] }, '`stop` supports up to 4 stop sequences. Given: 5'],
  ['10 seed with best_of', { best_of: 2, do_sample: true, seed: 1 }, '`seed` must not be set when `best_of` > 1'],
  ['11 top_n_tokens', { top_n_tokens: 6 }, '`top_n_tokens` must be >= 0 and <= 5. Given: 6'],
  ['13 truncate', { truncate: 0 }, '`truncate` must be strictly positive and less than 2047. Given: 0'],
  ['first failing rule wins', { temperature: -1, top_k: 0, max_new_tokens: 0 }, '`temperature` must be strictly positive'],
];

test.describe('validation through the shim', () => {
  test('every rule and its message, as a 422 and inside streams', async ({ page }) => {
    await openShim(page);
    for (const [rule, parameters, message] of VALIDATION) {
      const response = await call(page, 'POST', '/generate', { inputs: 'hello', parameters });
      expect([rule, response.status, response.text]).toEqual([
        rule,
        422,
        JSON.stringify({ error: `Input validation error: ${message}`, error_type: 'validation' }),
      ]);
    }
    // 14 counts at most 1024 new tokens (as TGI does), so it takes a long input to trip.
    expect((await call(page, 'POST', '/generate', { inputs: 'a'.repeat(1100), parameters: { max_new_tokens: 1000 } })).text).toBe(
      '{"error":"Input validation error: `inputs` tokens + `max_new_tokens` must be <= 2048. Given: 1101 `inputs` tokens and 1000 `max_new_tokens`","error_type":"validation"}',
    );
    expect((await call(page, 'POST', '/generate', { inputs: '', parameters: {} })).text).toBe(
      '{"error":"Input validation error: `inputs` cannot be empty","error_type":"validation"}',
    );
    // Streams answer 200 and carry the error as their one event, in each route's style.
    const native = await call(page, 'POST', '/generate_stream', { inputs: 'hello', parameters: { best_of: 2, do_sample: true } });
    expect([native.status, native.text]).toEqual([
      200,
      'data: {"error":"Input validation error: `best_of` != 1 is not supported when streaming tokens","error_type":"validation"}\n\n',
    ]);
    const details = await call(page, 'POST', '/generate_stream', { inputs: 'hello', parameters: { decoder_input_details: true } });
    expect(details.text).toContain('`decoder_input_details` == true is not supported when streaming tokens');
    const chat = await call(page, 'POST', '/v1/chat/completions', { messages: [{ role: 'user', content: 'Hi' }], top_p: 2, stream: true });
    expect(chat.text).toBe('data: {"error":{"message":"Input validation error: `top_p` must be > 0.0 and < 1.0","http_status_code":422}}\n\ndata: [DONE]\n\n');
    const suffix = await call(page, 'POST', '/v1/completions', { prompt: 'x', suffix: 'y' });
    expect([suffix.status, suffix.text]).toEqual([
      422,
      '{"error":"Suffix is not supported and can be achieved by preprocessing the prompt.","error_type":"suffix not supported"}',
    ]);
    const batch = await call(page, 'POST', '/v1/completions', { prompt: ['a', 'b', 'c', 'd', 'e'] });
    expect(batch.text).toBe('{"error":"Number of prompts exceeds the maximum allowed batch size of 4","error_type":"batch size exceeded"}');
  });

  test('15: too many input tokens', async ({ page }) => {
    await openShim(page, { maxInputTokens: 10 });
    const response = await call(page, 'POST', '/generate', { inputs: 'abcdefghijklmnopqrst', parameters: { max_new_tokens: 1 } });
    expect(response.text).toBe('{"error":"Input validation error: `inputs` must have less than 10 tokens. Given: 21","error_type":"validation"}');
    const truncated = await call(page, 'POST', '/generate', { inputs: 'abcdefghijklmnopqrst', parameters: { max_new_tokens: 3, truncate: 5 } });
    expect(truncated.text).toBe('{"generated_text":"uvw"}');
  });
});

test.describe('shim options', () => {
  test('an API key guards the generation routes', async ({ page }) => {
    await openShim(page, { apiKey: 'sekret' });
    expect(await call(page, 'POST', '/generate', { inputs: 'hello', parameters: { max_new_tokens: 1 } })).toMatchObject({ status: 401, text: '' });
    const ok = await call(page, 'POST', '/generate', { inputs: 'hello', parameters: { max_new_tokens: 1 } }, { authorization: 'bearer SEKRET' });
    expect(ok).toMatchObject({ status: 200, text: '{"generated_text":"p"}' });
    expect((await call(page, 'GET', '/health')).status).toBe(200);
  });

  test('a base URL with a path prefix', async ({ page }) => {
    await openShim(page, { baseUrl: `${BASE}/api` });
    expect((await call(page, 'POST', '/api/generate', { inputs: 'hello', parameters: { max_new_tokens: 2 } })).text).toBe('{"generated_text":"pq"}');
  });
});
