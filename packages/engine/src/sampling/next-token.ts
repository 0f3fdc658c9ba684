/**
 * One decode step, from the last position's logits to the chosen token, in TGI's order
 * (`NextTokenChooser` in TGI's `utils/tokens.py`):
 *
 *   watermark → repetition penalty → frequency penalty → presence penalty → grammar mask
 *   → [sampling only] temperature → top_k → top_p → typical_p
 *   → log-softmax (the logprob reported) → argmax or seeded sample
 *
 * TGI has no presence penalty (its chat route maps OpenAI's onto the repetition penalty); ours
 * runs with the other penalties, after TGI's two.
 */
import type { SamplingParams } from '../protocol/types';
import { argmax, sample } from './choose';
import { logprobOf, softmaxStats, topLogprobs, type TokenLogprob } from './logprobs';
import {
  WarperScratch,
  applyFrequencyPenalty,
  applyPresencePenalty,
  applyRepetitionPenalty,
  applyTemperature,
  applyTopK,
  applyTopP,
  applyTypicalP,
} from './processors';
import { applyGrammarMask } from './grammar-mask';
import { createRng, randomSeed } from './rng';
import { TokenHistory } from './token-history';
import { applyWatermark, WatermarkScratch } from './watermark';

export interface TokenChoice {
  id: number;
  /** log-softmax of the processed scores at `id`. */
  logprob: number;
  /** The most likely tokens of this step, best first (empty when not asked). */
  top: TokenLogprob[];
}

export interface TokenChooser {
  /** The RNG's seed when sampling (TGI reports it in `details.seed`), else null. */
  readonly seed: number | null;
  /**
   * Process `logits` (one score per vocabulary id; CONSUMED: rewritten in place) and choose the
   * next token. `allowed`, a grammar's bitmask of the ids it permits this step, masks the rest.
   * Does not record the token: call `accept` with the token actually appended.
   */
  next(logits: Float32Array, topN: number, allowed?: Int32Array): TokenChoice;
  /** Append a generated token to the history the penalties read. */
  accept(id: number): void;
}

/**
 * `logprobs: false` says no step's logprob is ever reported: greedy steps then report 0.
 * `params.doSample` must already be TGI's "sampling is on" flag (do_sample, or temperature ≠ 1,
 * or top_k / top_p < 1 / typical_p < 1 given: the shim's validation decides). When it is false the
 * step is greedy and temperature, top_k, top_p and typical_p are ignored, while the penalties
 * still apply, as in TGI. When sampling without `params.seed`, a random seed is drawn.
 */
export function createTokenChooser(
  params: SamplingParams,
  vocabSize: number,
  promptIds: ArrayLike<number>,
  { watermark = false, logprobs = true }: { watermark?: boolean; logprobs?: boolean } = {},
): TokenChooser {
  const history = new TokenHistory(vocabSize, promptIds);
  // The watermark keys each step's green list on the token before it (prompt's last, then generated).
  let previousId = promptIds[promptIds.length - 1];
  const watermarkScratch = watermark ? new WatermarkScratch(vocabSize) : null;
  const repetition = params.repetitionPenalty ?? 1;
  const frequency = params.frequencyPenalty ?? 0;
  const presence = params.presencePenalty ?? 0;
  const sampling = params.doSample;
  const temperature = params.temperature ?? 1;
  const topK = params.topK ?? 0;
  const topP = params.topP ?? 1;
  const typicalP = params.typicalP ?? 1;
  // TGI's StaticWarper: each warper only when it changes something (top_k 0 = off).
  const truncates = sampling && ((topK > 0 && topK < vocabSize) || topP < 1 || typicalP < 1);
  const scratch = truncates ? new WarperScratch(vocabSize) : null;
  const seed = sampling ? (params.seed ?? randomSeed()) : null;
  // The sampler keeps the softmax weights of the step, so that drawing needs no second exp pass.
  const sampler = seed === null ? null : { rng: createRng(seed), weights: new Float64Array(vocabSize) };

  return {
    seed,
    next(logits, topN, allowed) {
      if (logits.length !== vocabSize) {
        throw new RangeError(`expected ${vocabSize} logits, got ${logits.length}`);
      }
      if (watermarkScratch !== null) applyWatermark(logits, previousId, watermarkScratch);
      if (repetition !== 1) applyRepetitionPenalty(logits, history, repetition);
      if (frequency !== 0) applyFrequencyPenalty(logits, history, frequency);
      if (presence !== 0) applyPresencePenalty(logits, history, presence);
      if (allowed !== undefined) applyGrammarMask(logits, allowed);
      if (sampling) {
        if (temperature !== 1) applyTemperature(logits, temperature);
        if (scratch !== null) {
          if (topK > 0) applyTopK(logits, topK, scratch);
          if (topP < 1) applyTopP(logits, topP, scratch);
          if (typicalP < 1) applyTypicalP(logits, typicalP, scratch);
        }
      }
      // Greedy with no logprob to report needs no softmax over the vocabulary: the argmax is the same.
      if (sampler === null && !logprobs && topN === 0) return { id: argmax(logits), logprob: 0, top: [] };
      const stats = softmaxStats(logits, sampler?.weights);
      const id = sampler === null ? stats.best : sample(sampler.weights, stats, sampler.rng);
      return { id, logprob: logprobOf(logits, stats, id), top: topLogprobs(logits, stats, topN) };
    },
    accept(id) {
      history.add(id);
      previousId = id;
    },
  };
}
