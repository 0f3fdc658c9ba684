/**
 * One generation, TGI's way (infer/mod.rs `generate_stream`): endpoint rules, a concurrency permit
 * (429 when none is free), validation, then the engine's token events turned into steps. Every
 * route — native, chat, completions, streaming or not — goes through here.
 *
 * Errors come out as ApiError (already counted in the metrics) or as the abort of the caller's signal.
 */
import { limitsFor, type ShimContext } from '../context';
import type { FinishEvent, GeneratedToken, ModelInfo, TokenEvent } from '../engine';
import { ApiError, errorMessage, isAbortError } from '../errors/errors';
import type { GenerateParameters } from '../schema/requests';
import { requireGrammarSupport } from '../structured';
import { checkEndpointRules, type Mode, type ValidGenerateRequest, validate } from '../validation/validate';
import { requireBestOfSupport } from './best-of';
import { tokenize } from './tokenize';

/** A request on its way to validation: TGI's `GenerateRequest` with `add_special_tokens`. */
export interface GenerationInput {
  inputs: string;
  parameters: GenerateParameters;
  /** True for raw inputs; false for chat-templated text (the template writes its own special tokens). */
  addSpecialTokens: boolean;
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
    checkEndpointRules(input.parameters, mode, ctx.config);
    release = ctx.permits.tryAcquire();
    if (!release) throw new ApiError('overloaded');

    const request = await validate(input, {
      mode,
      limits: limitsFor(ctx.config, info),
      addSpecialTokens: input.addSpecialTokens,
      tokenize: async (text, addSpecialTokens) => (await tokenize(ctx, text, addSpecialTokens)).map((s) => s.id),
    });
    ctx.metrics.inputLength(request.inputLength);
    requireBestOfSupport(request);
    requireGrammarSupport(request.grammar);
    // The engine's request has no watermark field yet: refuse rather than silently not watermark.
    if (request.watermark) throw new ApiError('validation', '`watermark` is not supported yet');

    const queuedAt = ctx.now();
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
        const timing = timingOf(ctx, event, startedAt, queuedAt);
        recordSuccess(ctx, event, timing);
        yield { ...step(held), final: { finish: event, request, timing } };
        return;
      }
    } catch (error) {
      // A failure after a token: that token was not the last one; it goes out before the error.
      if (held && !isAbortError(error) && !signal.aborted) yield step(held);
      throw error;
    }
    if (held) yield step(held);
    throw new ApiError(mode === 'stream' ? 'incomplete_stream' : 'incomplete');
  } catch (error) {
    if (isAbortError(error) || signal.aborted) throw error;
    throw ctx.fail(error instanceof ApiError ? error : new ApiError('generation', errorMessage(error)));
  } finally {
    release?.();
  }
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
    prefillS: finish.timings.prefillMs / 1000,
    decodeS: finish.timings.decodeMs / 1000,
    decodeSteps: Math.max(finish.generatedTokens - 1, 0),
  });
}

/** A whole generation, for the non-streaming routes. */
export interface GenerationResult {
  request: ValidGenerateRequest;
  tokens: GeneratedToken[];
  /** One list per token, when `top_n_tokens` > 0. */
  topTokens: GeneratedToken[][];
  finish: FinishEvent;
  timing: Timing;
}

export async function generate(
  ctx: ShimContext,
  info: ModelInfo,
  input: GenerationInput,
  options: Omit<RunOptions, 'mode'>,
): Promise<GenerationResult> {
  const tokens: GeneratedToken[] = [];
  const topTokens: GeneratedToken[][] = [];
  for await (const s of runGeneration(ctx, info, input, { ...options, mode: 'single' })) {
    tokens.push(s.token);
    topTokens.push(s.topTokens);
    if (s.final) {
      const { finish, request, timing } = s.final;
      return { request, tokens, topTokens: request.topNTokens > 0 ? topTokens : [], finish, timing };
    }
  }
  // runGeneration ends with a final step or throws.
  throw new Error('generation ended without its final step');
}
