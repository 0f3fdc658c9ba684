import { AutoModelForCausalLM, AutoTokenizer, DynamicCache, env, type PreTrainedModel, type PreTrainedTokenizer, Tensor } from '@huggingface/transformers';
import ortMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { createEngine, type Dtype, type Engine } from '@inpage/engine';

/**
 * Decode speed of the engine (worker, comlink, our decode loop) against the plainest
 * transformers.js use of the same model in the same page: `model.generate()`, greedy.
 * Both generate exactly `tokens` tokens after the same prompt; time to first token is the
 * prompt's forward pass plus one token, as a client sees it. Both stay loaded and the caller
 * alternates their runs, so a machine that slows down or speeds up affects both alike.
 */
export interface BenchResult {
  ttftMs: number;
  tokensPerSecond: number;
  tokens: number;
}

/**
 * Each run's prompt differs from its first character on, so the engine's prompt-prefix reuse
 * (a chat's next turn) does not make its time to first token look better than a cold prefill.
 */
function promptOf(run: number, prompt: string): string {
  return `${run} ${prompt}`;
}

/** Both contenders, loaded side by side in this page so their runs can alternate. */
let engine: Engine | null = null;
let plain: { lm: PreTrainedModel; tokenizer: PreTrainedTokenizer } | null = null;

async function open(model: string, device: 'wasm' | 'webgpu', dtype: Dtype = 'fp32'): Promise<void> {
  engine = createEngine();
  await engine.load({ model, device, dtype });
  plain = await loadPlain(model, device, dtype);
}

async function close(): Promise<void> {
  engine?.terminate();
  await plain?.lm.dispose();
  engine = plain = null;
}

/** One greedy generation of exactly `tokens` tokens through the engine client. */
async function engineOnce(run: number, prompt: string, tokens: number): Promise<BenchResult> {
  return engineIds(
    (await engine!.tokenize(promptOf(run, prompt))).map((t) => t.id),
    tokens,
  );
}

async function engineIds(inputIds: number[], tokens: number): Promise<BenchResult> {
  const start = performance.now();
  let first = 0;
  let count = 0;
  for await (const event of engine!.generate({ inputIds, maxNewTokens: tokens, ignoreEos: true, sampling: { doSample: false } })) {
    if (event.type !== 'token') continue;
    if (++count === 1) first = performance.now();
  }
  const end = performance.now();
  return { ttftMs: first - start, tokensPerSecond: ((count - 1) * 1000) / (end - first), tokens: count };
}

async function loadPlain(model: string, device: 'wasm' | 'webgpu', dtype: Dtype) {
  const url = new URL(model, location.href);
  const cut = url.pathname.replace(/\/$/, '').lastIndexOf('/');
  Object.assign(env, {
    remoteHost: url.origin + url.pathname.slice(0, cut + 1),
    remotePathTemplate: '{model}/',
    allowLocalModels: false,
    useBrowserCache: false,
  });
  if (env.backends.onnx.wasm) env.backends.onnx.wasm.wasmPaths = { mjs: new URL(ortMjsUrl, location.href).href, wasm: new URL(ortWasmUrl, location.href).href };
  const id = url.pathname.replace(/\/$/, '').slice(cut + 1);
  const tokenizer = await AutoTokenizer.from_pretrained(id);
  const lm: PreTrainedModel = await AutoModelForCausalLM.from_pretrained(id, {
    device,
    dtype: dtype === 'auto' ? undefined : (dtype as 'fp32'),
  });
  return { lm, tokenizer };
}

/** The same generation through transformers.js's own `generate()` on the main thread. */
async function plainOnce(run: number, prompt: string, tokens: number): Promise<BenchResult> {
  return plainInputs(plain!.tokenizer(promptOf(run, prompt)), tokens);
}

async function plainInputs(inputs: { input_ids: Tensor; attention_mask: Tensor }, tokens: number): Promise<BenchResult> {
  const start = performance.now();
  let first = 0;
  let count = 0;
  // A streamer's put() is called once per generated token (first with the prompt).
  const streamer = {
    put: (value: bigint[][]) => {
      if (value[0].length !== 1 || performance.now() < start) return;
      if (++count === 1) first = performance.now();
    },
    end: () => undefined,
  };
  await plain!.lm.generate({ ...inputs, max_new_tokens: tokens, min_new_tokens: tokens, do_sample: false, streamer: streamer as never });
  const end = performance.now();
  return { ttftMs: first - start, tokensPerSecond: ((count - 1) * 1000) / (end - first), tokens: count };
}

