import { expect, type Page, test } from '@playwright/test';
import { greenList } from '../packages/engine/src/sampling/watermark';
import { BASE, call, json, openShim, sseData } from './support/shim';
import { ABC } from './support/tools';

// Constrained decoding, tools and the other TGI parameters, through the real page, shim, worker, grammar
// engine and test model. The model's greedy rule (the last byte decides: a..y → next letter, `"` or `,` → a)
// makes the outputs exact wherever the grammar leaves one path or allows the rule's token.

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';
const XYZ = { type: 'function' as const, function: { name: 'xyz', parameters: { type: 'object', properties: {} } } };
/** Under tool_choice "auto", `n` is forced (nzz and no_tool share it) and the rule then picks `o`: no_tool. */
const NZZ = { type: 'function' as const, function: { name: 'nzz', parameters: { type: 'object', properties: {} } } };
const hi = [{ role: 'user' as const, content: 'Hi' }];

test.describe('structured output', () => {
  test.beforeEach(async ({ page }) => openShim(page, { maxTotalTokens: 2048, maxInputTokens: 2000 }));

  test('grammar on /generate: JSON schema and regex exactly; bad grammars are TGI 422s', async ({ page }) => {
    const schema = {
      type: 'object',
      $defs: { word: { type: 'string', maxLength: 2 } },
      properties: {
        name: { type: 'string', maxLength: 5 },
        n: { const: 42 },
        tags: { type: 'array', items: { $ref: '#/$defs/word' }, minItems: 2, maxItems: 2 },
        inner: { type: 'object', properties: { pick: { enum: ['abc', 'xyz'] } }, required: ['pick'] },
      },
      required: ['name', 'n', 'tags', 'inner'],
    };
    const generate = (grammar: unknown) => json(page, '/generate', { inputs: 'Hi ', parameters: { grammar, max_new_tokens: 80, details: true } });
    const object = await generate({ type: 'json', value: schema });
    expect(object.status).toBe(200);
    expect(object.body).toMatchObject({
      generated_text: '{"name":"abcde","n":42,"tags":["ab","ab"],"inner":{"pick":"abc"}}',
      details: { finish_reason: 'eos_token' },
    });
    const viaJsonSchema = await generate({ type: 'json_schema', value: { name: 'x', schema } });
    expect((viaJsonSchema.body as { generated_text: string }).generated_text).toBe((object.body as { generated_text: string }).generated_text);
    const regex = await generate({ type: 'regex', value: '[a-z]{4}-7[0-9]{2}' });
    expect(regex.body).toMatchObject({ generated_text: 'abcd-789', details: { finish_reason: 'eos_token', generated_tokens: 9 } });

    expect(await generate({ type: 'regex', value: '((' })).toEqual({
      status: 422,
      body: {
        error: 'Input validation error: grammar is not valid: Regex parsing error at position 3: The parenthesis is not closed.',
        error_type: 'validation',
      },
    });
    expect(await generate({ type: 'json', value: { properties: { a: { type: 'integer', minimum: 5, maximum: 2 } } } })).toEqual({
      status: 422,
      body: { error: 'Input validation error: grammar is not valid: Invalid range: minimum greater than maximum', error_type: 'validation' },
    });
    expect(await generate({ type: 'json', value: { type: 'object' } })).toEqual({
      status: 422,
      body: { error: "Input validation error: grammar is not valid: Grammar must have a 'properties' field", error_type: 'validation' },
    });
    // In a stream the same error is an event.
    const stream = await call(page, 'POST', '/generate_stream', { inputs: 'Hi', parameters: { grammar: { type: 'regex', value: '((' } } });
    expect(sseData(stream.text).map((d) => JSON.parse(d))).toEqual([
      {
        error: 'Input validation error: grammar is not valid: Regex parsing error at position 3: The parenthesis is not closed.',
        error_type: 'validation',
      },
    ]);
  });

  test('chat response_format: TGI’s form and the OpenAI forms, through the openai SDK', async ({ page }) => {
    const result = await page.evaluate(
      async ({ base, hi }) => {
        const openai = new window.inpage.OpenAI({ baseURL: `${base}/v1`, apiKey: '-', dangerouslyAllowBrowser: true });
        const schema = { type: 'object', properties: { word: { type: 'string', maxLength: 4 } }, required: ['word'] };
        const ask = (response_format: unknown) =>
          openai.chat.completions.create({ model: 'tgi', messages: hi, temperature: 0, max_tokens: 40, response_format } as never);
        const tgi = await ask({ type: 'json', value: schema });
        const openaiSchema = await ask({ type: 'json_schema', json_schema: { name: 'w', schema, strict: true } });
        const object = await openai.chat.completions.create({
          model: 'tgi',
          messages: hi,
          temperature: 0,
          max_tokens: 28,
          response_format: { type: 'json_object' },
        });
        return [tgi, openaiSchema, object].map((c) => c.choices[0]);
      },
      { base: BASE, hi },
    );
    expect(result[0]).toMatchObject({ message: { role: 'assistant', content: '{"word":"abcd"}' }, finish_reason: 'stop' });
    expect(result[1].message.content).toBe('{"word":"abcd"}');
    // Any object: `{` is forced, the model prefers `"` to `}`, then the rule writes the key — and, as it
    // never writes a `"`, the key would only end at max_tokens: exactly the first 28 tokens here.
    expect(result[2]).toMatchObject({ message: { content: `{"${ALPHABET}` }, finish_reason: 'length' });
  });

  const abcCall = {
    role: 'assistant',
    tool_calls: [{ id: '0', type: 'function', function: { description: null, name: 'abc', arguments: '{"city":"abc"}' } }],
  };

  /** Non-stream chat completions through the openai SDK in the page: the first choice of each. */
  const askAll = (page: Page, bodies: Record<string, unknown>[]) =>
    page.evaluate(
      async ({ base, hi, bodies }) => {
        const openai = new window.inpage.OpenAI({ baseURL: `${base}/v1`, apiKey: '-', dangerouslyAllowBrowser: true, maxRetries: 0 });
        const out: unknown[] = [];
        for (const body of bodies) {
          const request = { model: 'tgi', messages: hi, temperature: 0, max_tokens: 60, ...body } as never;
          out.push(
            await openai.chat.completions.create(request).then(
              (c) => c.choices[0],
              (e: Error) => e.message,
            ),
          );
        }
        return out;
      },
      { base: BASE, hi, bodies },
    );

  test('tool_choice: a name (both forms), required, auto, none — with the openai SDK', async ({ page }) => {
    // Five prefills of the ~400-token tool prompt: minutes on SwiftShader.
    test.setTimeout(240_000);
    const [named, namedObject, required, auto, none] = await askAll(page, [
      { tools: [XYZ, ABC], tool_choice: 'abc' },
      { tools: [XYZ, ABC], tool_choice: { type: 'function', function: { name: 'abc' } } },
      { tools: [XYZ, ABC], tool_choice: 'required' },
      { tools: [ABC, XYZ] },
      { tools: [ABC], tool_choice: 'none' },
    ]);
    expect(named).toMatchObject({ message: abcCall, finish_reason: 'stop' });
    expect(namedObject).toMatchObject({ message: abcCall });
    // The rule's `a` picks abc among abc and xyz (and no_tool under auto).
    expect(required).toMatchObject({ message: abcCall });
    expect(auto).toMatchObject({ message: abcCall });
    expect(none).toMatchObject({ message: { role: 'assistant', content: ALPHABET } });
  });

  test('streamed tool calls, and the no_tool fallback to plain chat (non-stream and stream)', async ({ page }) => {
    test.setTimeout(240_000);
    const result = await page.evaluate(
      async ({ base, hi, ABC, NZZ }) => {
        const openai = new window.inpage.OpenAI({ baseURL: `${base}/v1`, apiKey: '-', dangerouslyAllowBrowser: true, maxRetries: 0 });
        const stream = await openai.chat.completions.create({
          model: 'tgi',
          messages: hi,
          temperature: 0,
          tools: [ABC],
          tool_choice: 'required',
          stream: true,
          stream_options: { include_usage: true },
        });
        const deltas: unknown[] = [];
        const finishes: unknown[] = [];
        let usage: unknown = null;
        for await (const chunk of stream) {
          if (chunk.usage) usage = chunk.usage;
          if (chunk.choices[0]) {
            deltas.push(chunk.choices[0].delta);
            finishes.push(chunk.choices[0].finish_reason);
          }
        }
        const fallback = await openai.chat.completions.create({ model: 'tgi', messages: hi, temperature: 0, tools: [NZZ] });
        const fallbackStream = await openai.chat.completions.create({ model: 'tgi', messages: hi, temperature: 0, tools: [NZZ], stream: true });
        let fallbackText = '';
        for await (const chunk of fallbackStream) fallbackText += chunk.choices[0]?.delta.content ?? '';
        return { deltas, finishes, usage, fallback: fallback.choices[0], fallbackText };
      },
      { base: BASE, hi, ABC, NZZ },
    );
    expect(result.deltas[0]).toEqual({
      role: 'assistant',
      tool_calls: [{ index: 0, id: '0', type: 'function', function: { name: 'abc', arguments: '{' } }],
    });
    const pieces = (result.deltas as { tool_calls: { function: { name: string | null; arguments: string } }[] }[])
      .slice(1)
      .map((d) => d.tool_calls[0].function);
    expect(pieces.every((f) => f.name === null)).toBe(true);
    expect(`{${pieces.map((f) => f.arguments).join('')}`).toBe('{"city":"abc"}');
    expect(result.finishes.every((f) => f === null)).toBe(true);
    // `{"function":{"_name":"abc","city":"abc"}}` is 41 byte tokens, then EOS.
    expect(result.usage).toMatchObject({ completion_tokens: 42 });
    expect(result.fallback).toMatchObject({ message: { role: 'assistant', content: ALPHABET }, finish_reason: 'stop' });
    expect(result.fallbackText).toBe(ALPHABET);
  });

  test('tool results in the conversation; TGI’s tool errors', async ({ page }) => {
    const [followUp, notFound, exclusive] = await askAll(page, [
      {
        messages: [
          ...hi,
          { role: 'assistant', tool_calls: [{ id: '0', type: 'function', function: { name: 'abc', arguments: '{"city":"abc"}' } }] },
          { role: 'tool', tool_call_id: '0', content: 'sunny' },
        ],
      },
      { tools: [ABC], tool_choice: 'nope' },
      { tools: [ABC], response_format: { type: 'json_object' } },
    ]);
    expect(followUp).toMatchObject({ message: { content: ALPHABET } });
    // TGI's `error` is a string, which the SDK quotes in its message.
    expect([notFound, exclusive]).toEqual(['422 "Tool error: Tool with name nope not found"', '422 "Tool error: Grammar and tools are mutually exclusive"']);
  });
});

