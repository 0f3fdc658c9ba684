/**
 * Stop sequences, matched as TGI's `StopSequenceCriteria` does (server/text_generation_server/utils/tokens.py):
 * after each token, the decoded output so far ENDS with a stop string. The text fed in is each
 * token's incremental text, so a stop string split across several tokens is found on the token
 * that completes it. Only the last (longest stop) characters can matter, so only they are kept:
 * O(longest stop) per token, whatever the output length.
 *
 * Differences from TGI, on purpose: TGI builds the regex `escape(stop) + "$"`, and Python's `$`
 * also matches before a final "\n", so "abc" stops on "…abc\n" arriving in one token; here the
 * output must end with the stop string itself (what the spec and OpenAI say). An empty stop
 * string, which TGI's regex would match on the first token, is ignored.
 */
export class StopMatcher {
  private readonly stops: readonly string[];
  private readonly keep: number;
  /** The output's last `keep` UTF-16 units: enough to hold the longest stop string. */
  private tail = '';

  constructor(stops: readonly string[]) {
    this.stops = stops.filter((stop) => stop.length > 0);
    this.keep = Math.max(0, ...this.stops.map((stop) => stop.length));
  }

  /** Append a token's text; returns the first stop string (in the order given) the output now ends with, else null. */
  push(text: string): string | null {
    if (this.keep === 0) return null;
    this.tail = (this.tail + text).slice(-this.keep);
    return this.stops.find((stop) => this.tail.endsWith(stop)) ?? null;
  }
}
