/**
 * `npm run bench:sampling`: the cost of one decode step's token choice (penalties, warpers,
 * log-softmax, argmax or draw) on the CPU, at a large vocabulary. Prints ms per step.
 *
 * Usage: tsx packages/engine/tools/bench/sampling.ts [--vocab 151936] [--steps 200]
 *
 * The scores are drawn like a real model's: a broad normal bulk and a few clear favourites.
 */
import type { SamplingParams } from '../../src/protocol/types';
import { createTokenChooser } from '../../src/sampling/next-token';
import { createRng } from '../../src/sampling/rng';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const vocab = Number(args.get('vocab') ?? 151_936);
const steps = Number(args.get('steps') ?? 200);

const rng = createRng(1);
const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
const scores = Float32Array.from({ length: vocab }, () => 2.5 * normal());
for (let i = 0; i < 20; i++) scores[i * 7] = 8 + 0.3 * i;

const cases: [string, SamplingParams][] = [
  ['greedy', { doSample: false }],
  ['greedy, repetition_penalty 1.1', { doSample: false, repetitionPenalty: 1.1 }],
  ['temperature 0.7', { doSample: true, temperature: 0.7, seed: 1 }],
  ['temperature 0.7, top_k 50', { doSample: true, temperature: 0.7, topK: 50, seed: 1 }],
  ['temperature 0.7, top_p 0.9', { doSample: true, temperature: 0.7, topP: 0.9, seed: 1 }],
  ['temperature 0.7, typical_p 0.9', { doSample: true, temperature: 0.7, typicalP: 0.9, seed: 1 }],
];

console.log(`vocabulary ${vocab}, median of ${steps} steps after ${steps / 4} warm-up steps`);
const logits = new Float32Array(vocab);
for (const [name, params] of cases) {
  const chooser = createTokenChooser(params, vocab, [1, 2, 3]);
  const times: number[] = [];
  for (let step = 0; step < steps * 1.25; step++) {
    logits.set(scores);
    const start = performance.now();
    chooser.accept(chooser.next(logits, 0).id);
    if (step >= steps / 4) times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  console.log(`${name.padEnd(34)} ${times[times.length >> 1].toFixed(2)} ms/step`);
}
