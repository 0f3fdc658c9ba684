/**
 * Unit-test support: the project's test model loaded in Node through transformers.js (CPU,
 * onnxruntime-node), wrapped as the worker's `ServingModel`, and a helper that runs a request
 * through the engine's own scheduler on it — the grammar engine, sampler and model are real.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoModelForCausalLM, AutoTokenizer, env } from '@huggingface/transformers';
import { type ModelSpec, TINY } from '../../tools/test-model/config';
import { ensureModel } from '../../tools/test-model/write-model';
import { type ServingModel, withPrefixCache } from '../decode/prefix-cache';
import type { FinishEvent, GenerateRequest, ModelInfo, TokenEvent } from '../protocol/types';
import { batchingOptions } from '../model/batching';
import { Scheduler } from '../scheduler/scheduler';

// web-xgrammar's UMD prelude reads `location` (or CommonJS `require`) to find its own URL; Node's ESM has neither.
(globalThis as { location?: unknown }).location ??= { href: import.meta.url };

export const EOS = 265;

let modelsDir: Promise<string> | undefined;

async function modelFolder(config: ModelSpec): Promise<string> {
  modelsDir ??= mkdtemp(join(tmpdir(), 'inpage-grammar-'));
  const dir = await modelsDir;
  await ensureModel(config, dir);
  env.allowRemoteModels = false;
  env.localModelPath = dir;
  return config.name;
}

export async function loadTestModel(config: ModelSpec = TINY, { withWeights = true } = {}): Promise<ServingModel> {
  const id = await modelFolder(config);
  const tokenizer = await AutoTokenizer.from_pretrained(id);
  const model = withWeights
    ? await AutoModelForCausalLM.from_pretrained(id, { dtype: 'fp32' })
    : (null as unknown as ServingModel['model']);
  // Both test models end with the same 7 special tokens, `</s>` second (tools/test-model/README.md).
  const { vocabSize } = config;
  const specialIds = new Set(Array.from({ length: 7 }, (_, i) => vocabSize - 7 + i));
  const eosIds = new Set([vocabSize - 6]);
  const batching = batchingOptions({}, { text: {}, weightBytes: 0, kvBytesPerValue: 4, contextLength: 256 });
  return withPrefixCache({ model, tokenizer, eosIds, specialIds, info: { vocabSize } as ModelInfo, batching });
}

export interface Generation {
  text: string;
  ids: number[];
  finish: FinishEvent;
  tokens: TokenEvent[];
}

const scheduler = new Scheduler();

export async function run(
  loaded: ServingModel,
  prompt: string,
  request: Partial<GenerateRequest>,
): Promise<Generation> {
  const inputIds = loaded.tokenizer.encode(prompt);
  const tokens: TokenEvent[] = [];
  let finish: FinishEvent | undefined;
  await scheduler.generate(
    loaded,
    { inputIds, sampling: { doSample: false }, maxNewTokens: 64, ...request },
    (event) => (event.type === 'token' ? tokens.push(event) : (finish = event)),
    new AbortController().signal,
  );
  return { text: finish!.generatedText, ids: tokens.map((t) => t.token.id), finish: finish!, tokens };
}
