import { expect, test } from '@playwright/test';
import { BASE, openShim } from './support/shim';

// The real clients, unmodified, in the page (harness.html bundles them), against the shim.

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';

test.describe('unmodified clients', () => {
  test.beforeEach(async ({ page }) => openShim(page));

  test('openai: chat create, chat stream, completions', async ({ page }) => {
    const result = await page.evaluate(async (base) => {
      const openai = new window.inpage.OpenAI({ baseURL: `${base}/v1`, apiKey: '-', dangerouslyAllowBrowser: true });
      const messages = [{ role: 'user' as const, content: 'Hi' }];
      const chat = await openai.chat.completions.create({ model: 'tgi', messages, temperature: 0 });
      const stream = await openai.chat.completions.create({ model: 'tgi', messages, temperature: 0, max_tokens: 5, stream: true });
      const deltas: string[] = [];
      const finishes: (string | null)[] = [];
      for await (const chunk of stream) {
        deltas.push(chunk.choices[0]?.delta.content ?? '');
        finishes.push(chunk.choices[0]?.finish_reason ?? null);
      }
      const completion = await openai.completions.create({ model: 'tgi', prompt: 'hello', max_tokens: 20, temperature: 0 });
      return { chat, deltas, finishes, completion };
    }, BASE);
    expect(result.chat.choices[0].message).toEqual({ role: 'assistant', content: ALPHABET });
    expect(result.chat.choices[0].finish_reason).toBe('stop');
    expect(result.chat.usage).toEqual({ prompt_tokens: 9, completion_tokens: 27, total_tokens: 36, prompt_tokens_details: { cached_tokens: 0 } });
    expect(result.deltas).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(result.finishes).toEqual([null, null, null, null, 'length']);
    expect(result.completion.choices[0]).toMatchObject({ text: 'pqrstuvwxyz', finish_reason: 'stop' });
  });

  test('@huggingface/inference: textGeneration(Stream), chatCompletion(Stream)', async ({ page }) => {
    const result = await page.evaluate(async (base) => {
      const client = new window.inpage.InferenceClient().endpoint(base);
      const generation = await client.textGeneration({ inputs: 'hello', parameters: { max_new_tokens: 20, temperature: 0 } } as never);
      const streamed: string[] = [];
      for await (const chunk of client.textGenerationStream({ inputs: '7', parameters: { max_new_tokens: 4, temperature: 0 } } as never)) {
        streamed.push((chunk as unknown as { choices: { text: string }[] }).choices[0].text);
      }
      const messages = [{ role: 'user', content: 'Hi' }];
      const chat = await client.chatCompletion({ messages, temperature: 0, max_tokens: 30 });
      const deltas: string[] = [];
      for await (const chunk of client.chatCompletionStream({ messages, temperature: 0, max_tokens: 4 })) {
        deltas.push(chunk.choices[0]?.delta.content ?? '');
      }
      return { generation, streamed, chat: chat.choices[0].message.content, deltas };
    }, BASE);
    expect(result.generation.generated_text).toBe('pqrstuvwxyz');
    expect(result.streamed).toEqual(['8', '9', ' ', 'a']);
    expect(result.chat).toBe(ALPHABET);
    expect(result.deltas).toEqual(['a', 'b', 'c', 'd']);
  });

  test('client errors carry TGI messages', async ({ page }) => {
    const errors = await page.evaluate(async (base) => {
      const openai = new window.inpage.OpenAI({ baseURL: `${base}/v1`, apiKey: '-', dangerouslyAllowBrowser: true, maxRetries: 0 });
      const client = new window.inpage.InferenceClient().endpoint(base);
      const messages = [{ role: 'user' as const, content: 'Hi' }];
      const caught = async (run: () => Promise<unknown>) =>
        run().then(
          () => 'no error',
          (e: Error) => e.message,
        );
      return {
        openai: await caught(() => openai.chat.completions.create({ model: 'tgi', messages, top_p: 1.5 })),
        hf: await caught(() => client.chatCompletion({ messages, top_p: 1.5 })),
      };
    }, BASE);
    expect(errors.openai).toContain('Input validation error: `top_p` must be > 0.0 and < 1.0');
    expect(errors.hf).toContain('Input validation error: `top_p` must be > 0.0 and < 1.0');
  });
});
