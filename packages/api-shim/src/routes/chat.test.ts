import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createHandler } from '../handler';
import { FakeEngine, post } from '../../test/fake-engine';

const NOW = 1_735_689_600; // 2025-01-01T00:00:00Z
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW * 1000);
});
afterEach(() => {
  vi.useRealTimers();
});

const hi = [{ role: 'user', content: 'hi' }];

describe('POST /v1/chat/completions', () => {
  test('non-stream: the exact object; eos_token → "stop"; the served model id when model is absent', async () => {
    const engine = new FakeEngine();
    const res = await createHandler({ engine, version: '3.3.6' })(
      post('/v1/chat/completions', {
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: 'x' },
        ],
      }),
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(
      '{"object":"chat.completion","id":"","created":1735689600,"model":"test/fake-model","system_fingerprint":"3.3.6-native",' +
        '"choices":[{"index":0,"message":{"role":"assistant","content":"yz"},"logprobs":null,"finish_reason":"stop"}],' +
        '"usage":{"prompt_tokens":28,"completion_tokens":3,"total_tokens":31,"prompt_tokens_details":{"cached_tokens":0}}}',
    );
    expect(res.headers.get('x-prompt-tokens')).toBe('28');
    expect(res.headers.get('x-generated-tokens')).toBe('3');
  });

  test('the template gets flattened messages; the templated text is tokenized without extra special tokens', async () => {
    const engine = new FakeEngine();
    await createHandler({ engine })(
      post('/v1/chat/completions', {
        max_tokens: 1,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'see ' },
              { type: 'image_url', image_url: { url: 'u.png' } },
            ],
          },
        ],
      }),
    );
    expect(engine.templateCalls).toEqual([
      {
        messages: [{ role: 'user', content: 'see ![](u.png)' }],
        options: { addGenerationPrompt: true, continueFinalMessage: false },
      },
    ]);
    // "<s>" is written by the template and tokenized as the special token; no second BOS is added.
    expect(engine.requests[0].inputIds.slice(0, 2)).toEqual([256, '<'.charCodeAt(0)]);
  });

  test('a final assistant message is continued, not answered', async () => {
    const engine = new FakeEngine();
    const res = await createHandler({ engine })(
      post('/v1/chat/completions', { messages: [...hi, { role: 'assistant', content: 'uv ' }] }),
    );
    expect(engine.templateCalls[0].options).toEqual({ addGenerationPrompt: false, continueFinalMessage: true });
    expect((await res.json()).choices[0].message.content).toBe('wxyz');
  });

  test('model echo: the request’s model, unless "tgi"; never refused', async () => {
    const handler = createHandler({ engine: new FakeEngine(), modelId: 'served/model' });
    const model = async (m?: string) =>
      (await (await handler(post('/v1/chat/completions', { model: m, messages: hi, max_tokens: 1 }))).json()).model;
    expect(await model('http://localhost:8080')).toBe('http://localhost:8080');
    expect(await model('tgi')).toBe('served/model');
    expect(await model(undefined)).toBe('served/model');
  });

  test('logprobs with top_logprobs', async () => {
    const res = await createHandler({ engine: new FakeEngine() })(
      post('/v1/chat/completions', { messages: hi, max_tokens: 2, logprobs: true, top_logprobs: 2 }),
    );
    expect((await res.json()).choices[0]).toEqual({
      index: 0,
      message: { role: 'assistant', content: 'ab' },
      logprobs: {
        content: [
          {
            token: 'a',
            logprob: -0.25,
            top_logprobs: [
              { token: 'a', logprob: -0.25 },
              { token: 'b', logprob: -1.25 },
            ],
          },
          {
            token: 'b',
            logprob: -0.5,
            top_logprobs: [
              { token: 'b', logprob: -0.5 },
              { token: 'c', logprob: -1.5 },
            ],
          },
        ],
      },
      finish_reason: 'length',
    });
  });

  test('stream: exact bytes, a chunk per token, usage chunk, [DONE]', async () => {
    const res = await createHandler({ engine: new FakeEngine() })(
      post('/v1/chat/completions', {
        model: 'tgi',
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: 'y' },
        ],
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const head =
      '{"object":"chat.completion.chunk","id":"","created":1735689600,"model":"test/fake-model","system_fingerprint":"0.1.0-native"';
    expect(await res.text()).toBe(
      `data: ${head},"choices":[{"index":0,"delta":{"role":"assistant","content":"z"},"logprobs":null,"finish_reason":null}],"usage":null}\n\n` +
        `data: ${head},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":"stop"}],"usage":null}\n\n` +
        `data: ${head},"choices":[],"usage":{"prompt_tokens":28,"completion_tokens":2,"total_tokens":30,"prompt_tokens_details":{"cached_tokens":0}}}\n\n` +
        'data: [DONE]\n\n',
    );
  });

  test('stream with logprobs: one entry per chunk', async () => {
    const res = await createHandler({ engine: new FakeEngine() })(
      post('/v1/chat/completions', { messages: hi, stream: true, max_tokens: 1, logprobs: true }),
    );
    const [chunk] = (await res.text()).split('\n\n');
    expect(JSON.parse(chunk.slice(6)).choices[0].logprobs).toEqual({
      content: [{ token: 'a', logprob: -0.25, top_logprobs: [] }],
    });
  });

  test('stream: validation errors in the OpenAI shape, then [DONE]', async () => {
    const res = await createHandler({ engine: new FakeEngine() })(
      post('/v1/chat/completions', { messages: hi, stream: true, top_logprobs: 6 }),
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(
      'data: {"error":{"message":"Input validation error: `top_n_tokens` must be >= 0 and <= 5. Given: 6","http_status_code":422}}\n\n' +
        'data: [DONE]\n\n',
    );
  });

  test('temperature 0 is greedy; presence_penalty maps onto repetition_penalty', async () => {
    const engine = new FakeEngine();
    await createHandler({ engine })(
      post('/v1/chat/completions', { messages: hi, temperature: 0, presence_penalty: 0.5, max_tokens: 1 }),
    );
    expect(engine.requests[0].sampling).toEqual({ doSample: false, repetitionPenalty: 2.5 });
    const invalid = await createHandler({ engine })(
      post('/v1/chat/completions', { messages: hi, presence_penalty: -2 }),
    );
    expect(await invalid.json()).toEqual({
      error: 'Input validation error: `repetition_penalty` must be strictly positive',
      error_type: 'validation',
    });
  });

  test('template errors are HTTP 422, also for streams', async () => {
    const res = await createHandler({ engine: new FakeEngine() })(
      post('/v1/chat/completions', { messages: [{ role: 'bad', content: 'x' }], stream: true }),
    );
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({
      error: 'Template error: Conversation roles must alternate',
      error_type: 'template_error',
    });
    const none = await createHandler({ engine: new FakeEngine({ hasChatTemplate: false }) })(
      post('/v1/chat/completions', { messages: hi }),
    );
    expect(await none.json()).toEqual({ error: 'Template error: template not found', error_type: 'template_error' });
  });

  test('tools and response_format: TGI’s errors; the grammar and tool prompt reach the engine', async () => {
    // Room for the tool prompt.
    const engine = new FakeEngine({ maxPositionEmbeddings: 1024 });
    const handler = createHandler({ engine });
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }];
    const answer = async (body: object) => {
      const res = await handler(post('/v1/chat/completions', { messages: hi, ...body }));
      return [res.status, await res.json()];
    };
    expect(await answer({ tools, response_format: { type: 'json_object' } })).toEqual([
      422,
      { error: 'Tool error: Grammar and tools are mutually exclusive', error_type: 'tool_error' },
    ]);
    expect(await answer({ tools, tool_choice: 'nope' })).toEqual([
      422,
      { error: 'Tool error: Tool with name nope not found', error_type: 'tool_error' },
    ]);
    expect((await answer({ response_format: { type: 'json_object' }, max_tokens: 1 }))[0]).toBe(200);
    expect(engine.requests.at(-1)?.grammar).toEqual({ type: 'json_schema', schema: { type: 'object' } });
    // The fake engine ignores the grammar, so its text is no call: TGI's tool error.
    const [status, body] = await answer({ tools, tool_choice: 'get_weather', max_tokens: 1 });
    expect([status, body.error_type]).toEqual([422, 'tool_error']);
    expect(engine.requests.at(-1)?.grammar).toEqual({
      type: 'json_schema',
      schema: {
        type: 'object',
        properties: {
          function: {
            anyOf: [
              { type: 'object', properties: { _name: { type: 'string', const: 'get_weather' } }, required: ['_name'] },
            ],
          },
        },
        required: ['function'],
      },
    });
    expect(engine.templateCalls.at(-1)?.messages.at(-1)?.content).toBe(
      'hi\n---\n[{"type":"function","function":{"description":null,"name":"get_weather","arguments":{"type":"object"}}}]\n' +
        '\nGiven the functions available, please respond with a JSON for a function call with its proper arguments that best answers the given prompt. Respond in the format {name: function name, parameters: dictionary of argument name and its value}.Do not use variables.\n',
    );
    // tool_choice "none" is plain chat.
    expect((await answer({ tools, tool_choice: 'none', max_tokens: 1 }))[0]).toBe(200);
  });
});
