/**
 * Chat completion objects and stream chunks, as TGI shapes them (lib.rs `ChatCompletion`, chat.rs
 * `ChatState`): one chunk per token, the finish reason on the last, an optional usage chunk.
 */
import type { FinishEvent, FinishReason, GeneratedToken } from '../engine';
import type { GenerationResult, Step } from '../generation/run';
import { f32 } from '../http/responses';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** OpenAI's: prompt tokens whose keys and values came from the engine's prefix cache. */
  prompt_tokens_details: { cached_tokens: number };
}

export interface ChatLogprobsJson {
  content: { token: string; logprob: number; top_logprobs: { token: string; logprob: number }[] }[];
}

/** What a chat completion and its chunks share; `object` tells them apart. */
interface ChatObjectJson<Kind extends string, Choice> {
  object: Kind;
  id: string;
  created: number;
  model: string;
  system_fingerprint: string;
  choices: ({ index: number; logprobs: ChatLogprobsJson | null } & Choice)[];
}

export interface ChatCompletionChunkJson
  extends ChatObjectJson<
    'chat.completion.chunk',
    {
      delta: { role: 'assistant'; content: string } | { role: 'assistant'; tool_calls: ToolCallDeltaJson[] };
      finish_reason: string | null;
    }
  > {
  usage: Usage | null;
}

export interface ChatCompletionJson
  extends ChatObjectJson<
    'chat.completion',
    {
      message: { role: 'assistant'; content: string } | { role: 'assistant'; tool_calls: ToolCallJson[] };
      finish_reason: string;
    }
  > {
  usage: Usage;
}

/** A call in a non-stream answer (TGI: `id` "0", `description` null, `arguments` a JSON string). */
export interface ToolCallJson {
  id: string;
  type: 'function';
  function: { description: null; name: string; arguments: string };
}

/** A piece of a call in a stream: the first names the tool, the next ones (`name` null) add arguments text. */
export interface ToolCallDeltaJson {
  index: number;
  id: string;
  type: 'function';
  function: { name: string | null; arguments: string };
}

/** What every chat object repeats. */
export interface ChatEnvelope {
  /** The request's `model`, or the served id when absent or "tgi". */
  model: string;
  systemFingerprint: string;
  created: number;
  /** The request's `logprobs`. */
  logprobs: boolean;
}

/** OpenAI clients expect "stop" where TGI says eos_token; the other reasons pass as they are. */
export function openaiFinishReason(reason: FinishReason): string {
  return reason === 'eos_token' ? 'stop' : reason;
}

function logprobsJson(tokens: GeneratedToken[], topTokens: GeneratedToken[][]): ChatLogprobsJson {
  return {
    content: tokens.map((t, i) => ({
      token: t.text,
      logprob: f32(t.logprob),
      top_logprobs: (topTokens[i] ?? []).map((top) => ({ token: top.text, logprob: f32(top.logprob) })),
    })),
  };
}

export function usageOf(finish: FinishEvent): Usage {
  return {
    prompt_tokens: finish.inputLength,
    completion_tokens: finish.generatedTokens,
    total_tokens: finish.inputLength + finish.generatedTokens,
    prompt_tokens_details: { cached_tokens: finish.cachedTokens },
  };
}

export function chatChunk(step: Step, env: ChatEnvelope): ChatCompletionChunkJson {
  return chunkOf(
    env,
    // Special tokens (EOS) are not text: their chunk carries an empty content.
    { role: 'assistant', content: step.token.special ? '' : step.token.text },
    env.logprobs ? logprobsJson([step.token], [step.topTokens]) : null,
    step.final ? openaiFinishReason(step.final.finish.finishReason) : null,
  );
}

type ChunkChoice = ChatCompletionChunkJson['choices'][number];

export function chunkOf(
  env: ChatEnvelope,
  delta: ChunkChoice['delta'],
  logprobs: ChatLogprobsJson | null,
  finishReason: string | null,
): ChatCompletionChunkJson {
  return chunk(env, [{ index: 0, delta, logprobs, finish_reason: finishReason }], null);
}

/** `stream_options.include_usage`: one more chunk after the last, with no choices. */
export function usageChunk(finish: FinishEvent, env: ChatEnvelope): ChatCompletionChunkJson {
  return chunk(env, [], usageOf(finish));
}

function chunk(env: ChatEnvelope, choices: ChunkChoice[], usage: Usage | null): ChatCompletionChunkJson {
  return openaiObject('chat.completion.chunk', env, choices, usage);
}

/**
 * An OpenAI object with its fields in TGI's order: the envelope, then `choices` and `usage` last
 * (a streamed `/v1/completions` token is the exception, with `choices` before `model`).
 */
export function openaiObject<Kind extends string, Choice, U>(
  object: Kind,
  env: { model: string; systemFingerprint: string; created: number },
  choices: Choice[],
  usage: U,
) {
  return {
    object,
    id: '',
    created: env.created,
    model: env.model,
    system_fingerprint: env.systemFingerprint,
    choices,
    usage,
  };
}

export function chatCompletion(result: GenerationResult, env: ChatEnvelope): ChatCompletionJson {
  return completionOf(result, env, { role: 'assistant', content: result.finish.generatedText });
}

export function completionOf(
  result: GenerationResult,
  env: ChatEnvelope,
  message: ChatCompletionJson['choices'][number]['message'],
): ChatCompletionJson {
  const { finish } = result;
  const logprobs = env.logprobs ? logprobsJson(result.tokens, result.topTokens) : null;
  const choice = { index: 0, message, logprobs, finish_reason: openaiFinishReason(finish.finishReason) };
  return openaiObject('chat.completion', env, [choice], usageOf(finish));
}
