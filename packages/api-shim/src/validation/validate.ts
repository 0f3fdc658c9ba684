/**
 * TGI's request validation (router/src/validation.rs), rule by rule in TGI's order; the first failing
 * rule wins. The result is a distinct type, `ValidGenerateRequest`, the only thing ../generation hands
 * to the engine — so no unchecked value can reach it.
 */
import type { GenerateRequest } from '../engine';
import { ApiError } from '../errors/errors';
import type { GenerateParameters } from '../schema/requests';
import { checkGrammar, GrammarError, type ValidGrammar } from '../structured';

/** The server limits the rules check against (TGI's launcher arguments). */
export interface Limits {
  maxBestOf: number;
  maxStopSequences: number;
  maxTopNTokens: number;
  maxInputTokens: number;
  maxTotalTokens: number;
}

/** `stream` routes refuse best_of and decoder_input_details (rule 0). */
export type Mode = 'single' | 'stream';

/** TGI schedules at most this many new tokens at once; rule 14 checks against it. */
const DEFAULT_GENERATION_LENGTH = 1024;

declare const validated: unique symbol;

export type ValidGenerateRequest = Readonly<{
  /** The original inputs, untruncated (`return_full_text` prepends these). */
  inputs: string;
  /** Prompt tokens after truncation. */
  inputLength: number;
  /** What the engine runs. */
  engineRequest: GenerateRequest;
  details: boolean;
  decoderInputDetails: boolean;
  returnFullText: boolean;
  topNTokens: number;
  bestOf: number;
}> & { readonly [validated]: true };

function invalid(detail: string): ApiError {
  return new ApiError('validation', detail);
}

/**
 * Rule 0, the endpoint rules, which TGI checks before taking a concurrency slot (so a refused best_of
 * is a 422 even when the server is full). Also the first thing `validate` checks.
 */
export function checkEndpointRules(
  parameters: GenerateParameters,
  mode: Mode,
  limits: Pick<Limits, 'maxBestOf'>,
): void {
  if (mode === 'stream') {
    if ((parameters.best_of ?? 1) !== 1) throw invalid('`best_of` != 1 is not supported when streaming tokens');
    if (parameters.decoder_input_details) {
      throw invalid('`decoder_input_details` == true is not supported when streaming tokens');
    }
    return;
  }
  const bestOf = parameters.best_of ?? 1;
  if (bestOf > 1) {
    if (limits.maxBestOf === 1) throw invalid('`best_of` != 1 is not allowed for this endpoint');
    if (bestOf > limits.maxBestOf) {
      throw invalid(`\`best_of\` must be > 0 and <= ${limits.maxBestOf}. Given: ${bestOf}`);
    }
  }
}

export interface ValidateOptions {
  mode: Mode;
  limits: Limits;
  /** TGI adds special tokens to raw inputs, not to chat-templated text. */
  addSpecialTokens: boolean;
  tokenize: (text: string, addSpecialTokens: boolean) => Promise<number[]>;
}

