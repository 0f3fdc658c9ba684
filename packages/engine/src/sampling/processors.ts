/**
 * Logits processors and warpers of one decode step, each mutating the scores in place.
 * Semantics follow Hugging Face transformers' `generation/logits_process.py` and TGI's
 * `server/text_generation_server/utils/logits_process.py` (which reuses them); where a float32
 * tensor op is replaced by float64 arithmetic here, results differ at most by rounding.
 * The order in which they run is TGI's and lives in `next-token.ts`.
 *
 * −Infinity marks a removed token (HF's `filter_value`). Warpers never remove every finite token:
 * each keeps at least one (HF's `min_tokens_to_keep = 1`).
 */
import { expNonPositive } from './fast-exp';
import { maxOf } from './logprobs';
import { medianOfThree, selectKth } from './select';
import type { TokenHistory } from './token-history';

/** Buckets of the key histogram; the cut's bucket holds ~n/BUCKETS candidates on a smooth distribution. */
const BUCKETS = 1024;
/**
 * Keys (logit distances) spread over at most this range; larger ones share the last bucket. A
 * token 40 logits from the best weighs e^−40 of it, so cuts almost never fall there; when one
 * does, that bucket is simply cut exactly like any other, only slower.
 */
const KEY_SPAN = 40;

/**
 * HF `RepetitionPenaltyLogitsProcessor` (CTRL paper), as TGI applies it: every distinct id of
 * prompt + generated tokens gets `score < 0 ? score × penalty : score / penalty`, so a penalty > 1
 * always makes a seen token less likely.
 */
export function applyRepetitionPenalty(scores: Float32Array, history: TokenHistory, penalty: number): void {
  for (const id of history.distinctIds) {
    const s = scores[id];
    scores[id] = s < 0 ? s * penalty : s / penalty;
  }
}

/**
 * TGI `FrequencyPenaltyLogitsProcessor`: `score -= penalty × count(id) / total`, where count and
 * total run over prompt + generated tokens (TGI divides by the input length, unlike OpenAI's raw count).
 */
export function applyFrequencyPenalty(scores: Float32Array, history: TokenHistory, penalty: number): void {
  const total = history.total;
  if (total === 0) return;
  for (const id of history.distinctIds) scores[id] -= (penalty * history.countOf(id)) / total;
}

/** OpenAI presence penalty: `score -= penalty` once for every distinct id already GENERATED. */
export function applyPresencePenalty(scores: Float32Array, history: TokenHistory, penalty: number): void {
  for (const id of history.distinctGeneratedIds) scores[id] -= penalty;
}

/** HF `TemperatureLogitsWarper`: divide every score (division, not a reciprocal, to round like torch). */
export function applyTemperature(scores: Float32Array, temperature: number): void {
  for (let i = 0; i < scores.length; i++) scores[i] /= temperature;
}

/** Buffers the warpers reuse from step to step, sized once per request. */
export class WarperScratch {
  /** The finite tokens' ids, rank keys (≥ 0, smaller ranks first) and weights exp(score − max), kept parallel. */
  readonly ids: Int32Array;
  readonly keys: Float64Array;
  readonly weights: Float64Array;
  /** Count or weight per key bucket (see `bucketedCut`). */
  readonly buckets = new Float64Array(BUCKETS);
  /**
   * What `finiteRange` and `gatherFinite` found: the largest and smallest finite score, and the
   * number of finite tokens and Σ exp(score − max) (see the note above `collectWeights`).
   */
  max = -Infinity;
  min = Infinity;
  count = 0;
  sum = 0;

  constructor(vocabSize: number) {
    this.ids = new Int32Array(vocabSize);
    this.keys = new Float64Array(vocabSize);
    this.weights = new Float64Array(vocabSize);
  }
}

/**
 * HF `TopKLogitsWarper`: scores below the k-th largest become −Infinity. As there
 * (`scores < topk(scores, k).values[-1]`), tokens TIED with the k-th largest are all kept, so more
 * than k tokens may survive. k ≥ the number of finite scores changes nothing.
 *
 * The k-th largest is found without sorting: a histogram of counts per bucket of (max − score)
 * locates the bucket holding it, and quickselect runs on that bucket's scores only.
 */
