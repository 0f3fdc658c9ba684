/**
 * TGI's native response shapes (`/generate`, `/generate_stream`, `POST /`), key order as TGI writes them.
 */
import type { FinishReason, GeneratedToken, PrefillToken } from '../engine';
import { f32 } from '../http/responses';
import type { GenerationResult, Sequence, Step } from '../generation/run';
import type { ValidGenerateRequest } from '../validation/validate';

export interface TokenJson {
  id: number;
  text: string;
  logprob: number;
  special: boolean;
}

export interface PrefillTokenJson {
  id: number;
  text: string;
  /** null for the first prompt token, which has no context to be predicted from. */
  logprob: number | null;
}

export interface DetailsJson {
  finish_reason: FinishReason;
  generated_tokens: number;
  seed: number | null;
  prefill: PrefillTokenJson[];
  tokens: TokenJson[];
  best_of_sequences?: BestOfSequenceJson[];
  top_tokens?: TokenJson[][];
}

/** A `best_of` run that did not win. */
export interface BestOfSequenceJson {
  generated_text: string;
  finish_reason: FinishReason;
  generated_tokens: number;
  seed: number | null;
  prefill: PrefillTokenJson[];
  tokens: TokenJson[];
  top_tokens?: TokenJson[][];
}

export interface GenerateResponseJson {
  generated_text: string;
  details?: DetailsJson;
}

export interface StreamDetailsJson {
  finish_reason: FinishReason;
  generated_tokens: number;
  seed: number | null;
  input_length: number;
}

export interface StreamResponseJson {
  index: number;
  token: TokenJson;
  top_tokens?: TokenJson[];
  generated_text: string | null;
  details: StreamDetailsJson | null;
}

export function tokenJson(t: GeneratedToken): TokenJson {
  return { id: t.id, text: t.text, logprob: f32(t.logprob), special: t.special };
}

function prefillJson(t: PrefillToken): PrefillTokenJson {
  return { id: t.id, text: t.text, logprob: t.logprob === null ? null : f32(t.logprob) };
}

/** `return_full_text` prepends the original (untruncated) inputs. */
export function outputText(request: ValidGenerateRequest, generatedText: string): string {
  return request.returnFullText ? request.inputs + generatedText : generatedText;
}

export function generateResponse(result: GenerationResult): GenerateResponseJson {
  const { request, finish } = result;
  const generated_text = outputText(request, finish.generatedText);
  if (!request.details && !request.decoderInputDetails) return { generated_text };
  const { top_tokens, ...sequence } = sequenceJson(result);
  const details: DetailsJson = {
    ...sequence,
    ...(request.bestOf > 1 && {
      best_of_sequences: result.bestOfSequences.map((s) => ({
        generated_text: outputText(request, s.finish.generatedText),
        ...sequenceJson(s),
      })),
    }),
    ...(top_tokens && { top_tokens }),
  };
  return { generated_text, details };
}

function sequenceJson(s: Sequence): Omit<DetailsJson, 'best_of_sequences'> {
  return {
    finish_reason: s.finish.finishReason,
    generated_tokens: s.finish.generatedTokens,
    seed: s.finish.seed,
    prefill: (s.finish.prefill ?? []).map(prefillJson),
    tokens: s.tokens.map(tokenJson),
    ...(s.topTokens.length > 0 && { top_tokens: s.topTokens.map((list) => list.map(tokenJson)) }),
  };
}

/** One `/generate_stream` event; the last one carries the text and (with `details`) the details. */
export function streamResponse(step: Step): StreamResponseJson {
  return {
    index: step.index,
    token: tokenJson(step.token),
    ...(step.topTokens.length > 0 && { top_tokens: step.topTokens.map(tokenJson) }),
    ...finalFields(step),
  };
}

function finalFields(step: Step): Pick<StreamResponseJson, 'generated_text' | 'details'> {
  if (!step.final) return { generated_text: null, details: null };
  const { finish, request } = step.final;
  return {
    generated_text: outputText(request, finish.generatedText),
    details: request.details
      ? {
          finish_reason: finish.finishReason,
          generated_tokens: finish.generatedTokens,
          seed: finish.seed,
          input_length: finish.inputLength,
        }
      : null,
  };
}
