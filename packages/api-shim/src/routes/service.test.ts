import { describe, expect, test } from 'vitest';
import { createHandler } from '../handler';
import { FakeEngine, get, post, sseData } from '../../test/fake-engine';

describe('tokenize', () => {
  test('POST /tokenize: a bare array; byte offsets; special tokens added; text is the input bytes', async () => {
    const res = await createHandler({ engine: new FakeEngine() })(post('/tokenize', { inputs: 'aé' }));
    expect(await res.json()).toEqual([
      { id: 256, text: '', start: 0, stop: 0 },
      { id: 97, text: 'a', start: 0, stop: 1 },
      { id: 195, text: '\uFFFD', start: 1, stop: 2 },
      { id: 169, text: '\uFFFD', start: 2, stop: 3 },
    ]);
  });

  test('POST /chat_tokenize: templated exactly as chat, no extra special tokens', async () => {
    const res = await createHandler({ engine: new FakeEngine() })(
      post('/chat_tokenize', { messages: [{ role: 'user', content: 'a' }] }),
    );
    const body = await res.json();
    expect(body.templated_text).toBe('<s><|user|>\na\n<|assistant|>\n');
    expect(body.tokenize_response.slice(0, 2)).toEqual([
      { id: 256, text: '<s>', start: 0, stop: 3 },
      { id: 60, text: '<', start: 3, stop: 4 },
    ]);
    expect(body.tokenize_response).toHaveLength(26);
  });

  test('POST /chat_tokenize with tools: the offered tools (no_tool too) and the tool prompt, as chat templates them', async () => {
    const tool = { type: 'function', function: { name: 'f', arguments: { type: 'object' } } };
    const res = await createHandler({ engine: new FakeEngine() })(
      post('/chat_tokenize', { messages: [{ role: 'user', content: 'a' }], tools: [tool], tool_prompt: 'Use one.' }),
    );
    const body = await res.json();
    expect(body.templated_text).toBe(
      '<s><|user|>\na\n---\n[{"type":"function","function":{"description":null,"name":"f","arguments":{"type":"object"}}},' +
        '{"type":"function","function":{"description":"Open ended response with no specific tool selected","name":"no_tool","arguments":{"type":"object"}}}]' +
        '\nUse one.\n<|assistant|>\n',
    );
  });
});