export function applyTopK(scores: Float32Array, k: number, scratch: WarperScratch): void {
  finiteRange(scores, scratch);
  const { max, min, buckets, keys } = scratch;
  const scale = bucketScale(max - min);
  buckets.fill(0);
  let finite = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (s === -Infinity) continue;
    buckets[bucketOf(max - s, scale)]++;
    finite++;
  }
  // HF: top_k = max(top_k, min_tokens_to_keep).
  const rank = Math.max(k, 1);
  if (rank >= finite) return;
  let above = 0;
  let cut = 0;
  while (above + buckets[cut] < rank) above += buckets[cut++];
  let m = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (s !== -Infinity && bucketOf(max - s, scale) === cut) keys[m++] = s;
  }
  // The (rank − above)-th largest of the bucket, i.e. its (m − rank + above)-th smallest (0-based).
  const kth = selectKth(keys, m, m - rank + above);
  for (let i = 0; i < scores.length; i++) if (scores[i] < kth) scores[i] = -Infinity;
}

/**
 * HF `TopPLogitsWarper` (nucleus): keep the smallest set of most likely tokens whose probability
 * sum reaches p; at least one token. HF sorts ascending and removes tokens whose cumulative mass
 * is ≤ 1 − p; the same set, read from the top: a token is kept while the mass of the tokens
 * ranked above it is < p. Tokens of equal score are ranked by lower id first (torch's sort leaves
 * that order unspecified). p ≥ 1 changes nothing.
 *
 * Three passes over the vocabulary, no sort: the best score; each token's weight exp(score − max)
 * summed into its bucket of distance below the best (fixed width, KEY_SPAN / BUCKETS, so no pass
 * for the lowest score); then every token of a bucket past the cut's is removed while the cut
 * bucket's candidates are gathered, and only those are ranked exactly (`weightedCut`).
 */
export function applyTopP(scores: Float32Array, p: number, scratch: WarperScratch): void {
  if (p >= 1) return;
  const max = maxOf(scores);
  if (max === -Infinity) return;
  const { buckets } = scratch;
  const scale = bucketScale(KEY_SPAN);
  buckets.fill(0);
  const target = positive(p) * weighBuckets(scores, max, scale, buckets);
  let before = 0;
  let cut = 0;
  while (cut < BUCKETS && before + buckets[cut] < target) before += buckets[cut++];
  // Rounding kept the running weight below the target: keep everything.
  if (cut === BUCKETS) return;
  const m = gatherCutBucket(scores, max, scale, cut, scratch);
  const kept = weightedCut(scratch, 0, m, before, target, false);
  for (let j = kept; j < m; j++) scores[scratch.ids[j]] = -Infinity;
}

/**
 * Σ exp(score − max) over the vocabulary, in id order, each weight also added to its bucket of
 * distance below `max` (a removed token weighs 0, wherever it lands).
 */
function weighBuckets(scores: Float32Array, max: number, scale: number, buckets: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    const key = max - scores[i];
    const w = expNonPositive(-key);
    buckets[bucketOf(key, scale)] += w;
    sum += w;
  }
  return sum;
}

/**
 * Removes every token past bucket `cut` and gathers that bucket's tokens (ids, distances, weights,
 * in id order) into `scratch`; returns how many. Tokens of earlier buckets stay as they are.
 */
function gatherCutBucket(
  scores: Float32Array,
  max: number,
  scale: number,
  cut: number,
  scratch: WarperScratch,
): number {
  const { ids, keys, weights } = scratch;
  let m = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    const key = max - s;
    const b = bucketOf(key, scale);
    if (b < cut) continue;
    if (b > cut || s === -Infinity) {
      scores[i] = -Infinity;
      continue;
    }
    ids[m] = i;
    keys[m] = key;
    weights[m] = expNonPositive(-key);
    m++;
  }
  return m;
}

/**
 * HF `TypicalLogitsWarper` (locally typical sampling, Meister et al.): rank tokens by how close
 * their surprisal −log p is to the entropy H, i.e. by |score − (logsumexp − H)|, and keep the
 * closest ones until their probability sum reaches `mass`. As in HF, the cut is at the first rank
 * where the cumulative mass is ≥ `mass`, tokens tied with that rank's distance are kept too, and
 * at least one token is kept. mass ≥ 1 changes nothing.
 */
