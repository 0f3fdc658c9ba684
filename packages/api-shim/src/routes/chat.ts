/** `POST /v1/chat/completions`: chat template in, the native generation, chat objects out. */
import { chatParameters, responseModel } from '../chat/parameters';
import { type ChatEnvelope, type ChatCompletionChunkJson, chatChunk, chatCompletion, usageChunk } from '../chat/responses';
import { renderChat } from '../chat/template';
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

export async function chat(ctx: ShimContext, body: ChatRequestBody, request: Request, startedAt: number): Promise<Response> {
  ctx.metrics.request();
  // Tool and template errors are plain HTTP errors, streaming or not (they come before any token).
  planChatStructure(body);
  const info = await modelReady(ctx, request.signal);
  const inputs = await renderChat(ctx, info, body.messages);
  const input: GenerationInput = { inputs, parameters: chatParameters(body), addSpecialTokens: false };
  const env: ChatEnvelope = {
    model: responseModel(body.model, servedModelId(ctx.config, info)),
    systemFingerprint: systemFingerprint(ctx.config),
    created: unixSeconds(),
    logprobs: body.logprobs ?? false,
  };

  if (body.stream) {
    const shape = (step: Step): ChatCompletionChunkJson[] =>
      step.final && body.stream_options.include_usage
        ? [chatChunk(step, env), usageChunk(step.final.finish, env)]
        : [chatChunk(step, env)];
    const headers = streamHeaders(info.device, computeCharacters(inputs));
    return sseResponse({ headers, signal: request.signal }, async (sink) => {
      const steps = runGeneration(ctx, info, input, { mode: 'stream', signal: sink.signal, startedAt });
      for await (const frame of framesOf(steps, chatStreamEncoder, shape, sink.signal)) sink.write(frame);
      sink.write(chatStreamEncoder.end());
    });
  }

  const result = await generate(ctx, info, input, { signal: request.signal, startedAt });
  return jsonResponse(chatCompletion(result, env), generationHeaders(info.device, result));
}

export async function chatRoute(ctx: ShimContext, request: Request, startedAt: number): Promise<Response> {
  return chat(ctx, await readJson(request, decodeChatRequest, ctx.config.payloadLimit), request, startedAt);
}
