/**
 * One generation, TGI's way (infer/mod.rs `generate_stream`): endpoint rules, a concurrency permit
 * (429 when none is free), validation, then the engine's token events turned into steps. Every
 * route — native, chat, completions, streaming or not — goes through here.
 *
 * Errors come out as ApiError (already counted in the metrics) or as the abort of the caller's signal.
 */
import { limitsFor, type ShimContext } from '../context';
import type { FinishEvent, GeneratedToken, ModelInfo, TokenEvent } from '../engine';
import { ApiError, engineFailure, isAbortError } from '../errors/errors';
import type { GenerateParameters } from '../schema/requests';
import { checkEndpointRules, type Mode, type ValidGenerateRequest, validate } from '../validation/validate';
import { pickBestOf } from './best-of';
import { tokenize } from './tokenize';

/** A request on its way to validation: TGI's `GenerateRequest` with `add_special_tokens`. */
export interface GenerationInput {
  inputs: string;
  parameters: GenerateParameters;
  /** True for raw inputs; false for chat-templated text (the template writes its own special tokens). */
  addSpecialTokens: boolean;
  /** False when no token's logprob is ever shown (chat without logprobs, completions): greedy steps skip the log-softmax. */
  logprobs?: boolean;
}

export interface RunOptions {
  mode: Mode;
  /** Aborting stops the engine within one decode step. */
  signal: AbortSignal;
  /** `ctx.now()` when the HTTP request arrived (the start of `x-total-time`). */
  startedAt: number;
}

/** Milliseconds, as TGI splits them in its `x-*-time` headers. */
export interface Timing {
  totalMs: number;
  validationMs: number;
  queueMs: number;
  inferenceMs: number;
  timePerTokenMs: number;
}

export interface Step {
  /** 1-based. */
  index: number;
  token: GeneratedToken;
  topTokens: GeneratedToken[];
  /** On the last step only. */
  final?: { finish: FinishEvent; request: ValidGenerateRequest; timing: Timing };
}

export async function* runGeneration(
  ctx: ShimContext,
  info: ModelInfo,
  input: GenerationInput,
  { mode, signal, startedAt }: RunOptions,
): AsyncGenerator<Step, void, undefined> {
  let release: (() => void) | undefined;
  try {
    const admitted = await admit(ctx, info, input, mode);
    release = admitted.release;
    for await (const s of engineSteps(ctx, admitted.request, { mode, signal, startedAt }, ctx.now())) {
      if (s.final) recordSuccess(ctx, s.final.finish, s.final.timing);
      yield s;
    }
  } catch (error) {
    throw failure(ctx, error, signal);
  } finally {
    release?.();
  }
}

/**
 * TGI's admission: endpoint rules, a concurrency permit (429 when none is free; released by the
 * caller), validation. Returns with the permit held.
 */
async function admit(
  ctx: ShimContext,
  info: ModelInfo,
  input: GenerationInput,
  mode: Mode,
): Promise<{ request: ValidGenerateRequest; release: () => void }> {
  checkEndpointRules(input.parameters, mode, ctx.config);
  const release = ctx.permits.tryAcquire();
  if (!release) throw new ApiError('overloaded');
  try {
    const request = await validate(input, {
      mode,
      limits: limitsFor(ctx.config, info),
      addSpecialTokens: input.addSpecialTokens,
      tokenize: async (text, addSpecialTokens) => (await tokenize(ctx, text, addSpecialTokens)).map((s) => s.id),
    });
    ctx.metrics.inputLength(request.inputLength);
    return { request, release };
  } catch (error) {
    release();
    throw error;
  }
}

/** One engine run of a validated request, as steps; the last carries the finish and the timing. */
async function* engineSteps(
  ctx: ShimContext,
  request: ValidGenerateRequest,
  { mode, signal, startedAt }: RunOptions,
  queuedAt: number,
): AsyncGenerator<Step, void, undefined> {
  // TGI's last stream event carries the last token AND the finish: the engine marks its last
  // token, which waits here for the finish event that follows it at once.
  let held: TokenEvent | undefined;
  try {
    for await (const event of ctx.engine.generate(request.engineRequest, { signal })) {
      if (event.type === 'token') {
        if (event.last) held = event;
        else yield step(event);
        continue;
      }
      if (!held) break;
      yield { ...step(held), final: { finish: event, request, timing: timingOf(ctx, event, startedAt, queuedAt) } };
      return;
    }
  } catch (error) {
    // A failure after a token: that token was not the last one; it goes out before the error.
    if (held && !isAbortError(error) && !signal.aborted) yield step(held);
    throw error;
  }
  if (held) yield step(held);
  throw new ApiError(mode === 'stream' ? 'incomplete_stream' : 'incomplete');
}

