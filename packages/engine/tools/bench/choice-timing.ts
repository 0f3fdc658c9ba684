/**
 * Per-step CPU cost of the token choice (penalties, warpers, log-softmax, argmax or draw) at a
 * vocabulary size, on scores drawn like a real model's: a broad normal bulk and a few favourites.
 */
import type { SamplingParams } from '../../src/protocol/types';
import { createTokenChooser } from '../../src/sampling/next-token';
import { createRng } from '../../src/sampling/rng';

/** Median ms per step over `steps` steps, after a quarter as many warm-up steps. */
export function medianChoiceMs(vocab: number, params: SamplingParams, steps: number): number {
  const rng = createRng(1);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const scores = Float32Array.from({ length: vocab }, () => 2.5 * normal());
  for (let i = 0; i < 20; i++) scores[i * 7] = 8 + 0.3 * i;
  const logits = new Float32Array(vocab);
  const chooser = createTokenChooser(params, vocab, [1, 2, 3]);
  const times: number[] = [];
  for (let step = 0; step < steps * 1.25; step++) {
    logits.set(scores);
    const start = performance.now();
    chooser.accept(chooser.next(logits, 0).id);
    if (step >= steps / 4) times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}
