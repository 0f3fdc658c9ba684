import { expect, type Page, test } from '@playwright/test';
import { generateIn, generateTogether, openEngine, type TestRequest } from './support/harness';
import { call, json, openShim, sseData } from './support/shim';

// Continuous batching through the real worker, scheduler and test model: a request's tokens are the
// same batched as alone, an abort leaves its neighbours alone, prompts share cached prefixes.

/** Every kind of per-sequence state: greedy, seeded sampling, length, stop string, top tokens, grammar. */
const CASES: TestRequest[] = [
  { prompt: 'hello', maxNewTokens: 12 },
  { prompt: 'The quick', maxNewTokens: 10, sampling: { doSample: true, temperature: 1.5, topP: 0.95, seed: 11 } },
  { prompt: 'A', maxNewTokens: 10 },
  { prompt: 'abc', maxNewTokens: 12, stop: ['ij'] },
  { prompt: 'Zebra 12', maxNewTokens: 8, sampling: { doSample: true, topK: 20, repetitionPenalty: 1.3, seed: 3 }, topNTokens: 3 },
  { prompt: 'x', maxNewTokens: 8, grammar: { type: 'regex', pattern: '[0-9]{3}[a-c]+' } },
];

type PageEngine = ReturnType<typeof window.inpage.createEngine>;

const decodeSteps = (page: Page) => page.evaluate(async () => (await (window as unknown as { engine: PageEngine }).engine.batchStats()).decode.count);

test.describe('continuous batching', () => {
  test('batched and alone give the same tokens: greedy, seeded, stop strings, grammar, logprobs', async ({ page }) => {
    await openEngine(page);
    const alone = [];
    for (const request of CASES) alone.push(await generateIn(page, request));
    expect(alone[0].finish?.generatedText).toBe('pqrstuvwxyz');
    expect(alone[3].finish?.finishReason).toBe('stop_sequence');
    expect(alone[5].finish?.generatedText).toMatch(/^[0-9]{3}[a-c]+$/);
    const before = await decodeSteps(page);
    const batched = await generateTogether(page, CASES);
    // They ran together: fewer decode passes than the longest alone run plus one per request.
    expect((await decodeSteps(page)) - before).toBeLessThan(alone.reduce((n, r) => n + r.tokens.length, 0) / 2);
    for (const [i, a] of alone.entries()) {
      const b = batched[i];
      expect(b.error).toBeNull();
      expect(b.tokens.map((t) => t.id)).toEqual(a.tokens.map((t) => t.id));
      expect(b.finish?.finishReason).toBe(a.finish?.finishReason);
      b.tokens.forEach((t, k) => expect(t.logprob).toBeCloseTo(a.tokens[k].logprob, 4));
    }
  });

  test('aborting one sequence of a batch leaves the others unchanged', async ({ page }) => {
    await openEngine(page);
    const reference = await generateIn(page, { prompt: 'A', maxNewTokens: 16 });
    const [victim, other] = await generateTogether(page, [
      { prompt: 'B', maxNewTokens: 16, abortAfter: 3 },
      { prompt: 'A', maxNewTokens: 16 },
    ]);
    expect(victim.error).toMatch(/^AbortError/);
    expect(victim.afterAbort).toBe(0);
    expect(other.tokens.map((t) => t.id)).toEqual(reference.tokens.map((t) => t.id));
    expect(other.finish?.generatedText).toBe('BCDEFGHIJKLMNOPQ');
  });
});

test.describe('batching through the shim', () => {
  test.beforeEach(async ({ page }) => openShim(page));

  test('/info shows the bounds; multi-prompt completions run as one batch and stream interleaved', async ({ page }) => {
    const info = (await json(page, '/info')).body as Record<string, number>;
    expect(info).toMatchObject({ max_batch_size: 8, max_waiting_tokens: 20, waiting_served_ratio: 0.3, prefill_chunk_tokens: 512 });
    expect(info.max_batch_total_tokens).toBeGreaterThanOrEqual(2048);
    const prompts = ['hello', 'A', 'abc'];
    const stream = await call(page, 'POST', '/v1/completions', { prompt: prompts, max_tokens: 10, temperature: 0, stream: true });
    const chunks = sseData(stream.text)
      .slice(0, -1)
      .map((d) => JSON.parse(d) as { choices: { index: number; text: string; finish_reason: string }[] });
    const firstFinish = chunks.findIndex((c) => c.choices[0].finish_reason !== '');
    const before = new Set(chunks.slice(0, firstFinish).map((c) => c.choices[0].index));
    expect(before.size).toBe(3);
    const texts = prompts.map((_, i) =>
      chunks
        .filter((c) => c.choices[0].index === i)
        .map((c) => c.choices[0].text)
        .join(''),
    );
    expect(texts).toEqual(['pqrstuvwxy', 'BCDEFGHIJK', 'defghijklm']);
    const metrics = (await call(page, 'GET', '/metrics')).text;
    expect(metrics).toMatch(/^tgi_batch_inference_count\{method="decode"\} [1-9]/m);
    expect(metrics).toMatch(/^tgi_batch_forward_duration_count\{method="prefill"\} [1-9]/m);
    expect(metrics).toContain('tgi_batch_next_size 0\n');
  });

  test('cached_tokens: alternating conversations and a system prompt shared by two users', async ({ page }) => {
    const chat = async (messages: { role: string; content: string }[]) => {
      const body = (await json(page, '/v1/chat/completions', { messages, temperature: 0, max_tokens: 6 })).body as {
        choices: { message: { content: string } }[];
        usage: { prompt_tokens: number; prompt_tokens_details: { cached_tokens: number } };
      };
      return { answer: body.choices[0].message.content, ...body.usage, cached: body.usage.prompt_tokens_details.cached_tokens };
    };
    const a1 = await chat([{ role: 'user', content: 'Tell me about owls.' }]);
    const b1 = await chat([{ role: 'user', content: 'Which train goes to Lyon?' }]);
    const a2 = await chat([
      { role: 'user', content: 'Tell me about owls.' },
      { role: 'assistant', content: a1.answer },
      { role: 'user', content: 'And their eyes?' },
    ]);
    // Conversation A's whole first prompt comes from the cache, though B ran in between.
    expect(a2.cached).toBeGreaterThanOrEqual(a1.prompt_tokens);
    expect(a2.cached).toBeLessThan(a2.prompt_tokens);
    expect(b1.cached).toBeLessThan(a1.prompt_tokens);

    const system = { role: 'system', content: 'You are a careful assistant. Answer in one short sentence, politely.' };
    const u1 = [system, { role: 'user', content: 'What is a fjord?' }];
    const u2 = [system, { role: 'user', content: 'Why is the sky blue?' }];
    await chat(u1);
    const second = await chat(u2);
    // Exactly the prompt tokens the two users' prompts share.
    const shared = await page.evaluate(
      async ([x, y]) => {
        const { engine } = window as unknown as { engine: PageEngine };
        const ids = async (m: typeof x) =>
          (await engine.tokenize(await engine.applyChatTemplate(m, { addGenerationPrompt: true }), { addSpecialTokens: false })).map((t) => t.id);
        const [p, q] = [await ids(x), await ids(y)];
        let n = 0;
        while (n < p.length && p[n] === q[n]) n++;
        return n;
      },
      [u1, u2],
    );
    expect(shared).toBeGreaterThan(40);
    expect(second.cached).toBe(shared);
  });
});
