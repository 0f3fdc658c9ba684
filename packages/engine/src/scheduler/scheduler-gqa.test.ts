/**
 * Batching on a model whose attention is onnxruntime's GroupQueryAttention (inpage-qwen3-gqa, the
 * graph of onnxruntime-genai's builder, through transformers.js and onnxruntime-node): the engine
 * reads the operator from the graph and lays the batch out as GQA needs (ragged, kv.ts), so
 * concurrent requests get the tokens and logprobs they get alone. The left-padded layout, what the
 * engine does for plain-attention exports, is shown to change them.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoModelForCausalLM, AutoTokenizer, env, type PreTrainedModel } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainIds, DTYPE_FILES, type FixtureDtype, QWEN3_GQA, tokenizerFiles } from '../../tools/test-model/real-vocab';
import { ensureModel } from '../../tools/test-model/write-model';
import { kvLayoutOf } from '../decode/kv';
import { type ServingModel, withPrefixCache } from '../decode/prefix-cache';
import { batchingOptions } from '../model/batching';
import { graphOperators } from '../model/graph-operators';
import type { KvLayout, ModelInfo, TokenEvent } from '../protocol/types';
import { Scheduler } from './scheduler';

let dir: string;
const layouts = new Map<string, KvLayout>();
let serving: (dtype: FixtureDtype, layout: KvLayout) => Promise<ServingModel>;
const chain = chainIds(QWEN3_GQA, JSON.parse(tokenizerFiles(QWEN3_GQA).json.toString()));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inpage-gqa-'));
  await ensureModel(QWEN3_GQA, dir);
  Object.assign(env, { allowRemoteModels: false, allowLocalModels: true, localModelPath: dir });
  const tokenizer = await AutoTokenizer.from_pretrained(QWEN3_GQA.name);
  for (const file of QWEN3_GQA.dtypes.map((dtype) => DTYPE_FILES[dtype])) {
    const graph = await readFile(join(dir, QWEN3_GQA.name, 'onnx', file));
    layouts.set(file, kvLayoutOf(graphOperators(graph)));
  }
  const batching = batchingOptions({}, { text: {}, weightBytes: 0, kvBytesPerValue: 4, contextLength: 256 });
  const models = new Map<string, PreTrainedModel>();
  serving = async (dtype, kvLayout) => {
    const model = models.get(dtype) ?? (await AutoModelForCausalLM.from_pretrained(QWEN3_GQA.name, { dtype }));
    models.set(dtype, model);
    return withPrefixCache({
      model,
      tokenizer,
      eosIds: new Set([chain.at(-1)!]),
      specialIds: new Set(),
      info: { vocabSize: QWEN3_GQA.vocabSize, kvLayout } as ModelInfo,
      batching,
    });
  };
}, 120_000);

afterAll(() => rm(dir, { recursive: true, force: true }));

interface Outcome {
  ids: number[];
  logprobs: number[];
}

function run(scheduler: Scheduler, loaded: ServingModel, prompt: string): Promise<Outcome> {
  const tokens: TokenEvent[] = [];
  return scheduler
    .generate(
      loaded,
      {
        inputIds: loaded.tokenizer.encode(prompt, { add_special_tokens: false }),
        sampling: { doSample: false },
        maxNewTokens: 12,
      },
      (e) => e.type === 'token' && tokens.push(e),
      new AbortController().signal,
    )
    .then(() => ({ ids: tokens.map((t) => t.token.id), logprobs: tokens.map((t) => t.token.logprob) }));
}

// Different lengths, so that rows are padded; one starts inside the chain, so rows finish at different steps.
const prompts = [
  '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
  'A much longer prompt, so that the batch pads the others by many positions: one two three four five.',
  'Hello world',
  '<think>',
];

describe('a GroupQueryAttention model', () => {
  it('is recognized from its graph (every file)', () => {
    expect([...layouts.values()]).toEqual(QWEN3_GQA.dtypes.map(() => 'ragged'));
  });

  // fp32: RoPE inside GroupQueryAttention; q4: RotaryEmbedding nodes, fed the position_ids the engine gives;
  // fp16 and q4f16: fp32's graph in float16 (float16 KV cache, Uint16Array rows).
  it.each(QWEN3_GQA.dtypes)(
    'gives every request the same tokens and logprobs batched as alone (%s)',
    async (dtype) => {
      const loaded = await serving(dtype, 'ragged');
      const alone: Outcome[] = [];
      for (const prompt of prompts) {
        loaded.prefixes.clear();
        alone.push(await run(new Scheduler(), loaded, prompt));
      }
      expect(alone[0].ids).toEqual(chain);
      expect(alone[3].ids).toEqual(chain.slice(1));
      loaded.prefixes.clear();
      const scheduler = new Scheduler();
      const batched = await Promise.all(prompts.map((prompt) => run(scheduler, loaded, prompt)));
      for (const [i, a] of alone.entries()) {
        expect(batched[i].ids).toEqual(a.ids);
        batched[i].logprobs.forEach((lp, k) => expect(lp).toBeCloseTo(a.logprobs[k], 4));
      }
      expect(scheduler.takeStats().decode.count).toBeLessThan(alone.reduce((n, a) => n + a.ids.length, 0));
    },
    120_000,
  );

  it('computes other logprobs in a left-padded batch (why the layout matters)', async () => {
    const loaded = await serving('fp32', 'left-padded');
    loaded.prefixes.clear();
    const alone = await run(new Scheduler(), loaded, prompts[0]);
    loaded.prefixes.clear();
    const scheduler = new Scheduler();
    const [batched] = await Promise.all(prompts.slice(0, 2).map((prompt) => run(scheduler, loaded, prompt)));
    const worst = Math.max(...batched.logprobs.map((lp, k) => Math.abs(lp - alone.logprobs[k])));
    expect(worst).toBeGreaterThan(1e-3);
  }, 120_000);
});
