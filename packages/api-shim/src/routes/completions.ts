/** `POST /v1/completions`: one or several prompts, each its own generation. */
import { completion, completionEvent, type CompletionEnvelope } from '../completions/responses';
import { interleave } from '../completions/interleave';
import { checkCompletionRequest, completionParameters } from '../completions/parameters';
import { servedModelId, type ShimContext, systemFingerprint } from '../context';
import { modelReady } from '../generation/ready';
import { generate, type GenerationInput, type GenerationResult, runGeneration } from '../generation/run';
import { readJson } from '../http/body';
import {
  computeCharacters,
  type GenerationHeaderValues,
  generationHeaderValues,
  headersOf,
  streamHeaders,
} from '../http/headers';
import { jsonResponse, unixSeconds } from '../http/responses';
import { type CompletionRequestBody, decodeCompletionRequest } from '../schema/requests';
import { completionStreamEncoder } from '../streaming/encoders';
import { framesOf } from '../streaming/frames';
import { sseResponse } from '../streaming/sse';

export async function completions(
  ctx: ShimContext,
  body: CompletionRequestBody,
  request: Request,
  startedAt: number,
): Promise<Response> {
  ctx.metrics.request();
  checkCompletionRequest(ctx, body);
  const info = await modelReady(ctx, request.signal);
  const parameters = completionParameters(body);
  const inputs: GenerationInput[] = body.prompt.map((prompt) => ({
    inputs: prompt,
    parameters,
    addSpecialTokens: true,
    // Completion chunks never carry logprobs.
    logprobs: false,
  }));
  const env: CompletionEnvelope = {
    model: servedModelId(ctx.config, info),
    systemFingerprint: systemFingerprint(ctx.config),
    created: unixSeconds(),
  };

  if (body.stream) {
    const characters = body.prompt.reduce((n, prompt) => n + computeCharacters(prompt), 0);
    return sseResponse({ headers: streamHeaders(info.device, characters), signal: request.signal }, async (sink) => {
      // All prompts are queued at once; their events interleave; one [DONE] ends the whole stream.
      const sources = inputs.map((input, index) =>
        framesOf(
          runGeneration(ctx, info, input, { mode: 'stream', signal: sink.signal, startedAt }),
          completionStreamEncoder,
          (step) => [completionEvent(step, index, env)],
          sink.signal,
        ),
      );
      for await (const frame of interleave(sources)) sink.write(frame);
      sink.write(completionStreamEncoder.end());
    });
  }

  // Non-stream: all prompts at once; the first failure answers the request and stops the others.
  const stop = new AbortController();
  const onAbort = () => stop.abort(request.signal.reason);
  if (request.signal.aborted) onAbort();
  request.signal.addEventListener('abort', onAbort, { once: true });
  const results: { index: number; result: GenerationResult }[] = [];
  try {
    await Promise.all(
      inputs.map(async (input, index) => {
        results.push({ index, result: await generate(ctx, info, input, { signal: stop.signal, startedAt }) });
      }),
    );
  } finally {
    request.signal.removeEventListener('abort', onAbort);
    stop.abort();
  }
  // TGI sums each generation's headers (and, like TGI, sends no x-compute-time here).
  const sums = {} as GenerationHeaderValues;
  for (const { result } of results) {
    for (const [name, value] of Object.entries(generationHeaderValues(result)) as [
      keyof GenerationHeaderValues,
      number,
    ][]) {
      sums[name] = (sums[name] ?? 0) + value;
    }
  }
  return jsonResponse(completion(results, env), headersOf(info.device, sums));
}

export async function completionsRoute(ctx: ShimContext, request: Request, startedAt: number): Promise<Response> {
  return completions(
    ctx,
    await readJson(request, decodeCompletionRequest, ctx.config.payloadLimit),
    request,
    startedAt,
  );
}
