/**
 * `/v1/completions` objects as TGI shapes them (server.rs `completions`): per-token chunks with an
 * empty finish_reason, a final event per prompt with usage and the RAW finish reason; the non-stream
 * object sums usage and says "stop" for eos_token.
 */
import { openaiFinishReason, openaiObject, type Usage, usageOf } from '../chat/responses';
import type { GenerationResult, Step } from '../generation/run';

export interface CompletionChoiceJson {
  index: number;
  text: string;
  logprobs: null;
  finish_reason: string;
}

/** A streamed token that is not the last of its prompt. */
export interface CompletionChunkJson {
  object: 'text_completion';
  id: string;
  created: number;
  choices: CompletionChoiceJson[];
  model: string;
  system_fingerprint: string;
}

/** The last streamed event of a prompt, and the non-stream response. */
export interface CompletionFinalJson {
  object: 'text_completion';
  id: string;
  created: number;
  model: string;
  system_fingerprint: string;
  choices: CompletionChoiceJson[];
  usage: Usage;
}

export interface CompletionEnvelope {
  /** The served model id (TGI does not echo the request's `model` here). */
  model: string;
  systemFingerprint: string;
  created: number;
}

export function completionEvent(
  step: Step,
  index: number,
  env: CompletionEnvelope,
): CompletionChunkJson | CompletionFinalJson {
  if (!step.final) {
    return {
      object: 'text_completion',
      id: '',
      created: env.created,
      choices: [{ index, text: step.token.text, logprobs: null, finish_reason: '' }],
      model: env.model,
      system_fingerprint: env.systemFingerprint,
    };
  }
  const { finish } = step.final;
  return final(
    env,
    [{ index, text: step.token.text, logprobs: null, finish_reason: finish.finishReason }],
    usageOf(finish),
  );
}

/** `results` in completion order, each with its prompt's index. */
export function completion(
  results: { index: number; result: GenerationResult }[],
  env: CompletionEnvelope,
): CompletionFinalJson {
  const usage: Usage = {
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    prompt_tokens_details: { cached_tokens: 0 },
  };
  const choices = results.map(({ index, result }) => {
    const u = usageOf(result.finish);
    usage.prompt_tokens += u.prompt_tokens;
    usage.completion_tokens += u.completion_tokens;
    usage.total_tokens += u.total_tokens;
    usage.prompt_tokens_details.cached_tokens += u.prompt_tokens_details.cached_tokens;
    return {
      index,
      text: result.finish.generatedText,
      logprobs: null,
      finish_reason: openaiFinishReason(result.finish.finishReason),
    };
  });
  return final(env, choices, usage);
}

/** A prompt's last event, or the whole response: TGI writes `model` before `choices` here (not in chunks). */
function final(env: CompletionEnvelope, choices: CompletionChoiceJson[], usage: Usage): CompletionFinalJson {
  return openaiObject('text_completion', env, choices, usage);
}
