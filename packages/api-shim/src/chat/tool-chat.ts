/**
 * A chat request with tools (TGI's chat.rs): the generation is constrained to a call of one of the
 * offered tools; the call is answered as `tool_calls`, or — when the model picks `no_tool` — the
 * request runs again as plain chat, and that answer is the response.
 */
import type { ShimContext } from '../context';
import type { ModelInfo } from '../engine';
import { generate, type GenerationInput, type GenerationResult, runGeneration, type Step } from '../generation/run';
import { parseToolCall, NO_TOOL } from '../structured';
import { type ChatCompletionChunkJson, type ChatCompletionJson, type ChatEnvelope, usageChunk } from './responses';
import { ToolCallStream, toolCallCompletion } from './tool-calls';

export interface ChatRun {
  ctx: ShimContext;
  info: ModelInfo;
  env: ChatEnvelope;
  signal: AbortSignal;
  startedAt: number;
  includeUsage: boolean;
}

/** The two ways to answer: the constrained call, and plain chat for `no_tool`. */
export interface ToolChatInputs {
  call: GenerationInput;
  plain: () => Promise<GenerationInput>;
}

/** Non-stream: the call, or null when the model chose `no_tool` (the caller answers as plain chat). */
export async function toolChatCompletion(
  run: ChatRun,
  call: GenerationInput,
): Promise<{ json: ChatCompletionJson; result: GenerationResult } | null> {
  const result = await generate(run.ctx, run.info, call, { signal: run.signal, startedAt: run.startedAt });
  const parsed = parseToolCall(result.finish.generatedText);
  if (parsed.name === NO_TOOL.function.name) return null;
  return { json: toolCallCompletion(result, parsed, run.env), result };
}

/** Stream: the call's chunks; on `no_tool`, that generation stops and plain chat streams instead. */
export async function* toolChatChunks(
  run: ChatRun,
  inputs: ToolChatInputs,
  plainShape: (step: Step) => ChatCompletionChunkJson[],
): AsyncGenerator<ChatCompletionChunkJson[], void, undefined> {
  const options = { mode: 'stream' as const, signal: run.signal, startedAt: run.startedAt };
  const stream = new ToolCallStream(run.env);
  for await (const step of runGeneration(run.ctx, run.info, inputs.call, options)) {
    const event = stream.push(step);
    if (event.type === 'no_tool') {
      // Leaving the loop cancels the constrained generation.
      for await (const plain of runGeneration(run.ctx, run.info, await inputs.plain(), options))
        yield plainShape(plain);
      return;
    }
    const usage = step.final && run.includeUsage ? [usageChunk(step.final.finish, run.env)] : [];
    yield [...event.chunks, ...usage];
  }
}