/**
 * Decode after exactly `positions` tokens of context (a long text's ids, cut), on either side: whether a
 * step slows down with the cache's length more than its attention does (buffers regrown or copied each step).
 */
async function contextOnce(side: 'engine' | 'plain', run: number, positions: number, tokens: number): Promise<BenchResult> {
  const text = promptOf(run, 'The quick brown fox jumps over the lazy dog. '.repeat(Math.ceil(positions / 4)));
  const ids = plain!.tokenizer.encode(text).slice(0, positions);
  if (side === 'engine') return engineIds(ids, tokens);
  const input_ids = new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
  const attention_mask = new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]);
  return plainInputs({ input_ids, attention_mask }, tokens);
}

interface Stream {
  start: number;
  first: number;
  end: number;
  count: number;
  /** When each token arrived. */
  times: number[];
}

/** One greedy stream of exactly `tokens` tokens (fewer when `signal` stops it). */
async function stream(prompt: string, tokens: number, signal?: AbortSignal, onToken?: (count: number) => void): Promise<Stream> {
  const inputIds = (await engine!.tokenize(prompt)).map((t) => t.id);
  const s: Stream = { start: performance.now(), first: 0, end: 0, count: 0, times: [] };
  try {
    for await (const event of engine!.generate({ inputIds, maxNewTokens: tokens, ignoreEos: true, sampling: { doSample: false } }, { signal })) {
      if (event.type !== 'token') continue;
      s.times.push(performance.now());
      if (++s.count === 1) s.first = s.times[0];
      onToken?.(s.count);
    }
  } catch (error) {
    if (!signal?.aborted) throw error;
  }
  s.end = performance.now();
  return s;
}

/**
 * `n` streams started together. `wall`: all their tokens per second of wall time, prefills
 * included (each prompt is prefilled on its own). `decode`: tokens per second while all n decode
 * together (from the last stream's first token to the first stream's end).
 */
async function concurrent(run: number, prompt: string, tokens: number, n: number): Promise<{ wall: number; decode: number }> {
  const start = performance.now();
  const streams = await Promise.all(Array.from({ length: n }, (_, i) => stream(promptOf(run * 100 + i, prompt), tokens)));
  const end = Math.max(...streams.map((s) => s.end));
  const from = Math.max(...streams.map((s) => s.first));
  const to = Math.min(...streams.map((s) => s.times.at(-1)!));
  const inWindow = streams.reduce((total, s) => total + s.times.filter((t) => t > from && t <= to).length, 0);
  return {
    wall: (streams.reduce((total, s) => total + s.count, 0) * 1000) / (end - start),
    decode: (inWindow * 1000) / (to - from),
  };
}

/** Time to first token of a request that arrives while 3 streams decode (they are then stopped). */
async function ttftUnderLoad(run: number, prompt: string, tokens: number): Promise<number> {
  const stop = new AbortController();
  let warm!: () => void;
  const decoding = new Promise<void>((resolve) => (warm = resolve));
  let started = 0;
  const others = Array.from({ length: 3 }, (_, i) =>
    stream(promptOf(run * 100 + 50 + i, prompt), tokens * 4, stop.signal, (count) => count === 2 && ++started === 3 && warm()),
  );
  await decoding;
  const newcomer = await stream(promptOf(run * 100 + 60, prompt), 1);
  stop.abort();
  await Promise.all(others);
  return newcomer.first - newcomer.start;
}

/**
 * A chat's fifth turn: four turns run first (each prompt the previous one plus its answer and a new
 * question), optionally another conversation in between; returns the fifth turn's time to first
 * token and that of a cold prompt of the same length (its first character differs, so nothing is shared).
 */
async function chatTurn5(run: number, prompt: string, between: boolean): Promise<{ reused: number; cold: number }> {
  const ask = async (text: string, tokens: number) => {
    const s = await stream(text, tokens);
    return { ttft: s.first - s.start, text };
  };
  let text = `${run} A ${prompt}`;
  for (let turn = 1; turn <= 4; turn++) {
    const inputIds = (await engine!.tokenize(text)).map((t) => t.id);
    let answer = '';
    for await (const e of engine!.generate({ inputIds, maxNewTokens: 8, sampling: { doSample: false } })) {
      if (e.type === 'token') answer += e.token.text;
    }
    text += `${answer}\nQuestion ${turn}: and then?\n`;
  }
  if (between) await ask(`${run} B ${prompt}`, 8);
  const reused = (await ask(text, 1)).ttft;
  const cold = (await ask(`${run} C${text.slice(`${run} A`.length)}`, 1)).ttft;
  return { reused, cold };
}