/** Any failure as the ApiError to answer with (counted once, here), or the caller's abort as it is. */
function failure(ctx: ShimContext, error: unknown, signal: AbortSignal): unknown {
  if (isAbortError(error) || signal.aborted) return error;
  return ctx.fail(error instanceof ApiError ? error : engineFailure(error));
}

function step(event: TokenEvent): Step {
  return { index: event.index, token: event.token, topTokens: event.topTokens ?? [] };
}

function timingOf(ctx: ShimContext, finish: FinishEvent, startedAt: number, queuedAt: number): Timing {
  const end = ctx.now();
  const totalMs = end - startedAt;
  const validationMs = queuedAt - startedAt;
  // Wall-clock parts that add up to the total: the engine reports its queue time, the rest is inference.
  const queueMs = Math.min(Math.max(finish.timings.queueMs, 0), end - queuedAt);
  const inferenceMs = end - queuedAt - queueMs;
  return {
    totalMs,
    validationMs,
    queueMs,
    inferenceMs,
    timePerTokenMs: inferenceMs / Math.max(finish.generatedTokens, 1),
  };
}

function recordSuccess(ctx: ShimContext, finish: FinishEvent, t: Timing): void {
  ctx.metrics.success({
    totalS: t.totalMs / 1000,
    validationS: t.validationMs / 1000,
    queueS: t.queueMs / 1000,
    inferenceS: t.inferenceMs / 1000,
    perTokenS: t.timePerTokenMs / 1000,
    generatedTokens: finish.generatedTokens,
  });
}

/** One finished sequence. */
export interface Sequence {
  tokens: GeneratedToken[];
  /** One list per token, when `top_n_tokens` > 0. */
  topTokens: GeneratedToken[][];
  finish: FinishEvent;
}

/** A whole generation, for the non-streaming routes. */
export interface GenerationResult extends Sequence {
  request: ValidGenerateRequest;
  timing: Timing;
  /** With `best_of` > 1: the sequences that did not win, in the order they were started. */
  bestOfSequences: Sequence[];
}

/**
 * A whole generation. With `best_of` n > 1: n runs of the one validated request, each with a random
 * seed (sampling is on and no seed is set: validation made sure), under one permit, side by side.
 */
export async function generate(
  ctx: ShimContext,
  info: ModelInfo,
  input: GenerationInput,
  options: Omit<RunOptions, 'mode'>,
): Promise<GenerationResult> {
  const run: RunOptions = { ...options, mode: 'single' };
  let release: (() => void) | undefined;
  try {
    const admitted = await admit(ctx, info, input, 'single');
    release = admitted.release;
    const { request } = admitted;
    const queuedAt = ctx.now();
    // The siblings run side by side: the engine batches them.
    const runs = await Promise.all(
      Array.from({ length: request.bestOf }, () => collect(engineSteps(ctx, request, run, queuedAt))),
    );
    const { best, others } = pickBestOf(runs);
    // The longest run's timing spans all of them.
    const timing = runs.reduce((a, b) => (b.timing.totalMs > a.timing.totalMs ? b : a)).timing;
    recordSuccess(ctx, best.finish, timing);
    return { ...best, request, timing, bestOfSequences: others };
  } catch (error) {
    throw failure(ctx, error, options.signal);
  } finally {
    release?.();
  }
}

async function collect(steps: AsyncIterable<Step>): Promise<Sequence & { timing: Timing }> {
  const tokens: GeneratedToken[] = [];
  const topTokens: GeneratedToken[][] = [];
  for await (const s of steps) {
    tokens.push(s.token);
    topTokens.push(s.topTokens);
    if (s.final) {
      const { finish, request, timing } = s.final;
      return { tokens, topTokens: request.topNTokens > 0 ? topTokens : [], finish, timing };
    }
  }
  // engineSteps ends with a final step or throws.
  throw new Error('generation ended without its final step');
}