export function applyTypicalP(scores: Float32Array, mass: number, scratch: WarperScratch): void {
  if (mass >= 1) return;
  gatherFinite(scores, scratch);
  const { count: n, max, min, sum, ids, keys, weights } = scratch;
  if (n === 0) return;
  const lse = max + Math.log(sum);
  const center = lse - entropyOf(scores, ids, weights, n, sum, lse);
  distancesFrom(center, scores, ids, n, keys);
  const keyMax = Math.max(Math.abs(max - center), Math.abs(min - center));
  keepOnly(scores, scratch, bucketedCut(scratch, n, keyMax, positive(mass) * sum, true));
}

/** p = 0 (or below) still keeps one token, like HF's `min_tokens_to_keep = 1`: the cut needs a target > 0. */
function positive(p: number): number {
  return Math.max(p, Number.MIN_VALUE);
}

/**
 * Collect the finite tokens into `scratch`: their ids and weights exp(score − max), their number
 * (`count`), the max and min finite scores and Σ weights (`sum`, the softmax normaliser relative to max).
 */
function gatherFinite(scores: Float32Array, scratch: WarperScratch): void {
  finiteRange(scores, scratch);
  const count = scratch.max === -Infinity ? 0 : collectWeights(scores, scratch.max, scratch.ids, scratch.weights);
  scratch.count = count;
  scratch.sum = sumOf(scratch.weights, count);
}

/** The largest and smallest finite score into `scratch.max`, `scratch.min` (−Infinity and Infinity when there is none). */
function finiteRange(scores: Float32Array, scratch: WarperScratch): void {
  scratch.max = maxOf(scores);
  scratch.min = minFiniteOf(scores);
}

// The loops over the whole vocabulary live in leaf functions that end by returning a local: V8
// compiles such a loop on the fly (on-stack replacement) and re-enters that code at every call, and
// whatever follows the loop in the same function deoptimises it, every call (a top_p step took 3×
// longer). Hence also the results in `scratch` rather than in a returned object.

function collectWeights(scores: Float32Array, max: number, ids: Int32Array, weights: Float64Array): number {
  let n = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (s === -Infinity) continue;
    ids[n] = i;
    weights[n] = expNonPositive(s - max);
    n++;
  }
  return n;
}

/** keys[j] = |score of ids[j] − center| for the n gathered tokens. */
function distancesFrom(center: number, scores: Float32Array, ids: Int32Array, n: number, keys: Float64Array): void {
  for (let j = 0; j < n; j++) keys[j] = Math.abs(scores[ids[j]] - center);
}

/** H = −Σ p log p over the n gathered tokens (HF's `nansum` skips the −inf × 0 terms). */
function entropyOf(
  scores: Float32Array,
  ids: Int32Array,
  weights: Float64Array,
  n: number,
  sum: number,
  lse: number,
): number {
  let entropy = 0;
  for (let j = 0; j < n; j++) entropy -= (weights[j] / sum) * (scores[ids[j]] - lse);
  return entropy;
}

function sumOf(values: Float64Array, n: number): number {
  let sum = 0;
  for (let j = 0; j < n; j++) sum += values[j];
  return sum;
}

function minFiniteOf(scores: Float32Array): number {
  let min = Infinity;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (s < min && s !== -Infinity) min = s;
  }
  return min;
}

/** Bucket width for keys in [0, keyMax]: BUCKETS buckets over at most KEY_SPAN. */
function bucketScale(keyMax: number): number {
  const span = Math.min(keyMax, KEY_SPAN);
  // keyMax = 0 (a single score value): everything lands in bucket 0.
  return span > 0 ? (BUCKETS - 1) / span : 0;
}

/**
 * ⌊key × scale⌋, clamped to the last bucket: monotone in the key, so equal keys share a bucket and
 * a better bucket holds only better keys. Truncation is floor for keys ≥ 0 and yields an int32,
 * which indexes a typed array fast.
 */
function bucketOf(key: number, scale: number): number {
  return Math.min(BUCKETS - 1, key * scale) | 0;
}

