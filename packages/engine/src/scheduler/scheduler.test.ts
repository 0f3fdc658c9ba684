import { beforeAll, describe, expect, it } from 'vitest';
import type { ServingModel } from '../decode/prefix-cache';
import type { FinishEvent, GenerateRequest, TokenEvent } from '../protocol/types';
import { loadTestModel } from '../testing/tiny-model';
import { Scheduler } from './scheduler';

// The real test model through transformers.js (onnxruntime-node: CPU tensors, as on WASM).
let tiny: ServingModel;
beforeAll(async () => {
  tiny = await loadTestModel();
}, 60_000);

interface Outcome {
  ids: number[];
  logprobs: number[];
  finish: FinishEvent;
}

function start(
  scheduler: Scheduler,
  prompt: string,
  request: Partial<GenerateRequest>,
  signal = new AbortController().signal,
) {
  const tokens: TokenEvent[] = [];
  let finish: FinishEvent | undefined;
  const done = scheduler.generate(
    tiny,
    { inputIds: tiny.tokenizer.encode(prompt), sampling: { doSample: false }, maxNewTokens: 24, ...request },
    (e) => (e.type === 'token' ? tokens.push(e) : (finish = e)),
    signal,
  );
  return {
    tokens,
    result: done.then(
      (): Outcome => ({
        ids: tokens.map((t) => t.token.id),
        logprobs: tokens.map((t) => t.token.logprob),
        finish: finish!,
      }),
    ),
  };
}

const cases: [string, Partial<GenerateRequest>][] = [
  ['hello', {}],
  ['The quick brown fox', { sampling: { doSample: true, temperature: 1.5, topP: 0.9, seed: 7 } }],
  ['A', { maxNewTokens: 30 }],
  ['abc', { stop: ['jk'] }],
  ['Zebra 12', { sampling: { doSample: true, topK: 20, seed: 3, repetitionPenalty: 1.3 }, topNTokens: 3 }],
  ['x', { grammar: { type: 'regex', pattern: '[0-9]{3}[a-c]+' }, maxNewTokens: 8 }],
];

describe('Scheduler on the tiny model', () => {
  it('gives every request the same tokens batched as alone', async () => {
    const alone: Outcome[] = [];
    for (const [prompt, request] of cases) {
      tiny.prefixes.clear();
      alone.push(await start(new Scheduler(), prompt, request).result);
    }
    tiny.prefixes.clear();
    const scheduler = new Scheduler();
    const batched = await Promise.all(cases.map(([prompt, request]) => start(scheduler, prompt, request).result));
    for (const [i, a] of alone.entries()) {
      expect(batched[i].ids).toEqual(a.ids);
      expect(batched[i].finish.finishReason).toBe(a.finish.finishReason);
      batched[i].logprobs.forEach((lp, k) => expect(lp).toBeCloseTo(a.logprobs[k], 4));
    }
    // They really ran together: far fewer decode passes than tokens.
    const steps = scheduler.takeStats().decode.count;
    expect(steps).toBeLessThanOrEqual(Math.max(...alone.map((a) => a.ids.length)) + cases.length);
    expect(tiny.tokenizer.decode(alone[0].ids, { skip_special_tokens: true })).toBe('pqrstuvwxyz');
    expect(alone[3].finish.finishReason).toBe('stop_sequence');
    // The pass started before the stop string was seen computed one more token: it is never emitted.
    expect(alone[3].finish.generatedText).toBe('defghijk');
    expect(alone[3].finish.generatedTokens).toBe(alone[3].ids.length);
  }, 60_000);

  it('aborting one sequence leaves the others unchanged, and it stops within a step', async () => {
    tiny.prefixes.clear();
    const reference = await start(new Scheduler(), 'A', { maxNewTokens: 30 }).result;
    const scheduler = new Scheduler();
    const controller = new AbortController();
    const victim = start(scheduler, 'B', { maxNewTokens: 30 }, controller.signal);
    const other = start(scheduler, 'A', { maxNewTokens: 30 });
    while (victim.tokens.length < 3) await new Promise((r) => setTimeout(r, 1));
    controller.abort();
    const seen = victim.tokens.length;
    await expect(victim.result).rejects.toThrow('aborted');
    expect((await other.result).ids).toEqual(reference.ids);
    expect(victim.tokens.length).toBeLessThanOrEqual(seen + 1);
  }, 60_000);

  it('a request aborted while it waits never runs', async () => {
    const scheduler = new Scheduler();
    const controller = new AbortController();
    controller.abort();
    const waiting = start(scheduler, 'hello', {}, controller.signal);
    await expect(waiting.result).rejects.toThrow('aborted');
    expect(waiting.tokens).toHaveLength(0);
  });

  it('prefills a long prompt in passes whose attention stays within prefillAttentionPairs, to the same tokens', async () => {
    tiny.prefixes.clear();
    const prompt = 'The quick brown fox jumps over the lazy dog, twice over. ';
    const length = tiny.tokenizer.encode(prompt).length;
    const whole = new Scheduler();
    const expected = await start(whole, prompt, {}).result;
    expect(whole.takeStats().prefill.count).toBe(1);
    tiny.prefixes.clear();
    // 200 (new × attended) pairs: each pass takes the most tokens c with c × (cached + c) ≤ 200.
    const bounded = { ...tiny, batching: { ...tiny.batching, prefillAttentionPairs: 200 } };
    const chunked = new Scheduler();
    const tokens: number[] = [];
    await chunked.generate(
      bounded,
      { inputIds: tiny.tokenizer.encode(prompt), sampling: { doSample: false }, maxNewTokens: 24 },
      (e) => e.type === 'token' && tokens.push(e.token.id),
      new AbortController().signal,
    );
    expect(tokens).toEqual(expected.ids);
    // 51 prompt tokens (BOS included): 14 + 8 + 6 + 5 + 5 + 4 + 4 + 4 + 1, in 9 passes.
    expect(length).toBe(51);
    expect(chunked.takeStats().prefill.count).toBe(9);
  }, 60_000);

  it('reuses the longest cached prefix of any past sequence', async () => {
    tiny.prefixes.clear();
    const scheduler = new Scheduler();
    const system = 'You are a helpful assistant who answers briefly. ';
    const first = await start(scheduler, `${system}hello`, {}).result;
    expect(first.finish.cachedTokens).toBe(0);
    await start(scheduler, 'Something else entirely', {}).result;
    const second = await start(scheduler, `${system}world`, {}).result;
    // The shared system prompt (plus BOS) came from the cache, though another sequence ran in between.
    expect(second.finish.cachedTokens).toBe(tiny.tokenizer.encode(system).length);
    const fresh = (tiny.prefixes.clear(), await start(scheduler, `${system}world`, {}).result);
    expect(second.ids).toEqual(fresh.ids);
    second.logprobs.forEach((lp, k) => expect(lp).toBeCloseTo(fresh.logprobs[k], 4));
  }, 60_000);
});
