import type { PreTrainedModel } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTestModel } from '../testing/tiny-model';
import { ForwardPass } from './forward';
import { PromptCache } from './prompt-cache';

// The real test model through transformers.js (onnxruntime-node in Node: CPU tensors, as on WASM).
let model: PreTrainedModel;

beforeAll(async () => {
  model = (await loadTestModel()).model;
});

/** Logits of the last position after a fresh prefill of `ids`. */
async function freshLastRow(ids: number[]): Promise<Float32Array> {
  const pass = new ForwardPass(model);
  const { logits, vocab } = await pass.run(ids);
  return logits.slice(logits.length - vocab);
}

const ids = (text: string) => [264, ...Buffer.from(text)];

describe('PromptCache', () => {
  it('reuses the shared prefix and gives the logits of a fresh prefill', async () => {
    const cache = new PromptCache(model);
    const first = await cache.take(ids('Hello there, how are'));
    await first.run(ids('Hello there, how are'));
    await first.run([32]);
    await cache.keep(first);

    const prompt = ids('Hello there, who is it');
    const second = await cache.take(prompt);
    expect(second).toBe(first);
    expect(second.tokens).toEqual(ids('Hello there, '));
    const { logits, vocab } = await second.run(prompt.slice(second.tokens.length));
    const reused = logits.slice(logits.length - vocab);
    const fresh = await freshLastRow(prompt);
    for (let i = 0; i < vocab; i++) expect(Math.abs(reused[i] - fresh[i])).toBeLessThan(1e-4);
    expect(second.tokens).toEqual(prompt);
  });

  it('always leaves the last prompt token to run, and starts empty when reuse is off', async () => {
    const cache = new PromptCache(model);
    const pass = await cache.take(ids('abc'));
    await pass.run(ids('abc'));
    await cache.keep(pass);
    expect((await cache.take(ids('abc'))).tokens).toEqual(ids('ab'));
    await cache.keep(pass);
    const fresh = await cache.take(ids('abc'), false);
    expect(fresh).not.toBe(pass);
    expect(fresh.tokens).toEqual([]);
  });

  it('starts empty when nothing is shared', async () => {
    const cache = new PromptCache(model);
    const pass = await cache.take(ids('abc'));
    await pass.run(ids('abc'));
    await cache.keep(pass);
    // Even the BOS differs.
    expect((await cache.take([265, 1, 2])).tokens).toEqual([]);
  });
});