export async function validate(
  request: { inputs: string; parameters: GenerateParameters; logprobs?: boolean },
  { mode, limits, addSpecialTokens, tokenize }: ValidateOptions,
): Promise<ValidGenerateRequest> {
  const p = request.parameters;
  checkEndpointRules(p, mode, limits);

  // 1. best_of needs sampling; any sampling parameter that is SET counts, whatever its value.
  const bestOf = p.best_of ?? 1;
  const asksSampling =
    p.do_sample ||
    p.temperature !== undefined ||
    p.top_k !== undefined ||
    p.top_p !== undefined ||
    p.typical_p !== undefined;
  if (bestOf > 1 && !asksSampling) throw invalid('you must use sampling when `best_of` is > 1');

  const temperature = p.temperature ?? 1.0;
  if (temperature <= 0) throw invalid('`temperature` must be strictly positive');

  const repetitionPenalty = p.repetition_penalty ?? 1.0;
  if (repetitionPenalty <= 0) throw invalid('`repetition_penalty` must be strictly positive');

  const frequencyPenalty = p.frequency_penalty ?? 0.0;
  if (!(frequencyPenalty >= -2 && frequencyPenalty <= 2)) {
    throw invalid('`frequency_penalty` must be >= -2.0 and <= 2.0');
  }

  const topP = p.top_p ?? 1.0;
  if (p.top_p !== undefined && (p.top_p <= 0 || p.top_p >= 1)) throw invalid('`top_p` must be > 0.0 and < 1.0');

  const typicalP = p.typical_p ?? 1.0;
  if (p.typical_p !== undefined && (p.typical_p <= 0 || p.typical_p >= 1)) {
    throw invalid('`typical_p` must be > 0.0 and < 1.0');
  }

  const topK = p.top_k ?? 0;
  if (p.top_k !== undefined && p.top_k <= 0) throw invalid('`top_k` must be strictly positive');

  if (p.max_new_tokens === 0) throw invalid('`max_new_tokens` must be strictly positive');

  if (p.stop.length > limits.maxStopSequences) {
    throw invalid(`\`stop\` supports up to ${limits.maxStopSequences} stop sequences. Given: ${p.stop.length}`);
  }

  if (p.seed !== undefined && bestOf > 1) throw invalid('`seed` must not be set when `best_of` > 1');

  const topNTokens = p.top_n_tokens ?? 0;
  if (topNTokens > limits.maxTopNTokens) {
    throw invalid(`\`top_n_tokens\` must be >= 0 and <= ${limits.maxTopNTokens}. Given: ${topNTokens}`);
  }

  if (request.inputs === '') throw invalid('`inputs` cannot be empty');

  if (p.truncate !== undefined && (p.truncate === 0 || p.truncate > limits.maxInputTokens)) {
    throw invalid(
      `\`truncate\` must be strictly positive and less than ${limits.maxInputTokens}. Given: ${p.truncate}`,
    );
  }

  // 14–15 need the tokens. Truncation keeps the LAST `truncate` tokens.
  const ids = await tokenize(request.inputs, addSpecialTokens);
  const inputLength = p.truncate === undefined ? ids.length : Math.min(ids.length, p.truncate);
  // Without max_new_tokens a request may run to the context's end; TGI checks only its first
  // DEFAULT_GENERATION_LENGTH-token chunk here.
  const maxTotalNewTokens = p.max_new_tokens ?? Math.max(limits.maxTotalTokens - inputLength, 0);
  const checkedNewTokens = Math.min(maxTotalNewTokens, DEFAULT_GENERATION_LENGTH);
  if (inputLength + checkedNewTokens > limits.maxTotalTokens) {
    throw invalid(
      `\`inputs\` tokens + \`max_new_tokens\` must be <= ${limits.maxTotalTokens}. ` +
        `Given: ${inputLength} \`inputs\` tokens and ${checkedNewTokens} \`max_new_tokens\``,
    );
  }
  if (inputLength > limits.maxInputTokens) {
    throw invalid(`\`inputs\` must have less than ${limits.maxInputTokens} tokens. Given: ${inputLength}`);
  }

  let grammar: ValidGrammar | undefined;
  if (p.grammar !== undefined) {
    try {
      grammar = checkGrammar(p.grammar);
    } catch (e) {
      if (e instanceof GrammarError) throw invalid(e.message);
      throw e;
    }
  }

  // TGI's server samples when asked to OR when any warper is active (temperature != 1, top_k, top_p,
  // typical_p): `temperature: 1.0` with `do_sample: false` stays greedy, `temperature: 0.5` samples.
  const doSample = p.do_sample || temperature !== 1 || topK !== 0 || topP < 1 || typicalP < 1;
  const engineRequest: GenerateRequest = {
    inputIds: ids.slice(ids.length - inputLength),
    sampling: {
      doSample,
      ...(temperature !== 1 && { temperature }),
      ...(topK !== 0 && { topK }),
      ...(topP !== 1 && { topP }),
      ...(typicalP !== 1 && { typicalP }),
      ...(repetitionPenalty !== 1 && { repetitionPenalty }),
      ...(frequencyPenalty !== 0 && { frequencyPenalty }),
      ...(p.seed !== undefined && { seed: p.seed }),
    },
    maxNewTokens: maxTotalNewTokens,
    ...(p.stop.length > 0 && { stop: p.stop }),
    ...(topNTokens > 0 && { topNTokens }),
    ...(p.decoder_input_details && { prefillLogprobs: true }),
    ...(grammar && { grammar }),
    ...(p.watermark && { watermark: true }),
    ...(request.logprobs === false && { logprobs: false }),
  };

  return {
    inputs: request.inputs,
    inputLength,
    engineRequest,
    details: p.details,
    decoderInputDetails: p.decoder_input_details,
    returnFullText: p.return_full_text ?? false,
    topNTokens,
    bestOf,
  } as ValidGenerateRequest;
}
