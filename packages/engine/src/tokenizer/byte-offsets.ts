import type { TokenSpan } from '../protocol/types';

/**
 * Byte offsets of tokens in the UTF-8 of the text they came from, as TGI's /tokenize
 * reports them (HF tokenizers' offset mapping; transformers.js has none). Each token's raw
 * bytes are recovered from its vocabulary piece and matched left to right against the
 * input; a token the post-processor inserted (e.g. `<s>`) matches nothing and gets an
 * empty span at the current position.
 *
 * The Rust tokenizer keeps offsets on whole characters: a token holding only part of a
 * character's bytes (an emoji split over byte tokens) covers the whole character, so the
 * spans of its tokens overlap and no `text` is a broken character. Spans are widened the
 * same way here.
 *
 * SentencePiece-style tokenizers may write a "▁" of their own before a run of text (the dummy prefix). The
 * Rust tokenizer aligns it to the character it precedes, so the token holding it covers that character too.
 */

/** How a tokenizer spells bytes in its vocabulary pieces. */
export type PieceScheme = 'byte-level' | 'metaspace' | 'plain';

/**
 * Where the tokenizer writes its own "▁" before a run of text (the text between added tokens):
 * - 'never';
 * - 'prepend': before each run (a Prepend normalizer, as Llama 2's legacy tokenizers have);
 * - 'always' / 'first': before each run / the run at the start of the text, unless it starts with a space
 *   already (a Metaspace pre-tokenizer's prepend_scheme).
 */
export type SpacePrefix = 'never' | 'prepend' | 'always' | 'first';

export interface Piece {
  id: number;
  /** The vocabulary string of the token (e.g. "Ġhello", "▁hello", "<0xE6>", "<s>"). */
  piece: string;
  /** Added tokens are spelled as their content, whatever the scheme. */
  added: boolean;
  /** An added token that takes the whitespace before it (lstrip) or after it (rstrip). */
  lstrip?: boolean;
  rstrip?: boolean;
}

/** A Unicode normalization form the tokenizer's normalizer applies before splitting (Qwen's NFC). */
export type UnicodeForm = 'NFC' | 'NFD' | 'NFKC' | 'NFKD';

export function tokenSpans(
  text: string,
  pieces: readonly Piece[],
  scheme: PieceScheme,
  prefix: SpacePrefix = 'never',
  form?: UnicodeForm,
): TokenSpan[] {
  const { input, original, from, to } = normalizedText(text, form);
  let position = 0;
  /** A run of text starts here, so the tokenizer's own "▁" may come first. */
  let runStart = true;
  return pieces.map(({ id, piece, added, lstrip, rstrip }) => {
    const matched = position;
    // An added token with lstrip takes the whitespace before it, and with rstrip the whitespace after it.
    const spaced = lstrip ? whitespaceEnd(input, position) : position;
    let bytes = added ? utf8.encode(piece) : pieceBytes(piece, scheme);
    // Some vocabularies list pieces spelled in their scheme as added tokens too (Gemma's "▁▁").
    if (added && !startsWith(input, bytes, spaced)) bytes = pieceBytes(piece, scheme);
    if (added && !startsWith(input, bytes, spaced)) bytes = bytes.subarray(0, 0);
    else if (added) {
      position = spaced;
      if (rstrip) bytes = input.subarray(position, whitespaceEnd(input, position + bytes.length));
    }
    /** The end of the character the tokenizer's own "▁" stands before, when this token holds that "▁". */
    let prefixEnd = matched;
    if (!added && runStart && bytes[0] === SPACE && prefixes(prefix, input, position)) {
      bytes = bytes.subarray(1);
      prefixEnd = characterEnd(input, Math.min(input.length, position + 1));
    }
    if (!added || bytes.length > 0) runStart = added;
    position = Math.min(input.length, position + bytes.length);
    const end = characterEnd(input, Math.max(position, prefixEnd));
    if (matched === end) {
      const at = matched < input.length ? from[matched] : original.length;
      return { id, text: '', start: at, stop: at };
    }
    const start = characterStart(original, from[characterStart(input, matched)]);
    const stop = characterEnd(original, to[end - 1]);
    return { id, text: utf8Text.decode(original.subarray(start, stop)), start, stop };
  });
}