/**
 * Four greedy streams alone, then batched together: how far their logprobs move (up to the first
 * token that differs, after which they are not comparable) and how many streams kept every token.
 */
async function batchedVsAlone(
  run: number,
  prompt: string,
  tokens: number,
  on: Engine = engine!,
): Promise<{ maxLogprobDiff: number; identical: number; streams: number }> {
  const once = async (text: string) => {
    const inputIds = (await on.tokenize(text)).map((t) => t.id);
    const out: { id: number; logprob: number }[] = [];
    for await (const e of on.generate({ inputIds, maxNewTokens: tokens, ignoreEos: true, sampling: { doSample: false } })) {
      if (e.type === 'token') out.push(e.token);
    }
    return out;
  };
  const prompts = [0, 1, 2, 3].map((i) => promptOf(run * 100 + 70 + i, prompt.slice(0, prompt.length - i * 7)));
  const alone = [];
  for (const p of prompts) alone.push(await once(p));
  const batched = await Promise.all(prompts.map(once));
  let maxLogprobDiff = 0;
  let identical = 0;
  alone.forEach((a, s) => {
    const b = batched[s];
    let k = 0;
    for (; k < a.length && a[k].id === b[k].id; k++) maxLogprobDiff = Math.max(maxLogprobDiff, Math.abs(a[k].logprob - b[k].logprob));
    if (k === a.length) identical++;
  });
  return { maxLogprobDiff, identical, streams: prompts.length };
}

/** `batchedVsAlone` on another export of a model (e.g. `q8`), in an engine of its own. */
async function batchedVsAloneOf(model: string, device: 'wasm' | 'webgpu', dtype: Dtype, prompt: string, tokens: number) {
  const other = createEngine();
  try {
    await other.load({ model, device, dtype });
    return await batchedVsAlone(0, prompt, tokens, other);
  } finally {
    other.terminate();
  }
}

/**
 * The forward pass alone, as a decode step of `rows` sequences after `positions` cached ones
 * (zeros: the values do not change the work), through transformers.js and onnxruntime with
 * nothing of the engine around it. 1 and 4 rows alternate; medians of `reps` each. Four rows'
 * tokens per second over one row's is the most any batching of this model can gain here.
 */
async function forwardScaling(positions: number, reps: number): Promise<{ one: number; four: number }> {
  const { lm } = plain!;
  const config = lm.config as unknown as Record<string, number>;
  const heads = config.num_key_value_heads ?? config.num_attention_heads;
  const headDim = config.head_dim ?? config.hidden_size / config.num_attention_heads;
  const step = async (rows: number) => {
    const past: Record<string, Tensor> = {};
    for (let layer = 0; layer < config.num_hidden_layers; layer++) {
      for (const kind of ['key', 'value']) {
        past[`past_key_values.${layer}.${kind}`] = new Tensor('float32', new Float32Array(rows * heads * positions * headDim), [
          rows,
          heads,
          positions,
          headDim,
        ]);
      }
    }
    const start = performance.now();
    await lm.forward({
      input_ids: new Tensor('int64', new BigInt64Array(rows).fill(1n), [rows, 1]),
      attention_mask: new Tensor('int64', new BigInt64Array(rows * (positions + 1)).fill(1n), [rows, positions + 1]),
      past_key_values: new DynamicCache(past),
    });
    return performance.now() - start;
  };
  const one: number[] = [];
  const four: number[] = [];
  await step(1);
  await step(4);
  for (let r = 0; r < reps; r++) {
    one.push(await step(1));
    four.push(await step(4));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  return { one: median(one), four: median(four) };
}

/** The engine's scheduler figures (decode steps, bytes read back from the GPU). */
const stats = () => engine!.batchStats();

const bench = {
  open,
  engineOnce,
  plainOnce,
  contextOnce,
  concurrent,
  forwardScaling,
  ttftUnderLoad,
  chatTurn5,
  batchedVsAlone,
  batchedVsAloneOf,
  stats,
  close,
  ready: true,
};
declare global {
  interface Window {
    bench: typeof bench;
  }
}
window.bench = bench;
