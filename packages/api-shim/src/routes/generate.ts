/** TGI's native routes: `POST /generate`, `POST /generate_stream`, `POST /` (either, by `stream`). */
import type { ShimContext } from '../context';
import { generateResponse, streamResponse } from '../native/responses';
import { modelReady } from '../generation/ready';
import { generate, type GenerationInput, runGeneration } from '../generation/run';
import { readJson } from '../http/body';
import { computeCharacters, generationHeaders, streamHeaders } from '../http/headers';
import { jsonResponse } from '../http/responses';
import {
  type CompatGenerateRequestBody,
  decodeCompatGenerateRequest,
  decodeGenerateRequest,
  type GenerateRequestBody,
} from '../schema/requests';
import { generateStreamEncoder } from '../streaming/encoders';
import { framesOf } from '../streaming/frames';
import { sseResponse } from '../streaming/sse';

async function respond(
  ctx: ShimContext,
  body: GenerateRequestBody,
  request: Request,
  startedAt: number,
  shape: 'single' | 'stream' | 'array',
): Promise<Response> {
  ctx.metrics.request();
  const info = await modelReady(ctx, request.signal);
  const input: GenerationInput = { inputs: body.inputs, parameters: body.parameters, addSpecialTokens: true };

  if (shape === 'stream') {
    // Always a 200 stream once the body parses: validation and overload errors arrive as events.
    const headers = streamHeaders(info.device, computeCharacters(body.inputs));
    return sseResponse({ headers, signal: request.signal }, async (sink) => {
      const steps = runGeneration(ctx, info, input, { mode: 'stream', signal: sink.signal, startedAt });
      for await (const frame of framesOf(steps, generateStreamEncoder, (s) => [streamResponse(s)], sink.signal)) {
        sink.write(frame);
      }
      sink.write(generateStreamEncoder.end());
    });
  }

  const result = await generate(ctx, info, input, { signal: request.signal, startedAt });
  const response = generateResponse(result);
  return jsonResponse(shape === 'array' ? [response] : response, generationHeaders(info.device, result));
}

export async function generateRoute(ctx: ShimContext, request: Request, startedAt: number): Promise<Response> {
  const body = await readJson(request, decodeGenerateRequest, ctx.config.payloadLimit);
  return respond(ctx, body, request, startedAt, 'single');
}

export async function generateStreamRoute(ctx: ShimContext, request: Request, startedAt: number): Promise<Response> {
  const body = await readJson(request, decodeGenerateRequest, ctx.config.payloadLimit);
  return respond(ctx, body, request, startedAt, 'stream');
}

/**
 * `POST /` (api-inference compatible): `return_full_text` defaults to true (the model's pipeline is
 * text-generation); `stream: true` is exactly `/generate_stream`; otherwise the response is `[GenerateResponse]`.
 */
export function compatGenerate(
  ctx: ShimContext,
  body: CompatGenerateRequestBody,
  request: Request,
  startedAt: number,
): Promise<Response> {
  const parameters = { ...body.parameters, return_full_text: body.parameters.return_full_text ?? true };
  return respond(ctx, { inputs: body.inputs, parameters }, request, startedAt, body.stream ? 'stream' : 'array');
}

export async function compatGenerateRoute(ctx: ShimContext, request: Request, startedAt: number): Promise<Response> {
  const body = await readJson(request, decodeCompatGenerateRequest, ctx.config.payloadLimit);
  return compatGenerate(ctx, body, request, startedAt);
}
