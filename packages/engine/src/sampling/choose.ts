/** Picking the next token from the final scores. */
import { indexOfMax, type SoftmaxStats } from './logprobs';
import type { Rng } from './rng';

/** Greedy decoding: the highest score; the lowest id among equal ones (like torch.argmax). */
export function argmax(scores: Float32Array): number {
  const id = indexOfMax(scores);
  if (id < 0) throw new Error('no finite score to choose from');
  return id;
}

/**
 * Draw from softmax(scores) by inverse CDF: one uniform u, then the first id whose cumulative
 * weight exceeds u × Σ weights. `weights` and `stats` come from one `softmaxStats(scores, weights)`
 * call: the running sum repeats its summation, so it ends at exactly `stats.sumExp`, which is ≥ 1
 * (the best token weighs exp(0)); for u < 1, u × sum rounds below it, so some token is always
 * drawn. Removed tokens (−Infinity) weigh 0 and are never drawn.
 * (TGI draws with torch's exponential race instead; no two implementations share a stream anyway,
 * so only the distribution is TGI's, not the token a given seed yields.)
 */
export function sample(weights: Float64Array, stats: SoftmaxStats, rng: Rng): number {
  const target = rng.next() * stats.sumExp;
  let cumulative = 0;
  for (let i = 0; i < weights.length; i++) {
    cumulative += weights[i];
    if (cumulative > target) return i;
  }
  throw new Error('softmax statistics do not belong to these weights');
}
