import { beforeAll, describe, expect, it } from 'vitest';
import type { ServingModel } from './prefix-cache';
import { loadTestModel } from '../testing/tiny-model';
import { cacheTensors, ForwardPass } from './forward';

let tiny: ServingModel;
beforeAll(async () => {
  tiny = await loadTestModel();
}, 60_000);

describe('ForwardPass', () => {
  it('frees the cache a pass replaces (CPU tensors), and computes the same logits as one pass', async () => {
    const ids = tiny.tokenizer.encode('The quick brown fox');
    const pass = new ForwardPass(tiny.model);
    await pass.run(ids.slice(0, 3));
    const first = Object.values(cacheTensors(pass.cache!)).map((t) => t.data as Float32Array);
    expect(first.every((data) => data.byteLength > 0)).toBe(true);
    const chunked = await pass.run(ids.slice(3));
    // Detached by ArrayBuffer.transfer(0) (testing/browser-parity.ts in Node 20): the memory is given back now, not at the next GC.
    expect(first.every((data) => data.buffer.byteLength === 0)).toBe(true);
    const whole = await new ForwardPass(tiny.model).run(ids);
    // The last position's logits (a graph without num_logits_to_keep returns every position's).
    const last = (out: { logits: Float32Array; vocab: number }) => out.logits.subarray(out.logits.length - out.vocab);
    const expected = last(whole);
    last(chunked).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
  }, 60_000);
});