describe('info routes', () => {
  test('GET /info: TGI fields with defaults, limits from the context length, device and dtype', async () => {
    const res = await createHandler({ engine: new FakeEngine({ maxPositionEmbeddings: 2048 }) })(get('/info'));
    expect(await res.json()).toEqual({
      model_id: 'test/fake-model',
      model_sha: null,
      model_pipeline_tag: 'text-generation',
      max_concurrent_requests: 128,
      max_best_of: 2,
      max_stop_sequences: 4,
      max_input_tokens: 2047,
      max_total_tokens: 2048,
      validation_workers: 1,
      max_client_batch_size: 4,
      router: 'text-generation-router',
      version: '0.1.0',
      sha: null,
      docker_label: null,
      device: 'wasm',
      device_reason: 'navigator.gpu is missing',
      dtype: 'fp32',
      max_batch_size: 8,
      max_batch_prefill_tokens: 4096,
      max_batch_total_tokens: 16384,
      max_waiting_tokens: 20,
      waiting_served_ratio: 0.3,
      prefill_chunk_tokens: 512,
      prefix_cache_bytes: 16 * 1024 ** 2,
      kv_layout: 'left-padded',
    });
  });

  test('options override the limits and the names', async () => {
    const handler = createHandler({
      engine: new FakeEngine(),
      maxConcurrentRequests: 2,
      maxBestOf: 1,
      maxStopSequences: 2,
      maxClientBatchSize: 8,
      maxTotalTokens: 40,
      modelId: 'my/model',
      version: '9.9.9',
    });
    expect(await (await handler(get('/info'))).json()).toMatchObject({
      model_id: 'my/model',
      max_concurrent_requests: 2,
      max_best_of: 1,
      max_stop_sequences: 2,
      max_input_tokens: 39,
      max_total_tokens: 40,
      max_client_batch_size: 8,
      version: '9.9.9',
    });
    expect(await (await handler(get('/v1/models'))).json()).toEqual({
      object: 'list',
      data: [{ id: 'my/model', object: 'model', created: 0, owned_by: 'my/model' }],
    });
    expect(() => createHandler({ engine: new FakeEngine(), maxInputTokens: 40, maxTotalTokens: 40 })).toThrow(
      RangeError,
    );
  });

  test('GET /health, / and /ping: 200 empty when ready, 503 otherwise', async () => {
    for (const path of ['/health', '/', '/ping']) {
      const ok = await createHandler({ engine: new FakeEngine() })(get(path));
      expect([ok.status, await ok.text()]).toEqual([200, '']);
      for (const state of ['loading', 'failed', 'idle'] as const) {
        const res = await createHandler({ engine: new FakeEngine({ state }) })(get(path));
        expect([res.status, await res.text()]).toEqual([503, '{"error":"unhealthy","error_type":"healthcheck"}']);
      }
    }
  });

  test('GET /metrics counts the requests served', async () => {
    const handler = createHandler({ engine: new FakeEngine() });
    await handler(post('/generate', { inputs: 'y', parameters: { max_new_tokens: 1 } }));
    await handler(post('/generate', { inputs: 'y', parameters: { top_k: 0 } }));
    await handler(post('/generate_stream', { inputs: 'y', parameters: { max_new_tokens: 2 } })).then((r) => r.text());
    const res = await handler(get('/metrics'));
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const text = await res.text();
    expect(text).toContain('# TYPE tgi_request_count counter\ntgi_request_count 3\n');
    expect(text).toContain('tgi_request_success 2\n');
    expect(text).toContain('tgi_request_failure{err="validation"} 1\n');
    expect(text).toContain('tgi_request_generated_tokens_count 2\n');
    expect(text).toContain('tgi_request_input_length_count 2\n');
    expect(text).toContain('tgi_queue_size 0\n');
  });
});

describe('POST /invocations', () => {
  test('dispatches on the body: generate (as POST /), chat, completions', async () => {
    const handler = createHandler({ engine: new FakeEngine() });
    expect(await (await handler(post('/invocations', { inputs: 'xy' }))).json()).toEqual([{ generated_text: 'xyz' }]);
    const chat = await (
      await handler(post('/invocations', { messages: [{ role: 'user', content: 'a' }], max_tokens: 1 }))
    ).json();
    expect(chat.object).toBe('chat.completion');
    const completion = await (await handler(post('/invocations', { prompt: 'a', max_tokens: 1 }))).json();
    expect(completion.object).toBe('text_completion');
    const none = await handler(post('/invocations', { text: 'a' }));
    expect([none.status, await none.text()]).toEqual([
      422,
      'Failed to deserialize the JSON body into the target type: data did not match any variant of untagged enum SagemakerRequest',
    ]);
  });
});

