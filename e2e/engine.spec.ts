import { expect, test } from '@playwright/test';
import { expectDevice, expectedDevice, generateIn, openEngine } from './support/harness';

// The test model's greedy rule (packages/engine/tools/test-model/README.md): a letter is followed
// by the next one, `z` by EOS; `A..Z` cycle forever; digits count up, `9` → space → `a`.

test.describe('engine in a Web Worker', () => {
  test('chooses the device and reports why', async ({ page }, testInfo) => {
    const info = await openEngine(page);
    await expectDevice(info, testInfo);
    if (expectedDevice(testInfo) === 'wasm') expect(info.deviceReason).toMatch(/WebGPU is not available/);
    else expect(info.deviceReason).toMatch(/^WebGPU adapter: /);
    expect(info).toMatchObject({ modelType: 'llama', dtype: 'fp32', hasChatTemplate: true });
    expect(info.eosTokens.map((t) => t.content)).toEqual(['</s>']);
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

  test('an abort stops within one step and the next request runs normally', async ({ page }) => {
    await openEngine(page);
    const aborted = await generateIn(page, { prompt: 'A', maxNewTokens: 500, abortAfter: 3 });
    expect(aborted.error).toMatch(/^AbortError/);
    expect(aborted.afterAbort).toBeLessThanOrEqual(1);
    expect(aborted.finish).toBeNull();
    const next = await generateIn(page, { prompt: 'hello', maxNewTokens: 20 });
    expect(next.finish).toMatchObject({ finishReason: 'eos_token', generatedText: 'pqrstuvwxyz' });
  });
});
