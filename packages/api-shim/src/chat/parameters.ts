/**
 * OpenAI chat parameters → TGI's GenerateParameters (lib.rs `ChatRequest::try_into_generate`). The
 * result goes through the same validation as `/generate`.
 */
import type { ChatRequestBody, GenerateParameters } from '../schema/requests';

export function chatParameters(chat: ChatRequestBody): GenerateParameters {
  // Greedy only for temperature 0; otherwise (absent included) sample.
  const greedy = chat.temperature === 0;
  return {
    do_sample: !greedy,
    temperature: greedy ? undefined : chat.temperature,
    // TGI's own mapping of OpenAI's additive presence penalty onto its multiplicative one.
    repetition_penalty: chat.presence_penalty === undefined ? undefined : chat.presence_penalty + 2.0,
    frequency_penalty: chat.frequency_penalty,
    top_p: chat.top_p,
    max_new_tokens: chat.max_tokens,
    stop: chat.stop ?? [],
    seed: chat.seed,
    top_n_tokens: chat.top_logprobs,
    // Chat always needs the finish reason and token counts.
    details: true,
    decoder_input_details: false,
    watermark: false,
    ...(chat.response_format !== undefined && { grammar: chat.response_format }),
    // The model name selects a LoRA adapter in TGI and falls back to the base model when unknown;
    // we serve one model, so it never matters (and is never a reason to refuse).
  };
}

/** The `model` chat responses report: the request's, unless absent or "tgi". */
export function responseModel(requested: string | undefined, served: string): string {
  return requested === undefined || requested === 'tgi' ? served : requested;
}