describe('concurrency and loading', () => {
  test('beyond max_concurrent_requests: 429 Model is overloaded (in-stream for streams)', async () => {
    const engine = new FakeEngine();
    const handler = createHandler({ engine, maxConcurrentRequests: 1 });
    const first = handler(post('/generate', { inputs: 'A', parameters: { max_new_tokens: 5 } }));
    await new Promise((r) => setTimeout(r, 0));
    const second = await handler(post('/generate', { inputs: 'a' }));
    expect([second.status, await second.json()]).toEqual([
      429,
      { error: 'Model is overloaded', error_type: 'overloaded' },
    ]);
    const stream = await handler(post('/generate_stream', { inputs: 'a' }));
    expect(await sseData(stream)).toEqual(['{"error":"Model is overloaded","error_type":"overloaded"}']);
    expect((await first).status).toBe(200);
    // The permit is back.
    expect((await handler(post('/generate', { inputs: 'y', parameters: { max_new_tokens: 1 } }))).status).toBe(200);
  });

  test('a request that arrives while the model loads waits for it (never 503)', async () => {
    const engine = new FakeEngine({ state: 'loading' });
    const handler = createHandler({ engine });
    let settled = false;
    const pending = handler(post('/generate', { inputs: 'y', parameters: { max_new_tokens: 1 } })).finally(
      () => (settled = true),
    );
    await new Promise((r) => setTimeout(r, 10));
    expect(settled).toBe(false);
    engine.finishLoading();
    const res = await pending;
    expect([res.status, await res.json()]).toEqual([200, { generated_text: 'z' }]);
  });

  test('a failed load is a generation error that says why', async () => {
    const engine = new FakeEngine({ state: 'loading' });
    const handler = createHandler({ engine });
    const pending = handler(post('/v1/chat/completions', { messages: [{ role: 'user', content: 'a' }] }));
    engine.failLoading('WebGPU device lost while uploading weights');
    const res = await pending;
    expect([res.status, await res.json()]).toEqual([
      424,
      {
        error: 'Request failed during generation: the model failed to load: WebGPU device lost while uploading weights',
        error_type: 'generation',
      },
    ]);
  });

  test('with no model loaded at all, the engine says so', async () => {
    const res = await createHandler({ engine: new FakeEngine({ state: 'idle' }) })(post('/generate', { inputs: 'a' }));
    expect([res.status, await res.json()]).toEqual([
      424,
      { error: 'Request failed during generation: No model is loaded: call load() first.', error_type: 'generation' },
    ]);
  });
});

describe('aborts reach the engine', () => {
  test('aborting a non-stream request stops its generation', async () => {
    const engine = new FakeEngine();
    const controller = new AbortController();
    const pending = createHandler({ engine })(post('/generate', { inputs: 'A' }, { signal: controller.signal }));
    await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(engine.aborted).toBe(1);
  });

  test('cancelling a stream’s reader stops its generation', async () => {
    const engine = new FakeEngine();
    const res = await createHandler({ engine })(
      post('/v1/chat/completions', { messages: [{ role: 'user', content: 'A' }], stream: true }),
    );
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    await new Promise((r) => setTimeout(r, 5));
    expect(engine.aborted).toBe(1);
  });

  test('aborting a streamed request stops its generation', async () => {
    const engine = new FakeEngine();
    const controller = new AbortController();
    const res = await createHandler({ engine })(
      post('/generate_stream', { inputs: 'A' }, { signal: controller.signal }),
    );
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' });
    await new Promise((r) => setTimeout(r, 5));
    expect(engine.aborted).toBe(1);
  });
});

describe('best_of, grammar and watermark', () => {
  test('best_of > 1: TGI’s rules apply, then n runs, the others in best_of_sequences', async () => {
    const engine = new FakeEngine();
    const handler = createHandler({ engine });
    const answer = async (parameters: object) => (await handler(post('/generate', { inputs: 'a', parameters }))).json();
    expect(await answer({ best_of: 2 })).toEqual({
      error: 'Input validation error: you must use sampling when `best_of` is > 1',
      error_type: 'validation',
    });
    expect(await answer({ best_of: 2, do_sample: true, seed: 1 })).toEqual({
      error: 'Input validation error: `seed` must not be set when `best_of` > 1',
      error_type: 'validation',
    });
    const body = await answer({ best_of: 2, do_sample: true, max_new_tokens: 2, details: true });
    expect(engine.requests).toHaveLength(2);
    expect(Object.keys(body.details)).toEqual([
      'finish_reason',
      'generated_tokens',
      'seed',
      'prefill',
      'tokens',
      'best_of_sequences',
    ]);
    expect(body.details.best_of_sequences).toEqual([
      {
        generated_text: 'bc',
        finish_reason: 'length',
        generated_tokens: 2,
        seed: 1234,
        prefill: [],
        tokens: body.details.tokens,
      },
    ]);
  });

  test('grammar and watermark go to the engine', async () => {
    const engine = new FakeEngine();
    const handler = createHandler({ engine });
    const answer = async (parameters: object) => handler(post('/generate', { inputs: 'a', parameters }));
    expect((await answer({ grammar: { type: 'regex', value: 'a+' }, watermark: true })).status).toBe(200);
    expect(engine.requests[0]).toMatchObject({ grammar: { type: 'regex', pattern: 'a+' }, watermark: true });
  });
});
