import { expect, test } from '@playwright/test';
import { expectDevice, expectedDevice, generateIn, openEngine } from './support/harness';

// The test model's greedy rule (packages/engine/tools/test-model/README.md): a letter is followed
// by the next one, `z` by EOS; `A..Z` cycle forever; digits count up, `9` → space → `a`.

/** What seed 7 at temperature 1.5 samples after "hello" (the seeded RNG over the test model). */
const SEED_7_TOKENS = [112, 113, 114, 115, 55, 114, 66, 70, 71, 121, 100, 102]; // "pqrs7rBFGydf"

test.describe('engine in a Web Worker', () => {
  test('chooses the device and reports why', async ({ page }, testInfo) => {
    const info = await openEngine(page);
    await expectDevice(info, testInfo);
    if (expectedDevice(testInfo) === 'wasm') expect(info.deviceReason).toMatch(/WebGPU is not available/);
    else expect(info.deviceReason).toMatch(/^WebGPU adapter: /);
    expect(info).toMatchObject({ modelType: 'llama', dtype: 'fp32', hasChatTemplate: true });
    expect(info.eosTokens.map((t) => t.content)).toEqual(['</s>']);
  });

  test('a folder with only fp32 weights and no dtype in its config still loads', async ({ page, context }) => {
    // Serve the test model's config without its `transformers.js_config` (the library then wants q8 on WASM).
    await context.route('**/models/inpage-tiny/config.json', async (route) => {
      const config = await (await route.fetch()).json();
      delete config['transformers.js_config'];
      await route.fulfill({ json: config });
    });
    const info = await openEngine(page, { device: 'wasm' });
    expect(info.dtype).toBe('fp32');
    const warnings = await page.evaluate(() =>
      (window as unknown as { loadEvents: { type: string; message?: string }[] }).loadEvents.filter((e) => e.type === 'warning'),
    );
    expect(warnings).toEqual([{ type: 'warning', kind: 'dtype_fallback', message: 'No q8 weights in "/models/inpage-tiny/"; loading fp32 instead.' }]);
    expect((await generateIn(page, { prompt: 'hello', maxNewTokens: 20 })).finish?.generatedText).toBe('pqrstuvwxyz');
  });

  test('greedy: each finish reason, with TGI precedence', async ({ page }) => {
    await openEngine(page);
    const eos = await generateIn(page, { prompt: 'hello', maxNewTokens: 20 });
    expect(eos.finish).toMatchObject({ finishReason: 'eos_token', generatedText: 'pqrstuvwxyz', generatedTokens: 12 });
    expect(eos.tokens.at(-1)).toMatchObject({ text: '</s>', special: true });
    expect(eos.text).toBe('pqrstuvwxyz</s>');

    const length = await generateIn(page, { prompt: 'A', maxNewTokens: 5 });
    expect(length.finish).toMatchObject({ finishReason: 'length', generatedText: 'BCDEF', generatedTokens: 5 });

    const stop = await generateIn(page, { prompt: 'hello', maxNewTokens: 20, stop: ['zz', 'stu'] });
    expect(stop.finish).toMatchObject({ finishReason: 'stop_sequence', generatedText: 'pqrstu', generatedTokens: 6 });

    // Length wins over EOS when both happen on the same token.
    const both = await generateIn(page, { prompt: 'hello', maxNewTokens: 12 });
    expect(both.finish).toMatchObject({ finishReason: 'length', generatedTokens: 12 });
  });

  test('streams tokens in order with logprobs and top tokens', async ({ page }) => {
    await openEngine(page);
    const run = await generateIn(page, { prompt: '7', maxNewTokens: 6, topNTokens: 3 });
    expect(run.tokens.map((t) => t.text)).toEqual(['8', '9', ' ', 'a', 'b', 'c']);
    for (const token of run.tokens) {
      expect(token.logprob).toBeLessThanOrEqual(0);
      expect(token.logprob).toBeGreaterThan(-1);
    }
  });

  test('seeded sampling is reproducible', async ({ page }) => {
    await openEngine(page);
    const sampling = { doSample: true, temperature: 1.5, seed: 42 };
    const first = await generateIn(page, { prompt: 'hello', maxNewTokens: 16, sampling });
    const second = await generateIn(page, { prompt: 'hello', maxNewTokens: 16, sampling });
    expect(first.finish?.seed).toBe(42);
    expect(second.tokens.map((t) => t.id)).toEqual(first.tokens.map((t) => t.id));
    // Temperature 1.5 on the test model leaves the rule's token likely but not certain.
    expect(first.finish?.generatedText).not.toBe('pqrstuvwxyz');
  });

  test('seeded sampling gives the same tokens on every backend', async ({ page }, testInfo) => {
    await openEngine(page);
    const request = { prompt: 'hello', maxNewTokens: 12, sampling: { doSample: true, temperature: 1.5, seed: 7 } };
    const here = await generateIn(page, request);
    expect(here.tokens.map((t) => t.id)).toEqual(SEED_7_TOKENS);
    if (expectedDevice(testInfo) !== 'webgpu') return;
    // Both devices in one browser: the same request on WASM must choose the same tokens.
    await page.evaluate(() => (window as unknown as { engine: { terminate(): void } }).engine.terminate());
    expect((await openEngine(page, { device: 'wasm' })).device).toBe('wasm');
    const onCpu = await generateIn(page, request);
    expect(onCpu.tokens.map((t) => t.id)).toEqual(SEED_7_TOKENS);
    for (const [i, token] of onCpu.tokens.entries()) expect(token.logprob).toBeCloseTo(here.tokens[i].logprob, 3);
  });

  test('reports per-file download progress', async ({ page }) => {
    await openEngine(page);
    const events = await page.evaluate(
      () => (window as unknown as { loadEvents: { type: string; progress?: { file: string; loaded: number; total: number; done: boolean } }[] }).loadEvents,
    );
    expect(events[0]).toMatchObject({ type: 'device' });
    const model = events.filter((e) => e.type === 'file' && e.progress?.file === 'onnx/model.onnx').map((e) => e.progress!);
    expect(model.at(-1)).toMatchObject({ done: true, loaded: 446382, total: 446382 });
    expect(model.some((p) => !p.done && p.total === 446382)).toBe(true);
  });

  test('tokenizes with byte offsets and applies the chat template', async ({ page }) => {
    const info = await openEngine(page);
    expect(info).toMatchObject({ vocabSize: 271, maxPositionEmbeddings: 2048, bosToken: { id: 264, content: '<s>' } });
    const result = await page.evaluate(async () => {
      const engine = (window as unknown as { engine: ReturnType<typeof window.inpage.createEngine> }).engine;
      return {
        hello: await engine.tokenize('hello'),
        accent: await engine.tokenize('é!', { addSpecialTokens: false }),
        chat: await engine.applyChatTemplate([
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
        ]),
        continued: await engine.applyChatTemplate(
          [
            { role: 'user', content: 'Hi' },
            { role: 'assistant', content: 'Hello th' },
          ],
          { continueFinalMessage: true },
        ),
      };
    });
    expect(result.hello).toEqual([
      { id: 264, text: '', start: 0, stop: 0 },
      { id: 256, text: 'he', start: 0, stop: 2 },
      { id: 257, text: 'll', start: 2, stop: 4 },
      { id: 111, text: 'o', start: 4, stop: 5 },
    ]);
    expect(result.accent).toEqual([
      // As the Rust tokenizer does: both byte tokens of é cover the whole character.
      { id: 195, text: 'é', start: 0, stop: 2 },
      { id: 169, text: 'é', start: 0, stop: 2 },
      { id: 33, text: '!', start: 2, stop: 3 },
    ]);
    expect(result.chat).toBe('<s><|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\n');
    expect(result.continued).toBe('<s><|user|>\nHi<|end|>\n<|assistant|>\nHello th');
  });

  test('an abort stops within one step and the next request runs normally', async ({ page }) => {
    await openEngine(page);
    const aborted = await generateIn(page, { prompt: 'A', maxNewTokens: 500, abortAfter: 3 });
    expect(aborted.error).toMatch(/^AbortError/);
    // The consumer sees nothing after its abort; the worker frees itself at its next step.
    expect(aborted.afterAbort).toBe(0);
    expect(aborted.finish).toBeNull();
    await page.waitForFunction(() => (window as unknown as { engine: { pending(): number } }).engine.pending() === 0, null, {
      timeout: 5000,
    });
    const next = await generateIn(page, { prompt: 'hello', maxNewTokens: 20 });
    expect(next.finish).toMatchObject({ finishReason: 'eos_token', generatedText: 'pqrstuvwxyz' });
  });

  test('a prompt reuses the longest prefix it shares with any earlier sequence, on every backend', async ({ page }) => {
    await openEngine(page);
    // Tokens: `help` is <s> he l p, `hello` is <s> he ll o; the third prompt is all in the first's entry
    // but its last token (whose logits it needs), though `hello` ran in between.
    const first = await generateIn(page, { prompt: 'help', maxNewTokens: 20 });
    const between = await generateIn(page, { prompt: 'hello', maxNewTokens: 20 });
    const again = await generateIn(page, { prompt: 'help', maxNewTokens: 20 });
    const cached = (run: typeof first) => run.finish?.cachedTokens;
    expect([cached(first), cached(between), cached(again)]).toEqual([0, 2, 3]);
    expect([first, between, again].map((r) => r.finish?.generatedText)).toEqual(['qrstuvwxyz', 'pqrstuvwxyz', 'qrstuvwxyz']);
    for (const [i, token] of again.tokens.entries()) expect(token.logprob).toBeCloseTo(first.tokens[i].logprob, 3);
  });

  test('idle() waits for the running generation; terminate() ends what runs and what waits, with an error', async ({ page }) => {
    await openEngine(page);
    const result = await page.evaluate(async () => {
      const engine = (window as unknown as { engine: ReturnType<typeof window.inpage.createEngine> }).engine;
      /** Run a greedy generation to its end; `onToken` hears of the first token. */
      const drain = async (prompt: string, maxNewTokens: number, onToken = () => {}) => {
        const inputIds = (await engine.tokenize(prompt)).map((t) => t.id);
        let tokens = 0;
        try {
          for await (const event of engine.generate({ inputIds, maxNewTokens, sampling: { doSample: false } })) {
            if (event.type === 'token' && tokens++ === 0) onToken();
          }
          return `finished after ${tokens}`;
        } catch (error) {
          return `${tokens > 0 ? 'cut' : 'refused'}: ${(error as Error).message}`;
        }
      };
      const running = (prompt: string, maxNewTokens: number) =>
        new Promise<{ done: Promise<string> }>((resolve) => {
          const done = drain(prompt, maxNewTokens, () => resolve({ done }));
        });
      const counted = await running('A', 100);
      const idle = await engine.idle().then(() => engine.pending());
      const first = [idle, await counted.done];
      const long = await running('A', 1500);
      engine.terminate();
      const after = await Promise.allSettled([long.done, engine.tokenize('x'), drain('hello', 5)]);
      return { first, after: after.map((r) => (r.status === 'fulfilled' ? r.value : `rejected: ${(r.reason as Error).message}`)) };
    });
    const shutDown = 'The engine was shut down (terminate() was called); load a model in a new engine.';
    expect(result.first).toEqual([0, 'finished after 100']);
    expect(result.after).toEqual([`cut: ${shutDown}`, `rejected: ${shutDown}`, `rejected: ${shutDown}`]);
  });

  test('failures cross the worker typed: the kind chosen where they were born, with the worker’s stack', async ({ page }) => {
    await openEngine(page);
    const failures = await page.evaluate(async () => {
      type Failure = Error & { kind?: string };
      const describe = (error: Failure) => ({
        typed: error instanceof Error && error.name === 'EngineError',
        kind: error.kind,
        message: error.message,
        fromWorker: /engine-worker/.test(error.stack ?? ''),
      });
      const engine = (window as unknown as { engine: ReturnType<typeof window.inpage.createEngine> }).engine;
      const inputIds = (await engine.tokenize('hello')).map((t) => t.id);
      const grammar = async () => {
        const events = engine.generate({
          inputIds,
          maxNewTokens: 5,
          sampling: { doSample: false },
          grammar: { type: 'regex', pattern: '((' },
        });
        for await (const _ of events);
      };
      const missing = () => window.inpage.createEngine().load({ model: '/models/missing/' });
      const notLoaded = () => window.inpage.createEngine().tokenize('x');
      const settle = (run: () => Promise<unknown>) => run().then(() => null, describe);
      return { grammar: await settle(grammar), missing: await settle(missing), notLoaded: await settle(notLoaded) };
    });
    expect(failures.grammar).toEqual({
      typed: true,
      kind: 'grammar',
      message: 'Regex parsing error at position 3: The parenthesis is not closed.',
      fromWorker: true,
    });
    expect(failures.missing).toMatchObject({ typed: true, kind: 'model_not_found', fromWorker: true });
    expect(failures.missing?.message).toMatch(/^"\/models\/missing\/" is missing files .*Could not locate file/);
    expect(failures.notLoaded).toMatchObject({ typed: true, kind: 'not_loaded', message: 'No model is loaded: call load() first.' });
  });

  test('a worker whose script cannot load fails every call in words instead of hanging', async ({ page, context }) => {
    await page.goto('/harness.html');
    await page.waitForFunction(() => window.inpage?.ready === true);
    await context.route('**/engine-worker-*.js', (route) => route.abort());
    const outcomes = await page.evaluate(async () => {
      const engine = window.inpage.createEngine();
      const settle = (promise: Promise<unknown>) =>
        promise.then(
          () => 'resolved',
          (error: Error) => error.message,
        );
      return Promise.all([settle(engine.load({ model: '/models/inpage-tiny/' })), settle(engine.tokenize('x'))]);
    });
    const message = "The engine's worker could not start: its script did not load. Check the connection and reload the page.";
    expect(outcomes).toEqual([message, message]);
  });
});
