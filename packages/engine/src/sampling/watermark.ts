/**
 * TGI's watermark (Kirchenbauer et al. 2023, TGI's `WatermarkLogitsProcessor`): before the other
 * processors, a "green list" of ⌊γ·V⌋ ids, drawn afresh for every step from a generator seeded
 * with HASH_KEY × the previous token, gets +δ. A detector that knows the key counts how many tokens
 * fall in their step's green list: about γ of them without the watermark, measurably more with it.
 *
 * TGI draws the list with `torch.randperm` on torch's Mersenne Twister; that stream cannot be
 * reproduced here bit for bit, so the green lists are OURS: the first ⌊γ·V⌋ entries of a
 * Fisher–Yates shuffle of 0..V−1 driven by the engine's seeded generator (`rng.ts`: splitmix64 →
 * xoshiro128**). Same scheme and parameters; a detector must use `greenList` below, not TGI's.
 */
import { createRng } from './rng';

export const WATERMARK_GAMMA = 0.5;
export const WATERMARK_DELTA = 2.0;
export const WATERMARK_HASH_KEY = 15485863;

/** Reusable buffer of one permutation, sized once per request. */
export class WatermarkScratch {
  readonly permutation: Int32Array;
  constructor(vocabSize: number) {
    this.permutation = new Int32Array(vocabSize);
  }
}

/**
 * The green ids after `previousId` in a vocabulary of `vocabSize`: the first ⌊γ·V⌋ entries of a
 * seeded shuffle (a view into `scratch`, valid until its next use). Only that prefix is shuffled.
 */
export function greenList(
  previousId: number,
  vocabSize: number,
  scratch = new WatermarkScratch(vocabSize),
): Int32Array {
  const { permutation } = scratch;
  for (let i = 0; i < vocabSize; i++) permutation[i] = i;
  const rng = createRng(WATERMARK_HASH_KEY * previousId);
  const size = Math.floor(WATERMARK_GAMMA * vocabSize);
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(rng.next() * (vocabSize - i));
    const id = permutation[j];
    permutation[j] = permutation[i];
    permutation[i] = id;
  }
  return permutation.subarray(0, size);
}

export function applyWatermark(scores: Float32Array, previousId: number, scratch: WatermarkScratch): void {
  for (const id of greenList(previousId, scores.length, scratch)) scores[id] += WATERMARK_DELTA;
}
