/**
 * Log-probabilities of the final scores. TGI reports `log_softmax` of the scores AFTER watermark,
 * penalties, grammar and warpers, so a token removed by top_k/top_p/typical_p has −Infinity here.
 * Nothing is materialised per token: logprob(id) = score(id) − logsumexp, from one pass's statistics.
 */
import { expNonPositive } from './fast-exp';

/** What one pass over the scores yields; shared by the logprobs and the sampler. */
export interface SoftmaxStats {
  /** Largest score (the shift that keeps exp() from overflowing). */
  max: number;
  /** The lowest id holding it: the greedy choice, found in the same pass. */
  best: number;
  /** Σ exp(score − max), summed in id order. */
  sumExp: number;
  /**
   * log(sumExp): logprob(id) = (score − max) − logSum. Subtracting the shift first keeps full
   * precision for large scores, where score − (max + logSum) would round.
   */
  logSum: number;
}

export interface TokenLogprob {
  id: number;
  logprob: number;
}

/**
 * One pass of max and one of exp. With `weights`, each token's exp(score − max) is stored there
 * too (its first `scores.length` entries), so that `sample` need not compute them again: exp
 * dominates a step's cost on a large vocabulary (hence `expNonPositive`). Throws when no score is finite (e.g. every
 * token masked): there is no distribution to choose from.
 */
export function softmaxStats(scores: Float32Array, weights?: Float64Array): SoftmaxStats {
  const best = indexOfMax(scores);
  const max = best < 0 ? Number.NEGATIVE_INFINITY : scores[best];
  if (!Number.isFinite(max)) throw new Error(`no finite score to choose from (max score ${max})`);
  const sumExp = weights === undefined ? sumExpOf(scores, max) : storeExpOf(scores, max, weights);
  return { max, best, sumExp, logSum: Math.log(sumExp) };
}

// Whole-vocabulary loops are leaf functions that return a local (see processors.ts, `collectWeights`).

/** The lowest id of the largest score, −1 when none is above −Infinity (NaN scores are skipped). */
export function indexOfMax(scores: Float32Array): number {
  let max = Number.NEGATIVE_INFINITY;
  let id = -1;
  for (let i = 0; i < scores.length; i++) {
    if (scores[i] > max) {
      max = scores[i];
      id = i;
    }
  }
  return id;
}

/** The largest score (−Infinity for none; NaN scores are skipped). */
export function maxOf(scores: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) if (scores[i] > max) max = scores[i];
  return max;
}

function sumExpOf(scores: Float32Array, max: number): number {
  let sum = 0;
  for (let i = 0; i < scores.length; i++) sum += expNonPositive(scores[i] - max);
  return sum;
}

function storeExpOf(scores: Float32Array, max: number, weights: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    const w = expNonPositive(scores[i] - max);
    weights[i] = w;
    sum += w;
  }
  return sum;
}

export function logprobOf(scores: Float32Array, stats: SoftmaxStats, id: number): number {
  return scores[id] - stats.max - stats.logSum;
}

/**
 * The n most likely tokens, best first; equal scores rank the lower id first. Removed tokens
 * (−Infinity) are never listed, as in TGI's `batch_top_tokens`, so fewer than n may come back.
 * Unlike TGI, ties at the n-th place do not lengthen the list: exactly min(n, finite tokens)
 * entries, as OpenAI's `top_logprobs` promises. One pass with an insertion list: O(V) for the
 * small n TGI allows (≤ 5).
 */
export function topLogprobs(scores: Float32Array, stats: SoftmaxStats, n: number): TokenLogprob[] {
  if (n <= 0) return [];
  const ids: number[] = [];
  const best: number[] = [];
  // What a score must beat to enter: −∞ until the list is full, then its worst entry. Failing
  // `s > floor` also skips −∞ and NaN scores.
  let floor = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (!(s > floor)) continue;
    let j = best.length === n ? n - 1 : best.length;
    // Shift worse entries down; strict > keeps earlier (lower) ids ahead on ties.
    while (j > 0 && s > best[j - 1]) {
      best[j] = best[j - 1];
      ids[j] = ids[j - 1];
      j--;
    }
    best[j] = s;
    ids[j] = i;
    if (best.length === n) floor = best[n - 1];
  }
  return ids.map((id, j) => ({ id, logprob: best[j] - stats.max - stats.logSum }));
}
