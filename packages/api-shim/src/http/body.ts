/**
 * Reading a JSON body the way TGI's axum `Json` extractor does, with its rejections in its order:
 * 415 wrong content type, 413 over the payload limit, 400 not JSON, 422 JSON of the wrong shape.
 */
import { ApiError } from '../errors/errors';
import { type Decoder, DecodeError, decodeRoot } from '../schema/serde';
import { parseJson } from '../schema/json';

/** `application/json` or any `application/*+json`, parameters ignored (axum's `json_content_type`). */
export function isJsonContentType(header: string | null): boolean {
  if (header === null) return false;
  const essence = header.split(';')[0].trim().toLowerCase();
  const match = /^application\/([^/\s]+)$/.exec(essence);
  if (!match) return false;
  return match[1] === 'json' || match[1].endsWith('+json');
}

async function readText(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw new ApiError('payload_too_large');
  // Firefox's Request has no `body` stream (undefined, where no body is null): there the whole body is
  // read at once, then held to the limit.
  const stream = (request as Partial<Pick<Request, 'body'>>).body;
  if (stream === undefined) {
    const whole = await request.arrayBuffer();
    if (whole.byteLength > limit) throw new ApiError('payload_too_large');
    return new TextDecoder('utf-8', { ignoreBOM: true }).decode(whole);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (stream) {
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel();
        throw new ApiError('payload_too_large');
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  // Keep a BOM: serde_json does not skip one, so neither do we.
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
}

export async function readJson<T>(request: Request, decoder: Decoder<T>, limit: number): Promise<T> {
  if (!isJsonContentType(request.headers.get('content-type'))) throw new ApiError('content_type');
  const parsed = parseJson(await readText(request, limit));
  if (!parsed.ok) throw new ApiError('json_syntax', parsed.message);
  try {
    return decodeRoot(decoder, parsed.value);
  } catch (error) {
    if (error instanceof DecodeError) throw new ApiError('json_data', error.message);
    throw error;
  }
}
