/** Small response builders and the number formats TGI's JSON and headers use. */

export function jsonResponse(body: unknown, headers?: Headers): Response {
  const h = new Headers(headers);
  h.set('content-type', 'application/json');
  return new Response(JSON.stringify(body), { status: 200, headers: h });
}

export function textResponse(body: string): Response {
  return new Response(body, { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

/** A 200 with an empty body (TGI's health check). */
export function emptyResponse(): Response {
  return new Response(null, { status: 200 });
}

/**
 * TGI serializes logprobs as f32, so it prints the shortest decimal that reads back as the same
 * f32 (`-0.1234`, not `-0.12340000271797180`). This returns that number; JSON.stringify prints it.
 * Non-finite values stay as they are (JSON.stringify writes null, as serde_json does).
 */
export function f32(value: number): number {
  if (!Number.isFinite(value)) return value;
  const target = Math.fround(value);
  for (let digits = 1; digits < 10; digits++) {
    const candidate = Number(target.toPrecision(digits));
    if (Math.fround(candidate) === target) return candidate;
  }
  return target;
}

/** Unix seconds, the `created` of OpenAI objects. */
export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
