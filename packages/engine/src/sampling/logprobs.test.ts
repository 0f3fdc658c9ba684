import { describe, expect, it } from 'vitest';
import { logprobOf, softmaxStats, topLogprobs } from './logprobs';

const NEG = -Infinity;

describe('softmaxStats and logprobOf', () => {
  it('computes log-softmax', () => {
    const scores = Float32Array.from([1, 2, 3]);
    const stats = softmaxStats(scores);
    // logsumexp(1, 2, 3) = 3 + log(1 + e^-1 + e^-2), to the 1e-8 of the fast exp (float32 logits carry 6e-8)
    expect(stats.max).toBe(3);
    expect(stats.best).toBe(2);
    expect(stats.max + stats.logSum).toBeCloseTo(3.4076059644443806, 8);
    expect(logprobOf(scores, stats, 2)).toBeCloseTo(-0.4076059644443806, 8);
    expect(logprobOf(scores, stats, 0)).toBeCloseTo(-2.4076059644443806, 8);
    const total = [0, 1, 2].reduce((sum, id) => sum + Math.exp(logprobOf(scores, stats, id)), 0);
    expect(total).toBeCloseTo(1, 8);
  });

  it('is stable for large scores and ignores removed tokens', () => {
    const scores = Float32Array.from([1000, NEG, 1000]);
    const stats = softmaxStats(scores);
    // The greedy choice among equal best scores: the lowest id, as torch.argmax.
    expect(stats.best).toBe(0);
    expect(logprobOf(scores, stats, 0)).toBe(-Math.LN2);
    expect(logprobOf(scores, stats, 1)).toBe(NEG);
  });

  it('throws when nothing is finite', () => {
    expect(() => softmaxStats(Float32Array.from([NEG, NEG]))).toThrow(/no finite score/);
    expect(() => softmaxStats(Float32Array.from([0, Infinity]))).toThrow(/no finite score/);
  });
});

describe('topLogprobs', () => {
  const scores = Float32Array.from([0.5, 3, NEG, 3, 2, 1, NEG]);
  const stats = softmaxStats(scores);
  const lp = (s: number) => s - stats.max - stats.logSum;

  it('lists the n best, best first, lower id first on ties', () => {
    expect(topLogprobs(scores, stats, 3)).toEqual([
      { id: 1, logprob: lp(3) },
      { id: 3, logprob: lp(3) },
      { id: 4, logprob: lp(2) },
    ]);
    expect(topLogprobs(scores, stats, 1)).toEqual([{ id: 1, logprob: lp(3) }]);
  });

  it('never lists removed tokens, so fewer than n may come back', () => {
    expect(topLogprobs(scores, stats, 7).map((t) => t.id)).toEqual([1, 3, 4, 5, 0]);
  });

  it('returns nothing for n = 0', () => {
    expect(topLogprobs(scores, stats, 0)).toEqual([]);
  });
});
