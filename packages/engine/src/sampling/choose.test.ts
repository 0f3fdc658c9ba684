import { describe, expect, it } from 'vitest';
import { argmax, sample } from './choose';
import { softmaxStats } from './logprobs';
import { createRng, type Rng } from './rng';

const NEG = -Infinity;

/** An Rng that replays given uniforms. */
function fixed(...values: number[]): Rng {
  let i = 0;
  return { next: () => values[i++] };
}

describe('argmax', () => {
  it('takes the highest score and the lowest id among ties', () => {
    expect(argmax(Float32Array.from([1, 5, 2, 5]))).toBe(1);
    expect(argmax(Float32Array.from([NEG, NEG, -3]))).toBe(2);
  });

  it('throws when nothing is finite', () => {
    expect(() => argmax(Float32Array.from([NEG]))).toThrow(/no finite score/);
  });
});

describe('sample', () => {
  it('inverts the CDF: uniform u picks the first id whose cumulative weight exceeds u', () => {
    // Four equal weights: cumulative 0.25, 0.5, 0.75, 1 (the removed token weighs nothing).
    const scores = Float32Array.from([0, NEG, 0, 0, 0]);
    const weights = new Float64Array(5);
    const stats = softmaxStats(scores, weights);
    expect(Array.from(weights)).toEqual([1, 0, 1, 1, 1]);
    const picks = [0, 0.2499, 0.25, 0.5, 0.74, 0.75, 0.999999].map((u) => sample(weights, stats, fixed(u)));
    expect(picks).toEqual([0, 0, 2, 3, 3, 4, 4]);
  });

  it('draws the last token for the largest u below 1', () => {
    const scores = Float32Array.from([0, 0, 0, NEG]);
    const weights = new Float64Array(4);
    const stats = softmaxStats(scores, weights);
    expect(sample(weights, stats, fixed(1 - 2 ** -53))).toBe(2);
  });

  it('refuses statistics of other weights', () => {
    const weights = new Float64Array(2);
    softmaxStats(Float32Array.from([0, 0]), weights);
    const other = softmaxStats(Float32Array.from([0, 0, 0]));
    expect(() => sample(weights, other, fixed(0.9))).toThrow(/do not belong/);
  });

  it('converges to the distribution (χ² with a fixed seed) and never draws removed tokens', () => {
    const probs = [0.5, 0.3, 0.15, 0.05];
    const scores = Float32Array.from([...probs.map(Math.log), NEG]);
    const weights = new Float64Array(5);
    const stats = softmaxStats(scores, weights);
    const rng = createRng(2024);
    const counts = [0, 0, 0, 0, 0];
    const n = 50_000;
    for (let i = 0; i < n; i++) counts[sample(weights, stats, rng)]++;
    expect(counts[4]).toBe(0);
    const chiSquare = probs.reduce((sum, p, id) => sum + (counts[id] - n * p) ** 2 / (n * p), 0);
    // 16.27: the 0.999 quantile of χ² with 3 degrees of freedom.
    expect(chiSquare).toBeLessThan(16.27);
    // A wrong sampler (e.g. uniform over the finite tokens) lands far outside it.
    expect(Math.abs(counts[0] / n - 0.5)).toBeLessThan(0.01);
  });
});
