import { createGrammarConstraint } from '../grammar/constraint';
import type { LoadedModel } from '../model/load';
import type { FinishReason, GenerateEvent, GeneratedToken, GenerateRequest, PrefillToken } from '../protocol/types';
import { StoppingCriteria } from '../sampling/finish';
import { logprobOf, softmaxStats } from '../sampling/logprobs';
import { createTokenChooser } from '../sampling/next-token';
import { abortError } from '../scheduler/queue';
import { IncrementalDecoder } from '../tokenizer/incremental-decoder';

/**
 * One generation: prefill the prompt, then one token per step until a finish reason, emitting
 * each token as it is chosen. Between steps it yields to the worker's event loop, which is where
 * a cancel message gets through: an abort stops it before the next forward pass.
 */
export async function generate(
  loaded: LoadedModel,
  request: GenerateRequest,
  emit: (event: GenerateEvent) => void,
  signal: AbortSignal,
  queueMs: number,
): Promise<void> {
  const { tokenizer, eosIds, specialIds } = loaded;
  const prompt = request.inputIds;
  if (prompt.length === 0) throw new Error('The prompt has no tokens.');
  const decodeRaw = (ids: number[]) => tokenizer.decode(ids, { skip_special_tokens: false });
  const tokenOf = (id: number, logprob: number, text = decodeRaw([id])): GeneratedToken => ({
    id,
    text,
    logprob,
    special: specialIds.has(id),
  });
  const detokenizer = new IncrementalDecoder(decodeRaw, prompt);
  const stopping = new StoppingCriteria({
    maxNewTokens: request.maxNewTokens,
    eosTokenIds: [...eosIds],
    ignoreEos: request.ignoreEos,
    stop: request.stop,
  });
  const topN = request.topNTokens ?? 0;
  // Compiled before the first forward pass: a bad grammar fails the request before any work.
  const constraint = request.grammar
    ? await createGrammarConstraint({ ...loaded, vocabSize: loaded.info.vocabSize }, request.grammar)
    : null;
  // The previous generation's cache, cut to the prefix this prompt shares with it (all of it is
  // recomputed when every prompt position's logits are wanted).
  const forward = await loaded.prompts.take(prompt, !request.prefillLogprobs);
  const cachedTokens = forward.tokens.length;
  // A pass that failed midway leaves the cache in an unknown state: it is not kept.
  let sound = true;
  let inflight: Promise<unknown> | null = null;
  const run = (ids: readonly number[]) => {
    const pass = forward.run(ids).catch((error: unknown) => {
      sound = false;
      throw error;
    });
    inflight = pass;
    return pass;
  };
  try {
    const prefillStart = performance.now();
    let { logits, vocab } = await run(prompt.slice(cachedTokens));
    const prefillMs = performance.now() - prefillStart;
    const prefill = request.prefillLogprobs ? prefillTokens(prompt, logits, vocab, decodeRaw) : undefined;
    const chooser = createTokenChooser(request.sampling, vocab, prompt, { watermark: request.watermark });
    const generated: number[] = [];
    let allowed = await constraint?.allowed();
    const decodeStart = performance.now();
    for (;;) {
      const choice = chooser.next(logits.subarray(logits.length - vocab), topN, allowed);
      chooser.accept(choice.id);
      constraint?.accept(choice.id);
      generated.push(choice.id);
      let finishReason: FinishReason | null = stopping.checkToken(choice.id);
      // Start the next forward pass before detokenizing and emitting: on WebGPU the GPU works
      // while this thread does the rest. A stop string can still end the generation below; that
      // pass is then wasted, once per request.
      const next = finishReason ? null : run([choice.id]);
      // The grammar's next mask is computed while that pass runs.
      const nextAllowed = finishReason ? undefined : constraint?.allowed();
      const text = detokenizer.push(choice.id);
      finishReason ??= stopping.checkText(text);
      emit({
        type: 'token',
        index: generated.length,
        token: tokenOf(choice.id, choice.logprob, text),
        last: finishReason !== null,
        ...(topN > 0 && { topTokens: choice.top.map((t) => tokenOf(t.id, t.logprob)) }),
      });
      if (finishReason) {
        emit({
          type: 'finish',
          finishReason,
          generatedText: tokenizer.decode(generated, { skip_special_tokens: true }),
          generatedTokens: generated.length,
          seed: chooser.seed,
          inputLength: prompt.length,
          cachedTokens,
          ...(prefill && { prefill }),
          timings: { queueMs, prefillMs, decodeMs: performance.now() - decodeStart },
        });
        return;
      }
      ({ logits, vocab } = await next!);
      allowed = await nextAllowed;
      await yieldToEventLoop();
      if (signal.aborted) throw abortError();
    }
  } finally {
    constraint?.dispose();
    // A stop string (or an error) can leave a pass running: its result is not needed, only its end.
    await (inflight as Promise<unknown> | null)?.catch(() => undefined);
    if (sound) await loaded.prompts.keep(forward);
    else await forward.dispose();
  }
}

/** The prompt's tokens with the logprob the model gave each one (the first has no context: null). */
function prefillTokens(
  prompt: readonly number[],
  logits: Float32Array,
  vocab: number,
  decode: (ids: number[]) => string,
): PrefillToken[] {
  const rows = logits.length / vocab;
  return prompt.map((id, i) => {
    // Row i−1 predicts token i; exports that return only the last row give no prefill logprobs.
    const row = rows === prompt.length && i > 0 ? logits.subarray((i - 1) * vocab, i * vocab) : null;
    return { id, text: decode([id]), logprob: row ? logprobOf(row, softmaxStats(row), id) : null };
  });
}

/**
 * A macrotask boundary: awaiting the model alone may never leave the microtask queue, and the
 * worker's cancel message only arrives between macrotasks. A message to oneself is far cheaper
 * than setTimeout's clamped delay; one channel serves every step.
 */
function yieldToEventLoop(): Promise<void> {
  wakeChannel ??= openWakeChannel();
  return new Promise((resolve) => {
    wakeups.push(resolve);
    wakeChannel!.port2.postMessage(null);
  });
}

let wakeChannel: MessageChannel | null = null;
const wakeups: (() => void)[] = [];

function openWakeChannel(): MessageChannel {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => wakeups.shift()?.();
  // In Node (unit tests) an open port would keep the process alive.
  (channel.port1 as { unref?: () => void }).unref?.();
  return channel;
}