/**
 * The shared cut of top_p and typical_p, without sorting the vocabulary. Ranking the n candidates
 * by key (ascending), a candidate is kept while the weight of those ranked before it is < target.
 * Leaves the kept candidates in ids[0, count) and returns count; at least 1, as target > 0.
 *
 * One pass builds a histogram of weight per key bucket (bucket = ⌊key × scale⌋, monotone in the
 * key, so equal keys share a bucket). Scanning it from the best bucket finds the one where the
 * running weight reaches the target: every bucket before it is kept, every bucket after it goes.
 * Only the candidates of that one bucket are then ranked exactly, by `weightedCut`.
 */
function bucketedCut(scratch: WarperScratch, n: number, keyMax: number, target: number, keepTies: boolean): number {
  const { keys, weights, buckets } = scratch;
  const scale = bucketScale(keyMax);
  buckets.fill(0);
  for (let j = 0; j < n; j++) buckets[bucketOf(keys[j], scale)] += weights[j];
  let before = 0;
  let cut = 0;
  while (cut < BUCKETS && before + buckets[cut] < target) before += buckets[cut++];
  // Rounding kept the running weight below the target: keep everything.
  if (cut === BUCKETS) return n;
  const { ids } = scratch;
  let end = 0;
  for (let j = 0; j < n; j++) if (bucketOf(keys[j], scale) < cut) swap(ids, keys, weights, j, end++);
  const lo = end;
  for (let j = lo; j < n; j++) if (bucketOf(keys[j], scale) === cut) swap(ids, keys, weights, j, end++);
  return weightedCut(scratch, lo, end, before, target, keepTies);
}

/**
 * The cut inside candidates [lo, hi), those before `lo` being kept and weighing `before` (< target).
 * Weighted quickselect, expected O(hi − lo): partition around a pivot key; if the weight of the
 * better part reaches the target, the cut lies inside it, else that part is kept and the search
 * goes on past the pivot's equal group. Returns the number of candidates kept.
 *
 * Equal keys at the cut: `keepTies` keeps them all (typical_p: HF removes only keys GREATER than
 * the cut's), otherwise they are ranked by lower id (top_p).
 */
function weightedCut(
  scratch: WarperScratch,
  lo: number,
  hi: number,
  before: number,
  target: number,
  keepTies: boolean,
): number {
  const { ids, keys, weights } = scratch;
  while (lo < hi) {
    const pivot = medianOfThree(keys[lo], keys[(lo + hi) >>> 1], keys[hi - 1]);
    // Three-way partition of [lo, hi): [lo, lt) < pivot, [lt, gt) == pivot, [gt, hi) > pivot.
    let lt = lo;
    let gt = hi;
    let i = lo;
    while (i < gt) {
      const key = keys[i];
      if (key < pivot) swap(ids, keys, weights, i++, lt++);
      else if (key > pivot) swap(ids, keys, weights, i, --gt);
      else i++;
    }
    let better = 0;
    for (let j = lo; j < lt; j++) better += weights[j];
    if (before + better >= target) {
      hi = lt;
      continue;
    }
    before += better;
    if (keepTies) {
      for (let j = lt; j < gt; j++) before += weights[j];
      if (before >= target) return gt;
    } else {
      // Equal keys mean equal weights: only the ids need ordering.
      ids.subarray(lt, gt).sort();
      for (let j = lt; j < gt; j++) {
        if (before >= target) return j;
        before += weights[j];
      }
    }
    lo = gt;
  }
  // The cut fell at the end of the range (or rounding left the target unreached): keep up to it.
  return lo;
}

function swap(ids: Int32Array, keys: Float64Array, weights: Float64Array, a: number, b: number): void {
  const id = ids[a];
  ids[a] = ids[b];
  ids[b] = id;
  const key = keys[a];
  keys[a] = keys[b];
  keys[b] = key;
  const weight = weights[a];
  weights[a] = weights[b];
  weights[b] = weight;
}

/** Remove every token except ids[0, kept). */
function keepOnly(scores: Float32Array, scratch: WarperScratch, kept: number): void {
  const { ids, keys } = scratch;
  for (let j = 0; j < kept; j++) keys[j] = scores[ids[j]];
  scores.fill(-Infinity);
  for (let j = 0; j < kept; j++) scores[ids[j]] = keys[j];
}
