/** `POST /tokenize` and `POST /chat_tokenize`. */
import { renderChat } from '../chat/template';
import type { ShimContext } from '../context';
import type { TokenSpan } from '../engine';
import { ApiError } from '../errors/errors';
import { modelReady } from '../generation/ready';
import { tokenize } from '../generation/tokenize';
import { readJson } from '../http/body';
import { jsonResponse } from '../http/responses';
import { decodeChatRequest, decodeGenerateRequest } from '../schema/requests';
import { planChatStructure } from '../structured';

/** TGI's `SimpleToken`: `text` is the slice of the input's UTF-8 bytes [start, stop), decoded lossily. */
export function simpleTokens(
  text: string,
  spans: TokenSpan[],
): { id: number; text: string; start: number; stop: number }[] {
  const bytes = new TextEncoder().encode(text);
  const decoder = new TextDecoder();
  return spans.map(({ id, start, stop }) => ({ id, text: decoder.decode(bytes.subarray(start, stop)), start, stop }));
}

async function spansOf(ctx: ShimContext, text: string, addSpecialTokens: boolean): Promise<TokenSpan[]> {
  try {
    return await tokenize(ctx, text, addSpecialTokens);
  } catch (error) {
    throw error instanceof ApiError ? ctx.fail(error) : error;
  }
}

/** Special tokens are added, as for a generation from raw inputs. */
export async function tokenizeRoute(ctx: ShimContext, request: Request): Promise<Response> {
  const { inputs } = await readJson(request, decodeGenerateRequest, ctx.config.payloadLimit);
  await modelReady(ctx, request.signal);
  const spans = await spansOf(ctx, inputs, true);
  return jsonResponse(simpleTokens(inputs, spans));
}

/**
 * The chat request templated exactly as `/v1/chat/completions` would (tools and tool prompt
 * included), then tokenized without extra special tokens.
 */
export async function chatTokenizeRoute(ctx: ShimContext, request: Request): Promise<Response> {
  const body = await readJson(request, decodeChatRequest, ctx.config.payloadLimit);
  const tools = planChatStructure(body);
  const info = await modelReady(ctx, request.signal);
  const templated = await renderChat(ctx, info, body.messages, tools);
  const spans = await spansOf(ctx, templated, false);
  return jsonResponse({ tokenize_response: simpleTokens(templated, spans), templated_text: templated });
}