test.describe('the other TGI parameters', () => {
  test.beforeEach(async ({ page }) => openShim(page));

  test('best_of: n sampled runs, the best by mean logprob, the others in best_of_sequences', async ({ page }) => {
    const { status, body } = await json(page, '/generate', {
      inputs: 'hello',
      parameters: { best_of: 2, do_sample: true, max_new_tokens: 5, details: true, return_full_text: true },
    });
    expect(status).toBe(200);
    type Seq = { generated_text: string; seed: number; tokens: { logprob: number }[]; finish_reason: string };
    const { generated_text, details } = body as { generated_text: string; details: Seq & { best_of_sequences: Seq[] } };
    expect(Object.keys(details)).toEqual(['finish_reason', 'generated_tokens', 'seed', 'prefill', 'tokens', 'best_of_sequences']);
    expect(details.best_of_sequences).toHaveLength(1);
    const other = details.best_of_sequences[0];
    expect(Object.keys(other)).toEqual(['generated_text', 'finish_reason', 'generated_tokens', 'seed', 'prefill', 'tokens']);
    expect(generated_text.startsWith('hello')).toBe(true);
    expect(other.generated_text.startsWith('hello')).toBe(true);
    expect(other.seed).not.toBe(details.seed);
    const mean = (s: Seq) => s.tokens.reduce((sum, t) => sum + t.logprob, 0) / s.tokens.length;
    expect(mean(details)).toBeGreaterThanOrEqual(mean(other));
    // Streaming refuses it (TGI's rule 0).
    const stream = await call(page, 'POST', '/generate_stream', { inputs: 'a', parameters: { best_of: 2, do_sample: true } });
    expect(JSON.parse(sseData(stream.text)[0])).toEqual({
      error: 'Input validation error: `best_of` != 1 is not supported when streaming tokens',
      error_type: 'validation',
    });
  });

  test('decoder_input_details and top_n_tokens: prefill logprobs (first null), top tokens in details and streams', async ({ page }) => {
    const { body } = await json(page, '/generate', {
      inputs: 'hello',
      parameters: { max_new_tokens: 2, decoder_input_details: true, top_n_tokens: 2 },
    });
    const details = (body as { details: Record<string, unknown> }).details as {
      prefill: { id: number; text: string; logprob: number | null }[];
      tokens: { id: number; text: string }[];
      top_tokens: { id: number; text: string; logprob: number; special: boolean }[][];
    };
    expect(details.prefill.map((t) => [t.id, t.text])).toEqual([
      [264, '<s>'],
      [256, 'he'],
      [257, 'll'],
      [111, 'o'],
    ]);
    expect(details.prefill[0].logprob).toBeNull();
    expect(details.prefill.slice(1).every((t) => typeof t.logprob === 'number' && t.logprob < 0)).toBe(true);
    expect(details.tokens.map((t) => t.text)).toEqual(['p', 'q']);
    expect(details.top_tokens.map((list) => list.map((t) => t.text))).toEqual([
      ['p', expect.any(String)],
      ['q', expect.any(String)],
    ]);
    const stream = await call(page, 'POST', '/generate_stream', { inputs: 'hello', parameters: { max_new_tokens: 2, top_n_tokens: 1 } });
    expect(sseData(stream.text).map((d) => JSON.parse(d).top_tokens.map((t: { text: string }) => t.text))).toEqual([['p'], ['q']]);
    const chat = await json(page, '/v1/chat/completions', { messages: hi, max_tokens: 2, temperature: 0, logprobs: true, top_logprobs: 2 });
    const content = (chat.body as { choices: { logprobs: { content: { token: string; top_logprobs: { token: string }[] }[] } }[] }).choices[0].logprobs.content;
    expect(content.map((c) => [c.token, c.top_logprobs.length, c.top_logprobs[0].token])).toEqual([
      ['a', 2, 'a'],
      ['b', 2, 'b'],
    ]);
  });

  test('watermark: the green-list share of sampled tokens is well above γ with it, about γ without', async ({ page }) => {
    const share = async (watermark: boolean) => {
      let green = 0;
      let total = 0;
      for (let seed = 1; seed <= 10; seed++) {
        const { body } = await json(page, '/generate', {
          inputs: 'A',
          parameters: { do_sample: true, seed, max_new_tokens: 30, watermark, details: true, decoder_input_details: true },
        });
        const details = (body as { details: { prefill: { id: number }[]; tokens: { id: number }[] } }).details;
        let previous = details.prefill.at(-1)!.id;
        for (const { id } of details.tokens) {
          // The test model's logits row: 271 ids.
          if (greenList(previous, 271).includes(id)) green++;
          total++;
          previous = id;
        }
      }
      return green / total;
    };
    const marked = await share(true);
    const plain = await share(false);
    expect(marked).toBeGreaterThan(0.65);
    expect(Math.abs(plain - 0.5)).toBeLessThan(0.12);
  });

  test('a model name or adapter_id we do not know falls back to the served model', async ({ page }) => {
    const chat = await json(page, '/v1/chat/completions', { model: 'org/some-lora', messages: hi, max_tokens: 1, temperature: 0 });
    expect(chat.status).toBe(200);
    expect((chat.body as { model: string }).model).toBe('org/some-lora');
    const generate = await json(page, '/generate', { inputs: 'hello', parameters: { adapter_id: 'nope', max_new_tokens: 2 } });
    expect(generate).toEqual({ status: 200, body: { generated_text: 'pq' } });
  });
});
