import { expect, test } from '@playwright/test';
import { BASE, json, openShim } from './support/shim';
import { ABC } from './support/tools';

// The same greedy rule under another convention (packages/engine/tools/test-model/tokenizer.ts, CHATML):
// no BOS token, `<|im_end|>` and `<|endoftext|>` both end a generation, a ChatML template that places the
// system turn first and lists tools in `<tools>`. Nothing in the engine or the shim may assume the built-in
// model's tokens or template.

const MODEL = '/models/inpage-tiny-chatml/';
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';
const IM_END = { id: 266, text: '<|im_end|>', special: true };

test.describe('a ChatML model with no BOS and two EOS tokens', () => {
  test.beforeEach(async ({ page }) => openShim(page, { model: MODEL }));

  test('/info, /tokenize and /generate: no BOS added, the turn end stops the generation', async ({ page }) => {
    const info = (await json(page, '/info')).body;
    expect(info).toMatchObject({ model_id: MODEL, max_total_tokens: 2048 });
    const tokens = await page.evaluate(async () => {
      const { bosToken, eosTokens } = await (window as unknown as { engine: { ready(): Promise<{ bosToken: unknown; eosTokens: unknown }> } }).engine.ready();
      return { bosToken, eosTokens };
    });
    // generation_config.json's two EOS ids, the tokenizer's first.
    expect(tokens).toEqual({
      bosToken: null,
      eosTokens: [
        { id: 266, content: '<|im_end|>' },
        { id: 264, content: '<|endoftext|>' },
      ],
    });
    // he | ll | o, and nothing in front.
    expect((await json(page, '/tokenize', { inputs: 'hello' })).body).toEqual([
      { id: 256, text: 'he', start: 0, stop: 2 },
      { id: 257, text: 'll', start: 2, stop: 4 },
      { id: 111, text: 'o', start: 4, stop: 5 },
    ]);
    const generated = (await json(page, '/generate', { inputs: 'hello', parameters: { max_new_tokens: 20, details: true } })).body as {
      generated_text: string;
      details: { finish_reason: string; generated_tokens: number; tokens: { id: number; text: string; special: boolean }[] };
    };
    expect(generated.generated_text).toBe('pqrstuvwxyz');
    expect(generated.details).toMatchObject({ finish_reason: 'eos_token', generated_tokens: 12 });
    expect(generated.details.tokens.at(-1)).toMatchObject(IM_END);
  });

  test('chat: the model’s own template (system turn first), through the openai SDK, streamed and not', async ({ page }) => {
    const messages = [
      { role: 'system' as const, content: 'Be brief' },
      { role: 'user' as const, content: 'Hi' },
    ];
    const templated = (await json(page, '/chat_tokenize', { messages })).body as { templated_text: string; tokenize_response: unknown[] };
    expect(templated.templated_text).toBe('<|im_start|>system\nBe brief<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
    const result = await page.evaluate(
      async ({ base, messages }) => {
        const openai = new window.inpage.OpenAI({ baseURL: `${base}/v1`, apiKey: '-', dangerouslyAllowBrowser: true, maxRetries: 0 });
        const completion = await openai.chat.completions.create({ model: 'tgi', messages, temperature: 0 });
        const stream = await openai.chat.completions.create({ model: 'tgi', messages, temperature: 0, stream: true });
        let streamed = '';
        let finish: string | null = null;
        for await (const chunk of stream) {
          streamed += chunk.choices[0]?.delta.content ?? '';
          finish = chunk.choices[0]?.finish_reason ?? finish;
        }
        return { choice: completion.choices[0], usage: completion.usage, streamed, finish };
      },
      { base: BASE, messages },
    );
    expect(result.choice).toMatchObject({ message: { role: 'assistant', content: ALPHABET }, finish_reason: 'stop' });
    expect(result.usage).toMatchObject({ prompt_tokens: templated.tokenize_response.length, completion_tokens: 27 });
    expect(result.streamed).toBe(ALPHABET);
    expect(result.finish).toBe('stop');
  });

  test('tools: listed by the template itself, and the call comes back as tool_calls', async ({ page }) => {
    test.setTimeout(240_000);
    const messages = [{ role: 'user' as const, content: 'Hi' }];
    const templated = (await json(page, '/chat_tokenize', { messages, tools: [ABC], tool_choice: 'required', tool_prompt: 'Call one.' })).body as {
      templated_text: string;
    };
    expect(templated.templated_text).toBe(
      '<|im_start|>system\n# Tools\n<tools>\n' +
        '{"type": "function", "function": {"name": "abc", "description": "Weather in a city", "parameters": ' +
        '{"type": "object", "properties": {"city": {"type": "string", "maxLength": 3}}, "required": ["city"]}}}' +
        '\n</tools><|im_end|>\n<|im_start|>user\nHi\n---\nCall one.<|im_end|>\n<|im_start|>assistant\n',
    );
    const call = await page.evaluate(
      async ({ base, messages, abc }) => {
        const openai = new window.inpage.OpenAI({ baseURL: `${base}/v1`, apiKey: '-', dangerouslyAllowBrowser: true, maxRetries: 0 });
        const completion = await openai.chat.completions.create({ model: 'tgi', messages, temperature: 0, tools: [abc], tool_choice: 'required' });
        return completion.choices[0];
      },
      { base: BASE, messages, abc: ABC },
    );
    expect(call).toMatchObject({
      message: { role: 'assistant', tool_calls: [{ type: 'function', function: { name: 'abc', arguments: '{"city":"abc"}' } }] },
    });
  });
});
