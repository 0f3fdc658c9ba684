/**
 * `npm run bench:sampling`: the cost of one decode step's token choice (penalties, warpers,
 * log-softmax, argmax or draw) on the CPU, at a large vocabulary. Prints ms per step.
 *
 * Usage: tsx packages/engine/tools/bench/sampling.ts [--vocab 151936] [--steps 200]
 *
 * The scores are drawn like a real model's: a broad normal bulk and a few clear favourites.
 */
import type { SamplingParams } from '../../src/protocol/types';
import { medianChoiceMs } from './choice-timing';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const vocab = Number(args.get('vocab') ?? 151_936);
const steps = Number(args.get('steps') ?? 200);

const cases: [string, SamplingParams][] = [
  ['greedy', { doSample: false }],
  ['greedy, repetition_penalty 1.1', { doSample: false, repetitionPenalty: 1.1 }],
  ['temperature 0.7', { doSample: true, temperature: 0.7, seed: 1 }],
  ['temperature 0.7, top_k 50', { doSample: true, temperature: 0.7, topK: 50, seed: 1 }],
  ['temperature 0.7, top_p 0.9', { doSample: true, temperature: 0.7, topP: 0.9, seed: 1 }],
  ['temperature 0.7, typical_p 0.9', { doSample: true, temperature: 0.7, typicalP: 0.9, seed: 1 }],
];

console.log(`vocabulary ${vocab}, median of ${steps} steps after ${steps / 4} warm-up steps`);
for (const [name, params] of cases)
  console.log(`${name.padEnd(34)} ${medianChoiceMs(vocab, params, steps).toFixed(2)} ms/step`);
