import { describe, expect, it } from 'vitest';
import type { SamplingParams } from '../protocol/types';
import { sample } from './choose';
import { softmaxStats } from './logprobs';
import { createTokenChooser } from './next-token';
import { createRng } from './rng';

const lse = (values: number[]) => Math.log(values.reduce((sum, v) => sum + Math.exp(v), 0));

function chooser(params: Partial<SamplingParams>, vocab: number, prompt: number[] = []) {
  return createTokenChooser({ doSample: false, ...params }, vocab, prompt);
}

describe('createTokenChooser: greedy', () => {
  it('takes the argmax with its log-softmax, and ignores temperature and the warpers', () => {
    const c = chooser({ temperature: 0.5, topK: 1, topP: 0.1, typicalP: 0.1 }, 3);
    const choice = c.next(Float32Array.from([1, 3, 2]), 2);
    expect(c.seed).toBeNull();
    expect(choice.id).toBe(1);
    // Not divided by the temperature: logprob of 3 among [1, 3, 2].
    expect(choice.logprob).toBeCloseTo(3 - lse([1, 3, 2]), 6);
    expect(choice.top.map((t) => t.id)).toEqual([1, 2]);
    expect(choice.top[1].logprob).toBeCloseTo(2 - lse([1, 3, 2]), 6);
  });

  it('still applies the penalties, and reports the logprob after them', () => {
    // The prompt holds id 1: repetition penalty 2 turns its 3 into 1.5, so id 2 (score 2) wins.
    const c = chooser({ repetitionPenalty: 2 }, 3, [1]);
    const choice = c.next(Float32Array.from([1, 3, 2]), 0);
    expect(choice.id).toBe(2);
    expect(choice.logprob).toBeCloseTo(2 - lse([1, 1.5, 2]), 6);
    expect(choice.top).toEqual([]);
  });

  it('with no logprob wanted, skips the softmax: same token, logprob 0, unless top tokens are asked', () => {
    const quiet = createTokenChooser({ doSample: false, repetitionPenalty: 2 }, 3, [1], { logprobs: false });
    expect(quiet.next(Float32Array.from([1, 3, 2]), 0)).toEqual({ id: 2, logprob: 0, top: [] });
    const withTop = createTokenChooser({ doSample: false }, 3, [], { logprobs: false }).next(
      Float32Array.from([1, 3, 2]),
      1,
    );
    expect(withTop.logprob).toBeCloseTo(3 - lse([1, 3, 2]), 6);
  });

  it('penalises accepted tokens on later steps (presence counts generated tokens only)', () => {
    const c = chooser({ presencePenalty: 1.5 }, 3, [0]);
    expect(c.next(Float32Array.from([2, 1, 0]), 0).id).toBe(0);
    c.accept(1);
    // id 1 was generated: 2 − 1.5 = 0.5 < 1; id 0 is in the prompt only and keeps its 1.
    const choice = c.next(Float32Array.from([1, 2, 0]), 0);
    expect(choice.id).toBe(0);
    expect(choice.logprob).toBeCloseTo(1 - lse([1, 0.5, 0]), 6);
  });

  it('applies repetition then frequency penalty (TGI order)', () => {
    // Prompt [0, 0]: repetition 2 gives 4 / 2 = 2, then frequency 1 × 2/2 gives 1.
    // The other order would give (4 − 1) / 2 = 1.5.
    const c = chooser({ repetitionPenalty: 2, frequencyPenalty: 1 }, 2, [0, 0]);
    const choice = c.next(Float32Array.from([4, 0]), 2);
    expect(choice.top[0].id).toBe(0);
    expect(choice.top[0].logprob).toBeCloseTo(1 - lse([1, 0]), 8);
  });

  it('checks the logits length', () => {
    expect(() => chooser({}, 3).next(new Float32Array(4), 0)).toThrow(RangeError);
  });
});

describe('createTokenChooser: sampling', () => {
  it('reports logprobs after temperature and the warpers', () => {
    // Temperature 2: [0.5, 1, 1.5]; top_k 2 removes id 0; what is left is softmax([1, 1.5]).
    const c = createTokenChooser({ doSample: true, seed: 1, temperature: 2, topK: 2 }, 3, []);
    const choice = c.next(Float32Array.from([1, 2, 3]), 3);
    expect(c.seed).toBe(1);
    expect(choice.top.map((t) => t.id)).toEqual([2, 1]);
    expect(choice.top[0].logprob).toBeCloseTo(1.5 - lse([1, 1.5]), 6);
    expect(choice.top[1].logprob).toBeCloseTo(1 - lse([1, 1.5]), 6);
    expect(choice.logprob).toBe(choice.top.find((t) => t.id === choice.id)?.logprob);
  });

  it('runs top_k, top_p and typical_p in sequence', () => {
    // top_k 3 keeps [3, 2, 1]; top_p 0.7 of softmax([1, 2, 3]) keeps [3, 2]; typical_p 0.5 of
    // softmax([2, 3]) keeps 3 only (closest to the centre: p 0.73 ≥ 0.5), so the draw is certain.
    const c = createTokenChooser({ doSample: true, seed: 5, topK: 3, topP: 0.7, typicalP: 0.5 }, 4, []);
    const choice = c.next(Float32Array.from([0, 1, 2, 3]), 5);
    expect(choice).toEqual({ id: 3, logprob: 0, top: [{ id: 3, logprob: 0 }] });
  });

  it('is reproducible for a seed and draws a seed when none is given', () => {
    const run = (seed: number | undefined) => {
      const c = createTokenChooser({ doSample: true, seed }, 8, []);
      const ids: number[] = [];
      for (let i = 0; i < 30; i++) {
        const id = c.next(new Float32Array(8), 0).id;
        c.accept(id);
        ids.push(id);
      }
      return { seed: c.seed, ids };
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42).ids).not.toEqual(run(43).ids);
    const drawn = run(undefined);
    expect(Number.isSafeInteger(drawn.seed)).toBe(true);
    expect(run(drawn.seed ?? -1)).toEqual(drawn);
  });
});

describe('createTokenChooser: top_p draws', () => {
  it('a seed draws the same tokens as a full sort of the vocabulary would keep', () => {
    const vocab = 50_000;
    const rng = createRng(3);
    const c = createTokenChooser({ doSample: true, seed: 11, temperature: 0.7, topP: 0.9 }, vocab, []);
    const draws = createRng(11);
    const weights = new Float64Array(vocab);
    for (let step = 0; step < 40; step++) {
      const logits = Float32Array.from({ length: vocab }, () => 6 * rng.next() * rng.next());
      // The reference: temperature, then HF's cut written as a full sort (score descending, lower id first).
      const scores = logits.map((s) => s / 0.7);
      const order = [...scores.keys()].sort((a, b) => scores[b] - scores[a] || a - b);
      const total = order.reduce((sum, i) => sum + Math.exp(scores[i] - scores[order[0]]), 0);
      let mass = 0;
      const keep = new Set<number>();
      for (const i of order) {
        if (mass / total >= 0.9) break;
        keep.add(i);
        mass += Math.exp(scores[i] - scores[order[0]]);
      }
      const cut = scores.map((s, i) => (keep.has(i) ? s : Number.NEGATIVE_INFINITY));
      const expected = sample(weights, softmaxStats(cut, weights), draws);
      const choice = c.next(logits, 0);
      expect(choice.id).toBe(expected);
      c.accept(choice.id);
    }
  });
});
