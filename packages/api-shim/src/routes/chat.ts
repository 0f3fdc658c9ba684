/** `POST /v1/chat/completions`: chat template in, the native generation, chat objects out. */
import { chatParameters, responseModel } from '../chat/parameters';
import {
  type ChatEnvelope,
  type ChatCompletionChunkJson,
  chatChunk,
  chatCompletion,
  usageChunk,
} from '../chat/responses';
import { renderChat } from '../chat/template';
import { toolChatChunks, toolChatCompletion } from '../chat/tool-chat';
import { servedModelId, type ShimContext, systemFingerprint } from '../context';
import { modelReady } from '../generation/ready';
import { generate, type GenerationInput, runGeneration, type Step } from '../generation/run';
import { readJson } from '../http/body';
import { computeCharacters, generationHeaders, streamHeaders } from '../http/headers';
import { jsonResponse, unixSeconds } from '../http/responses';
import { type ChatRequestBody, decodeChatRequest } from '../schema/requests';
import { chatStreamEncoder } from '../streaming/encoders';
import { framesOf } from '../streaming/frames';
import { sseResponse } from '../streaming/sse';
import { planChatStructure } from '../structured';

export async function chat(
  ctx: ShimContext,
  body: ChatRequestBody,
  request: Request,
  startedAt: number,
): Promise<Response> {
  ctx.metrics.request();
  // Tool and template errors are plain HTTP errors, streaming or not (they come before any token).
  const tools = planChatStructure(body);
  const info = await modelReady(ctx, request.signal);
  const plainInput = async (): Promise<GenerationInput> => ({
    inputs: await renderChat(ctx, info, body.messages),
    parameters: chatParameters(body),
    addSpecialTokens: false,
    logprobs: body.logprobs === true,
  });
  const input: GenerationInput = tools
    ? {
        inputs: await renderChat(ctx, info, body.messages, tools),
        parameters: { ...chatParameters(body), grammar: tools.grammar },
        addSpecialTokens: false,
        logprobs: body.logprobs === true,
      }
    : await plainInput();
  const env: ChatEnvelope = {
    model: responseModel(body.model, servedModelId(ctx.config, info)),
    systemFingerprint: systemFingerprint(ctx.config),
    created: unixSeconds(),
    logprobs: body.logprobs ?? false,
  };
  const includeUsage = body.stream_options.include_usage;

  if (body.stream) {
    const shape = (step: Step): ChatCompletionChunkJson[] =>
      step.final && includeUsage ? [chatChunk(step, env), usageChunk(step.final.finish, env)] : [chatChunk(step, env)];
    const headers = streamHeaders(info.device, computeCharacters(input.inputs));
    return sseResponse({ headers, signal: request.signal }, async (sink) => {
      const run = { ctx, info, env, signal: sink.signal, startedAt, includeUsage };
      const frames = tools
        ? framesOf(
            toolChatChunks(run, { call: input, plain: plainInput }, shape),
            chatStreamEncoder,
            (c) => c,
            sink.signal,
          )
        : framesOf(runGeneration(ctx, info, input, { mode: 'stream', ...run }), chatStreamEncoder, shape, sink.signal);
      for await (const frame of frames) sink.write(frame);
      sink.write(chatStreamEncoder.end());
    });
  }

  if (tools) {
    const called = await toolChatCompletion({ ctx, info, env, signal: request.signal, startedAt, includeUsage }, input);
    if (called) return jsonResponse(called.json, generationHeaders(info.device, called.result));
    // `no_tool`: TGI answers the same request again as plain chat.
    return chat(ctx, { ...body, tools: undefined }, request, startedAt);
  }
  const result = await generate(ctx, info, input, { signal: request.signal, startedAt });
  return jsonResponse(chatCompletion(result, env), generationHeaders(info.device, result));
}

export async function chatRoute(ctx: ShimContext, request: Request, startedAt: number): Promise<Response> {
  return chat(ctx, await readJson(request, decodeChatRequest, ctx.config.payloadLimit), request, startedAt);
}
