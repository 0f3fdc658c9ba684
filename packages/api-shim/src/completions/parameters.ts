/**
 * OpenAI completion parameters → TGI's GenerateParameters (server.rs `completions`), and the
 * request-level checks TGI makes before generating.
 */
import type { ShimContext } from '../context';
import { ApiError } from '../errors/errors';
import type { CompletionRequestBody, GenerateParameters } from '../schema/requests';

export function completionParameters(req: CompletionRequestBody): GenerateParameters {
  const greedy = req.temperature === 0;
  return {
    do_sample: !greedy,
    temperature: greedy ? undefined : req.temperature,
    top_p: req.top_p,
    repetition_penalty: req.repetition_penalty,
    frequency_penalty: req.frequency_penalty,
    max_new_tokens: req.max_tokens,
    stop: req.stop ?? [],
    seed: req.seed,
    details: true,
    // TGI asks for prompt logprobs on non-stream completions but never shows them: not computed here.
    decoder_input_details: false,
    watermark: false,
  };
}

/** `suffix` and too many prompts are refused before anything runs. */
export function checkCompletionRequest(ctx: ShimContext, req: CompletionRequestBody): void {
  if (req.suffix !== undefined) throw ctx.fail(new ApiError('suffix'));
  if (req.prompt.length > ctx.config.maxClientBatchSize) {
    throw ctx.fail(new ApiError('batch_size', String(ctx.config.maxClientBatchSize)));
  }
}
