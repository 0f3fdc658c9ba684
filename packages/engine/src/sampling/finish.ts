/**
 * When a generation ends, in the precedence of TGI's `StoppingCriteria`
 * (server/text_generation_server/utils/tokens.py): length first, then EOS, then stop sequences.
 */
import type { FinishReason } from '../protocol/types';
import { StopMatcher } from '../tokenizer/stop-matcher';

export interface StoppingOptions {
  /** Finish with `length` once this many tokens have been generated. */
  maxNewTokens: number;
  eosTokenIds: readonly number[];
  /** Generate through EOS (it then finishes only by length or a stop string). */
  ignoreEos?: boolean;
  /** Stop strings matched against the end of the decoded output. */
  stop?: readonly string[];
}

export class StoppingCriteria {
  private readonly maxNewTokens: number;
  private readonly eos: ReadonlySet<number>;
  private readonly stops: StopMatcher;
  private generated = 0;

  constructor(options: StoppingOptions) {
    this.maxNewTokens = options.maxNewTokens;
    this.eos = new Set(options.ignoreEos ? [] : options.eosTokenIds);
    this.stops = new StopMatcher(options.stop ?? []);
  }

  /**
   * Call once per generated token, in order, with its id and its incremental text.
   * EOS counts as a generated token (TGI counts it in `generated_tokens`); as in TGI, a token
   * that ends the generation by length or EOS is not fed to the stop matcher.
   */
  check(tokenId: number, text: string): FinishReason | null {
    return this.checkToken(tokenId) ?? this.checkText(text);
  }

  /**
   * The first half of `check`, for callers that want to know before detokenizing: length,
   * then EOS. Follow it with `checkText` when it returns null.
   */
  checkToken(tokenId: number): 'length' | 'eos_token' | null {
    this.generated++;
    if (this.generated >= this.maxNewTokens) return 'length';
    if (this.eos.has(tokenId)) return 'eos_token';
    return null;
  }

  /** The second half of `check`: the stop strings, on the token's incremental text. */
  checkText(text: string): 'stop_sequence' | null {
    return this.stops.push(text) === null ? null : 'stop_sequence';
  }
}
