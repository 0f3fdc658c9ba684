/**
 * Streaming detokenization, as TGI's `Model.decode_token` (server/text_generation_server/models/model.py)
 * does it: the text of a new token is the difference between decoding a short window of ids with and
 * without it, never the token decoded alone. That keeps what only context reveals:
 *
 * - byte-level BPE: one character's UTF-8 bytes may span 2–4 tokens; until it is complete the
 *   decoded window ends with U+FFFD, and the token's text is "" (the bytes wait, nothing is lost);
 *   the token that completes it yields the whole character;
 * - sentencepiece (Metaspace): a token decoded alone loses its leading space ("▁world" → "world"),
 *   but decoded after a previous token it keeps it;
 * - cleanup rules of a decoder that look at neighbouring tokens.
 *
 * State is TGI's two offsets, kept relative: `ids` starts at the prefix offset (the window) and
 * `read` marks the end of what has been emitted. Each emission slides the window forward, so a
 * decode covers the ids of the previous emission plus the pending ones: a few tokens, whatever
 * the length of the sequence.
 */

/** Decodes ids to text WITHOUT skipping special tokens (TGI's token texts include them, e.g. "</s>"). */
export type DecodeFn = (ids: number[]) => string;

/** How many prompt ids TGI decodes before the first generated token (its `prefix_offset = input_length − 5`). */
const PROMPT_CONTEXT = 5;

const REPLACEMENT_CHARACTER = '\uFFFD';

export class IncrementalDecoder {
  /** The window: ids from TGI's prefix offset on. */
  private ids: number[];
  /** TGI's read offset, relative to the window: ids before it have been emitted. */
  private read: number;
  /** decode(ids[0, read)), what the window's text is diffed against. */
  private prefixText: string;

  /**
   * @param promptIds the prompt; its last few ids give the first generated token its context
   *   (e.g. its leading space) and are never emitted themselves.
   */
  constructor(
    private readonly decode: DecodeFn,
    promptIds: readonly number[] = [],
  ) {
    this.ids = promptIds.slice(-PROMPT_CONTEXT);
    this.read = this.ids.length;
    this.prefixText = this.ids.length > 0 ? decode(this.ids) : '';
  }

  /** Add a generated token; returns the text it completes ("" while a character is incomplete). */
  push(id: number): string {
    this.ids.push(id);
    const text = this.decode(this.ids);
    // A U+FFFD at the END is most likely a character whose remaining bytes are still to come
    // (TGI's test); one in the middle is a genuinely invalid sequence and is emitted as is.
    if (text.length <= this.prefixText.length || text.endsWith(REPLACEMENT_CHARACTER)) return '';
    const added = text.slice(this.prefixText.length);
    this.ids = this.ids.slice(this.read);
    this.read = this.ids.length;
    this.prefixText = this.decode(this.ids);
    return added;
  }
}