/**
 * The text as the tokenizer's Unicode normalizer leaves it, in UTF-8, and for each of its bytes the byte
 * range [from, to) of the input it came from. As the Rust tokenizer aligns them: a character composed from
 * several (e + ◌́ → é) comes from the first; characters split from one (ﬁ → f i) all come from it.
 */
function normalizedText(text: string, form: UnicodeForm | undefined) {
  const original = utf8.encode(text);
  if (!form || text.normalize(form) === text) {
    const from = Int32Array.from(original.keys());
    return { input: original, original, from, to: from.map((i) => i + 1) };
  }
  const from: number[] = [];
  const to: number[] = [];
  let normalized = '';
  let at = 0;
  // A character and the marks that follow it normalize together, apart from the rest.
  for (const cluster of text.match(/\P{M}\p{M}*|\p{M}+/gu) ?? []) {
    const sources = [...cluster].map((char) => {
      const range = [at, at + utf8.encode(char).length];
      at = range[1];
      return range;
    });
    for (const [i, char] of [...cluster.normalize(form)].entries()) {
      const [start, end] = sources[Math.min(i, sources.length - 1)];
      for (let n = utf8.encode(char).length; n > 0; n--) from.push(start), to.push(end);
      normalized += char;
    }
  }
  return { input: utf8.encode(normalized), original, from: Int32Array.from(from), to: Int32Array.from(to) };
}

/** The end of the run of whitespace (as JavaScript's trim sees it, like transformers.js) from byte `at`. */
function whitespaceEnd(input: Uint8Array, at: number): number {
  while (at < input.length) {
    const end = characterEnd(input, at + 1);
    if (!/^\s$/u.test(utf8Text.decode(input.subarray(at, end)))) break;
    at = end;
  }
  return at;
}

/** Whether the tokenizer writes its own "▁" before the run of text starting at byte `at`. */
function prefixes(prefix: SpacePrefix, input: Uint8Array, at: number): boolean {
  if (prefix === 'never' || at >= input.length) return false;
  if (prefix === 'prepend') return true;
  return input[at] !== SPACE && (prefix === 'always' || at === 0);
}

/** The raw bytes a vocabulary piece stands for. */
export function pieceBytes(piece: string, scheme: PieceScheme): Uint8Array {
  const byteFallback = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
  if (byteFallback) return Uint8Array.of(parseInt(byteFallback[1], 16));
  if (scheme === 'byte-level') {
    const out = new Uint8Array(piece.length);
    let n = 0;
    for (const char of piece) {
      const byte = byteLevelDecoder.get(char);
      if (byte === undefined) return utf8.encode(piece);
      out[n++] = byte;
    }
    return out.subarray(0, n);
  }
  if (scheme === 'metaspace') return utf8.encode(piece.replaceAll('\u2581', ' '));
  return utf8.encode(piece);
}

/** GPT-2's byte-to-unicode table, inverted: printable bytes map to themselves, the rest to U+0100+. */
const byteLevelDecoder: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  let shifted = 0;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || byte >= 0xae;
    map.set(String.fromCharCode(printable ? byte : 256 + shifted++), byte);
  }
  return map;
})();

/** Bytes spelled in GPT-2's byte-to-unicode alphabet: the inverse of `pieceBytes` for 'byte-level'. */
export function byteLevelPiece(bytes: Uint8Array): string {
  let piece = '';
  for (const byte of bytes) piece += byteLevelEncoder[byte];
  return piece;
}

const byteLevelEncoder: readonly string[] = [...byteLevelDecoder].sort((a, b) => a[1] - b[1]).map(([char]) => char);

const SPACE = 0x20;
const utf8 = new TextEncoder();
const utf8Text = new TextDecoder();

/** UTF-8 continuation bytes are 10xxxxxx: never the first byte of a character. */
const isContinuation = (byte: number) => (byte & 0xc0) === 0x80;

/** The start of the character that byte `at` belongs to. */
function characterStart(bytes: Uint8Array, at: number): number {
  while (at > 0 && at < bytes.length && isContinuation(bytes[at])) at--;
  return at;
}

/** The end of the character that the byte before `at` belongs to. */
function characterEnd(bytes: Uint8Array, at: number): number {
  while (at < bytes.length && isContinuation(bytes[at])) at++;
  return at;
}

function startsWith(haystack: Uint8Array, needle: Uint8Array, at: number): boolean {
  if (at + needle.length > haystack.length) return false;
  for (let i = 0; i < needle.length; i++) if (haystack[at + i] !== needle[i]) return false;
  return true;
}
